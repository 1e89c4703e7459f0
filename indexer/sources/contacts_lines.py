"""vCard tokenising: a file's bytes to text, the text to ``BEGIN:VCARD`` blocks, and each block to
``Prop`` content lines (vobject's parser, with a simple fallback for lines it rejects)."""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field

log = logging.getLogger("indexer.sources.contacts")  # the reader's logger, as before the split

_ENCODING_WORDS = {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"}


@dataclass
class Prop:
    """One content line of a card: ``group.NAME;PARAM=a,b:value`` with the value still raw."""

    name: str
    value: str
    params: dict[str, list[str]] = field(default_factory=dict)
    group: str | None = None

    def param(self, key: str) -> list[str]:
        return self.params.get(key.upper(), [])

    @property
    def types(self) -> list[str]:
        return [t.lower() for t in self.param("TYPE") if t.upper() not in _ENCODING_WORDS]


def split_cards(text: str) -> list[tuple[str, bool]]:
    """Cut a file into ``BEGIN:VCARD``…``END:VCARD`` blocks; returns (block, terminated) pairs.

    A ``BEGIN:VCARD`` met inside an open card closes that card as unterminated, so a truncated card
    does not swallow the next one. Text outside cards is ignored.
    """
    cards: list[tuple[str, bool]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        marker = line.strip().upper()
        if marker == "BEGIN:VCARD":
            if current is not None:
                cards.append(("\r\n".join(current), False))
            current = [line.strip()]
        elif marker == "END:VCARD" and current is not None:
            current.append(line.strip())
            cards.append(("\r\n".join(current), True))
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        cards.append(("\r\n".join(current), False))
    return cards


_FALLBACK_LINE_RE = re.compile(
    r"^(?:(?P<group>[A-Za-z0-9_-]+)\.)?(?P<name>[A-Za-z0-9_-]+)(?P<params>;[^:]*)?:(?P<value>.*)$", re.DOTALL
)


def _simple_unfold(block: str) -> list[str]:
    """RFC 6350 unfolding plus quoted-printable soft line breaks, without vobject."""
    lines: list[str] = []
    for raw in block.splitlines():
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif lines and lines[-1].endswith("=") and "QUOTED-PRINTABLE" in lines[-1].split(":", 1)[0].upper():
            lines[-1] += "\n" + raw
        elif raw.strip():
            lines.append(raw)
    return lines


def _logical_lines(block: str) -> list[str]:
    try:
        from vobject.base import getLogicalLines

        return [line for line, _ in getLogicalLines(io.StringIO(block), allowQP=True)]
    except Exception as exc:  # vobject could not even unfold it: fall back to the simple rules
        log.debug("vobject could not unfold a card (%s); using the fallback unfolder", exc)
        return _simple_unfold(block)


def _param_dict(pairs: list[list[str]]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for pair in pairs:
        if not pair:
            continue
        if len(pair) == 1:  # vCard 2.1 bare parameter: TEL;CELL;VOICE
            key, values = "TYPE", [pair[0]]
        else:
            key, values = pair[0].upper(), list(pair[1:])
        bucket = params.setdefault(key, [])
        for value in values:
            for piece in str(value).split(","):
                piece = piece.strip().strip('"').strip()
                if piece:
                    bucket.append(piece)
    return params


def _fallback_parse_line(line: str) -> Prop | None:
    match = _FALLBACK_LINE_RE.match(line.strip("\r\n"))
    if not match:
        return None
    pairs = []
    for chunk in (match.group("params") or "").split(";"):
        chunk = chunk.strip()
        if chunk:
            key, _, value = chunk.partition("=")
            pairs.append([key.strip(), value.strip().strip('"')] if value else [key.strip().strip('"')])
    return Prop(match.group("name").upper(), match.group("value"), _param_dict(pairs), match.group("group"))


def tokenize_card(block: str) -> tuple[list[Prop], int]:
    """Turn one card's text into properties; returns them and the count of unparsable lines."""
    from vobject.base import parseLine

    props: list[Prop] = []
    bad = 0
    for line in _logical_lines(block):
        if not line.strip():
            continue
        try:
            name, pairs, value, group = parseLine(line)
            prop = Prop(name.upper(), value or "", _param_dict(pairs), group)
        except Exception:
            prop = _fallback_parse_line(line)
            if prop is None:
                bad += 1
                continue
        if prop.name in ("BEGIN", "END") and prop.value.strip().upper() == "VCARD":
            continue
        props.append(prop)
    return props, bad
