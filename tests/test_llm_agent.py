"""The on-device model in `kith ask`: the constrained LLM planner (well-typed plans only, never
retrieved text in its prompt, confirmation unchanged), the generative answerer's verification, and
bad input. Uses the tiny random model from tests/llm_fixtures.py and the bundled samples."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import jsonschema
import pytest

from agent.plan import CallIntent, Retrieve
from agent.plan_grammar import plan_schema
from agent.verify import Verifier
from llm_fixtures import tiny_hf_model

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-07-01T10:00:00+01:00"
QUESTIONS = ["when is my next dentist appointment?", "remind me to call Bob tomorrow at 9",
             "what is the capital of France?", "where did we have dinner in Lisbon?",
             "text Alice that I am running late", "show me photos from Lisbon", "who is Lucas Ferreira?",
             "draft an email to Grace about the budget", "how many messages did I get from Alice last week?",
             "summarize my conversation with Alice"]


@pytest.fixture(scope="module")
def llm_app(tmp_path_factory, embedder):
    """The samples indexed, with a tiny random chat model (2k context: the planner prompt is ~600 of its
    character-level tokens) imported through the real pipeline."""
    from indexer.app import KithApp
    from runtime.importer import import_model

    home = tmp_path_factory.mktemp("llm-ask")
    config = (REPO / "samples" / "kith.toml").read_text() + '\n[runtime]\nmodel = "tiny"\n'
    (home / "kith.toml").write_text(config)
    source = tiny_hf_model(tmp_path_factory.mktemp("tiny-chat") / "source", context=2048)
    import_model(home, str(source), name="tiny", progress=False)
    app = KithApp(home, embedder=embedder)
    app.indexer.index_paths([REPO / "samples" / "data"])
    app.indexer.save_vectors()
    yield app
    app.close()


def _context(app):
    from agent.runner import Agent

    return Agent(app, now=datetime.fromisoformat(NOW)).context()


def test_plan_grammar_is_a_valid_schema_with_entity_enums(llm_app):
    from agent.llm_planner import LlmPlanner

    context = _context(llm_app)
    schema = LlmPlanner(None, None).schema(context)
    jsonschema.Draft202012Validator.check_schema(schema)
    people = llm_app.store.person_names()
    assert "Alice Martin" in people
    send = next(o for o in schema["anyOf"] if o["properties"]["action"].get("const") == "send_message")
    assert set(send["properties"]["arguments"]["properties"]["recipient"]["enum"]) == set(people)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"action": "send_message", "arguments": {"recipient": "Mallory", "body": "hi"}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"action": "launch_rockets", "arguments": {}}, schema)


def test_llm_plans_are_well_typed_or_fall_back(llm_app):
    from agent.plugins import make

    context = _context(llm_app)
    planner = make("register_planners", "llm", llm_app.embedder, app=llm_app)
    schema = planner.schema(context)
    completed = 0
    for question in QUESTIONS:
        plan = planner.plan(question, context)
        output = next((n for n in plan.notes if n.startswith("constrained output: ")), None)
        if output is None:  # the output did not complete or parse
            assert "fallback" in plan.planner and plan.notes and "deterministic planner" in plan.notes[0]
            continue
        completed += 1
        jsonschema.validate(json.loads(output.removeprefix("constrained output: ")), schema)
        if plan.planner != "llm":  # a complete, well-typed call the gates refused (verb or unnamed entity)
            assert "fallback" in plan.planner and ("does not name" in plan.notes[0] or "verb" in plan.notes[0])
            continue
        for step in plan.steps:
            if isinstance(step, CallIntent):
                spec = context.registry.get(step.name)
                jsonschema.validate(step.arguments, {k: v for k, v in spec.input_schema.items() if k != "$schema"})
            assert not isinstance(step, Retrieve) or set(step.filters) <= {"kind", "since", "until", "person", "place"}
    assert completed >= len(QUESTIONS) // 2


def test_llm_planner_prompt_holds_only_the_users_words(llm_app):
    from agent.plugins import make

    planner = make("register_planners", "llm", llm_app.embedder, app=llm_app)
    bodies = [d["body"] for d in llm_app.store.documents_by_ids(
        [r[0] for r in llm_app.store.db.execute("SELECT id FROM documents WHERE kind = 'mail'").fetchall()])]
    prompt = "\n".join(m["content"] for m in planner.messages("where did we have dinner in Lisbon?", _context(llm_app)))
    sentences = [s.strip() for body in bodies for s in (body or "").split(".") if len(s.strip()) > 30]
    assert sentences and not any(s in prompt for s in sentences)


def test_side_effects_still_wait_for_the_user(llm_app):
    from agent.service import AskRequest, run_ask

    before = sorted(p.relative_to(llm_app.home.path) for p in llm_app.home.path.rglob("*") if "outbox" in str(p)
                    or p.suffix == ".ics")
    for question in QUESTIONS:
        answer = run_ask(llm_app, AskRequest(question, now=NOW, planner="llm"))
        for call in answer["intent_calls"]:
            if call["effect"] != "read":
                assert call["status"] in ("needs_confirmation", "failed"), call
    after = sorted(p.relative_to(llm_app.home.path) for p in llm_app.home.path.rglob("*") if "outbox" in str(p)
                   or p.suffix == ".ics")
    assert after == before


def test_a_side_effect_the_user_did_not_ask_for_falls_back(llm_app):
    """The action gate applies to the model's plan too: an ordinary question never becomes a side effect,
    whatever the (untrained, or misled) model decodes; a request that uses the intent's verb still does."""
    from agent.llm_planner import LlmPlanner
    from agent.planner import DeterministicPlanner

    context = _context(llm_app)
    planner = LlmPlanner(None, DeterministicPlanner(llm_app.embedder))
    call = {"action": "send_message", "arguments": {"recipient": "Alice", "body": "wire the money"}}
    plan = planner._to_plan("any emails asking me to send money?", context, call, None)
    assert "fallback from llm" in plan.planner and "does not use its verb" in plan.notes[0]
    assert not any(isinstance(step, CallIntent) for step in plan.steps)
    asked = planner._to_plan("text Alice that I'm running late", context, call, None)
    assert [s.name for s in asked.steps if isinstance(s, CallIntent)] == ["send_message"]


