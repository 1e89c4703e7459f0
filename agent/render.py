"""Intent results as answers: one renderer per result type, never a Python dict on screen.

A renderer turns the JSON result of a finished call (the intent's return model, e.g.
``ContactCard``) into answer lines for the question that was asked, plus citations for the
documents the result came from. ``register_renderer("TypeName")`` adds one (a plugin intent can
register its own); a result type with no renderer falls back to ``generic`` ("field: value"
lines). ``describe_contact`` is shared with the composer, which renders contact-card hits for
who-questions the same way.
"""
from __future__ import annotations

import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RELATION_WORDS = {"spouse": "spouse", "partner": "partner", "child": "child", "parent": "parent",
                  "mother": "mother", "father": "father", "sibling": "sibling", "friend": "friend",
                  "colleague": "colleague", "manager": "manager", "assistant": "assistant"}
# question words -> the contact field they ask for
FOCUS = [("phone", r"\b(phone|mobile|cell|number|call\s+\w+\s+on)\b"), ("email", r"\b(e-?mail|address\s+to\s+write)\b"),
         ("birthday", r"\b(birthday|born|birth)\b"), ("address", r"\b(address|live|lives|living)\b"),
         ("org", r"\b(work|works|job|company|employer|organi[sz]ation)\b")]


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RenderContext:
    question: str = ""
    relations_of: Callable[[str], list[dict[str, Any]]] = lambda doc_id: []   # contact doc id -> relations to owner
    first_citation: int = 1


Renderer = Callable[[dict[str, Any], RenderContext], Rendered]
RENDERERS: dict[str, Renderer] = {}


def register_renderer(type_name: str) -> Callable[[Renderer], Renderer]:
    def wrap(func: Renderer) -> Renderer:
        RENDERERS[type_name] = func
        return func

    return wrap


def result_type(spec: Any) -> str | None:
    """The name of an intent's return model (``ContactCard``), the key renderers are registered under."""
    try:
        hint = typing.get_type_hints(spec.func).get("return")
    except Exception:
        return None
    return getattr(hint, "__name__", None)


def render_result(type_name: str | None, result: Any, context: RenderContext) -> Rendered:
    if not isinstance(result, dict):
        return Rendered([str(result)] if result not in (None, "") else [])
    return RENDERERS.get(type_name or "", generic)(result, context)


def citation(number: int, item: dict[str, Any]) -> dict[str, Any]:
    return {"n": number, "id": item.get("id"), "kind": item.get("kind") or "", "title": item.get("title") or "",
            "path": item.get("path") or "", "locator": item.get("locator") or "", "snippet": item.get("snippet") or "",
            "timestamp": item.get("timestamp"), "trust": "untrusted"}


# ------------------------------------------------------------------ people
def focus_of(question: str) -> str | None:
    for name, pattern in FOCUS:
        if re.search(pattern, question, re.I):
            return name
    return None


def relation_phrase(relations: list[dict[str, Any]]) -> str | None:
    """"your friend", "the partner of your friend Alice Martin", or None."""
    if not relations:
        return None
    first = relations[0]
    word = RELATION_WORDS.get(first.get("relation") or "", first.get("relation") or "contact")
    if not first.get("via"):
        return f"your {word}"
    via = RELATION_WORDS.get(first.get("via_relation") or "", "contact")
    return f"the {word} of your {via} {first['via']}"


def _phones(card: dict[str, Any]) -> list[str]:
    return [p["value"] if isinstance(p, dict) else str(p) for p in card.get("phones") or []]


def _address(value: Any) -> str:
    if isinstance(value, dict):
        if value.get("text"):
            return str(value["text"])
        parts = [value.get(k) for k in ("street", "city", "region", "code", "country")]
        text = ", ".join(str(p) for p in parts if p)
        return text or ", ".join(str(v) for v in value.values() if v and isinstance(v, str))
    return str(value)


def describe_contact(card: dict[str, Any], relations: list[dict[str, Any]], focus: str | None = None) -> str:
    """One line about a person from their card's fields: the asked-for field, or who they are to the owner."""
    name = card.get("name") or card.get("full_name") or card.get("title") or "this person"
    phones, emails = _phones(card), list(card.get("emails") or [])
    addresses = [_address(a) for a in card.get("addresses") or []]
    if focus == "phone" and phones:
        return f"{name}'s phone number: {', '.join(phones)}"
    if focus == "email" and emails:
        return f"{name}'s e-mail: {', '.join(emails)}"
    if focus == "birthday" and card.get("birthday"):
        return f"{name}'s birthday: {card['birthday']}"
    if focus == "address" and addresses:
        return f"{name}'s address: {'; '.join(addresses)}"
    if focus == "org" and card.get("org"):
        return f"{name} works at {card['org']}"
    relation = relation_phrase(relations)
    head = f"{name} is {relation}" if relation else name
    details = []
    if card.get("role") or card.get("org"):
        details.append(" at ".join(str(x) for x in (card.get("role"), card.get("org")) if x))
    notes = [str(n) for n in card.get("notes") or [] if n]
    if notes:
        details.append("note: " + " ".join(notes))
    if phones:
        details.append(f"phone {', '.join(phones)}")
    if emails:
        details.append(f"e-mail {', '.join(emails)}")
    return head + (" (" + "; ".join(details) + ")" if details else "")


