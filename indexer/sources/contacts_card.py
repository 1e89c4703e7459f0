"""What one vCard says: the ``Card`` fields pulled out of its properties, and RELATED links between
cards of one file resolved to names."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.identity import normalize_email, relation_type
from indexer.sources.contacts_lines import Prop
from indexer.sources.contacts_values import apple_label, list_value, parse_vcard_date, structured_value, text_value

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
_ME_VALUES = {"1", "true", "yes", "y"}


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
    labels = {p.group.lower(): apple_label(text_value(p)) for p in props if p.group and p.name == "X-ABLABEL"}
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
    names = {uid_key(c.uid): c.full_name for c in cards if c.uid and c.full_name}
    for card in cards:
        for rel in card.related:
            value = rel["value"]
            if value.lower().startswith("urn:uuid:") or uid_key(value) in names:
                rel["uri"] = value
                if uid_key(value) in names:
                    rel["value"] = names[uid_key(value)]
            elif value.lower().startswith("mailto:"):
                rel["uri"] = value
                rel["value"] = normalize_email(value)


def uid_key(uid: str) -> str:
    text = uid.strip().lower()
    return text[len("urn:uuid:") :] if text.startswith("urn:uuid:") else text