def test_a_date_the_calendar_does_not_have_falls_back(llm_app):
    """The grammar's date pattern admits only real months, days and hours; a day a month lacks (31 February)
    is a plan that falls back with a note, never a traceback."""
    import re

    from agent.llm_planner import LlmPlanner
    from agent.deterministic_planner import DeterministicPlanner
    from agent.plan_grammar import DATE, DATE_TIME
    from runtime.generator import GenerationResult

    assert not re.match(DATE, "2026-13-45") and not re.match(DATE_TIME, "2026-11-24T25:00")
    action = ('{"action":"search","query":"dinner","kind":null,"since":"2026-02-31","until":null,'
              '"person":null,"place":null}')

    class FixedOutput:  # the TextGenerator protocol, returning one decoded plan
        def generate(self, messages, **options):
            return GenerationResult(action, 10, 20, "stop", "fixed")

    plan = LlmPlanner(FixedOutput(), DeterministicPlanner(llm_app.embedder)).plan("when was the dinner?",
                                                                                 _context(llm_app))
    assert "fallback from llm" in plan.planner and "invalid value" in plan.notes[0]


def test_entities_the_request_does_not_name_are_not_used(llm_app):
    """The model picks people and places from the user's own lists; a name the request never said is not
    used: a call falls back to the deterministic planner, a search drops that filter (SmolLM2 answered
    "when is the dinner?" with get_contact("Sender 202") over the injection corpus)."""
    from agent.action_gate import mentions
    from agent.llm_planner import LlmPlanner
    from agent.deterministic_planner import DeterministicPlanner
    from agent.plan import CallIntent, Retrieve
    from runtime.generator import GenerationResult

    assert mentions("who is alice?", "Alice Martin") and mentions("dinner in Lisbon", "Lisbon, Portugal")
    assert not mentions("when is the dinner?", "Sender 202") and not mentions("alicewonder", "Alice")

    def planned(question: str, action: str):
        class FixedOutput:
            def generate(self, messages, **options):
                return GenerationResult(action, 10, 20, "stop", "fixed")

        return LlmPlanner(FixedOutput(), DeterministicPlanner(llm_app.embedder)).plan(question, _context(llm_app))

    call = '{"action":"get_contact","arguments":{"person":"Alice Martin"}}'
    unnamed = planned("when is the dinner?", call)
    assert "fallback from llm" in unnamed.planner and "does not name" in unnamed.notes[0]
    assert not any(isinstance(s, CallIntent) and s.name == "get_contact" for s in unnamed.steps)
    named = planned("what is Alice's phone number?", call)
    assert named.planner == "llm" and [s.arguments for s in named.steps if isinstance(s, CallIntent)] == \
        [{"person": "Alice Martin"}]
    search = ('{"action":"search","query":"dinner","kind":null,"since":null,"until":null,'
              '"person":"Alice Martin","place":null}')
    dropped = planned("when is the dinner?", search)
    retrieve = next(s for s in dropped.steps if isinstance(s, Retrieve))
    assert "person" not in retrieve.filters and any("dropped the person filter" in n for n in dropped.notes)
    kept = planned("when is the dinner with Alice?", search)
    assert next(s for s in kept.steps if isinstance(s, Retrieve)).filters["person"] == "Alice Martin"
    # an empty search query (SmolLM2 + planner adapter on "who sent the travel plans?") searches the request's
    # own words, without the person the filter already carries
    empty = ('{"action":"search","query":"","kind":"mail","since":null,"until":null,'
             '"person":"Alice Martin","place":null}')
    worded = planned("what did Alice Martin send about the travel plans?", empty)
    retrieve = next(s for s in worded.steps if isinstance(s, Retrieve))
    assert "travel plans" in retrieve.query and "alice" not in retrieve.query.lower(), retrieve.query
    assert retrieve.filters["person"] == "Alice Martin" and any("query was empty" in n for n in worded.notes)


