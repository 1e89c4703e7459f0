"""Built-in READ intents over the semantic index: mail and message search, photos, the next event,
an extractive thread summary and a contact card."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any

from indexer.search import FilterSQL, SearchFilters
from indexer.store import to_utc_iso
from indexer.sentences import first_sentences
from indexer.text_match import query_terms
from indexer.threads import subject, thread_documents, thread_key
from intents.builtin.models import (ContactCard, EventItem, NextEventResult, PhotoItem, PhotoResults, SearchHit,
                                    SearchResults, ThreadMessage, ThreadSummary)
from intents.context import IntentContext
from intents.effects import Effect
from intents.decorator import intent
from intents.entities import Person, Place
from intents.errors import ArgumentError, IntentError
from intents.schema import Param

SNIPPET = 240


def _start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=timezone.utc)


def _end(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.max, tzinfo=timezone.utc)


def _person_filters(person: Person | None) -> dict[str, Any]:
    if person is None:
        return {}
    from indexer.identity import identity_keys

    keys = list(person.identity_keys)
    for value in [*person.emails, *person.phones, person.name]:
        for key in identity_keys(value) if value else []:
            if key not in keys:
                keys.append(key)
    return {"identity_keys": keys} if keys else {"person": person.name or person.display}


def _search(context: IntentContext, query: str, kind: str, person: Person | None, since: date | None,
            until: date | None, limit: int) -> SearchResults:
    filters = SearchFilters(kind=kind, since=_start(since), until=_end(until), **_person_filters(person))
    hits = context.app.searcher.search(query, filters, limit=limit, mode="hybrid")
    items = [SearchHit(id=h.id, kind=h.kind, title=h.title, snippet=h.snippet, timestamp=h.timestamp,
                       author=h.author, path=h.path, locator=h.message_locator or h.locator, score=round(h.score, 4))
             for h in hits]
    return SearchResults(query=query, count=len(items), hits=items)


@intent(title="Search mail", effect=Effect.READ,
        phrases=["find emails about {query}", "search my mail for {query}", "emails from {person} about {query}"],
        from_index="mail", examples={"query": "the trip", "person": "Alice"})
def search_mail(
    query: Param[str, "What to look for, in words"],
    context: IntentContext,
    person: Param[Person | None, "Only mail from or to this person"] = None,
    since: Param[date | None, "Only mail on or after this day"] = None,
    until: Param[date | None, "Only mail on or before this day"] = None,
    limit: Param[int, "Maximum number of results", {"minimum": 1, "maximum": 100}] = 10,
) -> SearchResults:
    """Search e-mail by meaning and by words, optionally filtered by person and date range."""
    return _search(context, query, "mail", person, since, until, limit)


@intent(title="Search messages", effect=Effect.READ,
        phrases=["what did {person} say about {query}", "search messages for {query}", "find texts about {query}"],
        from_index="message", examples={"person": "Alice", "query": "the trip"})
def search_messages(
    query: Param[str, "What to look for, in words"],
    context: IntentContext,
    person: Param[Person | None, "Only conversations with this person"] = None,
    since: Param[date | None, "Only messages on or after this day"] = None,
    until: Param[date | None, "Only messages on or before this day"] = None,
    limit: Param[int, "Maximum number of results", {"minimum": 1, "maximum": 100}] = 10,
) -> SearchResults:
    """Search chat messages (iMessage, WhatsApp, SMS, Telegram...) by meaning and by words."""
    return _search(context, query, "message", person, since, until, limit)


@intent(title="Find photos", effect=Effect.READ,
        phrases=["photos of {person}", "photos from {place}", "show me photos of {person} in {place}",
                 "pictures of {query}"],
        from_index="photo", examples={"person": "Alice", "place": "Lisbon", "query": "the trip"})
def find_photos(
    context: IntentContext,
    person: Param[Person | None, "Someone in the photo"] = None,
    place: Param[Place | None, "Where the photo was taken"] = None,
    since: Param[date | None, "Taken on or after this day"] = None,
    until: Param[date | None, "Taken on or before this day"] = None,
    query: Param[str | None, "Words describing the photo (beach, sunset...)"] = None,
    limit: Param[int, "Maximum number of photos", {"minimum": 1, "maximum": 500}] = 20,
) -> PhotoResults:
    """Find photos by person, place, date range and description, newest first unless words are given."""
    store = context.store
    person_filters = _person_filters(person)
    if person is not None and "identity_keys" in person_filters:
        # Photo people are names (XMP), so match name keys and the display name too.
        person_filters["person"] = person.name or person.display
    filters = SearchFilters(kind="photo", since=_start(since), until=_end(until),
                            place=place.name if place else None, **person_filters)
    if query:
        ids = [h.id for h in context.app.searcher.search(query, filters, limit=limit, mode="hybrid")]
    else:
        flt = FilterSQL(store, filters)
        ids = store.newest_document_ids(flt, limit)
    photos = []
    for row in store.documents_by_ids(ids):
        meta = row["metadata"]
        photos.append(PhotoItem(id=row["id"], kind="photo", title=row["title"], path=row["source_path"],
                                locator=row["locator"], snippet=row["body"][:SNIPPET], timestamp=row["timestamp"],
                                place=row["place"] or meta.get("place"), people=list(meta.get("people") or []),
                                gps=meta.get("gps")))
    return PhotoResults(count=len(photos), photos=photos)


@intent(title="Next event", effect=Effect.READ,
        phrases=["when is my next {query} appointment", "what's my next event", "when am I next seeing {person}"],
        from_index="event", order="next", examples={"query": "the trip", "person": "Alice"})
def next_event(
    context: IntentContext,
    query: Param[str | None, "Words from the event (dentist, dinner...)"] = None,
    person: Param[Person | None, "Someone attending the event"] = None,
) -> NextEventResult:
    """The next calendar event after now, optionally matching words or an attendee."""
    store = context.store
    flt = FilterSQL(store, SearchFilters(kind="event", since=context.now, **_person_filters(person)))
    terms = query_terms(query) if query else []
    match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms) if terms else None
    first = store.first_document_id(flt, match)
    now_iso = to_utc_iso(context.now)
    if first is None:
        return NextEventResult(now=now_iso)
    doc = store.get_document(first)
    meta = doc["metadata"]
    start = datetime.fromisoformat(doc["timestamp"]) if doc["timestamp"] else None
    days = round((start - context.now).total_seconds() / 86400, 2) if start else None
    end = meta.get("end") or meta.get("dtend")
    return NextEventResult(now=now_iso, event=EventItem(
        id=doc["id"], kind="event", title=doc["title"], path=doc["source_path"], locator=doc["locator"],
        snippet=doc["body"][:SNIPPET], timestamp=doc["timestamp"],
        location=doc["place"] or meta.get("location"), end=str(end) if end else None, starts_in_days=days))


@intent(title="Summarize thread", effect=Effect.READ,
        phrases=["summarize the thread about {thread}", "what's the gist of {thread}"],
        examples={"thread": "this thread"})
def summarize_thread(
    thread: Param[str, "A document id from the thread, or words from its subject"],
    context: IntentContext,
    max_messages: Param[int, "Most messages to include", {"minimum": 1, "maximum": 200}] = 20,
) -> ThreadSummary:
    """Summarize a mail thread or conversation extractively: the opening sentences of each message, in order."""
    store = context.store
    seed = store.get_document(thread)
    if seed is None:
        terms = query_terms(thread)
        if not terms:
            raise ArgumentError({"type": "validation", "field": "thread", "message": "give a document id or subject words"})
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
        ids = store.conversation_ids_by_title(match)
        threads: dict[str, dict[str, Any]] = {}
        for row in store.documents_by_ids(ids):
            threads.setdefault(thread_key(row), row)
        if not threads:
            raise ArgumentError({"type": "not_found", "field": "thread", "message": f"no thread matches {thread!r}"})
        if len(threads) > 1:
            raise ArgumentError({
                "type": "disambiguation", "field": "thread", "entity": "Thread",
                "message": f"{thread!r} matches {len(threads)} threads; say which one",
                "candidates": [{"id": r["id"], "display": r["title"], "title": r["title"], "path": r["source_path"],
                                "timestamp": r["timestamp"]} for r in list(threads.values())[:10]],
            })
        seed = next(iter(threads.values()))
    rows = thread_documents(store, seed)[:max_messages]
    participants: list[str] = []
    messages = []
    for row in rows:
        for who in [row["author"], *row["participants"]]:
            if who and who not in participants:
                participants.append(who)
        messages.append(ThreadMessage(id=row["id"], kind=row["kind"], title=row["title"], path=row["source_path"],
                                      locator=row["locator"], snippet=first_sentences(row["body"]),
                                      timestamp=row["timestamp"], author=row["author"]))
    summary = "\n".join(f"- {m.author or 'someone'} ({(m.timestamp or '')[:10]}): {m.snippet}" for m in messages)
    written = context.summarize(rows) if context.summarize is not None else None
    return ThreadSummary(subject=subject(seed["title"]), participants=participants, message_count=len(messages),
                         summary=written or summary, messages=messages, mode="generative" if written else "extractive")


@intent(title="Get contact", effect=Effect.READ,
        phrases=["what's {person}'s email", "contact details for {person}", "what is {person}'s phone number"],
        examples={"person": "Alice"})
def get_contact(person: Param[Person, "Whose contact card"], context: IntentContext) -> ContactCard:
    """Show a person's contact card: e-mail addresses, phone numbers, birthday, organisation, relations."""
    doc = context.store.get_document(person.doc_id) if person.doc_id else None
    if doc is None:
        if not (person.emails or person.phones):
            raise IntentError(f"no contact card for {person.display}", type="not_found")
        return ContactCard(id=person.id, kind="contact", title=person.display, name=person.name,
                           emails=person.emails, phones=person.phones)
    meta = doc["metadata"]
    return ContactCard(
        id=doc["id"], kind="contact", title=doc["title"], path=doc["source_path"], locator=doc["locator"],
        snippet=doc["body"][:SNIPPET], timestamp=doc["timestamp"], name=meta.get("full_name") or doc["title"],
        emails=list(meta.get("emails") or []),
        phones=[p["value"] if isinstance(p, dict) else str(p) for p in meta.get("phones") or []],
        birthday=meta.get("birthday"), org=meta.get("org"), addresses=list(meta.get("addresses") or []),
        related=list(meta.get("related") or []),
    )


