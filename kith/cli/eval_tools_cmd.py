"""`kith eval tools DIR`: BFCL v4 function calling (AST accuracy and irrelevance) for the on-device model,
unconstrained, constrained, and constrained with the planner adapter."""
from __future__ import annotations

import sys
from typing import Any

import click

from indexer.errors import KithError
from kith.cli.common import echo_json, home_option, json_option
from kith.cli.progress import Progress
from runtime.tool_relevance import RELEVANCE_FLOOR


def _names(value: str, known: tuple[str, ...] | list[str], what: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise KithError(f"unknown {what} {(unknown or [value])[0]!r} (known: {', '.join(known)})")
    return list(dict.fromkeys(names))


def _adapter(home: Any, model_name: str, requested: str | None) -> tuple[str | None, str | None]:
    """(adapter to run, why the adapter row is skipped). A named adapter that is not installed is an error."""
    from agent.llm_planner import PLANNER_ADAPTER
    from runtime.adapter_errors import AdapterNotFound
    from runtime.adapter_store import AdapterStore

    store = AdapterStore.for_home(home)
    name = requested or PLANNER_ADAPTER
    if name not in store.names():
        if requested:
            raise AdapterNotFound(requested, store.names())
        return None, (f"no planner adapter installed (train one with `kith adapters train planner`, "
                      f"or name one with --adapter)")
    store.check_for_model(store.get(name), store.models.get(model_name))
    return name, None


@click.command("tools")
@click.argument("directory", type=click.Path())
@click.option("--model", "-m", "model_name", help="Installed model (default: the home's, else smollm2).")
@click.option("--limit", type=click.IntRange(1), help="Use the first N items of each category.")
@click.option("--skip", type=click.IntRange(0), default=0, help="Leave out the first N of those (a held-out range).")
@click.option("--rows", default=",".join(("unconstrained", "constrained", "adapter")), show_default=True,
              help="Comma-separated rows: unconstrained, constrained, adapter.")
@click.option("--categories", default="simple_python,irrelevance,live_simple,live_irrelevance", show_default=True,
              help="Comma-separated BFCL categories.")
@click.option("--adapter", "-a", help="Adapter for the adapter row (default: the planner adapter, if installed).")
@click.option("--max-tokens", type=click.IntRange(8),
              help="Generation budget per item (default: 128 unconstrained, 512 constrained).")
@click.option("--items", "with_items", is_flag=True, help="With --json, include every item's output and verdict.")
@click.option("--no-call-margin", type=float, help="Turn a constrained call into no call when the model prefers "
              "calling by less than this log-odds at the reply's first choice (measure it on held-in items).")
@click.option("--relevance-floor", type=click.FloatRange(-1.0, 1.0), default=RELEVANCE_FLOOR, show_default=True,
              help="Constrained rows: make no call when the request's cosine to every function (name and "
              "description, with the home's embedder) is below this; -1 records the cosine and never gates.")
@home_option
@json_option
def tools_cmd(directory: str, model_name: str | None, limit: int | None, skip: int, rows: str, categories: str,
              adapter: str | None, max_tokens: int | None, with_items: bool, no_call_margin: float | None,
              relevance_floor: float, home: str | None, as_json: bool) -> None:
    """Function calling on BFCL v4 in DIR (simple_python AST accuracy, irrelevance, live_simple, live_irrelevance)."""
    from evals.bfcl_data import CATEGORIES, data_dir, load_category
    from evals.eval_tools import ROWS, RelevanceGate, evaluate
    from indexer.app import KithApp
    from indexer.home import KithHome
    from runtime.adapter_manager import provider_for
    from runtime.generator import load_generator

    row_names = _names(rows, ROWS, "row")
    category_names = _names(categories, list(CATEGORIES), "category")
    data_dir(directory)
    kith_home = KithHome.resolve(home)
    generator = load_generator(kith_home, model_name, adapter_provider=provider_for(kith_home, model_name))
    adapter_name, adapter_missing = (None, None)
    if "adapter" in row_names:
        adapter_name, adapter_missing = _adapter(kith_home, generator.name, adapter)
    data = {c: load_category(directory, c, limit, skip) for c in category_names}
    if not any(data.values()):
        raise click.UsageError(f"--skip {skip} leaves no items (--limit {limit})")
    gate = None
    if any(r != "unconstrained" for r in row_names):
        gate = RelevanceGate(KithApp(kith_home).embedder.encode, relevance_floor if relevance_floor > -1 else None)
    with Progress("eval tools", unit="items", stream=sys.stderr) as progress:
        report = evaluate(generator, data, row_names, adapter=adapter_name, adapter_missing=adapter_missing,
                          max_tokens=max_tokens, progress=lambda done, total, what: progress.update(done, total, what),
                          no_call_margin=no_call_margin, gate=gate)
    report["directory"] = directory
    if not with_items:
        for row in report["rows"]:
            for result in row["results"].values():
                result.pop("items", None)
    if as_json:
        echo_json(report)
        return
    _print(report)


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{100 * value:5.1f}"


def _print(report: dict[str, Any]) -> None:
    counts = ", ".join(f"{c} {n}" for c, n in report["categories"].items())
    click.echo(f"BFCL v4, model {report['model']}: {counts} items")
    floor = next((r.get("relevance_floor") for r in report["rows"] if r.get("relevance_floor") is not None), None)
    if floor is not None:
        click.echo(f"constrained rows: no call below relevance {floor:g} (request-to-function cosine)")
    click.echo(f"{'row':<16}{'simple AST':>11}{'irrelev.':>10}{'live AST':>10}{'live irr.':>10}"
               f"{'malformed':>11}{'s/item':>8}")
    for row in report["rows"]:
        label = row["row"] + (f" ({row['adapter']})" if row.get("adapter") else "")
        if row["status"] != "ok":
            click.echo(f"{label:<16}skipped: {row['reason']}")
            continue
        s, results = row["summary"], row["results"].values()
        malformed = sum(r["malformed"] for r in results)
        n = sum(r["n"] for r in results)
        seconds = sum(r["mean_seconds"] * r["n"] for r in results) / n if n else 0.0
        click.echo(f"{label:<16}{_pct(s.get('simple_ast')):>11}{_pct(s.get('irrelevance')):>10}"
                   f"{_pct(s.get('live_simple_ast')):>10}{_pct(s.get('live_irrelevance')):>10}"
                   f"{malformed:>11}{seconds:>8.2f}")
    for anchor in report["anchors"]:
        click.echo(f"{'  ' + anchor['model']:<16}{anchor['simple_ast']:>11.1f}{anchor['irrelevance']:>10.1f}"
                   f"{'':>10}{'':>10}   (BFCL v4 leaderboard)")
    floors = report["floors"]
    best = next((r for r in report["rows"] if r["row"] == report["best_row"]), None)
    verdict = "n/a" if best is None or best["meets_floors"] is None else ("met" if best["meets_floors"] else "NOT met")
    click.echo(f"floors for the best row ({report['best_row']}): simple AST >= {100 * floors['simple_ast']:.0f}%, "
               f"irrelevance >= {100 * floors['irrelevance']:.0f}%: {verdict}")
