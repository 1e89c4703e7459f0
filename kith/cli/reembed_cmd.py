"""`kith reembed [--model NAME]`: re-embed the whole index with another embedder (indexer/reembed.py)."""
from __future__ import annotations

import sys

import click

from indexer.errors import ReembedError
from kith.cli.common import echo_json, home_option, json_option


@click.command("reembed")
@click.option("--model", "model", help="A registered embedder (see `kith plugins`); default: the one configured now.")
@click.option("--batch", type=click.IntRange(1, 100_000), default=256, show_default=True,
              help="Chunks embedded and committed per step.")
@home_option
@json_option
def reembed_cmd(model: str | None, batch: int, home: str | None, as_json: bool) -> None:
    """Re-embed every chunk with another embedder; safe to interrupt and rerun."""
    from indexer.app import KithApp
    from indexer.daemon.client import DaemonUnavailable, call
    from indexer.embedder_identity import identity_of, recorded
    from indexer.embedder_registry import make_embedder
    from indexer.reembed import reembed

    try:
        call(home, "ping", timeout=2.0)
    except DaemonUnavailable:
        pass
    else:
        raise ReembedError("the daemon is running on this index: stop it first (`kith daemon stop`), "
                           "then run `kith reembed` and start it again")
    app = KithApp(home)  # loads the home's plugins, which may provide the embedder
    if model:
        app = KithApp(app.home, embedder=make_embedder(model, home=app.home.path))
    try:
        store = app.store
        target = identity_of(app.embedder)
        current = recorded(store)
        if current == target:
            result = {"chunks": store.chunk_count(), "embedded": 0, "unchanged": True, "after": target.to_json()}
            if as_json:
                echo_json(result)
            else:
                click.echo(f"the index is already embedded with {target.describe()}")
            return
        total = store.chunk_count()
        with click.progressbar(length=total, label=f"re-embedding with {target.name}", file=sys.stderr,
                               show_pos=True) as bar:
            report = reembed(store, app.embedder, progress=bar.update, batch=batch)
        vectors = app.home.vectors_path
        for stale in (vectors, vectors.with_suffix(".json")):  # rebuilt from SQLite on the next open
            stale.unlink(missing_ok=True)
    finally:
        app.close()
    if as_json:
        echo_json(report.to_json())
        return
    was = report.before.describe() if report.before else "an unrecorded embedder"
    click.echo(f"re-embedded {report.chunks} chunks: {was} -> {report.after.describe()}"
               + (f" (resumed after {report.resumed})" if report.resumed else ""))
