"""Imports every built-in reader module so each registers itself. Add new readers here."""
from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

BUILTIN_READER_MODULES = [
    "indexer.sources.mail",
    "indexer.sources.messages.imessage",
    "indexer.sources.messages.whatsapp",
    "indexer.sources.messages.telegram",
    "indexer.sources.messages.sms_backup",
    "indexer.sources.messages.messenger",
    "indexer.sources.messages.phone_exports",
    "indexer.sources.photos",
    "indexer.sources.contacts",
    "indexer.sources.calendar",
]

for _module in BUILTIN_READER_MODULES:
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as exc:  # a reader not written yet must not break the others
        if exc.name != _module:
            raise
        log.debug("reader module %s not present", _module)
