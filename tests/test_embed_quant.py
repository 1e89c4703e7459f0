"""The int8mix engine: built from the home's fp32 export with the measured plan (layer 0's two most
sensitive MatMuls and every Attention node in fp32), close to fp32, and a different identity that
an index switches to only through `kith reembed`."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.embed_export import DATA_NAME, ONNX_NAME
from indexer.embed_onnx import OnnxEmbedder
from indexer.embed_quant import (
    KEEP_FP32, QUANTIZED_ENGINES, node_group, plan_from_sensitivity, quantized_embedder,
)
from indexer.embeddings import Embedder, model_name
from indexer.errors import EmbedderMismatch

REPO = Path(__file__).resolve().parents[1]
INT8MIX = QUANTIZED_ENGINES[0]
TEXTS = [
    "The dinner is on Saturday 11 July at 8pm at Casa do Alentejo, I booked a table for four.",
    "Please review the attached gas pipeline contract before the budget meeting on Friday.",
    "Running late, be there in 10 minutes",
    "Dentist appointment with Dr. Silva next Tuesday at 9:30",
    "We need to discuss the Q3 trading limits and the credit exposure to the counterparties.",
    "Happy birthday! Hope you have a wonderful day with the family.",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = tmp_path_factory.mktemp("int8mix-home")
    fp32 = Embedder(export_home=home)
    reference = fp32.encode(TEXTS)
    quantized = quantized_embedder(home, INT8MIX)
    return home, fp32, reference, quantized


def test_built_with_the_measured_plan(built):
    import onnx

    _, _, _, quantized = built
    assert isinstance(quantized, OnnxEmbedder) and quantized.name == INT8MIX
    meta = quantized.meta
    assert meta["kept_fp32"] == list(KEEP_FP32) and meta["quantized_nodes"] == 16
    graph = onnx.load(str(quantized.folder / ONNX_NAME), load_external_data=False).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count("MatMulInteger") == 16 and ops.count("Attention") == 6
    float_matmuls = {node_group(n.name) for n in graph.node if n.op_type == "MatMul"}
    assert set(KEEP_FP32) <= float_matmuls
    # smaller on disk than fp32 (int8 weights), and its own weights hash
    assert (quantized.folder / DATA_NAME).stat().st_size < 0.8 * 90_000_000
    assert meta["weights_sha"] != meta["base_weights_sha"]


def test_vectors_stay_close_to_fp32(built):
    _, _, reference, quantized = built
    vectors = quantized.encode(TEXTS)
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.mean() >= 0.99 and cosines.min() >= 0.98, cosines


def test_a_different_identity_switched_by_reembed(built, tmp_path, monkeypatch):
    from indexer.app import KithApp
    from indexer.embedder_identity import recorded
    from indexer.reembed import reembed

    home_with_exports, fp32, _, quantized = built
    assert quantized.identity["name"] != fp32.identity["name"] == model_name()
    home = tmp_path / "home"
    app = KithApp(home, embedder=fp32)
    app.indexer.index_paths([REPO / "samples" / "data" / "calendar"])
    app.close()
    assert recorded(KithApp(home).store).name == model_name()

    monkeypatch.setenv("KITH_EMBEDDER", INT8MIX)  # asking for int8mix on an fp32 index is one clear error
    app = KithApp(home, embedder=quantized)
    with pytest.raises(EmbedderMismatch, match="kith reembed"):
        app.searcher  # noqa: B018
    report = reembed(app.store, quantized)
    assert report.after.name == INT8MIX and report.chunks > 0
    app.close()

    monkeypatch.delenv("KITH_EMBEDDER")  # auto: the engine the index records
    monkeypatch.setattr("indexer.embed_quant.export_dir", lambda *a, **k: quantized.folder)
    app = KithApp(home)
    assert app.embedder.name == INT8MIX
    assert app.searcher.search("dinner in Lisbon", limit=3)
    app.close()


def test_plan_keeps_the_most_sensitive_groups_until_the_target():
    sensitivity = {"layer.0/output": 0.990, "layer.1/output": 0.999, "layer.0/attention/output": 0.995}
    trials: list[list[str]] = []

    def trial(keep: list[str]) -> float:
        trials.append(keep)
        return 0.98 + 0.006 * len(keep)

    keep, path = plan_from_sensitivity(sensitivity, trial, target=0.991)
    assert keep == ["layer.0/output", "layer.0/attention/output"]
    assert [count for count, _ in path] == [0, 1, 2] and trials[1] == ["layer.0/output"]


def test_node_groups_name_layer_and_role():
    assert node_group("/b/encoder/layer.3/attention/output/dense/MatMul") == "layer.3/attention/output"
    assert node_group("/b/encoder/layer.0/intermediate/dense/MatMul") == "layer.0/intermediate"
    assert node_group("/b/encoder/layer.5/output/dense/MatMul") == "layer.5/output"
    assert node_group("something_else") == "something_else"
