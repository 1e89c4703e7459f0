"""A Card rendered for the index: the readable body text and the document metadata (with the
identity keys the people index matches on)."""
from __future__ import annotations

from typing import Any

from indexer.identity import identity_keys
from indexer.sources.contacts_card import Card
from indexer.sources.contacts_values import apple_label

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_NOISE_TYPES = {"voice", "pref", "internet", "x400", "text"}


def _human_date(parsed: dict[str, Any]) -> str:
    text = f"{parsed['day']} {MONTHS[parsed['month'] - 1]}"
    return f"{text} {parsed['year']}" if parsed["year"] else text


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
        sentences.append(f"{apple_label(label).capitalize()}: {value}.")
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
