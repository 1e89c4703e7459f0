"""`kith eval answers FILE`: answer accuracy, "not found" on unknowns and citation precision on a grounded-QA set.

The documents are indexed into a temporary home (removed on exit, error, Ctrl-C and SIGTERM, like
`kith eval beir`), or into ``--home``. The generative answerer in a temporary home uses a model installed in
your usual home ($KITH_HOME or the platform data dir), linked in read-only; with ``--home`` it uses that
home's models.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from indexer.errors import KithError
from indexer.scratch import temporary_home
from kith.cli.common import echo_json, json_option
from kith.cli.progress import Progress


def user_home() -> Path:
    """Where `kith` keeps its index and models by default, without creating it."""
    import platformdirs

    return Path(os.environ.get("KITH_HOME") or platformdirs.user_data_dir("kith", appauthor=False)).expanduser()


def link_model(scratch: Path, model: str | None) -> str:
    """Make the user's installed model (``model`` or their default) visible in ``scratch``; its name."""
    from indexer.home import load_config
    from runtime.model_store import ModelStore

    source = user_home()
    store = ModelStore(source / "models", load_config(source / "kith.toml"))
    name = model or store.default_name()
    store.get(name)  # ModelNotFound / CorruptModel: one line saying how to import it
    (scratch / "models").mkdir(exist_ok=True)
    (scratch / "models" / name).symlink_to((source / "models" / name).resolve(), target_is_directory=True)
    if (source / "adapters").is_dir():  # the user's trained adapters (the answer adapter) come along
        (scratch / "adapters").symlink_to((source / "adapters").resolve(), target_is_directory=True)
    (scratch / "kith.toml").write_text(f'[runtime]\nmodel = "{name}"\nthreads = {store.threads()}\n')
    return name


@contextlib.contextmanager
def eval_home(home: str | None, keep: bool) -> Iterator[Path]:
    if home:
        path = Path(home).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        yield path
    elif keep:
        path = Path(tempfile.mkdtemp(prefix="kith-answers-"))
        try:
            yield path
        finally:
            click.echo(f"kith: the evaluation home is kept at {path}", err=True)
    else:
        with temporary_home("kith-answers-") as path:  # removed on exit, error, Ctrl-C and SIGTERM
            yield path


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "ok", "found", "cited ok", "question", "expected", title=f"{report['file']} "
                  f"({report['answerer']}{', model ' + report['model'] if report.get('model') else ''})")
    for row in report["results"]:
        good = sum(s["ok"] for s in row["sentences"])
        expected = row["expected"] if isinstance(row["expected"], str) else " | ".join(row["expected"])
        table.add_row(row["id"], "✓" if row["correct"] else "✗", "yes" if row["found"] else "no",
                      f"{good}/{len(row['sentences'])}", row["question"][:60], expected[:30])
    Console().print(table)
    click.echo(f"answer accuracy {_pct(report['answer_accuracy'])} (n={report['answerable']})  "
               f"unknown → not found {_pct(report['unknown_not_found'])} (n={report['unknown']})  "
               f"citation precision {_pct(report['citation_precision'])} (n={report['sentences']} sentences; "
               f"verifier {_pct(report['citation_precision_verifier'])}, spot check "
               f"{_pct(report['citation_precision_spot_check'])})")
    click.echo(f"indexed {report['index']['documents']} documents from {report['index']['files']} paths in "
               f"{report['index']['seconds']:.0f} s; {report['seconds_per_question']['p50']:.2f} s per question (p50)")


@click.command("answers")
@click.argument("file")
@click.option("--answerer", type=click.Choice(["extractive", "generative"]), default="extractive", show_default=True,
              help="extractive (quoted sentences) or generative (the on-device model, verified).")
@click.option("--model", help="Generative: the installed model to use (default: the home's [runtime] model).")
@click.option("--home", type=click.Path(file_okay=False),
              help="Index into this home and keep it (its models are used); default: a temporary home.")
@click.option("--keep-home", is_flag=True, help="Keep the temporary home and print where it is.")
@click.option("--corpora", type=click.Path(file_okay=False),
              help="Root of the corpora named by a line's \"corpus\" (default: $KITH_CORPORA, else a shared/corpora "
                   "folder next to FILE's folder or one of its parents).")
@click.option("--adapter", help="Generative: the adapter the answerer activates (default: `answer` when installed; "
                                "`none` for the base model).")
@json_option
def answers_cmd(file: str, answerer: str, model: str | None, home: str | None, keep_home: bool,
                corpora: str | None, adapter: str | None, as_json: bool) -> None:
    """Grounded QA on FILE (JSONL: question, documents, answer or "unknown"): accuracy and citation precision."""
    from agent.answer_set import load_answer_set
    from evals.eval_answers import build_index, evaluate
    from indexer.app import KithApp

    if keep_home and home:
        raise KithError("--keep-home is for the temporary home; --home is always kept")
    answer_set = load_answer_set(file, corpora)
    with eval_home(home, keep_home) as path:
        model_name = link_model(path, model) if answerer == "generative" and not home else None
        app = KithApp(path)
        if adapter:
            app.home.config.setdefault("agent", {})["answer_adapter"] = adapter
        try:
            if home and answerer == "generative":
                from runtime.model_store import ModelStore

                if model:
                    app.home.config.setdefault("runtime", {})["model"] = model
                store = ModelStore.for_home(app.home)
                model_name = store.default_name()
                store.get(model_name)  # before indexing: a missing model is one line saying how to import it
            with Progress("eval answers: indexing", stream=sys.stderr) as progress:
                index = build_index(app, answer_set, lambda what, done, total: progress.update(done, total, what))
            with Progress("eval answers: asking", stream=sys.stderr) as progress:
                report = evaluate(app, answer_set, answerer,
                                  lambda what, done, total: progress.update(done, total, what))
        finally:
            app.close()
    report["model"] = model_name
    report["adapter"] = adapter or ("answer (when installed)" if answerer == "generative" else None)
    report["index"] = index
    if as_json:
        echo_json(report)
    else:
        print_report(report)
