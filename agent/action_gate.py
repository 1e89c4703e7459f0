"""What a request must say before the planner may act on it, read from the intent's own declaration.

* A side-effecting intent is only chosen when the request uses one of the intent's verbs: the
  leading word of each of its phrases ("text {recipient} that {body}" → "text"), so "summarize my
  conversation with Alice" can never become ``send_message`` however close its embedding is.
  A verb used as a noun ("the message from Alice", "a text") does not count.
* Relative dates in a request point the way the intent declares (``@intent(dates="future")``):
  "on Friday" is the next Friday for ``create_event``; side-effecting intents that declare nothing
  look forward too, READ intents look back.
* A person or a place the plan names must be named in the request (`mentions`): the model picks
  entity values from the user's contacts, and a small model otherwise fills an argument with a
  name the user never said (SmolLM2 answered "when is the dinner?" with ``get_contact("Sender 202")``).
"""
from __future__ import annotations

import re
from typing import Any

from intents.decorator import SLOT_RE

_DETERMINER = re.compile(r"^(the|a|an|my|your|his|her|their|our|its|that|this|these|those|last|latest|new|any|"
                         r"some|every|each|no|one|first|next|previous)$", re.I)
_POLITE = {"please", "can", "could", "would", "will", "you", "kindly", "just", "now", "and", "then"}


def effect_name(spec: Any) -> str:
    return getattr(spec.effect, "value", str(spec.effect))


def action_verbs(spec: Any) -> set[str]:
    """The words that name the intent's action: the first literal word of each phrase."""
    verbs: set[str] = set()
    for phrase in getattr(spec, "phrases", None) or []:
        head = SLOT_RE.split(phrase.strip(), maxsplit=1)[0].split()
        words = [w.lower().strip(",.!?") for w in head]
        words = [w for w in words if w not in _POLITE]
        if words and words[0].isalpha():
            verbs.add(words[0])
    return verbs


def uses_action_verb(question: str, spec: Any) -> bool:
    """Whether ``question`` uses one of the intent's verbs as a verb (not after a determiner).
    An intent whose phrases all start with a slot declares no verb and is not gated."""
    verbs = action_verbs(spec)
    if not verbs:
        return True
    for verb in verbs:
        for match in re.finditer(rf"\b{re.escape(verb)}\b", question, re.I):
            before = question[:match.start()].split()
            if before and _DETERMINER.match(before[-1]):
                continue
            return True
    return False


def _stems(text: str) -> set[str]:
    return {w.lower()[:5] for w in re.findall(r"[^\W\d_]{3,}", text.replace("_", " "))
            if w.lower() not in _GENERIC_WORDS}


_GENERIC_WORDS = {"get", "find", "show", "list", "give", "tell", "the", "and", "for", "with", "from", "about", "what",
                  "when", "who", "where", "which", "how", "have", "any", "all", "my", "me", "you", "your", "are", "was",
                  "did", "does", "there", "this", "that", "latest", "last", "new", "next", "please"}


def names_the_intent(question: str, spec: Any) -> bool:
    """Whether ``question`` says what a read intent is about: a word of its name, title or phrases ("notes" for
    `list_notes`, "phone" for `get_contact`, "summarise" for `summarize_thread`), compared on five-letter
    stems, generic words left out.
    An LLM plan that calls a read intent the request does not name falls back to the deterministic planner."""
    phrases = " ".join(SLOT_RE.sub(" ", p) for p in getattr(spec, "phrases", None) or [])
    wanted = _stems(f"{spec.name} {getattr(spec, 'title', '') or ''} {phrases}")
    return not wanted or bool(wanted & _stems(question))


def date_preference(spec: Any) -> str:
    """"future" or "past": which way relative dates in a request for this intent point."""
    declared = getattr(spec, "dates", None)
    if declared in ("future", "past"):
        return declared
    return "past" if effect_name(spec) == "read" else "future"


_NAME_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def mentions(question: str, name: str) -> bool:
    """Whether ``question`` names the entity ``name``: one of its words ("Alice" for "Alice Martin",
    "Lisbon" for "Lisbon, Portugal") appears as a whole word, ignoring case."""
    words = {w.lower() for w in _NAME_WORD.findall(question)}
    return any(w.lower() in words for w in _NAME_WORD.findall(name or ""))


def entity_arguments(spec: Any, arguments: dict[str, Any]) -> list[tuple[str, str]]:
    """(parameter, value) for each Person or Place argument of an intent call."""
    props = ((getattr(spec, "input_schema", None) or {}).get("properties") or {})
    found = []
    for key, value in arguments.items():
        prop = props.get(key) or {}
        entity = prop.get("x-kith-entity") or (prop.get("items") or {}).get("x-kith-entity")
        if entity in ("Person", "Place"):
            found += [(key, str(v)) for v in (value if isinstance(value, list) else [value]) if v]
    return found
