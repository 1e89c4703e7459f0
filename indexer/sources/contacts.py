"""Reader for vCard address books (``.vcf``): one ``contact`` Document per card.

Cards are split out of the file first, so one broken card never loses its neighbours. Each card
is tokenised with vobject's content-line parser (line unfolding, quoted-printable soft breaks,
quoted parameters); a line vobject rejects goes through a simple fallback parser instead. Values
are decoded here rather than by vobject's value behaviours, which keep only the text before the
first unescaped comma (``NICKNAME:Ali,Lee`` would become ``Ali``).

Handles vCard 2.1/3.0/4.0 and Apple's grouped ``itemN.X-ABRELATEDNAMES`` / ``X-ABLabel`` pairs.
"""
from __future__ import annotations

import io
import logging
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from indexer.document import Document, ReadFailure
from indexer.identity import identity_keys, normalize_email, relation_type
from indexer.sources.base import ReadItem, sniff_begin_block

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 256 * 1024 * 1024
EXTENSIONS = (".vcf", ".vcard")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

# Property names that hold a related person's name, and the relation they imply.
_X_RELATION_PROPS = {
    "X-SPOUSE": "spouse", "X-EVOLUTION-SPOUSE": "spouse", "X-MS-SPOUSE": "spouse",
    "X-KADDRESSBOOK-X-SPOUSESNAME": "spouse", "X-CHILD": "child", "X-CHILDREN": "child",
    "X-MS-CHILD": "child", "X-MANAGER": "manager", "X-EVOLUTION-MANAGER": "manager",
    "X-MS-MANAGER": "manager", "X-KADDRESSBOOK-X-MANAGERSNAME": "manager",
    "X-ASSISTANT": "assistant", "X-EVOLUTION-ASSISTANT": "assistant", "X-MS-ASSISTANT": "assistant",
    "X-KADDRESSBOOK-X-ASSISTANTSNAME": "assistant",
}
_ANNIVERSARY_PROPS = {"ANNIVERSARY", "X-ANNIVERSARY", "X-MS-ANNIVERSARY", "X-EVOLUTION-ANNIVERSARY",
                      "X-KADDRESSBOOK-X-ANNIVERSARY"}
_HANDLE_PROPS = {"X-AIM": "aim", "X-ICQ": "icq", "X-JABBER": "xmpp", "X-MSN": "msn", "X-YAHOO": "ymsgr",
                 "X-SKYPE": "skype", "X-SKYPE-USERNAME": "skype", "X-GOOGLE-TALK": "xmpp",
                 "X-GADUGADU": "gadugadu", "X-QQ": "qq", "X-TWITTER": "twitter", "X-TELEGRAM": "telegram"}
_NOISE_TYPES = {"voice", "pref", "internet", "x400", "text"}
_ME_VALUES = {"1", "true", "yes", "y"}
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


# --- splitting and tokenising ---------------------------------------------------------------------

