"""`kith eval tools`: BFCL's AST rules on hand-written items, calls read out of free text, the BFCL v4
loader on the real corpus (skipped when absent), and an end-to-end run on a tiny random model whose
constrained row must always decode to a valid call or an explicit no-call; bad input is one line."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from evals.bfcl_ast import check_call, check_calls, normalize
from evals.bfcl_data import CATEGORIES, ToolItem, load_category, to_tool
from evals.call_text import parse_calls
from evals.eval_tools import reply_schema
from conftest import corpus
from llm_fixtures import tiny_hf_model

TRIANGLE = {"name": "calculate_triangle_area", "description": "Area of a triangle.",
            "parameters": {"type": "dict", "required": ["base", "height"], "properties": {
                "base": {"type": "integer", "description": "The base."},
                "height": {"type": "integer", "description": "The height."},
                "unit": {"type": "string", "description": "The unit."}}}}
TRIANGLE_ANSWER = {"calculate_triangle_area": {"base": [10], "height": [5], "unit": ["units", ""]}}
BMI = {"name": "bmi", "description": "Body mass index.",
       "parameters": {"type": "dict", "required": ["weight"], "properties": {
           "weight": {"type": "float", "description": "kg"},
           "tags": {"type": "array", "items": {"type": "string"}, "description": "labels"},
           "where": {"type": "dict", "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
                     "description": "place"}}}}
BMI_ANSWER = {"bmi": {"weight": [70.0], "tags": [["Adult", "male"], ""],
                      "where": [{"city": ["New York", "NYC"], "zip": ["", "10001"]}, ""]}}


def test_ast_checker_accepts_a_correct_call_and_bfcl_normalisation():
    assert check_call(TRIANGLE, "calculate_triangle_area", {"base": 10, "height": 5}, TRIANGLE_ANSWER).valid
    assert check_call(TRIANGLE, "calculate_triangle_area", {"base": 10, "height": 5, "unit": "Units."},
                      TRIANGLE_ANSWER).valid
    assert normalize("New York, NY") == normalize("new-york ny") == "newyorkny"
    assert check_call(BMI, "bmi", {"weight": 70.0, "tags": ["adult", "Male"], "where": {"city": "new york"}},
                      BMI_ANSWER).valid
    assert check_call(BMI, "bmi", {"weight": 70.0, "where": {"city": "NYC", "zip": "10001"}}, BMI_ANSWER).valid


def test_ast_checker_rejects_wrong_name_missing_required_and_extra_params():
    assert check_call(TRIANGLE, "triangle_area", {"base": 10, "height": 5}, TRIANGLE_ANSWER).error == "wrong_func_name"
    assert check_call(TRIANGLE, "calculate_triangle_area", {"base": 10}, TRIANGLE_ANSWER).error == "missing_required"
    extra = check_call(TRIANGLE, "calculate_triangle_area", {"base": 10, "height": 5, "color": "red"}, TRIANGLE_ANSWER)
    assert extra.error == "unexpected_param" and "color" in extra.detail
    wrong_value = check_call(TRIANGLE, "calculate_triangle_area", {"base": 11, "height": 5}, TRIANGLE_ANSWER)
    assert wrong_value.error == "value_error"
    assert check_call(BMI, "bmi", {"weight": 70.0, "where": {"city": "Boston"}}, BMI_ANSWER).error == "value_error"
    assert check_call(BMI, "bmi", {"weight": 70.0, "tags": ["male", "adult"]}, BMI_ANSWER).error == "value_error"
    no_default = {"bmi": {"weight": [70.0], "tags": [["adult"]]}}  # tags may not be left out here
    assert check_call(BMI, "bmi", {"weight": 70}, no_default).error == "missing_optional"
    assert check_calls([TRIANGLE], [], [TRIANGLE_ANSWER]).error == "wrong_count"
    two = [("calculate_triangle_area", {"base": 10, "height": 5})] * 2
    assert check_calls([TRIANGLE], two, [TRIANGLE_ANSWER]).error == "wrong_count"


def test_ast_checker_types_int_for_float_only():
    assert check_call(BMI, "bmi", {"weight": 70}, BMI_ANSWER).valid  # int accepted for float
    for bad in ("70", 70.5, True, [70]):
        verdict = check_call(BMI, "bmi", {"weight": bad}, BMI_ANSWER)
        assert not verdict.valid, bad
    for bad in ("10", 10.0, True):  # neither a float nor a bool is an integer
        assert check_call(TRIANGLE, "calculate_triangle_area", {"base": bad, "height": 5},
                          TRIANGLE_ANSWER).error == "type_error", bad
    typed_tags = {"bmi": {"weight": [70.0], "tags": [["adult", "male"]]}}  # items are checked against str
    assert check_call(BMI, "bmi", {"weight": 70, "tags": ["adult", 3]}, typed_tags).error == "type_error"
    # BFCL: an alternative that is not a list ("" = may be left out) imposes no item type; the value still fails
    assert check_call(BMI, "bmi", {"weight": 70, "tags": ["adult", 3]}, BMI_ANSWER).error == "value_error"
    # a possible answer of another type (BFCL's "variable") accepts a value of that type
    variable = {"calculate_triangle_area": {"base": ["b"], "height": [5], "unit": [""]}}
    assert check_call(TRIANGLE, "calculate_triangle_area", {"base": "b", "height": 5}, variable).valid


def test_calls_are_read_out_of_free_text():
    functions = [TRIANGLE]
    assert parse_calls('Sure! {"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5}} done',
                       functions) == [("calculate_triangle_area", {"base": 10, "height": 5})]
    assert parse_calls('<tool_call>[{"name": "calculate_triangle_area", "arguments": "{\\"base\\": 1}"}]</tool_call>',
                       functions) == [("calculate_triangle_area", {"base": 1})]
    assert parse_calls('[calculate_triangle_area(base=10, height=5, unit="cm")]', functions) == [
        ("calculate_triangle_area", {"base": 10, "height": 5, "unit": "cm"})]
    assert parse_calls("calculate_triangle_area(4, 2)", functions) == [
        ("calculate_triangle_area", {"base": 4, "height": 2})]
    assert parse_calls('{"calculate_triangle_area": {"base": 3, "height": 4}}', functions) == [
        ("calculate_triangle_area", {"base": 3, "height": 4})]
    for no_call in ("The area is base * height / 2.", '{"content": "I cannot do that"}',
                    "use my_calculate_triangle_area(x) or calculate_triangle_area(base=", ""):
        assert parse_calls(no_call, functions) == [], no_call


def test_reply_schema_is_one_typed_call_or_an_explicit_no_call():
    item = ToolItem("x", "simple_python", [{"role": "user", "content": "area?"}], [TRIANGLE], [TRIANGLE_ANSWER])
    schema = reply_schema(item)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate({"name": "calculate_triangle_area", "arguments": {"base": 1, "height": 2}}, schema)
    jsonschema.validate({"content": "no function fits"}, schema)
    for bad in ({"name": "other", "arguments": {"base": 1, "height": 2}},
                {"name": "calculate_triangle_area", "arguments": {"base": 1}},
                {"name": "calculate_triangle_area", "arguments": {"base": 1.5, "height": 2}},
                {"name": "calculate_triangle_area", "arguments": {"base": 1, "height": 2, "color": "red"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    tool = to_tool(BMI)
    assert tool["parameters"]["properties"]["weight"]["type"] == "number"
    assert tool["parameters"]["properties"]["where"]["type"] == "object"


def _instance(value):
    """The first allowed value of a possible answer, nested dicts resolved the same way."""
    if isinstance(value, dict):
        return {k: _instance(v[0]) for k, v in value.items() if v and v[0] != ""}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [_instance(v) for v in value]
    return value


# BFCL items whose own ground truth leaves out a required parameter or breaks the function's enum,
KNOWN_MISSES = {"simple_python_200", "live_simple_71-35-0", "live_simple_106-63-0", "live_simple_112-68-0",
                   "live_simple_123-79-0"}  # and one 224-character URL, longer than the grammar's strings


def test_loader_reads_the_real_corpus_and_the_grammar_admits_the_ground_truth():
    root = corpus("toolcall-bfcl-v4")
    counts = {c: len(load_category(root, c)) for c in CATEGORIES}
    assert counts == {"simple_python": 400, "irrelevance": 240, "live_simple": 258, "live_irrelevance": 884}
    assert [i.id for i in load_category(root, "simple_python", 3)] == [f"simple_python_{n}" for n in range(3)]
    misses = set()
    for category in ("simple_python", "live_simple"):
        for item in load_category(root, category):
            (name, allowed), = item.answer[0].items()
            call = {"name": name, "arguments": {k: _instance(v[0]) for k, v in allowed.items() if v and v[0] != ""}}
            try:
                jsonschema.validate(call, reply_schema(item))
            except jsonschema.ValidationError:
                misses.add(item.id)
            if not check_calls(item.functions, [(name, call["arguments"])], item.answer).valid:
                misses.add(item.id)
    assert misses <= KNOWN_MISSES, misses - KNOWN_MISSES
    for item in load_category(root, "live_irrelevance", 50):
        assert item.answer is None and not item.expects_call
        jsonschema.Draft202012Validator.check_schema(reply_schema(item))


@pytest.fixture(scope="module")
def tool_home(tmp_path_factory):
    """A home with a tiny random chat model (4k context: the char-level tokenizer makes prompts long)."""
    from runtime.importer import import_model

    home = tmp_path_factory.mktemp("eval-tools-home")
    source = tiny_hf_model(tmp_path_factory.mktemp("tiny-tools") / "source", context=4096)
    import_model(home, str(source), name="tiny", progress=False, lora=False)
    return home


@pytest.fixture(scope="module")
def mini_bfcl(tmp_path_factory) -> Path:
    """Three hand-written items per category in BFCL v4's file layout."""
    root = tmp_path_factory.mktemp("bfcl")
    data = root / "bfcl_eval" / "data"
    (data / "possible_answer").mkdir(parents=True)
    user = [[{"role": "user", "content": "Area of a triangle with base 10 and height 5?"}]]
    for category, expects_call in CATEGORIES.items():
        rows, answers = [], []
        for n in range(3):
            item_id = f"{category}_{n}"
            function = BMI if n == 2 else TRIANGLE
            question = [[{"role": "system", "content": "Be brief."}, *user[0]]] if n == 1 else user
            rows.append({"id": item_id, "question": question, "function": [function]})
            answers.append({"id": item_id, "ground_truth": [BMI_ANSWER if n == 2 else TRIANGLE_ANSWER]})
        (data / f"BFCL_v4_{category}.json").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        if expects_call:
            (data / "possible_answer" / f"BFCL_v4_{category}.json").write_text(
                "\n".join(json.dumps(a) for a in answers) + "\n")
    return root


