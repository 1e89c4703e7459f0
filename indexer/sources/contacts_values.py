"""vCard value decoding: quoted-printable, backslash escapes, list and structured values, dates
(BDAY/ANNIVERSARY forms) and Apple's ``_$!<Label>!$_`` labels."""
from __future__ import annotations

import quopri
import re
from datetime import date
from typing import Any

from indexer.sources.contacts_lines import Prop


def _decode_qp(prop: Prop) -> str:
    encodings = {e.upper() for e in prop.param("ENCODING")} | {t.upper() for t in prop.param("TYPE")}
    if "QUOTED-PRINTABLE" not in encodings:
        return prop.value
    charset = (prop.param("CHARSET") or ["utf-8"])[0]
    data = quopri.decodestring(prop.value.replace("\r\n", "\n").encode("utf-8", errors="replace"))
    for candidate in (charset, "utf-8", "cp1252"):
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def unescape(text: str) -> str:
    """Undo vCard/iCalendar text escaping (``\\n``, ``\\,``, ``\\;``, ``\\\\``)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def split_unescaped(text: str, sep: str) -> list[str]:
    """Split on ``sep`` where it is not backslash-escaped, then unescape each part."""
    parts: list[str] = []
    buf: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append(unescape("".join(buf)))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append(unescape("".join(buf)))
    return parts


def text_value(prop: Prop) -> str:
    return unescape(_decode_qp(prop)).strip()


def list_value(prop: Prop) -> list[str]:
    return [part.strip() for part in split_unescaped(_decode_qp(prop), ",") if part.strip()]


def structured_value(prop: Prop) -> list[str]:
    return [part.strip() for part in split_unescaped(_decode_qp(prop), ";")]


# --- dates and relations -------------------------------------------------------------------------
def parse_vcard_date(value: str, omit_year: str | None = None) -> dict[str, Any] | None:
    """Parse BDAY/ANNIVERSARY forms: ``1985-04-12``, ``19850412``, ``--0412``, ``--04-12``, with time.

    Returns ``{"iso", "year", "month", "day"}`` (``iso`` is ``--MM-DD`` when the year is unknown)
    or None when the value is not a recognisable date. Apple's placeholder year (``1604`` with
    ``X-APPLE-OMIT-YEAR``) counts as unknown.
    """
    text = value.strip()
    match = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T\s].*)?$", text)
    if match:
        year: int | None = int(match.group(1))
        month, day = int(match.group(2)), int(match.group(3))
        if (omit_year and omit_year.strip() == match.group(1)) or year == 1604 or year == 0:
            year = None
    else:
        match = re.match(r"^--(\d{2})-?(\d{2})(?:T.*)?$", text)
        if not match:
            return None
        year, month, day = None, int(match.group(1)), int(match.group(2))
    try:
        date(year or 2000, month, day)  # 2000 is a leap year, so --02-29 is accepted
    except ValueError:
        return None
    iso = f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"
    return {"iso": iso, "year": year, "month": month, "day": day}


def apple_label(label: str) -> str:
    match = re.match(r"^_\$!<(.*)>!\$_$", label.strip())
    return (match.group(1) if match else label).strip()
