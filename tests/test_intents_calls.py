"""Calling intents against a small real index: validation errors, entity resolution and
disambiguation, confirmation enforcement checked on disk, local effects, and the audit log."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from icalendar import Calendar

from intents import Confirmation, IntentContext, auto_approve, auto_deny, load_registry
from intents.audit import entries
from intents_fixtures import NOW, build_home


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    app = build_home(tmp_path_factory.mktemp("intents"))
    registry = load_registry(app.home, entry_points_enabled=False)
    yield app, registry, IntentContext(app, NOW)
    app.close()


def outbox(app) -> Path:
    return app.home.path / "outbox" / "messages.jsonl"


def test_validation_errors_name_the_field(env):
    app, registry, ctx = env
    res = registry.call("search_mail", {"query": 3, "limit": "ten", "colour": "red"}, context=ctx, confirm=None)
    assert res.status == "failed" and res.error["type"] == "validation"
    fields = {e["field"]: e["message"] for e in res.error["errors"]}
    assert set(fields) == {"query", "limit", "colour"}
    assert "integer" in fields["limit"] and "unknown parameter 'colour'" in fields["colour"]
    assert fields["query"].startswith("parameter 'query': 3 is not of type 'string'")
    missing = registry.call("send_message", {"body": "hi"}, context=ctx, confirm=auto_approve())
    assert missing.status == "failed" and missing.error["field"] == "recipient"
    assert missing.error["message"] == ("parameter 'recipient' is required (Who to message; "
                                        "a person: a name, nickname, e-mail address or phone number)")
    no_body = registry.call("send_message", {"recipient": "Alice Martin"}, context=ctx, confirm=auto_approve())
    assert no_body.error["message"] == "parameter 'body' is required (The message text; text)"
    empty = registry.call("get_contact", {"person": "  "}, context=ctx, confirm=None)
    assert empty.error["message"].startswith("parameter 'person' is empty (expected a person: a name")


def test_a_failed_call_in_an_answer_names_the_parameter(env):
    """The line `kith ask` prints was "Could not get contact: is required" (issue 10)."""
    from agent.runner import describe_calls

    app, registry, ctx = env
    outcome = registry.call("get_contact", {}, context=ctx, confirm=None).to_json()
    line, citations = describe_calls([{"name": "get_contact", "arguments": {}, **outcome}], None)
    assert citations == []
    assert line == ("Could not get contact: parameter 'person' is required "
                    "(Whose contact card; a person: a name, nickname, e-mail address or phone number)")
    bad_date = registry.call("create_event", {"title": "x", "start": "next tuesday-ish"}, context=ctx,
                             confirm=auto_approve())
    assert bad_date.status == "failed" and bad_date.error["field"].startswith("start")
    too_big = registry.call("search_mail", {"query": "x", "limit": 1000}, context=ctx, confirm=None)
    assert too_big.error["field"] == "limit" and "maximum" in too_big.error["message"]


def test_ambiguous_person_gives_a_disambiguation_list(env):
    app, registry, ctx = env
    res = registry.call("get_contact", {"person": "Alice"}, context=ctx, confirm=None)
    assert res.status == "failed"
    assert res.error["type"] == "disambiguation" and res.error["field"] == "person"
    names = {c["name"] for c in res.error["candidates"]}
    assert {"Alice Martin", "Alice Walker"} <= names


@pytest.mark.parametrize("text", ["Alice Martin", "alice.martin@example.org", "+351 912 345 678"])
def test_exact_person_resolves(env, text):
    app, registry, ctx = env
    res = registry.call("get_contact", {"person": text}, context=ctx, confirm=None)
    assert res.status == "done", res.error
    assert res.result["name"] == "Alice Martin"
    assert "alice.martin@example.org" in res.result["emails"]
    assert res.result["id"] and res.result["path"].endswith("contacts.vcf") and res.result["locator"]


def test_unknown_person_is_not_found(env):
    app, registry, ctx = env
    res = registry.call("get_contact", {"person": "Zebedee Quux"}, context=ctx, confirm=None)
    assert res.status == "failed" and res.error["type"] == "not_found" and res.error["field"] == "person"


def test_read_intents_return_citations(env):
    app, registry, ctx = env
    res = registry.call("search_mail", {"query": "boat trip Cascais", "person": "Alice Martin"}, context=ctx,
                        confirm=None)
    assert res.status == "done" and res.result["count"] >= 1
    hit = res.result["hits"][0]
    assert {"id", "title", "path", "locator", "snippet"} <= set(hit)
    assert "Lisbon trip" in hit["title"]
    budget = registry.call("search_mail", {"query": "budget", "person": "Alice Martin"}, context=ctx, confirm=None)
    assert all("budget" not in h["title"].lower() for h in budget.result["hits"])
    nxt = registry.call("next_event", {"query": "dentist"}, context=ctx, confirm=None)
    assert nxt.status == "done" and nxt.result["event"]["timestamp"].startswith("2026-12-03")
    thread = registry.call("summarize_thread", {"thread": "Lisbon trip plans"}, context=ctx, confirm=None)
    assert thread.status == "done" and thread.result["message_count"] == 2
    assert "Casa do Alentejo" in thread.result["summary"]


def test_no_confirmation_means_no_effect(env):
    app, registry, ctx = env
    before = outbox(app).read_text() if outbox(app).exists() else ""
    res = registry.call("send_message", {"recipient": "Daniel Okafor", "body": "On my way"}, context=ctx,
                        confirm=None)
    assert res.status == "needs_confirmation" and res.result is None
    assert "Daniel Okafor" in res.confirmation["summary"]
    denied = registry.call("send_message", {"recipient": "Daniel Okafor", "body": "On my way"}, context=ctx,
                           confirm=auto_deny)
    assert denied.status == "refused"
    falsy = registry.call("send_message", {"recipient": "Daniel Okafor", "body": "x"}, context=ctx,
                          confirm=lambda request: False)
    assert falsy.status == "refused"
    after = outbox(app).read_text() if outbox(app).exists() else ""
    assert after == before and "On my way" not in after


def test_confirmed_send_appends_to_the_outbox(env):
    app, registry, ctx = env
    res = registry.call("send_message", {"recipient": "Daniel Okafor", "body": "Landed in Lisbon"}, context=ctx,
                        confirm=lambda request: Confirmation(True, by="test-user"), caller="test")
    assert res.status == "done", res.error
    lines = [json.loads(line) for line in outbox(app).read_text().splitlines()]
    assert lines[-1]["body"] == "Landed in Lisbon" and lines[-1]["address"].replace(" ", "").endswith("7700900456")
    assert oct(outbox(app).stat().st_mode & 0o777) == "0o600"
    row = entries(app.store.db, "send_message", limit=1)[0]
    assert row["status"] == "done" and row["confirmed_by"] == "test-user" and row["caller"] == "test"
    assert row["arguments"] == {"recipient": "Daniel Okafor", "body": "Landed in Lisbon"}
    assert row["effect"] == "send" and row["result"]["id"] == res.result["id"] and row["time"]


def test_audit_records_refusals_and_failures(env):
    app, registry, ctx = env
    registry.call("send_message", {"recipient": "Bob Chen", "body": "audit me"}, context=ctx, confirm=auto_deny)
    registry.call("get_contact", {"person": "Alice"}, context=ctx, confirm=None)
    rows = entries(app.store.db, limit=2)
    assert rows[0]["intent"] == "get_contact" and rows[0]["status"] == "failed"
    assert rows[0]["error"]["type"] == "disambiguation"
    assert rows[1]["status"] == "refused" and rows[1]["confirmed_by"] == "refused:auto-deny"
    assert rows[1]["arguments"]["body"] == "audit me"


def test_draft_reminder_event_files(env):
    app, registry, ctx = env
    yes = auto_approve("test")
    draft = registry.call("draft_email", {"to": "Alice Martin", "subject": "Sunscreen", "body": "Packed!"},
                          context=ctx, confirm=yes)
    assert draft.status == "done", draft.error
    eml = Path(draft.result["path"])
    assert eml.parent == app.home.path / "outbox" / "drafts" / "new"
    text = eml.read_text()
    assert "To: Alice Martin <alice.martin@example.org>" in text and "Subject: Sunscreen" in text
    assert "maya.okafor@example.com" in text
    rem = registry.call("create_reminder", {"title": "Buy sunscreen", "due": "2026-07-09T18:00:00+01:00"},
                        context=ctx, confirm=yes)
    ev = registry.call("create_event", {"title": "Dinner with Alice", "start": "2026-07-11T20:00:00+01:00",
                                        "location": "Casa do Alentejo", "attendees": ["Alice Martin"]},
                       context=ctx, confirm=yes)
    assert rem.status == ev.status == "done"
    todos = Calendar.from_ical((app.home.path / "reminders.ics").read_bytes()).walk("VTODO")
    assert [str(t["SUMMARY"]) for t in todos][-1] == "Buy sunscreen"
    events = Calendar.from_ical((app.home.path / "events.ics").read_bytes()).walk("VEVENT")
    last = events[-1]
    assert str(last["SUMMARY"]) == "Dinner with Alice" and str(last["LOCATION"]) == "Casa do Alentejo"
    assert "alice.martin@example.org" in str(last["ATTENDEE"])
    second = registry.call("create_event", {"title": "Boat trip", "start": "2026-07-12T10:00:00+01:00"},
                           context=ctx, confirm=yes)
    assert second.status == "done"
    assert len(Calendar.from_ical((app.home.path / "events.ics").read_bytes()).walk("VEVENT")) == len(events) + 1


def test_forget_document_is_destructive_and_confirmed(env):
    app, registry, ctx = env
    doc_id = app.store.db.execute("SELECT id FROM documents WHERE title = 'Quarterly report budget'").fetchone()[0]
    spec = registry.get("forget_document")
    assert spec.effect.value == "destructive"
    res = registry.call("forget_document", {"document": doc_id}, context=ctx, confirm=None)
    assert res.status == "needs_confirmation" and app.store.get_document(doc_id) is not None
    res = registry.call("forget_document", {"document": doc_id}, context=ctx, confirm=auto_approve("test"))
    assert res.status == "done" and res.result["documents_removed"] == 1
    assert app.store.get_document(doc_id) is None


def test_a_person_the_user_deals_with_far_more_resolves_without_asking(tmp_path_factory):
    """Like a phone's "text Alice": the Alice with many conversations wins over a once-seen namesake,
    and the confirmation shows who it resolved to. Below the dominance bar it stays a question."""
    root = tmp_path_factory.mktemp("dominance")
    app = build_home(root)
    extra = root / "more-mail"
    extra.mkdir()
    for number in range(8):
        (extra / f"m{number}.eml").write_text(
            f"From: Alice Martin <alice.martin@example.org>\nTo: maya@example.com\nSubject: Note {number}\n"
            f"Message-ID: <dominance{number}@example.org>\nDate: Mon, 06 Jul 2026 10:00:00 +0100\n\nHello {number}\n")
    app.indexer.index_paths([str(extra)])
    registry = load_registry(app.home, entry_points_enabled=False)
    res = registry.call("get_contact", {"person": "Alice"}, context=IntentContext(app, NOW), confirm=None)
    assert res.status == "done", res.error
    assert res.result["name"] == "Alice Martin"
    app.close()
