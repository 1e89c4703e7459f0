"""`kith ask` with the deterministic planner on samples/data (issue 10): who-questions, rendered
person results, no side effects without the action's verb, where-questions, future dates for
scheduling intents, and kith's own writes (reminders, outbox, drafts) indexed as the user's data."""
from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from intents.context import IntentContext
from intents.schema import Param

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "samples" / "data"
NOW = datetime.fromisoformat("2026-11-23T09:00:00+00:00")  # a Monday

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="samples/data has not been generated")


@pytest.fixture(scope="module")
def indexed_home(tmp_path_factory, embedder):
    """samples/data indexed once; each test that writes gets its own copy of the home."""
    from indexer.app import KithApp

    home = tmp_path_factory.mktemp("kith-issue10")
    (home / "kith.toml").write_bytes((REPO / "samples" / "kith.toml").read_bytes())
    app = KithApp(home, embedder=embedder)
    app.indexer.index_paths([DATA])
    app.close()
    return home


@pytest.fixture
def agent(indexed_home, tmp_path, embedder):
    from agent.runner import Agent
    from indexer.app import KithApp

    home = tmp_path / "home"
    shutil.copytree(indexed_home, home)
    app = KithApp(home, embedder=embedder)
    yield Agent(app, now=NOW)
    app.close()


def yes(request) -> bool:
    return True


def _log_activity():
    from intents.decorator import intent
    from intents.effects import Effect

    @intent(effect=Effect.WRITE, phrases=["log {what} on {day}"], dates="past")
    def log_activity(what: Param[str, "What was done"], day: Param[datetime, "When it was done"],
                     context: IntentContext) -> None:
        """Record something that happened."""

    return log_activity


def _book():
    from intents.decorator import intent
    from intents.effects import Effect

    @intent(effect=Effect.WRITE, phrases=["book {what} on {day}"])
    def book(what: Param[str, "What to book"], day: Param[datetime, "When"], context: IntentContext) -> None:
        """Book something (declares nothing: side effects look forward)."""

    return book


# ------------------------------------------------------------------ people
def test_who_is_answers_from_the_contact_card_and_the_relation_to_the_owner(agent):
    result = agent.ask("who is Alice Martin?", confirm=yes)
    assert not result.intent_calls, result.intent_calls  # was: get_contact with no person -> failed
    assert result.answer.startswith("Alice Martin is your friend"), result.answer
    assert result.citations[0]["kind"] == "contact" and result.lines[0]["from_fields"]

    lucas = agent.ask("who is Lucas Ferreira?")
    assert "Lucas Ferreira Lucas Ferreira" not in lucas.answer
    assert "the partner of your friend Alice Martin" in lucas.answer, lucas.answer
    assert lucas.citations[0]["title"] == "Lucas Ferreira"

    husband = agent.ask("who is my husband?")
    assert husband.answer.startswith("Daniel Okafor is your spouse"), husband.answer


def test_a_phone_number_question_prints_the_number_not_a_dict(agent):
    result = agent.ask("what is Alice Martin's phone number?")
    call = result.intent_calls[0]
    assert call["name"] == "get_contact" and call["status"] == "done"
    assert call["result_type"] == "ContactCard"
    assert result.answer == "Alice Martin's phone number: +351-912-345-678 [1]"
    assert result.citations[0]["kind"] == "contact" and result.citations[0]["path"].endswith("contacts.vcf")
    email = agent.ask("what's Lucas Ferreira's email?")
    assert "lucas.ferreira@example.org" in email.answer and "{" not in email.answer


def test_cli_answer_has_no_python_reprs(agent):
    from click.testing import CliRunner

    from kith.cli.main import cli

    out = CliRunner().invoke(cli, ["ask", "what is Alice Martin's phone number?", "--home", str(agent.app.home.path),
                                   "--now", NOW.isoformat()])
    assert out.exit_code == 0, out.output
    assert "+351-912-345-678" in out.output
    assert "{'" not in out.output and "get_contact(" not in out.output, out.output


def test_renderers_cover_every_builtin_result_type_and_fall_back_readably(agent):
    from agent.render import RENDERERS, RenderContext, render_result, result_type

    types = {result_type(spec) for spec in agent.registry.list() if spec.origin == "builtin"}
    assert types - {None} <= set(RENDERERS), types - set(RENDERERS)
    rendered = render_result("SomethingNew", {"name": "x", "items": [{"a": 1}, {"a": 2}], "empty": None},
                             RenderContext())
    assert rendered.lines == ["name: x", "items: 2 items"]


# ------------------------------------------------------------ side effects
def test_summaries_never_route_to_a_side_effecting_intent(agent):
    for question in ["summarize my conversation with Alice", "summarise my messages with Bob",
                     "recap my chat with Alice", "give me a summary of what Alice texted me"]:
        result = agent.ask(question, confirm=yes)
        assert all(c["effect"] == "read" for c in result.intent_calls), (question, result.intent_calls)
    result = agent.ask("summarize my conversation with Alice", confirm=yes)
    assert result.citations and all(c["kind"] == "message" for c in result.citations)
    assert not (Path(agent.app.home.path) / "outbox").exists()