def decode_bytes(raw: bytes) -> str:
    """Decode a vCard/iCalendar file: BOM-aware, UTF-8 first, then Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


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


# --- value decoding -----------------------------------------------------------------------------

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


def _human_date(parsed: dict[str, Any]) -> str:
    text = f"{parsed['day']} {MONTHS[parsed['month'] - 1]}"
    return f"{text} {parsed['year']}" if parsed["year"] else text


def _apple_label(label: str) -> str:
    match = re.match(r"^_\$!<(.*)>!\$_$", label.strip())
    return (match.group(1) if match else label).strip()


def _uid_key(uid: str) -> str:
    text = uid.strip().lower()
    return text[len("urn:uuid:") :] if text.startswith("urn:uuid:") else text


# --- card extraction -----------------------------------------------------------------------------

@dataclass
class Card:
    """What one vCard says, before it is rendered into a Document."""

    index: int
    full_name: str = ""
    given: str = ""
    family: str = ""
    name_parts: dict[str, str] = field(default_factory=dict)
    nicknames: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    birthday: dict[str, Any] | None = None
    birthday_text: str | None = None
    anniversary: dict[str, Any] | None = None
    org: str = ""
    department: str = ""
    title: str = ""
    role: str = ""
    addresses: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    related: list[dict[str, Any]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    uid: str | None = None
    version: str | None = None
    is_me: bool = False
    is_company: bool = False
    has_photo: bool = False
    gender: str | None = None
    rev: str | None = None
    bad_lines: int = 0
    terminated: bool = True


def _format_address(parts: list[str]) -> str:
    padded = (parts + [""] * 7)[:7]
    po_box, extended, street, locality, region, postal, country = (p.replace("\n", ", ").strip() for p in padded)
    pieces = [street, extended, po_box and f"PO Box {po_box}", locality, region, postal, country]
    return ", ".join(piece for piece in pieces if piece)


def extract_card(props: list[Prop], index: int) -> Card:
    """Pull the fields the index cares about out of a card's properties."""
    card = Card(index=index)
    labels = {p.group.lower(): _apple_label(text_value(p)) for p in props if p.group and p.name == "X-ABLABEL"}
    for prop in props:
        name = prop.name
        label = labels.get(prop.group.lower()) if prop.group else None
        if name == "VERSION":
            card.version = prop.value.strip()
        elif name == "FN" and not card.full_name:
            card.full_name = " ".join(text_value(prop).split())
        elif name == "N" and not card.name_parts:
            parts = ([p.replace(",", " ").strip() for p in structured_value(prop)] + [""] * 5)[:5]
            card.name_parts = dict(zip(("family", "given", "additional", "prefix", "suffix"), parts))
            card.family, card.given = parts[0], parts[1]
        elif name == "NICKNAME" or name == "X-PHONETIC-NICKNAME":
            card.nicknames.extend(n for n in list_value(prop) if n not in card.nicknames)
        elif name == "EMAIL":
            email = normalize_email(text_value(prop))
            if email and email not in card.emails:
                card.emails.append(email)
        elif name == "TEL":
            value = text_value(prop)
            if value.lower().startswith("tel:"):
                value = value[4:]
            types = list(dict.fromkeys(prop.types + ([label.lower()] if label else [])))
            if value and not any(p["value"] == value for p in card.phones):
                card.phones.append({"value": value, "types": types})
        elif name == "BDAY":
            raw = text_value(prop)
            omit = (prop.param("X-APPLE-OMIT-YEAR") or [None])[0]
            card.birthday = parse_vcard_date(raw, omit)
            card.birthday_text = None if card.birthday else (raw or None)
        elif name in _ANNIVERSARY_PROPS or (name == "X-ABDATE" and label and "anniversary" in label.lower()):
            parsed = parse_vcard_date(text_value(prop), (prop.param("X-APPLE-OMIT-YEAR") or [None])[0])
            if parsed and not card.anniversary:
                card.anniversary = parsed
        elif name == "ORG":
            parts = [p for p in structured_value(prop) if p]
            if parts and not card.org:
                card.org = parts[0]
                card.department = ", ".join(parts[1:])
        elif name == "TITLE" and not card.title:
            card.title = text_value(prop)
        elif name == "ROLE" and not card.role:
            card.role = text_value(prop)
        elif name == "ADR":
            parts = structured_value(prop)
            text = _format_address(parts)
            if text:
                types = list(dict.fromkeys(prop.types + ([label.lower()] if label else [])))
                keys = ("po_box", "extended", "street", "locality", "region", "postal_code", "country")
                address = dict(zip(keys, ((parts + [""] * 7)[:7])))
                address.update({"types": types, "text": text})
                card.addresses.append(address)
        elif name == "LABEL" and not prop.group:  # vCard 2.1/3.0 delivery label: an address as text
            text = ", ".join(line.strip() for line in text_value(prop).splitlines() if line.strip())
            if text and not any(a["text"] == text for a in card.addresses):
                card.addresses.append({"types": prop.types, "text": text})
        elif name == "NOTE":
            note = text_value(prop)
            if note:
                card.notes.append(note)
        elif name == "UID":
            card.uid = text_value(prop) or card.uid
        elif name == "X-ABUID" and not card.uid:
            card.uid = text_value(prop) or None
        elif name == "RELATED":
            value = text_value(prop)
            raw_types = [t for t in prop.types if t]
            types = [relation_type(t) for t in raw_types]
            kind = next((t for t in types if t != "other"), "other")
            if value:
                card.related.append({"type": kind, "value": value, "label": ",".join(raw_types) or None})
        elif name == "X-ABRELATEDNAMES":
            value = text_value(prop)
            raw_label = label or ",".join(t for t in prop.types if t != "pref") or ""
            if value:
                card.related.append({"type": relation_type(raw_label), "value": value, "label": raw_label or None})
        elif name in _X_RELATION_PROPS:
            for value in list_value(prop) if name in ("X-CHILDREN",) else [text_value(prop)]:
                if value:
                    card.related.append({"type": _X_RELATION_PROPS[name], "value": value, "label": name.lower()})
        elif name == "URL":
            url = text_value(prop)
            if url:
                card.urls.append(url)
        elif name == "IMPP":
            handle = text_value(prop)
            if handle and handle not in card.handles:
                card.handles.append(handle)
        elif name in _HANDLE_PROPS:
            value = text_value(prop)
            handle = f"{_HANDLE_PROPS[name]}:{value}" if value and ":" not in value else value
            if handle and handle not in card.handles:
                card.handles.append(handle)
        elif name == "X-SOCIALPROFILE":
            value = text_value(prop)
            if value and value not in card.handles:
                card.handles.append(value)
        elif name == "CATEGORIES":
            card.categories.extend(c for c in list_value(prop) if c not in card.categories)
        elif name == "PHOTO":
            card.has_photo = True
        elif name in ("GENDER", "X-GENDER") and not card.gender:
            card.gender = structured_value(prop)[0] or None
        elif name == "REV":
            card.rev = text_value(prop) or None
        elif name == "KIND":
            card.is_company = card.is_company or text_value(prop).lower() in ("org", "organization")
        elif name == "X-ABSHOWAS":
            card.is_company = card.is_company or text_value(prop).upper() == "COMPANY"
        elif name in ("X-KITH-ME", "X-ME", "X-IS-ME"):
            card.is_me = text_value(prop).lower() in _ME_VALUES
    if not card.full_name:
        parts = card.name_parts
        name = " ".join(p for p in (parts.get("prefix"), parts.get("given"), parts.get("additional"),
                                    parts.get("family"), parts.get("suffix")) if p)
        card.full_name = name or (card.org if card.org else "") or (card.nicknames[0] if card.nicknames else "")
        card.full_name = card.full_name or (card.emails[0] if card.emails else "")
    return card


