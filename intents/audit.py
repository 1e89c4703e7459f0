"""The audit log: every intent call (intent, arguments, effect, who confirmed, result or error, time)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

MAX_RESULT_CHARS = 20_000


def _store(store_or_db: Any) -> Any:
    """A ``Store``; a bare sqlite_utils.Database (of kith.db, migrated) is wrapped in one."""
    if hasattr(store_or_db, "intent_calls"):
        return store_or_db
    from indexer.store import Store

    return Store.wrap(store_or_db)


def record(store: Any, *, intent: str, effect: str, caller: str, arguments: Any, status: str,
           confirmed_by: str | None, result: Any, error: Any, spec_hash: str | None) -> int:
    """Append one row; returns its id. ``store`` is the Store (or its database) to write to."""
    row = [
        datetime.now(timezone.utc).isoformat(timespec="milliseconds"), intent, effect, caller,
        _dump(arguments), status, confirmed_by, _dump(result, MAX_RESULT_CHARS) if result is not None else None,
        _dump(error) if error is not None else None, spec_hash,
    ]
    return _store(store).record_intent_call(row)


def entries(store: Any, intent: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first; ``store`` is a Store or its sqlite_utils.Database."""
    rows = _store(store).intent_calls(intent, limit)
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
