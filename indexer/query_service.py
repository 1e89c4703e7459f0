"""The search request/response shape shared by the CLI (in-process) and the daemon (over its socket)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.app import KithApp
from indexer.search import SearchFilters
from indexer.timeparse import check_range, parse_when


@dataclass
class SearchRequest:
    query: str
    kind: str | None = None
    since: str | None = None
    until: str | None = None
    person: str | None = None
    source: str | None = None
    place: str | None = None
    limit: int = 10
    mode: str = "hybrid"
    order: str = "relevance"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SearchRequest":
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})

    def filters(self, app: KithApp) -> SearchFilters:
        identity_keys = None
        if self.person:
            identity_keys = resolve_person_keys(app, self.person)
        since, until = parse_when(self.since), parse_when(self.until)
        check_range(since, until, self.since, self.until)
        return SearchFilters(
            kind=self.kind, since=since, until=until,
            person=self.person, source=self.source, place=self.place, identity_keys=identity_keys,
        )


def resolve_person_keys(app: KithApp, person: str) -> list[str] | None:
    """Identity keys for a person phrase via the people layer ("my husband", "Alice")."""
    from indexer.people import resolve_person_identities

    return resolve_person_identities(app.store, person) or None


def run_search(app: KithApp, request: SearchRequest) -> list[dict[str, Any]]:
    hits = app.searcher.search(
        request.query, request.filters(app), limit=request.limit, mode=request.mode, order=request.order
    )
    return [hit.to_json() for hit in hits]
