"""Search filters as SQL: ``FilterSQL`` turns a ``SearchFilters`` (indexer/search.py) into a WHERE
clause over ``documents d``, and ``FILE_TIME_SQL`` tells apart photos dated only by their file's
time. They live in the store so that every piece of SQL against kith.db stays in this package."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from indexer.store.values import to_utc_iso

if TYPE_CHECKING:
    from indexer.search import SearchFilters
    from indexer.store.core import Store

# A photo with no capture date is dated by its file's modification time: a copy made today would be
# the "newest" photo. In time order such documents come after every real date.
FILE_TIME_SQL = "(d.kind = 'photo' AND IFNULL(json_extract(d.metadata, '$.date_source'), '') = 'file:mtime')"


class FilterSQL:
    """Turns SearchFilters into a WHERE clause over ``documents d``."""

    def __init__(self, store: "Store | None", filters: "SearchFilters | None") -> None:
        self.clauses: list[str] = []
        self.args: list[Any] = []
        if not filters:
            return
        if filters.kind:
            self.add("d.kind = ?", filters.kind)
        if filters.since:
            self.add("d.timestamp >= ?", to_utc_iso(filters.since))
        if filters.until:
            self.add("d.timestamp <= ?", to_utc_iso(filters.until))
        if filters.source:
            src = filters.source.rstrip("/")
            self.add("(d.source_path = ? OR d.source_path LIKE ? OR d.reader = ? OR d.reader LIKE ?)",
                     src, src + "/%", src, src + ".%")
        if filters.place:
            self.add("(d.place LIKE ? OR json_extract(d.metadata, '$.location') LIKE ?)",
                     f"%{filters.place}%", f"%{filters.place}%")
        keys = list(filters.identity_keys or [])
        if filters.person and not keys:
            from indexer.identity import identity_keys

            keys = identity_keys(filters.person)
        if keys or filters.person:
            parts, args = [], []
            if keys:
                parts.append(f"d.id IN (SELECT doc_id FROM doc_identities WHERE identity IN ({','.join('?' * len(keys))}))")
                args += keys
            if filters.person and not filters.identity_keys:
                like = f"%{filters.person}%"
                parts.append("(d.author LIKE ? OR d.participants LIKE ?)")
                args += [like, like]
            self.add("(" + " OR ".join(parts) + ")", *args)

    def add(self, clause: str, *args: Any) -> None:
        self.clauses.append(clause)
        self.args.extend(args)

    def where(self, prefix: str = "WHERE") -> str:
        return f"{prefix} " + " AND ".join(self.clauses) if self.clauses else ""