def card_from_metadata(metadata: dict[str, Any], title: str) -> dict[str, Any]:
    """A contact document's stored fields in the shape ``describe_contact`` reads."""
    return {"name": metadata.get("full_name") or title, "emails": metadata.get("emails") or [],
            "phones": metadata.get("phones") or [], "birthday": metadata.get("birthday"),
            "org": metadata.get("org") or None, "role": metadata.get("title") or None,
            "addresses": metadata.get("addresses") or [], "notes": metadata.get("notes") or []}


@register_renderer("ContactCard")
def render_contact(result: dict[str, Any], context: RenderContext) -> Rendered:
    relations = context.relations_of(result["id"]) if result.get("id") else []
    line = describe_contact(result, relations, focus_of(context.question))
    if result.get("path"):
        n = context.first_citation
        return Rendered([f"{line} [{n}]"], [citation(n, result)])
    return Rendered([line])


# --------------------------------------------------------------- receipts
@register_renderer("CalendarReceipt")
def render_calendar_receipt(result: dict[str, Any], context: RenderContext) -> Rendered:
    when = f" for {result['start']}" if result.get("start") else ""
    return Rendered([f"Saved “{result.get('summary', '')}”{when} in {result.get('path', '')}"])


@register_renderer("MessageReceipt")
def render_message_receipt(result: dict[str, Any], context: RenderContext) -> Rendered:
    to = result.get("recipient", "")
    address = f" ({result['address']})" if result.get("address") else ""
    return Rendered([f"Queued for {to}{address} in {result.get('outbox', '')}"])


@register_renderer("DraftReceipt")
def render_draft_receipt(result: dict[str, Any], context: RenderContext) -> Rendered:
    return Rendered([f"Draft to {', '.join(result.get('to') or [])} “{result.get('subject', '')}” saved in "
                     f"{result.get('path', '')}"])


@register_renderer("ForgetReceipt")
def render_forget_receipt(result: dict[str, Any], context: RenderContext) -> Rendered:
    n = result.get("documents_removed", 0)
    return Rendered([f"Removed “{result.get('title', '')}” from the index ({n} document{'s' * (n != 1)})"])


# ------------------------------------------------------------ READ lists
def _listing(items: list[dict[str, Any]], context: RenderContext, describe: Callable[[dict[str, Any]], str],
             empty: str, limit: int = 5) -> Rendered:
    if not items:
        return Rendered([empty])
    out = Rendered()
    for offset, item in enumerate(items[:limit]):
        n = context.first_citation + offset
        out.lines.append(f"{describe(item)} [{n}]")
        out.citations.append(citation(n, item))
    if len(items) > limit:
        out.lines.append(f"… and {len(items) - limit} more")
    return out


def _snippet(item: dict[str, Any], width: int = 120) -> str:
    text = " ".join(str(item.get("snippet") or "").split())
    return text[:width] + ("…" if len(text) > width else "")


@register_renderer("SearchResults")
def render_search(result: dict[str, Any], context: RenderContext) -> Rendered:
    return _listing(result.get("hits") or [], context, lambda h: f"{h.get('title') or h.get('kind')}: {_snippet(h)}",
                    "Nothing matched.")


@register_renderer("PhotoResults")
def render_photos(result: dict[str, Any], context: RenderContext) -> Rendered:
    def describe(photo: dict[str, Any]) -> str:
        parts = [str(photo.get("timestamp") or "undated")[:10], photo.get("place"),
                 ("with " + ", ".join(photo["people"])) if photo.get("people") else None, photo.get("path")]
        return " · ".join(str(p) for p in parts if p)

    return _listing(result.get("photos") or [], context, describe, "No photos matched.")


@register_renderer("NextEventResult")
def render_next_event(result: dict[str, Any], context: RenderContext) -> Rendered:
    event = result.get("event")
    if not event:
        return Rendered(["No upcoming event matched."])
    where = f", {event['location']}" if event.get("location") else ""
    return _listing([event], context, lambda e: f"{e.get('title')}: {e.get('timestamp')}{where}", "")


@register_renderer("ThreadSummary")
def render_thread(result: dict[str, Any], context: RenderContext) -> Rendered:
    head = f"“{result.get('subject', '')}”, {result.get('message_count', 0)} messages between " \
           f"{', '.join(result.get('participants') or [])}:"
    listed = _listing(result.get("messages") or [], context,
                      lambda m: f"{m.get('author') or 'someone'} ({str(m.get('timestamp') or '')[:10]}): {_snippet(m, 200)}",
                      "", limit=10)
    return Rendered([head, *listed.lines], listed.citations)


# ----------------------------------------------------------------- fallback
def _value(value: Any) -> str:
    if isinstance(value, list):
        if value and all(isinstance(v, (str, int, float)) for v in value):
            return ", ".join(str(v) for v in value)
        return f"{len(value)} item{'s' * (len(value) != 1)}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    return str(value)


def generic(result: dict[str, Any], context: RenderContext) -> Rendered:
    """Any other result: one "field: value" line per non-empty field (lists counted, not dumped)."""
    return Rendered([f"{key.replace('_', ' ')}: {_value(value)}" for key, value in result.items()
                     if value not in (None, "", [], {})])
