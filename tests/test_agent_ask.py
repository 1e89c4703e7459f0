"""`kith ask` end to end on samples/data: the six demo requests, routing, grounding, not-found,
confirmation flows (accept, decline, none, --yes) and digest ranking."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "samples" / "data"
NOW = datetime.fromisoformat("2026-11-23T09:00:00+00:00")

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="samples/data has not been generated")


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    from agent.runner import Agent
    from indexer.app import KithApp

    home = tmp_path_factory.mktemp("kith-ask")
    (home / "kith.toml").write_bytes((REPO / "samples" / "kith.toml").read_bytes())
    app = KithApp(home)
    app.indexer.index_paths([DATA])
    app.save_vectors() if hasattr(app, "save_vectors") else app.indexer.save_vectors()
    yield Agent(app, now=NOW)
    app.close()


def grounded(agent, result) -> None:
    """Every answer line rests on retrieved text (or the cited document's fields) and has a citation."""
    assert result.lines, result.answer
    cited = {c["n"]: c for c in result.citations}
    for line in result.lines:
        cite = cited[line["citation"]]
        assert f"[{line['citation']}]" in line["text"]
        if not line["from_fields"]:
            doc = agent.app.store.get_document(cite["id"])
            assert " ".join(line["evidence"].split()) in " ".join(doc["body"].split())


def test_next_dentist_appointment(agent):
    result = agent.ask("when is my next dentist appointment?")
    assert "3 December 2026 at 09:30" in result.answer
    assert result.citations[0]["kind"] == "event" and not result.intent_calls
    grounded(agent, result)


def test_what_did_alice_say_about_the_trip(agent):
    result = agent.ask("what did Alice say about the trip?")
    assert result.found and "boat trip" in result.answer.lower()
    grounded(agent, result)


def test_latest_photos_with_my_husband(agent):
    result = agent.ask("show me the latest photos with my husband")
    assert result.citations and all(c["kind"] == "photo" for c in result.citations)
    assert all("Daniel Okafor" in line["text"] for line in result.lines)
    stamps = [c["timestamp"] for c in result.citations]
    assert stamps == sorted(stamps, reverse=True)


def test_photos_from_lisbon_last_summer(agent):
    result = agent.ask("photos from Lisbon last summer")
    steps = result.plan.to_json()["steps"]
    assert steps[0]["filters"]["since"].startswith("2026-06-01") and steps[0]["filters"]["until"].startswith("2026-08-31")
    assert result.lines and all("Lisbon" in line["text"] and ".jpg" in line["text"].lower() for line in result.lines)


def test_reminder_needs_confirmation_without_a_callback(agent):
    result = agent.ask("remind me to call Bob tomorrow at 9", confirm=None)
    call = result.intent_calls[0]
    assert call["name"] == "create_reminder" and call["status"] == "needs_confirmation"
    assert call["arguments"]["due"] == "2026-11-24T09:00:00+00:00"
    assert not (Path(agent.app.home.path) / "reminders.ics").exists()


def test_reminder_declined_then_accepted_writes_a_vtodo(agent):
    declined = agent.ask("remind me to call Bob tomorrow at 9", confirm=lambda request: False)
    assert declined.intent_calls[0]["status"] == "refused"
    assert not (Path(agent.app.home.path) / "reminders.ics").exists()
    done = agent.ask("remind me to call Bob tomorrow at 9", confirm=lambda request: True)
    assert done.intent_calls[0]["status"] == "done"
    ics = Path(done.intent_calls[0]["result"]["path"]).read_text()
    assert "BEGIN:VTODO" in ics and "call Bob" in ics


def test_text_alice_goes_through_the_outbox(agent):
    result = agent.ask("text Alice that I'm running late", confirm=lambda request: True)
    call = result.intent_calls[0]
    assert call["status"] == "done", call
    assert "Alice Martin" in call["result"]["recipient"]
    outbox = Path(call["result"]["outbox"]).read_text()
    assert "running late" in outbox


def test_cli_yes_and_no_tty(agent):
    from click.testing import CliRunner

    from kith.cli.main import cli

    home = str(agent.app.home.path)
    runner = CliRunner()
    out = runner.invoke(cli, ["ask", "text Bob that the report is ready", "--json", "--home", home,
                              "--now", NOW.isoformat()])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) >= {"answer", "citations", "intent_calls", "plan", "engine"}
    assert data["intent_calls"][0]["status"] == "needs_confirmation"  # no tty, no --yes
    out = runner.invoke(cli, ["ask", "text Bob that the report is ready", "--json", "--yes", "--home", home,
                              "--now", NOW.isoformat()])
    assert json.loads(out.output)["intent_calls"][0]["status"] == "done"


def test_questions_never_route_to_actions(agent):
    for question in ["what did Alice text me about dinner?", "did Bob send the quarterly report?"]:
        result = agent.ask(question, confirm=lambda request: True)
        assert not result.intent_calls, question


def test_not_found_says_so_and_shows_closest_hits(agent):
    result = agent.ask("what is the airspeed velocity of an unladen swallow?")
    assert not result.found
    assert result.answer.startswith("I could not find")
    assert not result.lines


def test_router_alternatives_and_confidence(agent):
    router = agent.planner.router(agent.registry)
    route = router.route("remind me to call Bob tomorrow at 9")
    assert route.name == "create_reminder" and 0 < route.confidence <= 1.0001
    assert len(route.alternatives) == 3
    assert router.route("what is the capital of Peru").name in ("out_of_scope", "ask")
    plan = agent.planner.plan("remind me to buy milk tomorrow", agent.context())
    assert plan.steps[0].name == "create_reminder" and plan.steps[0].arguments["title"] == "buy milk"
    assert router.route("what did Grace say about her birthday").name in ("ask", "search_messages", "search_mail", "out_of_scope")


def test_summarize_thread_keeps_sources(agent):
    from agent.summarize import summarize

    summary = summarize(agent.app, "quarterly report budget", k=3)
    assert summary.sentences and all(s.doc_id in summary.documents for s in summary.sentences)


def test_digest_ranks_relations_and_questions_first(agent):
    from agent.digest import build_digest

    items = build_digest(agent.app, since="7d", now=NOW, limit=50)
    assert items and items == sorted(items, key=lambda i: -i.score)
    newsletters = [i for i, item in enumerate(items) if "newsletter" in (item.sender or "").lower()]
    asks = [i for i, item in enumerate(items) if item.features["question"] and item.features["direct"]]
    assert asks and (not newsletters or min(asks) < min(newsletters))
    assert set(items[0].features) == {"relation", "frequency", "direct", "question", "deadline", "unreplied", "bulk"}
    bulk = [i for i, item in enumerate(items) if item.features["bulk"]]
    assert bulk, "the London Life newsletter (List-Unsubscribe) should be flagged as bulk"
    assert all(items[i].sender and "newsletter" in items[i].sender.lower() or "noreply" in (items[i].sender or "")
               for i in bulk)
    personal = [i for i, item in enumerate(items) if not item.features["bulk"] and item.features["direct"]]
    assert personal and max(personal) < min(bulk), [(x.sender, x.score) for x in items]
    dentist = next(i for i, item in enumerate(items) if "Smile Dental" in (item.sender or ""))
    assert items[dentist].features["deadline"] == 1.0 and dentist < min(bulk)
