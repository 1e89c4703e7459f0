"""`kith eval beir DIR`: nDCG@10 and recall@100 for bm25, dense and hybrid on a BEIR collection."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from indexer.errors import KithError
from indexer.scratch import temporary_home
from kith.cli.common import echo_json, json_option
from kith.cli.progress import Progress

out = Console()


@click.command("beir")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--home", type=click.Path(file_okay=False),
              help="Index home to build/reuse (default: a temporary one, deleted afterwards).")
@click.option("--fusion", type=click.Choice(["convex", "rrf"]), help="Override the configured fusion for 'hybrid'.")
@json_option
def beir_cmd(directory: str, home: str | None, fusion: str | None, as_json: bool) -> None:
    """Evaluate retrieval on a BEIR collection (corpus.jsonl, queries.jsonl, qrels/test.tsv)."""
    from indexer.app import KithApp
    from evals.eval_beir import check_collection, evaluate

    path = Path(directory)
    if not path.is_dir():
        raise KithError(f"no such directory: {directory}")
    check_collection(path)
    with temporary_home("kith-beir-") as scratch:  # removed on exit, error, Ctrl-C and SIGTERM
        app = KithApp(home or scratch)
        try:
            if fusion:
                app.search_config.fusion = fusion
            # A rich bar on a terminal, a plain line every few seconds otherwise (the first run embeds
            # the whole corpus: minutes).
            with Progress("eval beir", stream=sys.stderr) as progress:
                result = evaluate(app, path, lambda what, done, total: progress.update(done, total, detail=what))
        finally:
            app.close()
    if as_json:
        echo_json(result)
        return
    table = Table("run", "nDCG@10", "recall@100", title=f"{path.name}: {result['queries']} queries, "
                                                         f"{result['documents']} documents")
    for name, metrics in result["results"].items():
        table.add_row(name, f"{metrics['ndcg@10']:.4f}", f"{metrics['recall@100']:.4f}")
    out.print(table)
