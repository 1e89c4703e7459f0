"""Generators that write small, realistic sample files for tests and demos."""
