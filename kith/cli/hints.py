"""First-run hints: an empty index says so and how to fill it; a search or ask answered without the
daemon says (once, on a terminal) that starting it makes them fast.

Light imports only (the document count comes from ``indexer.store.peek``), so checking costs no model load: `kith
search` on an empty index answers at once instead of loading torch to embed a query for nothing.
"""
from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

DEMO_HOME = ".demo-home"  # the Makefile's DEMO_HOME


def home_dir(home: str | os.PathLike[str] | None) -> str:
    from indexer.daemon.paths import resolve_home

    return resolve_home(home)


def index_is_empty(home: str | os.PathLike[str] | None) -> bool:
    """True when the home has no index yet or one without documents (read-only, never creates it)."""
    from indexer.store.peek import index_is_empty as peek_is_empty

    return peek_is_empty(os.path.join(home_dir(home), "kith.db"))


def empty_index_message(home: str | os.PathLike[str] | None) -> str:
    """What to say when the index is empty: where it is, and the commands that fill it."""
    path = home_dir(home)
    lines = [f"The index at {path} is empty. Fill it with `kith index PATH...` (mail, messages, photos, "
             "contacts, calendars), or watch folders with `kith sources add PATH` and `kith daemon start`."]
    demo = os.path.abspath(DEMO_HOME)
    if demo != path and os.path.exists(os.path.join(demo, "kith.db")):
        lines.append(f"`make demo` indexed the samples into {demo}: export KITH_HOME={demo}")
    return "\n".join(lines)


def stderr_is_terminal() -> bool:
    return sys.stderr is not None and sys.stderr.isatty()


def daemon_hint(stream: TextIO | None = None) -> None:
    """One line on stderr, on a terminal only (scripts and pipes get clean output), when a search or ask
    is answered in this process because no daemon runs for the home."""
    if stream is None and not stderr_is_terminal():
        return
    (stream or sys.stderr).write("kith: no daemon is running for this home, so this answer loads the model "
                                 "here (slow); `kith daemon start` keeps it warm\n")


def empty_answer_notice(answer: dict, home: str | os.PathLike[str] | None) -> str | None:
    """For `kith ask`: the empty-index message when nothing was found because nothing is indexed."""
    if answer.get("found", True) or answer.get("intent_calls") or not index_is_empty(home):
        return None
    return empty_index_message(home)
