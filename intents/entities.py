"""Entity types (App Intents' AppEntity + EntityQuery): a string argument resolved against the index.

An entity parameter arrives as text (a name, an address, a document id). ``resolve`` returns one
instance, or raises ``ArgumentError`` with a disambiguation list (several candidates and no exact
match) or a not-found error. An exact match (full name, e-mail, phone, id) or a single candidate
resolves; several partial matches never get guessed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, Field

from intents.errors import ArgumentError

if TYPE_CHECKING:
    from intents.context import IntentContext

MAX_CANDIDATES = 10


DOMINANCE_RATIO = 3.0  # a candidate used this many times more than the next one is "the" one
DOMINANCE_MIN = 5


@dataclass
class Candidate:
    entity: "Entity"
    score: float
    exact: bool = False
    weight: float = 0.0  # how often the user deals with it (interactions), for the dominance rule


class Entity(BaseModel):
    """Base class: subclasses set ``entity_name``/``entity_description`` and implement ``query``."""

    entity_name: ClassVar[str] = "Entity"
    entity_description: ClassVar[str] = "An entity"

    id: str = Field(description="Stable identifier")
    display: str = Field(description="Human-readable name")

    @classmethod
    def input_schema(cls) -> dict[str, Any]:
        return {"type": "string", "description": cls.entity_description, "x-kith-entity": cls.entity_name}

    @classmethod
    def query(cls, text: str, context: "IntentContext") -> list[Candidate]:
        raise NotImplementedError

    @classmethod
    def resolve(cls, text: str, context: "IntentContext", field: str = "") -> "Entity":
        text = str(text).strip()
        if not text:
            described = getattr(cls, "entity_description", "") or cls.entity_name
            raise ArgumentError({"type": "validation", "field": field,
                                 "message": f"parameter {field!r} is empty (expected {described[0].lower()}"
                                            f"{described[1:]})"})
        candidates = cls.query(text, context)
        exact = [c for c in candidates if c.exact]
        if len({c.entity.id for c in exact}) == 1:
            return exact[0].entity
        unique = {c.entity.id: c for c in candidates}
        if len(unique) == 1:
            return next(iter(unique.values())).entity
        dominant = _dominant(list(unique.values()))
        if dominant is not None:
            return dominant.entity
        if not unique:
            raise ArgumentError({
                "type": "not_found", "field": field, "entity": cls.entity_name,
                "message": f"no {cls.entity_name.lower()} matches {text!r}",
            })
        ranked = sorted(unique.values(), key=lambda c: (-c.score, c.entity.display))[:MAX_CANDIDATES]
        raise ArgumentError({
            "type": "disambiguation", "field": field, "entity": cls.entity_name,
            "message": f"{text!r} matches {len(unique)} {cls.entity_name.lower()} entries; say which one",
            "candidates": [c.entity.model_dump(mode="json") | {"score": round(c.score, 3)} for c in ranked],
        })


def _dominant(candidates: list[Candidate]) -> Candidate | None:
    """The candidate the user deals with far more than any other ("Alice" = the friend they text
    daily, not the colleague seen once), as phones do. Confirmation still shows who it resolved to."""
    if len(candidates) < 2:
        return None
    ranked = sorted(candidates, key=lambda c: -c.weight)
    top, second = ranked[0], ranked[1]
    if top.weight >= DOMINANCE_MIN and top.weight >= DOMINANCE_RATIO * max(second.weight, 1.0):
        return top
    return None


# --------------------------------------------------------------------------------------- Person

class Person(Entity):
    entity_name: ClassVar[str] = "Person"
    entity_description: ClassVar[str] = "A person: a name, nickname, e-mail address or phone number"

    name: str = ""
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    doc_id: str | None = Field(default=None, description="The contact card's document id, if any")
    identity_keys: list[str] = Field(default_factory=list)

    @classmethod
    def query(cls, text: str, context: "IntentContext") -> list[Candidate]:
        found = _people_layer(text, context)
        return found if found else _contacts_query(text, context)


def _people_layer(text: str, context: "IntentContext") -> list[Candidate]:
    """People from the people table (indexer.people); [] when it has none."""
    from indexer.identity import identity_keys
    from indexer.people import resolve_person

    try:
        rows = resolve_person(context.store, text)
    except Exception:  # the people layer is someone else's module: fall back rather than fail
        return []
    wanted = {k for k in identity_keys(text) if not k.startswith("name:")}
    out = []
    for row in rows or []:
        name = getattr(row, "display_name", "") or ""
        keys = list(getattr(row, "identities", []) or [])
        doc_id = getattr(row, "contact_doc_id", None)
        emails = [k.split(":", 1)[1] for k in keys if k.startswith("email:")]
        phones = [k.split(":", 1)[1] for k in keys if k.startswith("phone:")]
        card = context.store.get_document(doc_id) if doc_id else None
        if card is not None:
            meta = card["metadata"]
            emails = list(meta.get("emails") or emails)
            phones = [p["value"] if isinstance(p, dict) else str(p) for p in meta.get("phones") or []] or phones
            name = meta.get("full_name") or name
        exact = (bool(getattr(row, "relation", None)) or _norm(name) == _norm(text) or bool(wanted & set(keys))
                 or (getattr(row, "is_owner", False) and _norm(text) in ("me", "myself", "i")))
        score = 1.0 if exact else min(0.9, 0.5 + 0.01 * float(getattr(row, "interactions", 0) or 0))
        out.append(Candidate(Person(id=f"person:{row.id}", display=_display(name, emails), name=name, emails=emails,
                                    phones=phones, doc_id=doc_id, identity_keys=keys), score, exact,
                             weight=float(getattr(row, "interactions", 0) or 0)))
    return out


def _contacts_query(text: str, context: "IntentContext") -> list[Candidate]:
    """Match contact cards (kind='contact') by full name, name parts, nickname, e-mail or phone."""
    from indexer.identity import identity_keys, normalize_name

    wanted = _norm(text)
    wanted_keys = set(identity_keys(text))
    tokens = wanted.split()
    out: list[Candidate] = []
    for doc_id, title, metadata in context.store.contact_cards():
        meta = json.loads(metadata or "{}")
        name = meta.get("full_name") or title or ""
        emails = [e for e in meta.get("emails") or [] if e]
        phones = [p["value"] if isinstance(p, dict) else str(p) for p in meta.get("phones") or []]
        nicknames = [n for n in meta.get("nicknames") or [] if n]
        keys = list(meta.get("identity_keys") or [])
        norm_name = _norm(name)
        score, exact = 0.0, False
        if norm_name and norm_name == wanted:
            score, exact = 1.0, True
        elif wanted_keys & {k for k in keys if not k.startswith("name:")}:
            score, exact = 1.0, True
        elif any(_norm(n) == wanted for n in nicknames):
            score = 0.9
        elif tokens and all(t in norm_name.split() for t in tokens):
            score = 0.7
        elif tokens and all(any(part.startswith(t) for part in norm_name.split()) for t in tokens):
            score = 0.5
        if score:
            person = Person(id=f"contact:{doc_id}", display=_display(name, emails), name=name, emails=emails,
                            phones=phones, doc_id=doc_id, identity_keys=keys or identity_keys(normalize_name(name)))
            out.append(Candidate(person, score, exact))
    return out


def _display(name: str, emails: list[str]) -> str:
    return f"{name} <{emails[0]}>" if name and emails else (name or (emails[0] if emails else "?"))


def _norm(text: str) -> str:
    from indexer.identity import normalize_name

    text = text.strip().lower()
    return text if "@" in text else normalize_name(text)


# ------------------------------------------------------------------------------------ Documents

class Document(Entity):
    entity_name: ClassVar[str] = "Document"
    entity_description: ClassVar[str] = "An indexed document: its id, or words from its title"
    kinds: ClassVar[tuple[str, ...]] = ()

    kind: str = ""
    title: str = ""
    timestamp: str | None = None
    path: str = ""
    locator: str = ""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Document":
        return cls(id=row["id"], display=row["title"] or row["id"], kind=row["kind"], title=row["title"] or "",
                   timestamp=row["timestamp"], path=row["source_path"], locator=row["locator"])

    @classmethod
    def query(cls, text: str, context: "IntentContext") -> list[Candidate]:
        from indexer.text_match import query_terms

        store = context.store
        rows = store.documents_by_id_or_path(text, cls.kinds)
        if rows:
            return [Candidate(cls.from_row(_row(r)), 1.0, True) for r in rows]
        rows = store.documents_titled(text, cls.kinds)
        out = [Candidate(cls.from_row(_row(r)), 1.0, True) for r in rows]
        if out:
            return out
        terms = query_terms(text)
        if not terms:
            return []
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
        rows = store.documents_by_title_words(match, cls.kinds)
        return [Candidate(cls.from_row(_row(r)), -float(r[6])) for r in rows]


class Photo(Document):
    entity_name: ClassVar[str] = "Photo"
    entity_description: ClassVar[str] = "A photo: its document id, path or title"
    kinds: ClassVar[tuple[str, ...]] = ("photo",)


class Event(Document):
    entity_name: ClassVar[str] = "Event"
    entity_description: ClassVar[str] = "A calendar event: its document id or words from its title"
    kinds: ClassVar[tuple[str, ...]] = ("event",)


def _row(r: tuple) -> dict[str, Any]:
    return {"id": r[0], "kind": r[1], "title": r[2], "timestamp": r[3], "source_path": r[4], "locator": r[5]}


# ---------------------------------------------------------------------------------------- Place

class Place(Entity):
    """A place name. It always resolves (a place filter matches every indexed place containing it);
    ``matches`` lists the indexed place labels it covers."""

    entity_name: ClassVar[str] = "Place"
    entity_description: ClassVar[str] = "A place name (city, region, venue)"

    name: str = ""
    matches: list[str] = Field(default_factory=list)

    @classmethod
    def query(cls, text: str, context: "IntentContext") -> list[Candidate]:
        labels = context.store.places_like(text)
        return [Candidate(Place(id=f"place:{text.lower()}", display=text, name=text, matches=labels), 1.0, True)]


ENTITY_TYPES: dict[str, type[Entity]] = {
    cls.entity_name: cls for cls in (Person, Document, Photo, Event, Place)
}
