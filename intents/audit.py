"""The audit log: every intent call (intent, arguments, effect, who confirmed, result or error, time)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

MAX_RESULT_CHARS = 20_000


def record(db: Any, *, intent: str, effect: str, caller: str, arguments: Any, status: str,
           confirmed_by: str | None, result: Any, error: Any, spec_hash: str | None) -> int:
    """Append one row; returns its id. ``db`` is a sqlite_utils.Database with migration m003 applied."""
    row = [
        datetime.now(timezone.utc).isoformat(timespec="milliseconds"), intent, effect, caller,
        _dump(arguments), status, confirmed_by, _dump(result, MAX_RESULT_CHARS) if result is not None else None,
        _dump(error) if error is not None else None, spec_hash,
    ]
    with db.conn:
        cursor = db.execute(
            """INSERT INTO intent_audit (time, intent, effect, caller, arguments, status, confirmed_by,
                                         result, error, spec_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            row,
        )
    return int(cursor.lastrowid)


def entries(db: Any, intent: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first."""
    where, args = ("WHERE intent = ?", [intent]) if intent else ("", [])
    rows = list(db.query(f"SELECT * FROM intent_audit {where} ORDER BY id DESC LIMIT ?", [*args, limit]))
    for row in rows:
        for key in ("arguments", "result", "error"):
            if row[key] is not None:
                try:
                    row[key] = json.loads(row[key])
                except ValueError:
                    pass
    return rows


def _dump(value: Any, limit: int | None = None) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if limit and len(text) > limit:
        return json.dumps({"truncated": True, "preview": text[:limit]})
    return text