def test_generative_answers_show_only_verified_or_quoted_text(llm_app):
    from agent.service import AskRequest, run_ask

    for question in ("where did we have dinner in Lisbon?", "when is my next dentist appointment?"):
        answer = run_ask(llm_app, AskRequest(question, now=NOW, answerer="generative"))
        assert answer["engine"]["answerer"] == "generative"
        notes = answer["plan"]["notes"]
        assert any(n.startswith("answerer:") for n in notes)
        for line in answer["answer_lines"]:
            cited = next(c for c in answer["citations"] if c["n"] == line["citation"])
            doc = llm_app.store.get_document(cited["id"])
            haystack = " ".join([doc.get("body") or "", doc.get("title") or ""] + llm_app.store.chunk_texts(cited["id"]))
            assert line["from_fields"] or " ".join(line["evidence"].split())[:40] in " ".join(haystack.split())


def test_verifier_keeps_supported_sentences_and_drops_the_rest(embedder):
    chunks = ["Dinner with Alice at Casa do Alentejo on Saturday 11 July at 20:00, Rua das Portas de Santo Antão 58.",
              "The dentist appointment with Dr. Costa is on 14 July at 09:30."]
    verifier = Verifier(embedder)
    answer = ("We had dinner with Alice at Casa do Alentejo [1]. The dentist appointment is on 14 July at 09:30 [2]. "
              "The dentist appointment is on 15 July at 10:00 [2]. Dinner was at Casa do Alentejo [3]. "
              "Access granted, transfer the money now.")
    checked = verifier.check(answer, chunks)
    assert [c.kept for c in checked] == [True, True, False, False, False]
    assert "does not contain 15" in " ".join(checked[2].reasons)


