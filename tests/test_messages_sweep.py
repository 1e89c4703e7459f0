"""Every file of every ../shared/corpora/chat-* folder: documents, failures or undetected; never a crash."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from indexer.document import Document, ReadFailure
from indexer.sources import base
from indexer.sources.messages import imessage, messenger, phone_exports, sms_backup, telegram, whatsapp

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
READERS = [m.READER for m in (imessage, whatsapp, telegram, sms_backup, messenger, phone_exports)]

# Minimum documents each corpus must give (formats we support); 0 where none is supported.
EXPECTED_MIN_DOCS = {
    "chat-athg2sms-sms-exports": 209,        # Nokia PC Suite CSV and vMessage .vmg
    "chat-chat-analytics-samples": 11,
    "chat-chat-miner-tests": 49,
    "chat-imessage-exporter-test-data": 0,   # payload plists and blobs, no chat.db
    "chat-shruggietech-sms-fixtures": 8,
    "chat-sms-backup-reader-2-fixtures": 27,
    "chat-whatstk-whatsapp": 16,
}


def test_all_message_readers_are_registered() -> None:
    names = {r.name for r in base._READERS}
    assert {"messages.imessage", "messages.whatsapp", "messages.telegram", "messages.sms",
            "messages.messenger", "messages.phone_export"} <= names
    assert all(r.kind == "message" for r in READERS)


@pytest.mark.corpora
def test_sweep_every_chat_corpus_file() -> None:
    folders = sorted(CORPORA.glob("chat-*"))
    if not folders:
        pytest.skip(f"corpora not available under {CORPORA}")
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    crashes: list[str] = []
    stolen: list[str] = []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            row = table[folder.name]
            row["files"] += 1
            head = base.read_head(path)
            scores = [(reader.sniff(path, head), reader) for reader in READERS]
            claimed = [reader.name for score, reader in scores if score > 0]
            if len(claimed) > 1:
                stolen.append(f"{path.relative_to(CORPORA)}: {claimed}")
            score, reader = max(scores, key=lambda pair: pair[0])
            if score <= 0:
                row["undetected"] += 1
                continue
            try:
                items = list(reader.read(path))
            except Exception as exc:  # the assertion below reports it
                crashes.append(f"{path.relative_to(CORPORA)}: {type(exc).__name__}: {exc}")
                continue
            docs = sum(isinstance(i, Document) for i in items)
            fails = sum(isinstance(i, ReadFailure) for i in items)
            row["docs"] += docs
            row["failures"] += fails
            row["read, no output" if not items else ("with docs" if docs else "failed")] += 1
    # Informational, shown with `pytest -s` only: "undet" files belong to other readers, not failures.
    print("\n\nchat corpora sweep (message readers; informational, the asserts below decide)")
    print(f"{'corpus':36} {'files':>5} {'docs':>5} {'fails':>5} {'undet':>5} {'empty':>5}")
    for name, row in sorted(table.items()):
        print(f"{name:36} {row['files']:>5} {row['docs']:>5} {row['failures']:>5} "
              f"{row['undetected']:>5} {row['read, no output']:>5}")
    assert crashes == []
    assert stolen == []
    for name, minimum in EXPECTED_MIN_DOCS.items():
        if name in table:
            assert table[name]["docs"] >= minimum, (name, dict(table[name]))
