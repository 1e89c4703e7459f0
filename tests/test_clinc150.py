"""CLINC150 intent routing (slow): the nearest-phrase baseline vs the logistic-regression head."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "intent-clinc150" / "data" / "data_full.json"


@pytest.mark.slow
def test_clinc150_full(embedder):
    if not DATA.exists():
        pytest.skip(f"CLINC150 not available at {DATA} (../shared/corpora is absent)")
    from evals.clinc150 import convert
    from agent.embed_cache import CachedEmbedder
    from evals.eval_intents import IntentDataset, evaluate

    dataset = IntentDataset.from_json(convert(json.loads(DATA.read_text())))
    encoder = CachedEmbedder(embedder)
    baseline = evaluate(dataset, encoder, method="nn")
    ours = evaluate(dataset, encoder, method="logreg", target_oos_recall=0.8)
    assert ours["in_scope_accuracy"] > baseline["in_scope_accuracy"]
    assert ours["in_scope_accuracy"] >= 0.94
    assert ours["oos_recall"] >= 0.70


def test_clinc_converter_shape():
    from evals.clinc150 import convert

    data = {"train": [["hi", "greet"], ["hello", "greet"], ["bye", "leave"]], "val": [["hey", "greet"]],
            "oos_val": [["weather?", "oos"]], "test": [["yo", "greet"]], "oos_test": [["stocks", "oos"]],
            "oos_train": [["pizza", "oos"]]}
    out = convert(data, k=1)
    assert out["intents"] == [{"name": "greet", "phrases": ["hi"]}, {"name": "leave", "phrases": ["bye"]}]
    assert {"text": "stocks", "intent": None} in out["test"] and len(out["val"]) == 3
