"""Shared CLI plumbing: the --home option, JSON output, stdin arguments and one-line errors."""
from __future__ import annotations

import json
import sqlite3
import sys
from typing import Any

import click

from indexer.errors import KithError

# Every user-facing kith error is a KithError (indexer/errors.py); OS errors about a path are too.
USER_ERRORS = (KithError, FileNotFoundError, PermissionError)


def user_errors() -> tuple[type[BaseException], ...]:
    return USER_ERRORS


home_option = click.option(
    "--home", "home", type=click.Path(file_okay=False), envvar="KITH_HOME",
    help="Index home directory (default: $KITH_HOME or the platform data dir).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


class KithGroup(click.Group):
    """Turns every error a user can cause into one clear line and a non-zero exit, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        as_json = "--json" in [*getattr(ctx, "_protected_args", []), *ctx.args]
        try:
            return super().invoke(ctx)
        except sqlite3.DatabaseError as exc:
            _fail(f"the index database is unreadable ({exc}); move it aside or run `kith index` into a new --home",
                  "store", as_json)
        except Exception as exc:
            if not isinstance(exc, user_errors()):
                raise
            _fail(str(exc) or type(exc).__name__, getattr(exc, "code", "error"), as_json)


def _fail(message: str, code: str = "error", as_json: bool = False) -> None:
    """One line on stderr; with --json also ``{"error": {"code", "message"}}`` on stdout. Exit 1."""
    if as_json:
        click.echo(json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False))
    click.echo(f"kith: error: {message}", err=True)
    sys.exit(1)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def echo_result(as_json: bool, data: dict[str, Any], text: str) -> None:
    """A command's outcome: ``data`` as JSON with --json, else the sentence ``text``."""
    if as_json:
        echo_json(data)
    else:
        click.echo(text)


def text_or_stdin(value: str | None) -> str:
    """``-`` (or nothing, with piped input) reads the argument from standard input."""
    if value in (None, "-"):
        if sys.stdin is None or sys.stdin.isatty():
            raise KithError("no query given (pass it as an argument or on standard input with -)")
        return sys.stdin.read().strip()
    return value
