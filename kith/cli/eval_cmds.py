"""`kith eval`: evaluation commands (`eval intents FILE`; `beir`, `perplexity` and `tools` are added to
``eval_group`` in kith/cli/commands.py)."""
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
@click.option("--planner", "planners", default=None,
              help="Comma-separated planners to run side by side through the plan step: deterministic, llm, auto "
                   "(llm/auto use the home's on-device model and its `planner` adapter).")
@click.option("--limit", type=int, default=None, help="Only the first N test examples (with --planner).")
@click.option("--home", "home", default=None, help="kith home holding the model (with --planner llm/auto).")
@click.option("--adapter", default=None,
              help="Adapter the llm/auto planners activate (default: `planner` when installed; `none` for the base model). "
                   "`kith adapters train planner --intents FILE --name NAME` trains one on FILE's phrases.")
@json_option
def eval_intents_cmd(file: str, method: str, phrases_per_intent: int | None, target_oos_recall: float,
                     threshold: float | None, calibrate: str, clinc: bool, planners: str | None, limit: int | None,
                     home: str | None, adapter: str | None, as_json: bool) -> None:
    """Route FILE's test examples and report in-scope accuracy and out-of-scope recall/precision."""
    from agent.embed_cache import CachedEmbedder
    from evals.eval_intents import IntentDataset, evaluate
    from indexer.embeddings import Embedder

    dataset = IntentDataset.open(file, clinc)
    if planners:
        _eval_planners(dataset, planners, method, target_oos_recall, limit, home, adapter, as_json)
        return
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


def _eval_planners(dataset, planners: str, method: str, target_oos_recall: float, limit: int | None,
                   home: str | None, adapter: str | None, as_json: bool) -> None:
    """`--planner deterministic,llm,auto`: the same test questions through each planner, side by side."""
    from agent.choose import AutoPlanner, generator_for, task_adapter
    from agent.embed_cache import CachedEmbedder
    from evals.eval_intents_llm import evaluate_planner, router_planner, stderr_progress
    from agent.llm_planner import PLANNER_ADAPTER, LlmPlanner
    from indexer.app import KithApp
    from indexer.embeddings import Embedder

    names = [n.strip() for n in planners.split(",") if n.strip()]
    unknown = [n for n in names if n not in ("deterministic", "llm", "auto")]
    if unknown:
        raise click.UsageError(f"unknown planner {', '.join(unknown)}: use deterministic, llm or auto")
    embedder = CachedEmbedder(Embedder())
    deterministic = router_planner(dataset, embedder, method, target_oos_recall)
    app = KithApp(home) if {"llm", "auto"} & set(names) else None
    reports = []
    try:
        planners = {"deterministic": deterministic}
        if app is not None:  # one model for both rows
            generator = generator_for(app)
            chosen = task_adapter(app, generator, "planner", PLANNER_ADAPTER, adapter)
            llm = LlmPlanner(generator, deterministic, adapter=chosen)
            planners.update(llm=llm, auto=AutoPlanner(deterministic, llm))
        for name in names:
            report = evaluate_planner(dataset, planners[name], limit, stderr_progress())
            report["planner"] = name
            reports.append(report)
    finally:
        if app is not None:
            app.close()
    if as_json:
        echo_json(reports)
        return
    click.echo(f"{'planner':<14} {'in-scope acc':>12} {'OOS recall':>10} {'fallbacks':>9} {'s/question':>10}")
    for r in reports:
        acc = "n/a" if r["in_scope_accuracy"] is None else f"{100 * r['in_scope_accuracy']:.1f}%"
        oos = "n/a" if r["oos_recall"] is None else f"{100 * r['oos_recall']:.1f}%"
        click.echo(f"{r['planner']:<14} {acc:>12} {oos:>10} {r['fallbacks']:>9} {r['seconds_per_question']:>10}")
