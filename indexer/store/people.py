"""People queries: display names (the planner's entity values) and each person's identity keys
(for redaction)."""
from __future__ import annotations

from typing import Any

from indexer.store.base import StoreBase


class PeopleQueries(StoreBase):
    """Read-only queries on ``people`` and ``person_identities``."""

    def people_identities(self) -> list[dict[str, Any]]:
        """Every person's display name and identity keys (email:…, phone:…, name:…), for redaction."""
        rows = self.db.execute(
            "SELECT p.id, p.display_name, i.identity FROM people p "
            "LEFT JOIN person_identities i ON i.person_id = p.id ORDER BY p.id").fetchall()
        people: dict[int, dict[str, Any]] = {}
        for person_id, name, identity in rows:
            entry = people.setdefault(person_id, {"name": name, "identities": []})
            if identity:
                entry["identities"].append(identity)
        return list(people.values())

    def person_names(self, limit: int = 5000) -> list[str]:
        """Display names of the people kith knows, most interactions first (the planner's entity values)."""
        rows = self.db.execute("SELECT DISTINCT display_name FROM people WHERE display_name != '' "
                               "ORDER BY interactions DESC, display_name LIMIT ?", [int(limit)]).fetchall()
        return [r[0] for r in rows]
