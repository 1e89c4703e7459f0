"""Plain-text rendering of one document for `kith show`: "key: value" lines, never a Python repr."""
from __future__ import annotations

import json
from typing import Any

from indexer.localtime import parse_iso, stamp


def show_lines(doc: dict[str, Any]) -> list[str]:
    """`kith show`'s header: plain "key: value" lines (lists joined, never a Python repr)."""
    lines = [f"{doc['title']}  ({doc['kind']} {doc['id']})"]
    meta = doc.get("metadata") or {}
    when = stamp(parse_iso(doc.get("local_time")))
    if when:
        if meta.get("time_is_file_mtime"):
            when += " (the file's modification time: no capture date)"
        lines.append(f"time: {when}")
    for key in ("author", "participants", "place", "source_path", "locator"):
        if doc.get(key):
            lines.append(f"{key}: {plain(doc[key])}")
    locations = doc.get("locations") or []
    if len(locations) > 1:
        lines.append("locations:")
        lines += [f"  {loc['path']}#{loc['locator']}" if loc.get("locator") else f"  {loc['path']}"
                  for loc in locations]
    for key, value in meta.items():
        if value not in (None, "", [], {}) and key not in _SHOWN_ELSEWHERE:
            lines.append(f"{key}: {plain(value)}")
    return lines


# Metadata that `kith show` already prints above, or that is too bulky for a header.
_SHOWN_ELSEWHERE = {"messages", "identity_keys", "tz_offset_minutes", "place", "time_is_file_mtime", "html"}


def plain(value: Any) -> str:
    """A value as a person reads it: lists joined with commas, mappings as JSON, never a repr."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
