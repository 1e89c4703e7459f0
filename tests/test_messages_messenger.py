"""Facebook Messenger JSON exports: the chat-analytics sample, mojibake repair, sniffing."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from indexer.document import Document, ReadFailure
from indexer.sources.base import read_head
from indexer.sources.messages.messenger import READER, repair_mojibake

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SAMPLE = CORPORA / "chat-chat-analytics-samples" / "tests" / "samples" / "messenger" / "2A_7M.json"


def _read(path: Path) -> tuple[list[Document], list[ReadFailure]]:
    items = list(READER.read(path))
    return ([i for i in items if isinstance(i, Document)], [i for i in items if isinstance(i, ReadFailure)])


@pytest.mark.corpora
def test_chat_analytics_sample() -> None:
    if not SAMPLE.exists():
        pytest.skip(f"corpus not available: {SAMPLE}")
    assert READER.sniff(SAMPLE, read_head(SAMPLE)) >= 0.8  # the file starts with a UTF-8 BOM
    docs, failures = _read(SAMPLE)
    assert failures == []
    assert len(docs) == 1  # seven messages within ~8 minutes
    doc = docs[0]
    assert doc.title == "Messenger chat with Alice"
    assert doc.locator == "alice_aaaaaaaaaa:1..7"  # numbered from the oldest message
    assert doc.metadata["source"] == "messenger"
    assert set(doc.participants) == {"Alice", "Bob"}
    assert doc.timestamp == datetime.fromtimestamp(1415147240.411, tz=timezone.utc)
    lines = doc.body.splitlines()
    assert lines[0] == "Bob: [attachment: 123123123123123.jpg]"
    assert "Bob: [attachment: blabla.docx]" in lines and "Alice: [attachment: audioclip11111.mp4]" in lines
    assert lines[-3:] == ["Bob: you what", "Bob: Whats up!", "Alice: Hello"]


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def test_mojibake_is_repaired(tmp_path: Path) -> None:
    export = {
        "participants": [{"name": _mojibake("João Gonçalves")}, {"name": "Me"}],
        "messages": [
            {"sender_name": _mojibake("João Gonçalves"), "timestamp_ms": 1700000060000,
             "content": _mojibake("Até amanhã! 🎉")},
            {"sender_name": "Me", "timestamp_ms": 1700000000000, "content": "Olá",  # already fine
             "share": {"link": "https://example.com/a"}},
        ],
        "title": _mojibake("João Gonçalves"),
        "thread_path": "inbox/joaogoncalves_123",
    }
    path = tmp_path / "message_1.json"
    path.write_text(json.dumps(export), encoding="utf-8")  # \u escapes, exactly as Facebook writes them
    assert "\\u00c3" in path.read_text()
    docs, failures = _read(path)
    assert failures == []
    assert docs[0].title == "Messenger chat with João Gonçalves"
    assert docs[0].body == "Me: Olá https://example.com/a\nJoão Gonçalves: Até amanhã! 🎉"
    assert docs[0].locator == "joaogoncalves_123:1..2"


def test_repair_mojibake_leaves_real_text_alone() -> None:
    assert repair_mojibake("Ã©tÃ©") == "été"
    assert repair_mojibake("été") == "été"  # real Latin-1 text does not round-trip: kept
    assert repair_mojibake("日本") == "日本"


def test_truncated_and_foreign_json(tmp_path: Path) -> None:
    path = tmp_path / "message_1.json"
    path.write_text('{"participants": [{"name": "A"}], "messages": [{"sender_name": "A", "timestamp_ms": 17', encoding="utf-8")
    assert READER.sniff(path, read_head(path)) > 0
    docs, failures = _read(path)
    assert docs == [] and failures[0].error.startswith("truncated Messenger JSON")
    telegram = tmp_path / "result.json"
    telegram.write_text('{"name": "Bob", "type": "personal_chat", "id": 1, "messages": []}', encoding="utf-8")
    assert READER.sniff(telegram, read_head(telegram)) == 0.0
    discord = tmp_path / "discord.json"
    discord.write_text('{"guild": {"id": "0"}, "channel": {}, "messages": []}', encoding="utf-8")
    assert READER.sniff(discord, read_head(discord)) == 0.0


def test_end_to_end_encrypted_export_shape(tmp_path: Path) -> None:
    export = {"participants": ["Ana", "Rui"], "threadName": "Ana",
              "messages": [{"senderName": "Ana", "text": "Chego às 9", "timestamp": 1717000000000, "type": "text",
                            "media": []}]}
    path = tmp_path / "ana.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    assert READER.sniff(path, read_head(path)) >= 0.8
    docs, _ = _read(path)
    assert docs[0].body == "Ana: Chego às 9"
