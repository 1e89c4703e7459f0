"""Task adapters trained on this machine (issue 13): the planner's synthesized targets are exactly what
the plan grammar admits, the answer and summary targets are verbatim, cited source sentences, the tool-call\ntargets are what the reply schema admits, and
`kith adapters train planner|answer|summarize` trains a LoRA on a tiny model built here, lowers its held-out
loss, imports it under the task's name, and the LLM planner then activates it."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import jsonschema
import pytest
from click.testing import CliRunner

from kith.cli.main import cli
from tests.serve_helpers import DATA, indexed_home

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="samples/data has not been generated")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from indexer.app import KithApp

    home = indexed_home(tmp_path_factory.mktemp("task-adapters") / "home")
    app = KithApp(home)
    yield app
    app.close()


def test_planner_targets_are_what_the_grammar_admits(app):
    from agent.llm_planner import LlmPlanner
    from agent.plan import PlanContext
    from agent.runner import known_places, load_registry_for
    from indexer.kinds import known
    from training.planner_data import PlannerData

    registry = load_registry_for(app)
    now = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)  # a Wednesday
    people, places = app.store.person_names(200), known_places(app)
    context = PlanContext(now=now, registry=registry, known_places=places, app=app)
    planner = LlmPlanner(None, None)
    schema = planner.schema(context)
    examples = PlannerData(registry, now, people, places).examples()
    kinds = {e.kind for e in examples}
    assert kinds == {"intent", "search", "out_of_scope"}, kinds
    names = set()
    for example in examples:
        target = json.loads(example.target)
        jsonschema.validate(target, schema)  # every target is an output the constrained decoder allows
        assert example.target == json.dumps(target, ensure_ascii=False, separators=(",", ":"))  # compact, as decoded
        names.add(target["action"])
        if target["action"] == "create_reminder" and "due" in target["arguments"]:
            due = datetime.fromisoformat(target["arguments"]["due"])
            assert due.date() > now.date()  # "on Friday", "tomorrow": the next such day, never the past
    assert {"search", "out_of_scope", "create_reminder", "send_message"} <= names, names
    mentioned = [e for e in examples if e.kind == "intent" and any(p in e.question for p in people)]
    assert mentioned  # filled with the user's own people


def test_planner_prompts_vary_clock_and_owner_and_dates_follow_each_prompt(app):
    """The planner's examples are spread over several clocks and owners (an adapter trained on one prompt keys
    on it), and a relative date in a target is computed from the clock in that example's own prompt."""
    import re
    from datetime import timedelta

    from training.task_adapters import task_examples

    pairs = [(m, t) for m, t in task_examples(app, "planner", 600) if "kith's planner" in m[0]["content"]]
    clocks = {re.search(r"Today is \w+ (\S+ \S+)\.", m[0]["content"]).group(1) for m, _ in pairs}
    owners = {re.search(r"The user is (.+)\.$", m[0]["content"]).group(1) for m, _ in pairs}
    assert len(clocks) >= 4 and len(owners) >= 2, (clocks, owners)
    checked = 0
    for messages, target in pairs:
        arguments = json.loads(target).get("arguments") or {}
        stamp = next((v for v in arguments.values() if isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT.*", v)),
                     None)
        if stamp is None or "tomorrow" not in messages[1]["content"]:
            continue
        today = datetime.strptime(re.search(r"Today is \w+ (\S+)", messages[0]["content"]).group(1), "%Y-%m-%d")
        assert datetime.fromisoformat(stamp).date() == (today + timedelta(days=1)).date(), (messages, target)
        checked += 1
    assert checked >= 3


def test_answer_targets_are_cited_source_sentences(app):
    from agent.generative_answer import NOT_FOUND
    from training.answer_data import answer_examples

    examples = answer_examples(app.store, count=60)
    assert len(examples) >= 30
    assert any(e.target == NOT_FOUND for e in examples) and any(e.target != NOT_FOUND for e in examples)
    for example in examples:
        prompt = example.messages[1]["content"]
        if example.target == NOT_FOUND:
            continue
        sentence, n = re.fullmatch(r"(.+) \[(\d)\]", example.target, re.S).groups()
        source = re.search(rf"<source n={n}>\n(.*?)</source>", prompt, re.S).group(1)
        assert " ".join(sentence.split())[:60] in " ".join(source.split()), (sentence, source)


def test_tool_call_targets_validate_against_the_reply_schema(app):
    """The planner adapter's tool-call examples: each target is an output the serve/eval reply schema allows
    for the tools its prompt lists, everyday-function values are copied from the question (not from the
    descriptions' e.g. values), and about a third are "no call"."""
    import random

    from agent.runner import load_registry_for
    from runtime.tool_calls import tool_call_schema
    from training.planner_data import PlannerData
    from training.tool_data import GENERIC, generic_examples, intent_examples, intent_tool
    from training.tool_functions import BANK

    rng = random.Random(1)
    registry = load_registry_for(app)
    planned = PlannerData(registry, datetime(2026, 11, 25, 9, tzinfo=timezone.utc), ["Alice Martin"], ["Lisbon"]).examples()
    tools = {f.name: f.tool() for f in GENERIC + BANK} | {s.name: intent_tool(s) for s in registry.list()}
    generic = generic_examples(rng, 400)
    examples = generic + intent_examples(registry, planned, rng, ["what is the capital of Peru?"])
    share = sum(kind == "no_call" for _m, _t, kind in generic) / len(generic)
    assert 0.2 < share < 0.4, share
    assert {kind for _m, _t, kind in examples} == {"call", "no_call"}
    for messages, target, kind in examples:
        reply = json.loads(target)
        assert target == json.dumps(reply, ensure_ascii=False, separators=(",", ":"))
        listed = [tool for name, tool in tools.items() if f"\n- {name}:" in messages[0]["content"]]
        jsonschema.validate(reply, tool_call_schema(listed, "auto"))
        assert (kind == "no_call") == ("content" in reply)
    for messages, target, kind in generic:
        if kind == "call":
            for value in json.loads(target)["arguments"].values():
                shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                said = [shown]  # a rate said as a percentage, an amount with separators or in words
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    said += [f"{value * 100:.6g}%", f"{value * 100:.6g} percent", f"{value:,}",
                             f"{value // 1000} thousand", f"{value // 1_000_000} million"]
                question = messages[1]["content"].lower()
                assert any(form.lower() in question for form in said), (value, messages[1]["content"])


def test_everyday_functions_are_not_benchmark_functions():
    """No function the planner adapter trains on is a BFCL function, so `kith eval tools` measures a skill,
    not a memorised signature (checked against the corpus's function names when it is present)."""
    from tests.conftest import corpus
    from training.tool_data import GENERIC
    from training.tool_functions import BANK, NEAR_MISSES

    ours = {f.name for f in GENERIC + BANK}
    assert len(ours) == len(GENERIC) + len(BANK) >= 50
    assert set(NEAR_MISSES) <= ours
    data = corpus("toolcall-bfcl-v4") / "berkeley-function-call-leaderboard" / "bfcl_eval" / "data"
    theirs = set()
    for path in data.glob("BFCL_v4_*.json"):
        for line in path.read_text().splitlines():
            for function in json.loads(line).get("function") or []:
                theirs.add(function["name"])
    assert len(theirs) > 1000
    assert not ours & theirs, sorted(ours & theirs)


def test_summary_targets_are_cited_source_sentences(app):
    from training.summary_data import summary_examples

    examples = summary_examples(app.store, app.embedder, count=40)
    assert len(examples) >= 20
    for example in examples:
        prompt = example.messages[1]["content"]
        parts = re.findall(r"(.+?) \[(\d)\](?: |$)", example.target, re.S)
        assert parts, example.target
        for sentence, n in parts:
            source = re.search(rf"<source n={n}>\n(.*?)</source>", prompt, re.S).group(1)
            assert sentence.strip() in source, (sentence, source)


def test_train_planner_adapter_on_a_tiny_model(app, tmp_path):
    from agent.choose import installed_adapter
    from runtime.adapters import adapter_provider_for, list_adapters
    from runtime.generator import load_generator
    from runtime.importer import import_model
    from tests.llm_fixtures import tiny_hf_model

    home = app.home.path
    import_model(home, str(tiny_hf_model(tmp_path / "src", context=2048)), name="tinyplan", progress=False)
    args = ["adapters", "train", "planner", "--model", "tinyplan", "--steps", "30", "--examples", "60",
            "--rank", "4", "--learning-rate", "0.01", "--json", "--home", str(home)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["adapter"] == "planner" and summary["steps"] == 30
    assert summary["heldout_loss_after"] < summary["heldout_loss_before"]
    assert "planner" in list_adapters(home, "tinyplan")
    generator = load_generator(home, "tinyplan", adapter_provider=adapter_provider_for(home, "tinyplan"))
    assert installed_adapter(generator, "planner") == "planner"  # what `kith ask --planner llm` activates
    config = home / "kith.toml"
    config.write_text(config.read_text() + '\n[runtime]\nmodel = "tinyplan"\n')
    asked = CliRunner().invoke(cli, ["ask", "remind me to call Bob tomorrow at 9", "--planner", "llm", "--json",
                                     "--home", str(home)])
    assert asked.exit_code == 0, asked.output
    notes = json.loads(asked.stdout)["plan"]["notes"]
    assert any("adapter planner" in n for n in notes), notes
    # an adapter named in kith.toml that is not installed: one line saying how to train it
    config.write_text(config.read_text() + '\n[agent]\nplanner_adapter = "nope"\n')
    missing = CliRunner().invoke(cli, ["ask", "remind me to call Bob tomorrow at 9", "--planner", "llm",
                                       "--home", str(home)])
    assert missing.exit_code != 0 and "Traceback" not in missing.output, missing.output
    assert "kith adapters train planner --name nope" in missing.output
    # the same command again finds the finished adapter folder and says so in one line
    again = CliRunner().invoke(cli, args)
    assert again.exit_code != 0 and "already exists" in again.output and "Traceback" not in again.output


def test_unknown_model_and_empty_home_are_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["adapters", "train", "answer", "--home", str(tmp_path / "empty")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "no model named" in result.output or "kith model import" in result.output


def test_planner_examples_from_an_evaluation_file_use_its_phrases_not_its_tests(app):
    """`kith adapters train planner --intents FILE`: the file's intents replace the installed ones, its test
    questions never become training examples, and every target is what that registry's grammar admits."""
    from agent.llm_planner import LlmPlanner
    from agent.plan import PlanContext
    from evals.eval_intents import IntentDataset
    from evals.eval_intents_llm import EvalRegistry
    from tests.serve_helpers import REPO
    from training.task_adapters import task_examples

    dataset = IntentDataset.open(REPO / "evals" / "intents" / "fewshot_7x10.json")
    pairs = task_examples(app, "planner", 400, intents=dataset)
    schema = LlmPlanner(None, None).schema(PlanContext(now=datetime.now(timezone.utc), registry=EvalRegistry(dataset),
                                                       known_places=[], app=None))
    actions = set()
    tests = {" ".join(t.lower().split()) for t, _ in dataset.test}
    for messages, target in pairs:
        jsonschema.validate(json.loads(target), schema)
        actions.add(json.loads(target)["action"])
        assert " ".join(messages[-1]["content"].lower().split()) not in tests
    assert set(dataset.intents) <= actions and {"search", "out_of_scope"} <= actions
    assert not any('"name":' in t for _m, t in pairs)  # no tool-call examples in an evaluation adapter
