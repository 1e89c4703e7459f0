"""The egress log (issue 15): every request that left the device, appended and listed."""
from __future__ import annotations

from typing import Any

from indexer.store.base import StoreBase
from indexer.store.values import utc_now


class EgressRecords(StoreBase):
    """``record_egress`` and ``egress_log``."""

    def record_egress(self, tier: str, host: str, kind: str, bytes_sent: int, bytes_received: int,
                      redactions: int, consent_fingerprint: str | None, status: str) -> int:
        """Append one request that left the device to the egress log; returns its id."""
        with self.db.conn:
            cursor = self.db.execute(
                "INSERT INTO egress_log (time, tier, host, kind, bytes_sent, bytes_received, redactions, "
                "consent_fingerprint, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [utc_now(), tier, host, kind, bytes_sent, bytes_received, redactions, consent_fingerprint, status])
        return int(cursor.lastrowid)

    def egress_log(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT id, time, tier, host, kind, bytes_sent, bytes_received, redactions, consent_fingerprint, "
               "status FROM egress_log ORDER BY id DESC")
        if limit:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql))