def _run(home: Path, *args: str):
    from click.testing import CliRunner

    from kith.cli.main import cli

    return CliRunner().invoke(cli, ["eval", "tools", *args, "--home", str(home)])


def _check_report(report: dict, categories: dict, functions_by_id: dict) -> None:
    assert report["benchmark"] == "BFCL v4" and report["model"] == "tiny"
    assert report["categories"] == categories
    assert [a["model"] for a in report["anchors"]] == ["Qwen3-0.6B", "Hammer2.1-1.5b", "Llama-3.2-3B"]
    assert report["floors"] == {"simple_ast": 0.5, "irrelevance": 0.75}
    rows = {r["row"]: r for r in report["rows"]}
    assert list(rows) == ["unconstrained", "constrained", "adapter"]
    assert rows["adapter"]["status"] == "skipped" and "no planner adapter installed" in rows["adapter"]["reason"]
    assert report["best_row"] in ("unconstrained", "constrained")
    for name in ("unconstrained", "constrained"):
        row = rows[name]
        assert row["status"] == "ok" and set(row["results"]) == set(categories)
        assert set(row["summary"]) == {"simple_ast", "irrelevance", "live_simple_ast", "live_irrelevance"}
        for category, result in row["results"].items():
            assert result["n"] == categories[category] == len(result["items"])
            assert 0.0 <= result["accuracy"] <= 1.0 and result["correct"] == sum(i["correct"] for i in result["items"])
            assert result["mean_prompt_tokens"] > 0 or all(i.get("gated") for i in result["items"])
    for category, result in rows["constrained"]["results"].items():
        assert result["malformed"] == 0
        for record in result["items"]:
            functions = functions_by_id[record["id"]]
            item = ToolItem(record["id"], category, [], functions)
            reply = json.loads(record["output"])  # the constrained row never produces malformed output
            jsonschema.validate(reply, reply_schema(item))
            assert ("name" in reply) == bool(record["calls"])
            if not CATEGORIES[category]:
                assert record["correct"] == (not record["calls"])


