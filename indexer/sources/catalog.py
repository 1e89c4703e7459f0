"""The built-in readers and document kinds, registered through the plugin hooks like any plugin's.

Add a built-in reader to ``BUILTIN_READERS``; a third-party reader implements ``register_readers``
in its own package (docs/PLUGINS.md).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from kith.plugins import hookimpl

# (module, attribute) of each built-in reader instance
BUILTIN_READERS = [
    ("indexer.sources.mail", "EML_READER"),
    ("indexer.sources.mail", "MBOX_READER"),
    ("indexer.sources.messages.imessage", "READER"),
    ("indexer.sources.messages.whatsapp", "READER"),
    ("indexer.sources.messages.telegram", "READER"),
    ("indexer.sources.messages.sms_backup", "READER"),
    ("indexer.sources.messages.messenger", "READER"),
    ("indexer.sources.messages.phone_exports", "READER"),
    ("indexer.sources.photos", "READER"),
    ("indexer.sources.contacts", "READER"),
    ("indexer.sources.calendar", "READER"),
    ("indexer.sources.kith_outbox", "READER"),
]

# kind -> the words a question uses for it (regular-expression alternatives, matched as whole words)
# (in the order the slot filler tries them)
BUILTIN_KINDS: dict[str, list[str]] = {
    "photo": [r"photos?", r"pictures?", r"pics?", r"images?", r"selfies?"],
    "mail": [r"e-?mails?", r"mails?", r"inbox"],
    "message": [r"texts?", r"messages?", r"chats?", r"conversations?", r"whatsapps?", r"imessages?", r"sms"],
    "event": [r"events?", r"appointments?", r"meetings?", r"calendar", r"agenda", r"schedule"],
    "contact": [r"contacts?", r"phone numbers?", r"address book"],
    "note": [],  # generic text (BEIR corpora, notes apps); no question words
}


@hookimpl
def register_readers(register: Callable[[Any], Any]) -> None:
    for module, attribute in BUILTIN_READERS:
        register(getattr(importlib.import_module(module), attribute))


@hookimpl
def register_kinds(register: Callable[..., Any]) -> None:
    for kind, words in BUILTIN_KINDS.items():
        register(kind, words=words)