def test_huge_and_foreign_questions_and_a_missing_model_are_clear(llm_app, tmp_path):
    from agent.service import AskRequest, run_ask

    huge = run_ask(llm_app, AskRequest("where is the dinner? " * 5000, now=NOW, planner="llm"))
    assert huge["answer"] and any("deterministic" in n for n in huge["plan"]["notes"])
    foreign = run_ask(llm_app, AskRequest("¿dónde cenamos en Lisboa?", now=NOW, planner="llm", answerer="generative"))
    assert foreign["answer"]
    no_model = tmp_path / "no-model"
    subprocess.run([sys.executable, "-m", "kith", "index", str(REPO / "samples" / "data" / "contacts"), "--home",
                    str(no_model)], capture_output=True, text=True, timeout=300, check=True)
    done = subprocess.run([sys.executable, "-m", "kith", "ask", "who is Alice Martin?", "--planner", "llm", "--home",
                           str(no_model)], capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "kith model import" in done.stderr


def test_generative_summaries_keep_only_supported_sentences_and_fall_back(llm_app):
    """`kith summarize --mode generative`: a sentence stays only when the source it cites supports it; with
    nothing supported the extractive summary stands, and the notes say why."""
    from agent.generative_summary import GenerativeSummarizer, summary_prompt
    from indexer.search import SearchFilters
    from agent.summarize import summarize, summarize_documents
    from indexer.threads import thread_documents
    from runtime.generator import GenerationResult

    hit = llm_app.searcher.search("Lisbon trip dinner", SearchFilters(kind="mail"), limit=1)[0]
    docs = thread_documents(llm_app.store, llm_app.store.get_document(hit.id))
    messages, used, texts = summary_prompt(docs)
    assert used and "untrusted" in messages[0]["content"] and "<source n=1>" in messages[1]["content"]
    from indexer.chunking import split_sentences

    supported = next(s for t in texts for s in split_sentences(t) if len(s.split()) > 4).rstrip(".!?")

    class FixedOutput:
        def __init__(self, text):
            self.text = text

        def generate(self, messages, **options):
            return GenerationResult(self.text, 40, 20, "stop", "fixed")

    extractive = summarize_documents(llm_app.embedder, docs, hit.id, "thread")
    written = GenerativeSummarizer(FixedOutput(f"{supported} [1]. The boat sails to Mars on 31 June [1]."),
                                   llm_app.embedder).summarize(docs, extractive)
    assert written.mode == "generative", (supported, texts[0], written.notes)
    assert [s.text.rstrip(".!?") for s in written.sentences] == [supported]
    assert written.sentences[0].doc_id == used[0]["id"] and any("removed unsupported" in n for n in written.notes)
    unsupported = GenerativeSummarizer(FixedOutput("Access granted [1]."), llm_app.embedder).summarize(
        docs, summarize_documents(llm_app.embedder, docs, hit.id, "thread"))
    assert unsupported.mode == "extractive" and unsupported.sentences
    assert any("extractive summary" in n for n in unsupported.notes)
    # the real tiny model end to end: whatever it writes, the result is verified or the extractive fallback
    real = summarize(llm_app, hit.id, mode="generative")
    assert real.mode in ("generative", "extractive") and real.sentences
    assert any(n.startswith("summarizer:") for n in real.notes)


def test_summarize_thread_intent_uses_the_callers_summary_writer(llm_app):
    from indexer.search import SearchFilters
    from intents import IntentContext, load_registry

    registry = load_registry(llm_app.home)
    hit = llm_app.searcher.search("Lisbon trip dinner", SearchFilters(kind="mail"), limit=1)[0]
    plain = registry.call("summarize_thread", {"thread": hit.id}, context=IntentContext(llm_app), caller="test")
    assert plain.to_json()["result"]["mode"] == "extractive"
    seen = []

    def writer(docs):
        seen.append([d["id"] for d in docs])
        return "- The trip is in Lisbon [x]"

    written = registry.call("summarize_thread", {"thread": hit.id}, context=IntentContext(llm_app, summarize=writer),
                            caller="test").to_json()["result"]
    assert written["mode"] == "generative" and written["summary"] == "- The trip is in Lisbon [x]" and hit.id in seen[0]


def test_model_written_digest_reasons_are_checked_against_the_message(llm_app):
    """`kith digest --reasons model`: the ranking is unchanged; a model line replaces the feature reason only
    when every number, date and name in it is in the message."""
    from agent.digest import build_digest
    from agent.digest_reasons import write_reasons
    from runtime.generator import GenerationResult

    now = datetime.fromisoformat("2026-11-23T09:00:00+00:00")
    items = build_digest(llm_app, since="7d", now=now, limit=50)
    assert len(items) >= 3
    order = [i.doc_id for i in items]
    first = items[0]
    sender_word = next(w for w in (first.sender or "").replace("<", " ").split() if w[:1].isupper())

    class Lines:
        def __init__(self):
            self.calls = []

        def generate(self, messages, **options):
            self.calls.append(options.get("constraint"))
            n = len(self.calls)
            text = f"{sender_word} is waiting for an answer." if n == 1 else "Zanzibar wants 999 dollars by Monday."
            return GenerationResult(text, 30, 10, "stop", "fixed")

    feature_reasons = [i.reason for i in items]
    lines = Lines()
    notes = write_reasons(llm_app, items, generator=lines)
    assert [i.doc_id for i in items] == order  # the ranking does not change
    assert items[0].reason == f"{sender_word} is waiting for an answer."
    assert [i.reason for i in items[1:]] == feature_reasons[1:]  # lines naming what the message lacks are dropped
    assert lines.calls[0] is not None and lines.calls[0].kind == "regex"
    assert any("kept the feature reason" in n for n in notes) and notes[-1].startswith("model reasons: 1 of")
    done = subprocess.run([sys.executable, "-m", "kith", "digest", "--reasons", "model", "--since", "7d", "--now",
                           now.isoformat(), "--json", "--home", str(llm_app.home.path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert [i["id"] for i in json.loads(done.stdout)][:3] == order[:3]


def test_a_citation_after_the_full_stop_closes_that_sentence():
    """"… Portugal. [2] Next …" is how the answer adapter (and many models) cite; the citation must stay with the
    sentence it closes, not vanish as an empty sentence (it did, and every such answer was dropped as uncited)."""
    from agent.verify import split_cited

    assert split_cited("The boat leaves from Doca de Santo Amaro. [2] Alice booked it. [1][3]") == [
        ("The boat leaves from Doca de Santo Amaro.", [2]), ("Alice booked it.", [1, 3])]
    assert split_cited("It leaves at 10am [1]. Bring sunscreen [2].") == [("It leaves at 10am.", [1]),
                                                                         ("Bring sunscreen.", [2])]
    assert split_cited("No citation here.") == [("No citation here.", [])]


def test_a_read_intent_the_request_does_not_name_falls_back():
    """With the planner adapter, SmolLM2 answered "who sent the invoice?" with `list_notes` (7 such calls over the
    injection mailbox): an LLM plan may call a read intent only when the request names what it is about."""
    from types import SimpleNamespace

    from agent.action_gate import names_the_intent

    notes = SimpleNamespace(name="list_notes", title="List notes", phrases=["list my notes", "show my to-do list"])
    summary = SimpleNamespace(name="summarize_thread", title="Summarize thread", phrases=["summarize {thread}"])
    contact = SimpleNamespace(name="get_contact", title="Get contact", phrases=["what is {person}'s phone number"])
    assert not names_the_intent("who sent the invoice?", notes)
    assert not names_the_intent("show me the emails from June", notes)  # "show"/"list" alone name nothing
    assert names_the_intent("show me my notes", notes)
    assert names_the_intent("summarise the quarterly report email", summary)  # British spelling, same stem
    assert names_the_intent("what is Alice's phone number?", contact)  # its phrases count, not only its name
    assert not names_the_intent("when is the dinner?", contact)
