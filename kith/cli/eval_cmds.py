"""`kith eval`: evaluation commands (`eval intents FILE`; more are added to ``eval_group``)."""
from __future__ import annotations

import click

from kith.cli.common import echo_json, json_option


@click.group("eval")
def eval_group() -> None:
    """Evaluate kith's components on labelled data."""


@eval_group.command("intents")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--method", type=click.Choice(["nn", "blend", "knn", "logreg"]), default="blend", show_default=True,
              help="Router scoring: nn = nearest-phrase baseline; blend (the product's) works best with ~10 phrases.")
@click.option("--phrases-per-intent", "-k", type=int, default=None, help="Use only the first k phrases per intent.")
@click.option("--target-oos-recall", type=float, default=0.7, show_default=True,
              help="Out-of-scope recall the threshold is calibrated to reach (on val, or on the out-of-scope pool).")
@click.option("--threshold", type=float, default=None, help="Use this threshold instead of calibrating.")
@click.option("--calibrate", type=click.Choice(["auto", "val", "phrases"]), default="auto", show_default=True,
              help="Calibrate on the val split, or on the phrases (cross-validated) and the out-of-scope pool as "
                   "the product's router does; auto = val when the file has one.")
@click.option("--clinc", is_flag=True, help="FILE is CLINC150 data_full.json (converted on the fly).")
@json_option
def eval_intents_cmd(file: str, method: str, phrases_per_intent: int | None, target_oos_recall: float,
                     threshold: float | None, calibrate: str, clinc: bool, as_json: bool) -> None:
    """Route FILE's test examples and report in-scope accuracy and out-of-scope recall/precision."""
    import json
    from pathlib import Path

    from evals.clinc150 import convert
    from agent.embed_cache import CachedEmbedder
    from evals.eval_intents import IntentDataset, evaluate
    from indexer.embeddings import Embedder

    if clinc:
        dataset = IntentDataset.from_json(convert(json.loads(Path(file).read_text(encoding="utf-8"))), file)
    else:
        dataset = IntentDataset.load(file)
    report = evaluate(dataset, CachedEmbedder(Embedder()), method=method, target_oos_recall=target_oos_recall,
                      threshold=threshold, k=phrases_per_intent, calibrate=calibrate)
    if as_json:
        echo_json(report)
        return
    def pct(v):
        return "n/a" if v is None else f"{100 * v:.1f}%"

    click.echo(f"method {report['method']}, {report['n_intents']} intents, phrases/intent {report['phrases_per_intent']}, "
               f"threshold {report['threshold']} ({report['calibrated_on']})")
    if report.get("calibration"):
        cal = report["calibration"]
        click.echo(f"calibrated on {cal['n_phrases']} held-out phrases ({cal['folds']}-fold, accuracy "
                   f"{pct(cal['cv_in_scope_accuracy'])}) and {cal['n_pool']} out-of-scope pool requests "
                   f"(recall {pct(cal['pool_oos_recall'])})")
    click.echo(f"in-scope accuracy {pct(report['in_scope_accuracy'])} (n={report['n_in_scope']})  "
               f"OOS recall {pct(report['oos_recall'])}  OOS precision {pct(report['oos_precision'])} (n={report['n_oos']})")
    for row in report["top_confusions"]:
        click.echo(f"  {row['count']:>4}  {row['gold']} → {row['predicted']}")
