"""The search request/response shape shared by the CLI (in-process) and the daemon (over its socket)."""
from __future__ import annotations

from dataclasses import field, make_dataclass
from typing import Any

from indexer.app import KithApp
from indexer.search import SearchFilters
from indexer.search_options import FILTER_OPTIONS, request_fields
from indexer.timeparse import check_range, parse_when


def _from_json(cls: type, data: dict[str, Any]) -> Any:
    fields = cls.__dataclass_fields__
    return cls(**{k: v for k, v in data.items() if k in fields})


def _filters(self: Any, app: KithApp) -> SearchFilters:
    identity_keys = None
    if self.person:
        identity_keys = resolve_person_keys(app, self.person)
    since, until = parse_when(self.since), parse_when(self.until)
    check_range(since, until, self.since, self.until)
    values = {o.name: getattr(self, o.name) for o in FILTER_OPTIONS}
    return SearchFilters(**{**values, "since": since, "until": until, "identity_keys": identity_keys})


# query, then the options of indexer.search_options (kind, since, until, person, place, source, limit,
# mode, order), then extra.
SearchRequest = make_dataclass(
    "SearchRequest", [("query", str), *request_fields(), ("extra", dict[str, Any], field(default_factory=dict))],
    namespace={"__doc__": "One search: the query and its options (the CLI, the daemon and serve send these fields).",
               "from_json": classmethod(_from_json), "filters": _filters})
SearchRequest.__module__ = __name__


def resolve_person_keys(app: KithApp, person: str) -> list[str] | None:
    """Identity keys for a person phrase via the people layer ("my husband", "Alice")."""
    from indexer.people import resolve_person_identities

    return resolve_person_identities(app.store, person) or None


def run_search(app: KithApp, request: Any) -> list[dict[str, Any]]:
    hits = app.searcher.search(
        request.query, request.filters(app), limit=request.limit, mode=request.mode, order=request.order
    )
    return [hit.to_json() for hit in hits]
