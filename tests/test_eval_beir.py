"""`kith eval beir`: a tiny collection end to end through the CLI (fast), and SciFact (slow)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import corpus
from evals.eval_beir import evaluate, ndcg_at, recall_at
from kith.cli.main import cli

DOCS = {
    "d1": ("Vitamin D and bone density", "Vitamin D supplementation increases bone mineral density in older adults."),
    "d2": ("Statins and muscle pain", "Statin therapy is associated with myalgia in a minority of patients."),
    "d3": ("Sleep and memory", "Slow-wave sleep consolidates declarative memory in healthy volunteers."),
    "d4": ("Coffee and heart rhythm", "Moderate coffee intake does not increase the risk of atrial fibrillation."),
    "d5": ("Exercise and depression", "Aerobic exercise reduces depressive symptoms compared with usual care."),
}
QUERIES = {"q1": ("Does vitamin D help bones?", "d1"), "q2": ("statins cause muscle aches", "d2"),
           "q3": ("sleep improves memory consolidation", "d3"), "q4": ("running lowers depression", "d5")}


def write_collection(root: Path) -> Path:
    (root / "qrels").mkdir(parents=True)
    with open(root / "corpus.jsonl", "w") as handle:
        for doc_id, (title, text) in DOCS.items():
            handle.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    with open(root / "queries.jsonl", "w") as handle:
        for query_id, (text, _) in QUERIES.items():
            handle.write(json.dumps({"_id": query_id, "text": text}) + "\n")
    lines = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t1" for q, (_, d) in QUERIES.items()]
    (root / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n")
    return root


def test_metrics_on_known_rankings():
    assert ndcg_at(["a", "b"], {"a": 1}) == 1.0
    assert ndcg_at(["b", "a"], {"a": 1}) == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert ndcg_at(["x", "y"], {"a": 1}) == 0.0
    assert recall_at(["a", "c"], {"a": 1, "b": 1}) == 0.5


def test_eval_beir_cli_reports_all_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("KITH_PROGRESS_SECONDS", "0.05")
    collection = write_collection(tmp_path / "tiny")
    result = CliRunner().invoke(cli, ["eval", "beir", str(collection), "--home", str(tmp_path / "h"), "--json"])
    assert result.exit_code == 0, result.output
    # No terminal: progress comes as plain lines on stderr (issue 10); stdout stays pure JSON.
    assert "kith: eval beir " in result.stderr and "kith: eval beir done: 4/4" in result.stderr, result.stderr
    report = json.loads(result.stdout)
    assert report["queries"] == 4 and report["documents"] == 5
    assert set(report["results"]) == {"bm25", "dense", "hybrid_rrf", "hybrid_convex"}
    assert report["results"]["hybrid_convex"]["ndcg@10"] >= 0.9
    # The index is reused: a second run embeds nothing.
    again = json.loads(CliRunner().invoke(
        cli, ["eval", "beir", str(collection), "--home", str(tmp_path / "h"), "--json"]).stdout)
    assert again["index"]["files_unchanged"] == 1 and again["index"]["docs_added"] == 0


def test_eval_beir_rejects_a_folder_that_is_not_a_collection(tmp_path):
    result = CliRunner().invoke(cli, ["eval", "beir", str(tmp_path)])
    assert result.exit_code != 0 and "corpus.jsonl" in result.output


@pytest.mark.slow
def test_scifact_meets_the_bar(tmp_path, make_app):
    """Published nDCG@10: all-MiniLM-L6-v2 0.645, BM25 0.687. Bar: hybrid >= 0.70, singles within 0.02."""
    scifact = corpus("ir-beir-scifact")
    report = evaluate(make_app(), scifact)
    results = report["results"]
    print(json.dumps(results, indent=2))
    assert results["hybrid_convex"]["ndcg@10"] >= 0.70
    assert results["bm25"]["ndcg@10"] >= 0.687 - 0.02
    assert results["dense"]["ndcg@10"] >= 0.645 - 0.02
