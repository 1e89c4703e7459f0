"""Few-shot routing (issue 10): the out-of-scope threshold is calibrated from the intents' own phrases
and a shipped out-of-scope pool, the same way in `kith eval intents` and in the product's router.

evals/intents/fewshot_7x10.json has the issue's shape: 7 intents x 10 developer phrases, separate
held-out test phrases, unrelated questions as out of scope, and no val split.
"""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
FEWSHOT = REPO / "evals" / "intents" / "fewshot_7x10.json"


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("'", "").split())


def test_fixture_has_the_issue_shape_and_the_pool_is_disjoint_from_it():
    from agent.oos_pool import OOS_POOL

    data = json.loads(FEWSHOT.read_text())
    assert len(data["intents"]) == 7 and all(len(i["phrases"]) == 10 for i in data["intents"])
    assert "val" not in data
    phrases = {_norm(p) for i in data["intents"] for p in i["phrases"]}
    tests = [_norm(t["text"]) for t in data["test"]]
    assert not phrases & set(tests), "held-out test phrases must not be training phrases"
    assert sum(t["intent"] is None for t in data["test"]) >= 50
    assert not {_norm(p) for p in OOS_POOL} & set(tests), "the calibration pool must not contain test questions"
    assert len(set(OOS_POOL)) == len(OOS_POOL) >= 100


def test_folds_never_hold_out_a_routes_only_phrase():
    from agent.calibration import _fold_of

    labels = np.array([0] * 10 + [1] * 1 + [2] * 3)
    fold = _fold_of(labels, 5)
    assert fold[10] == -1
    for label in (0, 2):
        members = fold[labels == label]
        for f in set(members.tolist()):
            assert (members != f).any(), "every fold keeps a training phrase of every route"


@pytest.mark.parametrize("method", ["blend", "nn", "logreg"])
def test_phrase_calibration_meets_the_target_without_a_val_split(embedder, method):
    """Before: a fixed threshold of 0.5 gave 0.39 (logreg), 0.73 (nn), 0.74 (blend) in-scope accuracy here."""
    from evals.eval_intents import IntentDataset, evaluate

    report = evaluate(IntentDataset.load(FEWSHOT), embedder, method=method)
    assert report["calibrated_on"] == "phrases+pool"
    assert report["calibration"]["n_pool"] >= 100 and report["calibration"]["n_phrases"] == 70
    assert report["oos_recall"] >= 0.70, report
    assert report["in_scope_accuracy"] >= (0.90 if method == "blend" else 0.85), report


def test_default_method_works_with_ten_phrases(embedder):
    from evals.eval_intents import IntentDataset, evaluate
    from agent.router import DEFAULT_METHOD

    dataset = IntentDataset.load(FEWSHOT)
    reports = {m: evaluate(dataset, embedder, method=m) for m in ("blend", "nn", "logreg")}
    best = max(r["in_scope_accuracy"] for r in reports.values())
    chosen = reports[DEFAULT_METHOD]
    # within two held-out phrases of the best method, and on target (logreg's scores, on another
    # scale, moved by several phrases between embedder builds; blend's stayed put)
    assert chosen["in_scope_accuracy"] >= best - 2 / 70 and chosen["oos_recall"] >= 0.70, reports


def test_product_router_uses_the_same_calibration(embedder):
    """The planner's router is calibrated by the same function on its own routes (intents + ask)."""
    from agent.calibration import calibrate_from_phrases, phrase_texts, pool_vectors
    from agent.planner import ASK, DeterministicPlanner
    from agent.router import ASK_PHRASES, OUT_OF_SCOPE, IntentRouter, fill_placeholders
    from intents.effects import Effect

    data = json.loads(FEWSHOT.read_text())
    specs = [SimpleNamespace(name=i["name"], phrases=i["phrases"], effect=Effect.WRITE, input_schema={},
                             from_index=None, example_phrase=fill_placeholders) for i in data["intents"]]
    planner = DeterministicPlanner(embedder)
    router = planner.router(SimpleNamespace(list=lambda: specs))
    routes = {ASK: list(ASK_PHRASES), **{s.name: [fill_placeholders(p) for p in s.phrases] for s in specs}}
    vectors = embedder.encode(phrase_texts(routes))
    again = IntentRouter(embedder, method=router.method).fit(routes, vectors=vectors)
    expected = calibrate_from_phrases(again, routes, vectors, pool_vectors(embedder))
    assert planner.calibration is not None
    assert router.threshold == pytest.approx(expected.threshold) == pytest.approx(planner.calibration.threshold)
    in_scope = [t for t in data["test"] if t["intent"]]
    oos = [t for t in data["test"] if t["intent"] is None]
    accuracy = np.mean([router.route(t["text"]).name == t["intent"] for t in in_scope])
    not_an_intent = np.mean([router.route(t["text"]).name in (ASK, OUT_OF_SCOPE) for t in oos])
    assert accuracy >= 0.90 and not_an_intent >= 0.70, (accuracy, not_an_intent)
    assert router.route("what is the capital of Peru").threshold == pytest.approx(router.threshold)


def test_eval_intents_cli_reports_the_phrase_calibration(tmp_path):
    from click.testing import CliRunner

    from kith.cli.main import cli

    out = CliRunner().invoke(cli, ["eval", "intents", str(FEWSHOT), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["method"] == "blend" and report["calibrated_on"] == "phrases+pool"
    assert report["in_scope_accuracy"] >= 0.90 and report["oos_recall"] >= 0.70
    bad = CliRunner().invoke(cli, ["eval", "intents", str(FEWSHOT), "--calibrate", "val", "--json"])
    assert bad.exit_code != 0 and "val split" in bad.output and "Traceback" not in bad.output
