"""Built-in intents: READ ones over the index (intents.builtin.read) and local, inspectable effects
(intents.builtin.write: an outbox Maildir, an outbox JSONL file, .ics files, forgetting a document).
Registered through the ``register_intents`` hook like any plugin's."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from kith.plugins import hookimpl

BUILTIN_MODULES = ["intents.builtin.read", "intents.builtin.write"]


@hookimpl
def register_intents(register: Callable[[Any], Any]) -> None:
    for name in BUILTIN_MODULES:
        register(importlib.import_module(name))