def test_the_action_verb_gate():
    from agent.action_gate import action_verbs, uses_action_verb
    from intents.builtin.write import send_message

    spec = send_message.__kith_intent__
    assert action_verbs(spec) == {"text", "message", "tell"}
    assert uses_action_verb("please text Alice that I'm late", spec)
    assert uses_action_verb("message Bob the address", spec)
    assert not uses_action_verb("summarize my conversation with Alice", spec)
    assert not uses_action_verb("forward the message from Alice", spec)
    assert not uses_action_verb("what was the last text from Bob", spec)


# ------------------------------------------------------------------ where
def test_where_questions_prefer_documents_with_the_questions_words(agent):
    result = agent.ask("where did we have dinner in Lisbon?")
    assert "Casa do Alentejo" in result.answer, result.answer  # was: the breakfast photo
    assert result.plan.steps[0].filters.get("kind") != "photo"


# ------------------------------------------------------------------ dates
def test_scheduling_intents_take_the_next_such_day(agent):
    result = agent.ask("add lunch with Grace to my calendar on Friday at 1pm")
    call = result.intent_calls[0]
    assert call["name"] == "create_event" and call["status"] == "needs_confirmation"
    assert call["arguments"] == {"title": "lunch with Grace", "start": "2026-11-27T13:00:00+00:00"}
    later = agent.ask("schedule the dentist at 3pm on Thursday")
    assert later.intent_calls[0]["arguments"]["start"] == "2026-11-26T15:00:00+00:00"


def test_date_direction_is_declared_on_the_intent():
    from agent.planner import fill_intent_arguments
    from intents.decorator import intent
    from intents.errors import RegistrationError

    log_activity, book = _log_activity(), _book()
    _, past = fill_intent_arguments("log a run on Friday", log_activity.__kith_intent__, NOW)
    _, future = fill_intent_arguments("book a table on Friday", book.__kith_intent__, NOW)
    assert past["day"].startswith("2026-11-20") and future["day"].startswith("2026-11-27")
    assert log_activity.__kith_intent__.to_json()["dates"] == "past"
    with pytest.raises(RegistrationError, match="dates="):
        intent(phrases=[], dates="tomorrow")(book)


# ------------------------------------------------------- kith's own writes
def test_what_kith_writes_is_indexed_as_the_users_own_data(agent):
    done = agent.ask("remind me to renew the car insurance tomorrow at 9", confirm=yes)
    assert done.intent_calls[0]["status"] == "done"
    reminders = agent.ask("what reminders do I have?")
    assert "renew the car insurance" in reminders.answer, reminders.answer
    assert reminders.citations[0]["path"].endswith("reminders.ics")

    sent = agent.ask("text Alice that the keys are under the mat", confirm=yes)
    assert sent.intent_calls[0]["status"] == "done"
    found = agent.ask("what did I text Alice about the keys?")
    assert "the keys are under the mat" in found.answer, found.answer
    assert found.citations[0]["path"].endswith("messages.jsonl")

    from intents import IntentContext

    call = agent.registry.call("draft_email", {"to": "Bob Chen", "subject": "Garden party",
                                               "body": "Bring the folding chairs."},
                               context=IntentContext(agent.app, NOW), confirm=yes, caller="test")
    assert call.status == "done", call.error
    rows = agent.app.store.db.execute("SELECT kind, title FROM documents WHERE source_path LIKE ?",
                                      [str(agent.app.home.path) + "/%"]).fetchall()
    kinds = {(r[0], r[1]) for r in rows}
    assert ("event", "renew the car insurance") in kinds and ("mail", "Garden party") in kinds
    assert any(kind == "message" for kind, _ in kinds)


def test_outbox_reader_reports_a_bad_line_and_keeps_the_rest(tmp_path):
    from indexer.document import Document, ReadFailure
    from indexer.sources.kith_outbox import KithOutboxReader

    path = tmp_path / "outbox" / "messages.jsonl"
    path.parent.mkdir()
    good = {"id": "a1", "queued_at": "2026-11-23T09:00:00Z", "to": "Alice Martin", "address": "+351912345678",
            "body": "on my way", "status": "queued", "from": "Maya Okafor"}
    path.write_text(json.dumps(good) + "\nnot json\n")
    reader = KithOutboxReader()
    assert reader.sniff(path, path.read_bytes()[:4096]) > 0.9
    assert reader.sniff(tmp_path / "other.jsonl", path.read_bytes()) == 0.0
    items = list(reader.read(path))
    docs = [i for i in items if isinstance(i, Document)]
    failures = [i for i in items if isinstance(i, ReadFailure)]
    assert len(docs) == 1 and "on my way" in docs[0].body and docs[0].author == "Maya Okafor"
    assert "Alice Martin" in docs[0].participants and len(failures) == 1 and "line 2" in failures[0].error
