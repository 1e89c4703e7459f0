"""Redaction before anything goes to the external tier: e-mail addresses, phone numbers, the names in
the ``people`` table, street addresses and long digit runs become stable placeholders
(``<PERSON_1>``, ``<EMAIL_1>``...) and are put back in the reply.

The same value gets the same placeholder everywhere in one request, so the remote model can still
tell people apart; the mapping never leaves this process.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+?\d(?:[\s().-]?\d){7,14}(?!\w)")
STREET_WORDS = (r"St|Street|Rd|Road|Ave|Avenue|Lane|Ln|Grove|Close|Way|Drive|Dr|Place|Pl|Square|Sq|Terrace|Court|"
                r"Ct|Boulevard|Blvd|Gardens|Crescent|Row|Hill|Mews|Walk|Park")
STREET = re.compile(rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]*\s+){{0,3}}(?:{STREET_WORDS})\b\.?"
                    rf"|\b(?:Rua|Avenida|Calle|Via|Rue)\s+(?:[\w'’-]+\s+){{0,5}}\d{{1,5}}\b")
DIGITS = re.compile(r"\d{6,}")
# name parts too short or too common to be worth a placeholder on their own
SKIP_PARTS = {"mum", "dad", "the", "and", "von", "van", "de", "da", "del", "dr", "mr", "mrs", "ms"}


@dataclass
class Redactor:
    names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)     # placeholder -> original
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)
    count: int = 0                                              # replacements made

    @classmethod
    def from_people(cls, people: Iterable[dict], extra_names: Iterable[str] = ()) -> "Redactor":
        names: set[str] = set(n for n in extra_names if n)
        emails: set[str] = set()
        phones: set[str] = set()
        for person in people:
            if person.get("name"):
                names.add(person["name"])
            for identity in person.get("identities") or []:
                kind, _, value = identity.partition(":")
                if kind == "email":
                    emails.add(value)
                elif kind == "phone":
                    phones.add(value)
                elif kind == "name" and value:
                    names.add(value)
        return cls(names=sorted(names), emails=sorted(emails), phones=sorted(phones))

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value.casefold() if kind != "PHONE" else re.sub(r"\D", "", value)[-9:])
        if key not in self._by_value:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            placeholder = f"<{kind}_{self._counts[kind]}>"
            self._by_value[key] = placeholder
            self.mapping[placeholder] = value
        self.count += 1
        return self._by_value[key]

    def _name_pattern(self) -> re.Pattern[str] | None:
        """Full names first (longest), then each name part of three letters or more."""
        full = sorted({n.strip() for n in self.names if n.strip()}, key=len, reverse=True)
        parts = sorted({p for n in full for p in _given_and_family(n)}, key=len, reverse=True)
        alternatives = [re.escape(n) for n in full] + [re.escape(p) for p in parts]
        if not alternatives:
            return None
        return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)

    def redact(self, text: str) -> str:
        text = EMAIL.sub(lambda m: self._placeholder("EMAIL", m.group(0)), text)
        for email in self.emails:  # known addresses in odd spellings (case)
            text = re.sub(re.escape(email), lambda m: self._placeholder("EMAIL", m.group(0)), text, flags=re.I)
        text = STREET.sub(lambda m: self._placeholder("ADDRESS", m.group(0)), text)
        # a bare digit run is a NUMBER unless it is a known phone; "+…" or grouped digits are a PHONE
        phones = {re.sub(r"\D", "", p)[-9:] for p in self.phones}
        text = PHONE.sub(lambda m: self._placeholder(
            "NUMBER" if m.group(0).isdigit() and m.group(0)[-9:] not in phones else "PHONE", m.group(0)), text)
        text = DIGITS.sub(lambda m: self._placeholder("NUMBER", m.group(0)), text)
        pattern = self._name_pattern()
        if pattern is not None:
            owners = self._part_owners()
            text = pattern.sub(lambda m: self._placeholder("PERSON", owners.get(m.group(0).casefold(), m.group(0))),
                               text)
        return text

    def _part_owners(self) -> dict[str, str]:
        """A name part that belongs to exactly one full name shares that person's placeholder."""
        seen: dict[str, set[str]] = {}
        for name in self.names:
            for part in _given_and_family(name):
                seen.setdefault(part.casefold(), set()).add(name)
        return {part: next(iter(names)) for part, names in seen.items() if len(names) == 1}

    def restore(self, text: str) -> str:
        """Put the originals back wherever the reply repeats a placeholder."""
        if not self.mapping:
            return text
        pattern = re.compile("|".join(re.escape(p) for p in sorted(self.mapping, key=len, reverse=True)))
        return pattern.sub(lambda m: self.mapping[m.group(0)], text)


def _given_and_family(name: str) -> list[str]:
    """The parts of a "Given Family" name that are redacted on their own ("Alice" of "Alice Martin");
    longer names (organisations such as "London Life Weekly") are only redacted whole."""
    words = re.findall(r"[^\W\d_][\w'’-]+", name)
    if len(words) != 2:
        return []
    return [w for w in words if len(w) >= 3 and w.casefold() not in SKIP_PARTS]


def redactor_for(store: object, owner: dict | None = None) -> Redactor:
    """A redactor for everyone in the home's people table (and the owner from kith.toml)."""
    people = store.people_identities()  # type: ignore[attr-defined]
    owner = owner or {}
    extra = [owner.get("name") or ""]
    redactor = Redactor.from_people(people, extra)
    redactor.emails = sorted(set(redactor.emails) | {e for e in owner.get("emails") or []})
    redactor.phones = sorted(set(redactor.phones) | {p for p in owner.get("phones") or []})
    return redactor
