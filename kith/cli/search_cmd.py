"""`kith search`: its click options (derived from indexer.search_options) and the search itself,
answered by the running daemon when there is one, else in this process.

Heavy modules (the app, numpy, FAISS) are imported inside the functions, so that `kith search`
answered by the daemon never loads them.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable

import click

from indexer.search_options import SEARCH_OPTIONS, OptionSpec
from kith.cli.common import echo_json, home_option, json_option, text_or_stdin
from kith.cli.hit_format import format_hit

if TYPE_CHECKING:
    from indexer.search_service import SearchRequest


def click_option(spec: OptionSpec) -> Callable:
    """The click option for one search option."""
    kwargs: dict[str, Any] = {}
    if spec.help is not None:
        kwargs["help"] = spec.help
    if spec.default is not None:
        kwargs.update(default=spec.default, show_default=True)
    if spec.bounds is not None:
        kwargs["type"] = click.IntRange(*spec.bounds)
    elif spec.choices:
        kwargs["type"] = click.Choice(list(spec.choices))
    return click.option(spec.flag, **kwargs)


def search_options(func: Callable) -> Callable:
    """Decorate a click command with every search option, in the table's order."""
    for spec in reversed(SEARCH_OPTIONS):
        func = click_option(spec)(func)
    return func


@click.command("search")
@click.argument("query", required=False)
@search_options
@home_option
@json_option
def search_cmd(query: str | None, home: str | None, as_json: bool, **options) -> None:
    """Search the index by meaning and by words (QUERY, or - for stdin)."""
    from kith.cli.hints import empty_index_message, index_is_empty

    request = {"query": text_or_stdin(query), **options}
    results = search_results(home, request)
    empty = not results and index_is_empty(home)
    if as_json:
        echo_json(results)
        if empty:
            click.echo(empty_index_message(home), err=True)
        return
    if not results:
        click.echo(empty_index_message(home) if empty else "No results.")
    for number, hit in enumerate(results, 1):
        print_hit(number, hit)


def search_results(home: str | None, request: "SearchRequest | dict[str, Any]") -> list[dict]:
    """Ask the running daemon if there is one; otherwise search in this process.

    ``request`` is a SearchRequest or a plain dict of its fields (the light path used by the CLI).
    """
    from indexer.daemon.client import try_daemon_search

    answer = try_daemon_search(home, request)
    if answer is not None:
        return answer
    from indexer.app import KithApp
    from indexer.search_service import SearchRequest, run_search
    from kith.cli.hints import daemon_hint, index_is_empty

    if isinstance(request, dict):
        request = SearchRequest.from_json(request)
    if index_is_empty(home):
        _check_filters(request)  # bad options are still errors; then nothing to search, no model to load
        return []
    daemon_hint()
    app = KithApp(home)
    try:
        return run_search(app, request)
    finally:
        app.close()


def _check_filters(request: "SearchRequest") -> None:
    """The checks ``SearchRequest.filters`` makes that need no index (kind, dates, range)."""
    from indexer.search import SearchFilters
    from indexer.timeparse import check_range, parse_when

    since, until = parse_when(request.since), parse_when(request.until)
    check_range(since, until, request.since, request.until)
    SearchFilters(kind=request.kind, since=since, until=until)


def print_hit(number: int, hit: dict) -> None:
    click.echo(format_hit(number, hit, color=sys.stdout.isatty()))
