"""Thread membership, in one place: which indexed documents form the thread a document belongs to.

A mail's thread is every mail linked to it by Message-ID, In-Reply-To, References or the thread
root the mail reader records; a shared subject alone never joins a thread (anyone can send a mail
with a thread's subject). A chat document's thread is its conversation (same kind and source file). ``kith summarize`` and the ``summarize_thread`` intent both use this module.
"""
from __future__ import annotations

import json
import re
from typing import Any

_PREFIX = re.compile(r"^((re|fwd?|aw|sv)\s*:\s*)+", re.I)


def subject(title: str | None) -> str:
    """A mail subject without its reply/forward prefixes."""
    return _PREFIX.sub("", title or "").strip()


def _meta(doc: dict[str, Any]) -> dict[str, Any]:
    meta = doc.get("metadata") or {}
    return json.loads(meta) if isinstance(meta, str) else meta


def thread_key(doc: dict[str, Any]) -> str:
    """A key equal for documents of one thread (used to count the threads a search matched)."""
    if doc["kind"] == "mail":
        return "mail:" + str(_meta(doc).get("thread_root") or subject(doc["title"]).lower())
    return "chat:" + doc["source_path"]


def _mail_thread_ids(store: Any, doc: dict[str, Any]) -> list[str]:
    meta = _meta(doc)
    links = sorted({x for x in [meta.get("message_id"), meta.get("in_reply_to"), meta.get("thread_root"),
                                *(meta.get("references") or [])] if x})
    if not links:
        return [doc["id"]]
    return store.mail_ids_referencing(links) or [doc["id"]]


def thread_documents(store: Any, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every indexed document of the thread ``doc`` belongs to, oldest first (``doc`` itself at least)."""
    if doc["kind"] == "mail":
        ids = _mail_thread_ids(store, doc)
    else:
        ids = store.document_ids_in_file(doc["kind"], doc["source_path"])
    docs = store.documents_by_ids(ids) or [doc]
    return sorted(docs, key=lambda d: d.get("timestamp") or "")
