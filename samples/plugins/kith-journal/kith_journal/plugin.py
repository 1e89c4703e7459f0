"""The plugin module named by the ``kith`` entry point: one function per hook it implements."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kith.plugins import hookimpl

from kith_journal.reader import JournalReader


@hookimpl
def register_kinds(register: Callable[..., Any]) -> None:
    # A new document kind, and the words a question uses for it ("what did I write in my diary...").
    register("journal", words=[r"journals?", r"diary", r"diaries", r"journal entry", r"journal entries"])


@hookimpl
def register_readers(register: Callable[[Any], Any]) -> None:
    register(JournalReader())