def resolve_relations(cards: list[Card]) -> None:
    """Replace ``urn:uuid:`` references to other cards in the same file with those cards' names."""
    names = {_uid_key(c.uid): c.full_name for c in cards if c.uid and c.full_name}
    for card in cards:
        for rel in card.related:
            value = rel["value"]
            if value.lower().startswith("urn:uuid:") or _uid_key(value) in names:
                rel["uri"] = value
                if _uid_key(value) in names:
                    rel["value"] = names[_uid_key(value)]
            elif value.lower().startswith("mailto:"):
                rel["uri"] = value
                rel["value"] = normalize_email(value)


# --- rendering -------------------------------------------------------------------------------------

def _phone_text(phone: dict[str, Any]) -> str:
    types = [t for t in phone["types"] if t not in _NOISE_TYPES]
    return f"{phone['value']} ({', '.join(types)})" if types else phone["value"]


def render_body(card: Card) -> str:
    """A short readable description of the card for full-text search and embeddings."""
    sentences: list[str] = []
    head = card.full_name or "Unnamed contact"
    if card.nicknames:
        head += f" (nickname {', '.join(card.nicknames)})"
    job = card.title or card.role
    org = card.org + (f" ({card.department})" if card.department else "")
    if job and org:
        head += f", {job} at {org}"
    elif job:
        head += f", {job}"
    elif org and org != card.full_name:
        head += f", works at {org}"
    sentences.append(head + ".")
    if card.emails:
        sentences.append(f"Email {', '.join(card.emails)}.")
    if card.phones:
        sentences.append(f"Phone {', '.join(_phone_text(p) for p in card.phones)}.")
    if card.birthday:
        sentences.append(f"Birthday {_human_date(card.birthday)}.")
    elif card.birthday_text:
        sentences.append(f"Birthday {card.birthday_text}.")
    if card.anniversary:
        sentences.append(f"Anniversary {_human_date(card.anniversary)}.")
    for rel in card.related:
        value = rel["value"]
        if value.lower().startswith("urn:"):
            continue  # a link to a card we do not have: nothing readable to say
        label = rel["type"].capitalize() if rel["type"] != "other" else (rel.get("label") or "Related")
        sentences.append(f"{_apple_label(label).capitalize()}: {value}.")
    for address in card.addresses:
        types = [t for t in address["types"] if t not in _NOISE_TYPES]
        sentences.append(f"Address{' (' + ', '.join(types) + ')' if types else ''}: {address['text']}.")
    if card.handles:
        sentences.append(f"Accounts: {', '.join(card.handles)}.")
    if card.urls:
        sentences.append(f"Web: {', '.join(card.urls)}.")
    if card.categories:
        sentences.append(f"Groups: {', '.join(card.categories)}.")
    for note in card.notes:
        sentences.append(f"Note: {note}")
    return "\n".join(sentences)


