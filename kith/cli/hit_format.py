"""Plain-text rendering of a search hit (ANSI styles on a terminal). Standard library only: it is
shared by the click command and the `kith search` fast path."""
from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~5 ms to import: type names only for checkers (hot path)
if TYPE_CHECKING:
    from typing import Any

_STYLES = {"bold": "1", "dim": "2", "cyan": "36", "magenta": "35", "hl": "1;33"}


def _style(text: str, style: str, color: bool) -> str:
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m" if color and text else text


def hit_when(hit: dict[str, Any]) -> str:
    """The hit's local time with its offset ('2026-07-11 20:00 +01:00'); never a bare UTC clock."""
    from indexer.localtime import local_time, parse_iso, stamp

    local = parse_iso(hit.get("local_time"))
    if local is None:  # an older daemon: its UTC timestamp in this machine's zone
        local = local_time(hit.get("timestamp"))
    return stamp(local)


def format_hit(number: int, hit: dict[str, Any], color: bool = False) -> str:
    when = hit_when(hit)
    if when and hit.get("time_is_file_mtime"):
        when += " (file time)"
    header = " ".join(part for part in (
        _style(f"{number}.", "bold", color),
        _style(f"[{hit['kind']}]", "cyan", color),
        _style(hit.get("title") or "(no title)", "bold", color),
        _style(when, "dim", color),
        _style(hit.get("author") or "", "magenta", color),
    ) if part)
    snippet, cursor, pieces = hit.get("snippet") or "", 0, []
    for start, end in hit.get("highlights") or []:
        pieces += [snippet[cursor:start], _style(snippet[start:end], "hl", color)]
        cursor = end
    pieces.append(snippet[cursor:])
    where = _style(f"{hit['id']}  {hit['path']}#{hit['locator']}", "dim", color)
    return f"{header}\n   {''.join(pieces)}\n   {where}"
