"""`kith index`, `show`, `status` and `forget` (`kith search` lives in kith/cli/search_cmd.py).

Heavy modules (the app, numpy, torch, FAISS, rich) are imported inside the commands, so that
`kith search` answered by the daemon never loads them: the whole process stays fast.
"""
from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

import click

from indexer.errors import KithError
from kith.cli.common import echo_json, echo_result, home_option, json_option
from indexer.localtime import document_local_iso
from kith.cli.search_cmd import print_hit, search_cmd, search_results  # noqa: F401  (old import path)

@cache
def _consoles() -> tuple[Any, Any]:
    from rich.console import Console

    return Console(stderr=True), Console()


def __getattr__(name: str) -> Any:
    """``console`` (stderr) and ``out`` (stdout) rich consoles, created on first use."""
    if name == "console":
        return _consoles()[0]
    if name == "out":
        return _consoles()[1]
    raise AttributeError(name)


@click.command("index")
@click.argument("paths", nargs=-1, required=True)
@click.option("--kind", help="Only use readers of this kind (mail, message, photo, contact, event).")
@click.option("--force", is_flag=True, help="Re-read files even when unchanged.")
@home_option
@json_option
def index_cmd(paths: tuple[str, ...], kind: str | None, force: bool, home: str | None, as_json: bool) -> None:
    """Index files or folders (mail, messages, photos, contacts, calendars)."""
    from indexer.app import KithApp
    from kith.cli.progress import Progress

    console, out = _consoles()
    missing = [p for p in paths if not Path(p).expanduser().exists()]
    if len(missing) == len(paths):
        raise KithError(f"no such file or directory: {', '.join(missing)}")
    app = KithApp(home)
    with Progress("indexing", unit="files", stream=sys.stderr) as progress:
        def update(path: str, done: int, total: int) -> None:
            progress.update(done, total, detail=Path(path).name)

        report = app.indexer.index_paths(paths, kind=kind, progress=update, force=force)
    if as_json:
        echo_json(report.to_json())
    else:
        for line in summary_lines(report):
            out.print(line, highlight=False)
    if report.missing_paths:
        click.echo(f"kith: error: no such file or directory: {', '.join(report.missing_paths)} "
                   f"(the other paths were indexed)", err=True)
        sys.exit(1)


def summary_lines(report: Any) -> list[str]:
    """`kith index`'s summary: documents, then each file counted once by what happened to it."""
    files = [f"{report.files_indexed} indexed"
             + (f" ({report.files_partial} with some unreadable items)" if report.files_partial else ""),
             f"{report.files_unchanged} unchanged",
             f"[red]{report.files_failed}[/] failed (nothing in them could be read)" if report.files_failed
             else "0 failed",
             f"{report.files_skipped} skipped (not a known format: `kith status --skipped` lists them)"]
    lines = [f"[green]{report.docs_added}[/] documents added, {report.docs_updated} updated, "
             f"{report.docs_unchanged} unchanged, {report.docs_removed} removed",
             "files: " + ", ".join(files)]
    if report.item_failures:
        lines.append(f"items that could not be read: {report.item_failures} (`kith status` lists them)")
    for path, error in report.errors[:10]:
        lines.append(f"  [red]failed[/] {path}: {error}")
    for path in report.missing_paths:
        lines.append(f"  [red]missing[/] {path}: no such file or directory")
    return lines


@click.command("show")
@click.argument("doc_id")
@home_option
@json_option
def show_cmd(doc_id: str, home: str | None, as_json: bool) -> None:
    """Print one document with its metadata."""
    from indexer.app import KithApp

    app = KithApp(home)
    doc = app.store.get_document(doc_id)
    if doc is None:
        raise KithError(f"no document with id {doc_id!r} (ids are shown by `kith search`)")
    doc.pop("rowid", None)
    doc["local_time"] = document_local_iso(doc)
    if as_json:
        echo_json(doc)
        return
    from kith.cli.doc_format import show_lines

    for line in show_lines(doc):
        click.echo(line)
    click.echo()
    click.echo(doc["body"])


@click.command("status")
@click.option("--skipped", is_flag=True, help="List the files skipped because no reader knows their format.")
@home_option
@json_option
def status_cmd(home: str | None, as_json: bool, skipped: bool) -> None:
    """Counts by kind and reader, sources, failures, index size and model."""
    from rich.table import Table

    from indexer.app import KithApp

    out = _consoles()[1]
    app = KithApp(home)
    store = app.store
    if skipped:
        rows = store.skipped_files()
        if as_json:
            echo_json({"skipped": rows, "count": len(rows)})
            return
        click.echo(f"{len(rows)} file(s) skipped (no reader knows their format):")
        for row in rows:
            click.echo(f"  {row['path']}  ({row['size']} bytes)")
        return
    db_size = sum(p.stat().st_size for p in app.home.path.glob("kith.db*"))
    vec_path = app.home.vectors_path
    failures = store.failures()
    status = {
        "home": str(app.home.path),
        "documents": store.counts_by_kind(),
        "readers": store.counts_by_reader(),
        "chunks": store.chunk_count(),
        "files": store.file_status_counts(),
        "sources": store.source_rows(),
        "failures": failures[:200],
        "failure_count": len(failures),
        "database_bytes": db_size,
        "vectors_bytes": vec_path.stat().st_size if vec_path.exists() else 0,
        "embedding_model": app.embedder.name,
        "plugin_failures": plugin_failures(app.home),
    }
    if as_json:
        echo_json(status)
        return
    out.print(f"[bold]kith index at {status['home']}[/]  model: {status['embedding_model']}")
    table = Table("kind", "documents")
    for kind, count in status["documents"].items():
        table.add_row(kind, str(count))
    out.print(table)
    readers = Table("reader", "documents")
    for name, count in status["readers"].items():
        readers.add_row(name, str(count))
    out.print(readers)
    files = ", ".join(f"{count} {state}" for state, count in sorted(status["files"].items())) or "none"
    out.print(f"chunks: {status['chunks']}  files: {files}  "
              f"database: {db_size / 1e6:.1f} MB  vectors: {status['vectors_bytes'] / 1e6:.1f} MB")
    if status["sources"]:
        out.print("sources: " + ", ".join(f"{s['path']} ({s['kind'] or 'auto'})" for s in status["sources"]))
    for failure in status["plugin_failures"]:
        out.print(f"[red]plugin {failure['plugin']} failed[/] ({failure['stage']}): {failure['error']}",
                  markup=True, highlight=False)
    out.print(f"failures: {len(failures)}")
    for failure in failures[:15]:
        where = failure["path"] + (f"#{failure['locator']}" if failure["locator"] else "")
        out.print(f"  [red]{where}[/]: {failure['error']}", markup=True, highlight=False)


def plugin_failures(home: Any) -> list[dict[str, str]]:
    """Plugins that failed to import or to register (the rest keep working); see `kith plugins`."""
    from kith.plugins import report

    return report(home.plugin_modules)["failures"]


@click.command("forget")
@click.argument("target")
@home_option
@json_option
def forget_cmd(target: str, home: str | None, as_json: bool) -> None:
    """Remove a document (by id) or a file/folder (by path) from the index."""
    from indexer.app import KithApp

    app = KithApp(home)
    removed = app.indexer.forget(target)
    if removed == 0 and app.store.get_document(target) is None and not Path(target).exists():
        raise KithError(f"nothing indexed matches {target!r}")
    echo_result(as_json, {"target": target, "forgotten": removed}, f"forgot {removed} document(s)")
