"""The search options are declared once (indexer.search_options); the click command, the fast path,
SearchRequest and SearchFilters are derived from that table and cannot drift apart."""
from __future__ import annotations

import dataclasses

from indexer.query_service import SearchRequest
from indexer.search import SearchFilters
from indexer.search_options import FILTER_OPTIONS, SEARCH_OPTIONS
from kith.cli import entry
from kith.cli.search_cmd import search_cmd


def test_every_place_has_the_same_options():
    names = [o.name for o in SEARCH_OPTIONS]
    assert names == ["kind", "since", "until", "person", "place", "source", "limit", "mode", "order"]
    flags = {p.opts[0]: p for p in search_cmd.params if p.opts[0].startswith("--")}
    assert [f for f in flags if f not in ("--home", "--json")] == [f"--{n}" for n in names]
    assert flags["--limit"].default == 10 and flags["--mode"].default == "hybrid"
    assert entry._VALUE_OPTIONS == {f"--{n}" for n in names} | {"--home"}
    assert [f.name for f in dataclasses.fields(SearchRequest)] == ["query", *names, "extra"]
    assert [f.name for f in dataclasses.fields(SearchFilters)] == [o.name for o in FILTER_OPTIONS] + ["identity_keys"]


def test_request_becomes_filters():
    request = SearchRequest.from_json({"query": "q", "kind": "mail", "place": "Lisbon", "since": "2026-01-01",
                                       "unknown": 1})
    filters = request.filters(None)
    assert (filters.kind, filters.place, filters.since.year) == ("mail", "Lisbon", 2026)
    assert filters.active and not SearchFilters().active
