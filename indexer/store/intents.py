"""The intents' tables in kith.db (migration m003): the audit log of every intent call and the
approvals of third-party intents by hash. intents/audit.py and intents/trust.py decide what to
write; this module only stores and reads it."""
from __future__ import annotations

from typing import Any

from indexer.store.base import StoreBase
from indexer.store.values import utc_now


class IntentRecords(StoreBase):
    """``intent_audit`` and ``intent_approvals``."""

    def record_intent_call(self, row: list[Any]) -> int:
        """Append one audit row: [time, intent, effect, caller, arguments, status, confirmed_by,
        result, error, spec_hash] (JSON already encoded). Returns its id."""
        with self.db.conn:
            cursor = self.db.execute(
                """INSERT INTO intent_audit (time, intent, effect, caller, arguments, status, confirmed_by,
                                             result, error, spec_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                row,
            )
        return int(cursor.lastrowid)

    def intent_calls(self, intent: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Audit rows (JSON columns still encoded), newest first, optionally of one intent."""
        where, args = ("WHERE intent = ?", [intent]) if intent else ("", [])
        return list(self.db.query(f"SELECT * FROM intent_audit {where} ORDER BY id DESC LIMIT ?", [*args, limit]))

    def approved_intent_hash(self, name: str) -> str | None:
        row = self.db.execute("SELECT hash FROM intent_approvals WHERE name = ?", [name]).fetchone()
        return row[0] if row else None

    def approve_intent(self, name: str, digest: str, origin: str | None, by: str) -> None:
        """Record that intent ``name`` is approved at hash ``digest`` (by "user" or "tofu")."""
        with self.db.conn:
            self.db.execute(
                """INSERT INTO intent_approvals (name, hash, origin, approved_at, approved_by) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(name) DO UPDATE SET hash = excluded.hash, origin = excluded.origin,
                       approved_at = excluded.approved_at, approved_by = excluded.approved_by""",
                [name, digest, origin, utc_now(), by],
            )