def test_eval_tools_end_to_end_on_a_tiny_model(tool_home, mini_bfcl):
    result = _run(tool_home, str(mini_bfcl), "--limit", "3", "--model", "tiny", "--max-tokens", "1500", "--items",
                  "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    functions = {f"{c}_{n}": [BMI if n == 2 else TRIANGLE] for c in CATEGORIES for n in range(3)}
    _check_report(report, {c: 3 for c in CATEGORIES}, functions)
    text = _run(tool_home, str(mini_bfcl), "--limit", "1", "--model", "tiny", "--rows", "constrained",
                "--categories", "simple_python,irrelevance", "--max-tokens", "1500")
    assert text.exit_code == 0, text.output
    assert "constrained" in text.stdout and "Qwen3-0.6B" in text.stdout and "floors for the best row" in text.stdout


def test_call_margin_is_recorded_and_a_threshold_overrules_calls(tool_home, mini_bfcl):
    """Every constrained call carries the model's call-vs-no-call log-odds at the reply's first choice; a
    threshold above all of them turns every call into no call (so irrelevance is then perfect), and --skip
    evaluates a held-out range."""
    args = [str(mini_bfcl), "--limit", "3", "--model", "tiny", "--rows", "constrained", "--max-tokens", "1500",
            "--categories", "simple_python,irrelevance", "--items", "--json"]
    import math

    from evals.bfcl_data import load_category
    from evals.eval_tools import messages_for
    from runtime.generator import load_generator
    from runtime.tool_calls import call_margin

    generator = load_generator(tool_home, "tiny")
    item = load_category(mini_bfcl, "irrelevance", 1)[0]
    margin = call_margin(generator, messages_for(item))
    call, no_call = generator.branch_logprobs(messages_for(item), ['{"name"', '{"content"'])
    assert isinstance(margin, float) and math.isclose(margin, call - no_call, abs_tol=1e-6)
    assert call < 0 and no_call < 0 and math.exp(call) + math.exp(no_call) <= 1.0 + 1e-6
    plain = json.loads(_run(tool_home, *args).stdout)["rows"][0]
    calls = [i for r in plain["results"].values() for i in r["items"] if i["calls"]]
    assert all(isinstance(i["call_margin"], float) for i in calls)
    strict = json.loads(_run(tool_home, *args, "--no-call-margin", "1000").stdout)["rows"][0]
    assert strict["no_call_margin"] == 1000
    items = [i for r in strict["results"].values() for i in r["items"]]
    assert not any(i["calls"] for i in items) and sum(bool(i.get("overruled")) for i in items) == len(calls)
    assert strict["summary"]["irrelevance"] == 1.0
    held_out = json.loads(_run(tool_home, *args[:-2], "--skip", "2", "--json").stdout)
    assert held_out["categories"] == {"simple_python": 1, "irrelevance": 1}


def test_relevance_gate_closes_the_call_branch_for_unrelated_functions(tool_home, mini_bfcl):
    """The embedder's request-to-function cosine is recorded for every constrained item; below the floor the
    reply is the no call without decoding (the triangle question offered only a body-mass-index function),
    and -1 measures without gating."""
    from runtime.tool_relevance import RELEVANCE_FLOOR, function_text

    assert function_text({"name": "finance.getStockPrice", "description": " Latest  price. "}) == \
        "finance get Stock Price: Latest price."
    args = [str(mini_bfcl), "--limit", "3", "--model", "tiny", "--rows", "constrained", "--max-tokens", "1500",
            "--categories", "simple_python,irrelevance", "--items", "--json"]
    gated = json.loads(_run(tool_home, *args).stdout)["rows"][0]
    assert gated["relevance_floor"] == RELEVANCE_FLOOR
    for category, result in gated["results"].items():
        for record in result["items"]:
            related = not record["id"].endswith("_2")  # items _2 offer BMI for a triangle question
            assert (record["relevance"] >= RELEVANCE_FLOOR) == related, record
            assert bool(record.get("gated")) == (not related)
            if not related:
                assert record["calls"] == [] and record["prompt_tokens"] == 0
                assert record["correct"] == (category == "irrelevance")
                assert record["error"] == (None if category == "irrelevance" else "gated")
    measured = json.loads(_run(tool_home, *args, "--relevance-floor", "-1").stdout)["rows"][0]
    assert measured["relevance_floor"] is None
    items = [i for r in measured["results"].values() for i in r["items"]]
    assert not any(i.get("gated") for i in items) and all(-1.0 <= i["relevance"] <= 1.0 for i in items)
    assert all(i["prompt_tokens"] > 0 for i in items)


def test_eval_tools_on_the_real_corpus(tool_home):
    root = corpus("toolcall-bfcl-v4")
    result = _run(tool_home, str(root), "--limit", "2", "--model", "tiny", "--max-tokens", "1500", "--items", "--json")
    assert result.exit_code == 0, result.output
    functions = {i.id: i.functions for c in CATEGORIES for i in load_category(root, c, 2)}
    _check_report(json.loads(result.stdout), {c: 2 for c in CATEGORIES}, functions)


@pytest.mark.parametrize("args, message", [
    (["/nonexistent/bfcl"], "no such directory: /nonexistent/bfcl"),
    (["{bfcl}", "--categories", "simple_java"], "unknown category 'simple_java'"),
    (["{bfcl}", "--rows", "constrained,best"], "unknown row 'best'"),
    (["{bfcl}", "--model", "nosuchmodel"], "no model named 'nosuchmodel'"),
    (["{bfcl}", "--model", "tiny", "--adapter", "planner2"], "no adapter named 'planner2'"),
    (["{empty}"], "no BFCL v4 data in"),
])
def test_bad_input_is_one_line(tool_home, mini_bfcl, tmp_path, args, message):
    args = [a.format(bfcl=mini_bfcl, empty=tmp_path) for a in args]
    result = _run(tool_home, *args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.output.count("\n") == 1, result.output
    assert message in result.output
