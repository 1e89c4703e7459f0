"""Benchmark scripts (run directly; never part of `make test`)."""
