"""The people layer: one person per human, merged across mail, messages, photos and contacts.

An email address, a phone number, a chat handle and a photo person-name resolve to the same
person when they match a contact card (or share an identity key). The owner ("me") comes from
``[owner]`` in kith.toml, a card marked as "me", or the most frequent sender of sent mail.
Relation words ("my husband", "mum") resolve through the owner's card.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from indexer.identity import identity_keys, normalize_name, relation_type
from indexer.owner import record_owner
from indexer.store import Store

# A query relation matches these relation types on the owner's card.
RELATION_FAMILY = {
    "mother": {"mother", "parent"}, "father": {"father", "parent"}, "parent": {"parent", "mother", "father"},
    "spouse": {"spouse", "partner"}, "partner": {"partner", "spouse"},
}


@dataclass
class Person:
    id: int
    display_name: str
    identities: list[str] = field(default_factory=list)
    is_owner: bool = False
    interactions: int = 0
    relation: str | None = None
    contact_doc_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


class _Merger:
    """Union of identity keys into persons (a person is the set of keys that ever co-occurred)."""

    def __init__(self) -> None:
        self.owner_of: dict[str, int] = {}
        self.people: dict[int, dict[str, Any]] = {}

    def add(self, name: str, keys: list[str], contact_doc_id: str | None = None,
            merge_on_names: bool = True) -> int:
        # Single-word names ("Alice") never merge people: only full names, emails, phones, handles do.
        strong = [k for k in keys if not k.startswith("name:") or (merge_on_names and " " in k)]
        found = {self.owner_of[k] for k in strong if k in self.owner_of}
        if contact_doc_id:
            # Two different cards never merge on a name alone (two "Alice Martin"s stay two people).
            found = {p for p in found if not self.people[p]["contact"] or
                     any(self.owner_of.get(k) == p for k in strong if not k.startswith("name:"))}
        if found:
            target = min(found)
            for other in found - {target}:
                self._absorb(target, other)
        else:
            target = len(self.people) + 1 + max(self.people, default=0)
            self.people[target] = {"name": name, "keys": [], "contact": contact_doc_id, "meta": {}}
        person = self.people[target]
        if contact_doc_id and not person["contact"]:
            person["contact"], person["name"] = contact_doc_id, name
        for key in keys:
            if key not in person["keys"]:
                person["keys"].append(key)
            if key not in self.owner_of or key.startswith("name:") and " " not in key:
                self.owner_of.setdefault(key, target)
        return target

    def _absorb(self, target: int, other: int) -> None:
        moved = self.people.pop(other)
        for key in moved["keys"]:
            if key not in self.people[target]["keys"]:
                self.people[target]["keys"].append(key)
            self.owner_of[key] = target
        if moved["contact"] and not self.people[target]["contact"]:
            self.people[target]["contact"], self.people[target]["name"] = moved["contact"], moved["name"]


def rebuild_people(store: Store, owner_config: dict[str, Any] | None = None) -> int:
    """Recompute the people tables from the documents (contacts first). Returns the number of people."""
    merger = _Merger()
    contacts = store.contact_card_rows()
    card_person: dict[str, int] = {}
    for row in contacts:
        meta = json.loads(row["metadata"] or "{}")
        keys = list(meta.get("identity_keys") or identity_keys(row["title"]))
        card_person[row["id"]] = merger.add(meta.get("full_name") or row["title"], keys, contact_doc_id=row["id"])
    docs_of: dict[str, set[str]] = {}
    for identity, doc_id in store.identity_documents():
        docs_of.setdefault(identity, set()).add(doc_id)
    # Non-contact identities: a mail sender "Name <addr>" ties the address to the name.
    for author in store.conversation_authors():
        keys = identity_keys(author)
        if any(k.split(":", 1)[0] in ("email", "phone", "handle") for k in keys):
            display = author.split("<")[0].strip().strip('"') or author
            merger.add(display, keys)
    config = owner_config if owner_config is not None else store.home.config.get("owner", {})
    owner_keys, owner_via = owner_source_keys(store, config)
    owners: list[dict[str, Any]] = []
    with store.transaction():
        store.clear_people()
        id_map: dict[int, int] = {}
        for local_id, person in merger.people.items():
            matched = sorted(owner_keys & set(person["keys"]))
            me_card = _card_is_me(store, person["contact"])
            is_owner = bool(matched) or me_card
            # Interactions: distinct documents the person wrote or received (not counting their card).
            total = len(set().union(*(docs_of.get(k, set()) for k in person["keys"])) - {person["contact"]})
            id_map[local_id] = store.insert_person(person["name"], person["contact"], is_owner, total)
            if is_owner:
                owners.append({"person_id": id_map[local_id], "name": person["name"],
                               "via": owner_via if matched else "me card", "matched": matched})
            store.add_person_identities(id_map[local_id], person["keys"])
        for row in contacts:
            meta = json.loads(row["metadata"] or "{}")
            person_id = id_map.get(_current_id(merger, card_person[row["id"]], row["id"]))
            for related in meta.get("related") or []:
                value = str(related.get("value") or "")
                other = _find_local(merger, value)
                store.insert_person_relation(person_id, related.get("type") or "other",
                                             id_map.get(other) if other else None, value)
        record_owner(store, config, owners, owner_via)
    return len(merger.people)


def _current_id(merger: _Merger, local_id: int, contact_doc_id: str) -> int:
    """The person a card ended up in after merges."""
    if local_id in merger.people:
        return local_id
    return next((pid for pid, p in merger.people.items() if p["contact"] == contact_doc_id), local_id)


def _find_local(merger: _Merger, value: str) -> int | None:
    for key in identity_keys(value.removeprefix("mailto:").removeprefix("tel:")):
        if key in merger.owner_of:
            return merger.owner_of[key]
    return None


def _card_is_me(store: Store, contact_doc_id: str | None) -> bool:
    if not contact_doc_id:
        return False
    return store.card_is_me(contact_doc_id)


def _owner_keys(store: Store, config: dict[str, Any]) -> set[str]:
    return owner_source_keys(store, config)[0]


def owner_source_keys(store: Store, config: dict[str, Any]) -> tuple[set[str], str]:
    """The owner's identity keys and where they come from: "config" ([owner] in kith.toml) or
    "top sender" (the most frequent sender of sent mail); ``(set(), "none")`` when neither exists."""
    keys: set[str] = set()
    for value in [config.get("name"), *(config.get("emails") or []), *(config.get("phones") or []),
                  config.get("email"), config.get("phone")]:
        if value:
            keys.update(identity_keys(str(value)))
    keys = {k for k in keys if not k.startswith("name:") or " " in k}
    if keys:
        return keys, "config"
    # Inferred: the most frequent sender of mail in a sent folder.
    sender = store.top_sent_mail_sender()
    return (set(identity_keys(sender)), "top sender") if sender else (set(), "none")


# --------------------------------------------------------------------------- queries
def owner(store: Store) -> Person | None:
    person_id = store.owner_person_id()
    return _load(store, person_id) if person_id is not None else None


def _load(store: Store, person_id: int, relation: str | None = None) -> Person | None:
    row = store.person_row(person_id)
    if row is None:
        return None
    keys = store.person_identity_keys(person_id)
    return Person(id=row[0], display_name=row[1], identities=keys, is_owner=bool(row[2]), interactions=row[3],
                  relation=relation, contact_doc_id=row[4])


def _relation_query(text: str) -> str | None:
    words = normalize_name(text).split()
    if words and words[0] in ("my", "our"):
        words = words[1:]
    if not words or len(words) > 2:
        return None
    kind = relation_type(" ".join(words))
    return kind if kind != "other" else None


def resolve_person(store: Store, text: str) -> list[Person]:
    """Candidates for a person phrase, best first: a relation word, an address/phone, or a name."""
    text = (text or "").strip()
    if not text:
        return []
    relation = _relation_query(text)
    me = owner(store)
    if relation and me is not None:
        wanted = RELATION_FAMILY.get(relation, {relation})
        rows = store.person_relations_of(me.id)
        found = [_load(store, other, rel) for other, rel in rows if rel in wanted]
        if found:
            return [p for p in found if p]
    if normalize_name(text) in ("me", "myself", "i") and me is not None:
        return [me]
    keys = identity_keys(text)
    ids: Counter[int] = Counter()
    for key in keys:
        for person_id in store.people_with_identity(key):
            ids[person_id] += 3
    name = normalize_name(text)
    if name and not ids:
        for person_id in store.people_named(name):
            ids[person_id] += 1
    people = [p for p in (_load(store, pid) for pid in ids) if p]
    return sorted(people, key=lambda p: (-ids[p.id], -p.interactions, p.display_name))


def resolve_person_identities(store: Store, text: str) -> list[str]:
    """Identity keys for a search filter: the best candidate's, or the union for an ambiguous name."""
    candidates = resolve_person(store, text)
    if not candidates:
        return []
    keys: list[str] = []
    for person in candidates:
        keys += [k for k in person.identities if k not in keys]
    return keys


