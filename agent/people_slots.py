"""People in the user's words: which phrases are people, who-questions, and person arguments.

* ``is_person``: a capitalised phrase is a person when the people layer resolves it.
* ``who_is_plan``: "who is Lucas Ferreira?" about someone with a contact card is answered from that
  card and the person's relation to the owner (the composer renders both), not by a text search
  that would quote the card's name back.
* ``fill_people_from_question``: a person argument the intent's phrase templates could not fill
  ("what is Alice Martin's phone number?" has no template) is taken from the people the question
  names.
"""
from __future__ import annotations

import re
from typing import Any

from agent.plan import Answer, Plan, PlanContext, Retrieve, Route, Slot
from agent.slots import capitalised_phrases, find_relations

WHO_IS = re.compile(r"^\s*(?:and\s+|so\s+)?who(?:'s|’s|\s+is|\s+was)\s+(?P<who>[^?!.]+?)\s*[?!.]*\s*$", re.I)


def is_person(phrase: str, context: PlanContext) -> bool:
    """A capitalised phrase is a person when the people layer resolves it (or, without one, when it is not a place)."""
    if context.app is not None:
        if resolves(phrase, context):
            return True
        return _looks_like_name_in_index(context.app, phrase)  # the people layer said no
    return phrase.lower() not in {p.lower() for p in context.known_places}


def resolves(phrase: str, context: PlanContext) -> bool:
    """Whether the people layer knows ``phrase`` (a name, an address, or a relation such as "my husband")."""
    if context.app is None:
        return False
    try:
        from indexer.search_service import resolve_person_keys

        return bool(resolve_person_keys(context.app, phrase))
    except Exception:
        return False


def _looks_like_name_in_index(app: Any, phrase: str) -> bool:
    return app.store.mentions_person(phrase)


def _has_card(phrase: str, context: PlanContext) -> bool:
    try:
        from indexer.people import resolve_person

        return any(p.contact_doc_id for p in resolve_person(context.app.store, phrase)[:1])
    except Exception:
        return False


def who_is_plan(question: str, context: PlanContext, route: Route, planner: str) -> Plan | None:
    """"who is X?" where X is a known person with a contact card: retrieve that card, answer style "who"."""
    match = WHO_IS.match(question)
    if match is None or context.app is None:
        return None
    phrase = match.group("who").strip()
    if len(phrase.split()) > 4 or not resolves(phrase, context) or not _has_card(phrase, context):
        return None
    span = match.span("who")
    slots = [Slot("person", phrase, question[span[0]:span[1]], span), Slot("kind", "contact", "who", (0, 0))]
    steps = [Retrieve("", {"person": phrase, "kind": "contact"}, limit=3), Answer("who")]
    notes = [f"a who-question about a known person: answered from {phrase}'s contact card and relation to you"]
    return Plan(question, steps, slots, route, planner, notes)


def people_in(question: str, context: PlanContext) -> list[Slot]:
    """The people a request names, in order: relation phrases ("my husband") and resolvable names."""
    found = [s for s in find_relations(question) if resolves(s.value, context)]
    taken = [s.span for s in found]
    for phrase, span in capitalised_phrases(question):
        if any(s < span[1] and span[0] < e for s, e in taken):
            continue
        name = re.sub(r"['’]s$", "", phrase)
        if resolves(name, context):
            found.append(Slot("person", name, question[span[0]:span[0] + len(name)], (span[0], span[0] + len(name))))
    return sorted(found, key=lambda s: s.span)


def fill_people_from_question(question: str, person_params: list[str], context: PlanContext,
                              slots: list[Slot], arguments: dict[str, Any]) -> None:
    """Fill person arguments the templates left empty with the people the question names (in order)."""
    missing = [p for p in person_params if p not in arguments]
    if not missing:
        return
    used = {str(v).lower() for v in arguments.values()}
    people = [s for s in people_in(question, context) if str(s.value).lower() not in used]
    for name, slot in zip(missing, people):
        arguments[name] = slot.value
        slots.append(Slot(name, slot.value, slot.text, slot.span))
    slots.sort(key=lambda s: s.span)
