"""What kith's own intents write is the user's own data: index it right after the call.

A write intent records each file it wrote with ``context.wrote(path)`` (the reminders and events
.ics files, the outbox JSONL, a draft in the outbox Maildir). When the call succeeds the registry
indexes those files into the same index as everything else, so "what reminders do I have?" finds
the reminder just created. A failure to index is logged and never undoes or fails the call.
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def index_written(context: Any) -> list[str]:
    """Index the files the call wrote; returns the paths indexed (empty when there were none or it failed)."""
    paths = [p for p in dict.fromkeys(getattr(context, "written", None) or []) if p.exists()]
    app = getattr(context, "app", None)
    if not paths or app is None:
        return []
    try:
        report = app.indexer.index_paths(paths)
    except Exception as exc:  # the effect happened; the index catches up on the next `kith index`
        log.warning("could not index %s after the intent: %s", ", ".join(map(str, paths)), exc)
        return []
    for path, error in getattr(report, "errors", []) or []:
        log.warning("could not index %s after the intent: %s", path, error)
    return [str(p) for p in paths]