def display_name(store: Store, raw: str) -> str:
    """The person's name for a raw author ("+351912345678", "alice@x.org"), or ``raw`` if unknown."""
    keys = [k for k in identity_keys(raw) if not k.startswith("name:")]
    for key in keys:
        name = store.display_name_for_identity(key)
        if name is not None:
            return name
    return raw


# A relation read from the other side: X's card says the owner is X's "child", so X is a parent.
_INVERSE = {"child": "parent", "parent": "child", "mother": "child", "father": "child", "spouse": "spouse",
            "partner": "partner", "sibling": "sibling", "friend": "friend", "colleague": "colleague"}


def relations_to_owner(store: Store, person_id: int) -> list[dict[str, Any]]:
    """How a person relates to the owner, closest first, from the contact cards' relations.

    Direct: ``{"relation": "friend"}`` (the owner's card names them, or their card names the owner).
    Through one person the owner relates to: ``{"relation": "partner", "via": "Alice Martin",
    "via_relation": "friend"}`` (Lucas is the partner of the owner's friend Alice).
    """
    me = owner(store)
    if me is None or me.id == person_id:
        return []
    edges: dict[int, list[tuple[int, str]]] = {}  # a -> [(b, what b is to a)]
    for source, relation, target in store.person_relation_edges():
        edges.setdefault(source, []).append((target, relation))
        if relation in _INVERSE:
            edges.setdefault(target, []).append((source, _INVERSE[relation]))
    direct = [{"relation": rel} for other, rel in edges.get(me.id, []) if other == person_id]
    if direct:
        return direct[:1]
    found = []
    for via, via_relation in edges.get(me.id, []):
        for other, rel in edges.get(via, []):
            if other == person_id and via != person_id:
                person = _load(store, via)
                if person is not None:
                    found.append({"relation": rel, "via": person.display_name, "via_relation": via_relation})
    return found[:2]


def card_relations_to_owner(store: Store, contact_doc_id: str) -> list[dict[str, Any]]:
    """``relations_to_owner`` for the person a contact card belongs to (empty for an unknown card)."""
    person_id = store.person_for_contact(contact_doc_id)
    return relations_to_owner(store, person_id) if person_id is not None else []