def card_metadata(card: Card) -> dict[str, Any]:
    keys: list[str] = []
    for value in [card.full_name, *card.nicknames, *card.emails, *(p["value"] for p in card.phones)]:
        if value:
            # Names stay names even when they look like something else (a nickname "007").
            found = identity_keys(value)
            keys.extend(k for k in found if k not in keys)
    return {
        "full_name": card.full_name,
        "given": card.given,
        "family": card.family,
        "name_parts": card.name_parts,
        "nicknames": card.nicknames,
        "emails": card.emails,
        "phones": card.phones,
        "birthday": card.birthday["iso"] if card.birthday else card.birthday_text,
        "birthday_month": card.birthday["month"] if card.birthday else None,
        "birthday_day": card.birthday["day"] if card.birthday else None,
        "anniversary": card.anniversary["iso"] if card.anniversary else None,
        "org": card.org,
        "department": card.department,
        "title": card.title or card.role,
        "addresses": card.addresses,
        "related": card.related,
        "notes": card.notes,
        "urls": card.urls,
        "handles": card.handles,
        "categories": card.categories,
        "is_me": card.is_me,
        "is_company": card.is_company,
        "has_photo": card.has_photo,
        "gender": card.gender,
        "rev": card.rev,
        "vcard_version": card.version,
        "uid": card.uid,
        "identity_keys": keys,
    }


# --- the reader ------------------------------------------------------------------------------------

class VCardReader:
    """``contacts.vcard``: every card in a ``.vcf`` file becomes a ``contact`` Document."""

    name = "contacts.vcard"
    extensions = EXTENSIONS
    kind = "contact"

    def sniff(self, path: Path, head: bytes) -> float:
        return sniff_begin_block(path, head, "VCARD", EXTENSIONS)

    def read(self, path: Path) -> Iterator[ReadItem]:
        path = Path(path)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{size} bytes is larger than the {MAX_FILE_BYTES} byte limit for a vCard file")
        source = str(path)
        blocks = split_cards(decode_bytes(path.read_bytes()))
        if not blocks:
            yield ReadFailure(source, "no BEGIN:VCARD found: not a vCard file")
            return
        # All cards are parsed before any is rendered so that RELATED urn:uuid: links can be named.
        items: list[Card | ReadFailure] = []
        for index, (block, terminated) in enumerate(blocks):
            try:
                props, bad = tokenize_card(block)
                card = extract_card(props, index)
            except Exception as exc:  # a card that breaks the parser must not lose the others
                items.append(ReadFailure(source, f"could not parse card: {type(exc).__name__}: {exc}", f"card:{index}"))
                continue
            card.bad_lines, card.terminated = bad, terminated
            if not (card.full_name or card.emails or card.phones):
                detail = f" ({bad} unparsable lines)" if bad else ""
                items.append(ReadFailure(source, f"card has no name, email or phone number{detail}", f"card:{index}"))
                continue
            items.append(card)
        resolve_relations([item for item in items if isinstance(item, Card)])
        seen: dict[str, int] = {}
        for item in items:
            if isinstance(item, ReadFailure):
                yield item
                continue
            locator = f"card:{item.uid or item.index}"
            if locator in seen:  # two cards with one UID in the same file: keep both, addressably
                seen[locator] += 1
                locator = f"{locator}#{seen[locator]}"
            else:
                seen[locator] = 0
            yield self._document(source, locator, item)

    def _document(self, source: str, locator: str, card: Card) -> Document:
        metadata = card_metadata(card)
        if card.bad_lines:
            metadata["unparsed_lines"] = card.bad_lines
        if not card.terminated:
            metadata["unterminated"] = True
        participants = list(dict.fromkeys([*card.emails, *(p["value"] for p in card.phones)]))
        return Document(
            kind="contact",
            source_path=source,
            locator=locator,
            title=card.full_name or (card.emails[0] if card.emails else card.phones[0]["value"]),
            body=render_body(card),
            participants=participants,
            metadata=metadata,
            uid=card.uid,
        )


READER = VCardReader()
