"""Telegram Desktop JSON exports: single chat, full export, text entities, offsets, truncation."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from indexer.sources.base import read_head
from indexer.sources.messages.telegram import READER, flatten_text
from messages_helpers import all_messages, need_corpus, read_items

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
MINER = CORPORA / "chat-chat-miner-tests" / "test" / "telegram"
ANALYTICS = CORPORA / "chat-chat-analytics-samples" / "tests" / "samples"


@pytest.mark.corpora
@pytest.mark.parametrize("name", ["test_single_export.json", "test_batch_export.json"])
def test_matches_chat_miner_targets(name: str) -> None:
    path = need_corpus(MINER / name)
    target = json.loads((MINER / "target.json").read_text(encoding="utf-8"))
    assert READER.sniff(path, read_head(path)) >= 0.5
    docs, failures = read_items(READER, path)
    assert failures == []
    parsed = [
        (datetime.fromisoformat(m["timestamp"]).astimezone(timezone.utc).replace(tzinfo=None).isoformat(),
         m["author"], m["text"])
        for m in all_messages(docs)
    ]
    # chat-miner joins text parts with a space; Telegram text is the plain concatenation.
    expected = [(t["timestamp"], t["author"], t["message"]) for t in target]
    assert [(t, a) for t, a, _ in parsed] == [(t, a) for t, a, _ in expected]
    assert [re.sub(r"\s", "", x) for _, _, x in parsed] == [re.sub(r"\s", "", x) for _, _, x in expected]
    assert parsed[1][2] == "Link:https://telegram.org/"


@pytest.mark.corpora
def test_batch_export_takes_the_chat_name_as_title() -> None:
    docs, _ = read_items(READER, need_corpus(MINER / "test_batch_export.json"))
    assert docs[0].title == "Chatname"


@pytest.mark.corpora
def test_chat_analytics_personal_chat() -> None:
    path = need_corpus(ANALYTICS / "telegram" / "DM_2A_7M.json")
    assert READER.sniff(path, read_head(path)) >= 0.9
    docs, failures = read_items(READER, path)
    assert failures == []
    messages = all_messages(docs)
    # the two service messages (joined_telegram, phone_call) are skipped
    assert [m["id"] for m in messages] == ["3644", "3645", "3662", "3663", "3672", "3673"]
    assert messages[0]["text"] == "https://google.com 👀" and messages[0]["author"] == "Bob"
    assert messages[0]["locator"] == "700000000:3644"
    assert messages[4]["attachments"] == ["photo"]
    assert docs[0].title == "Telegram chat with Bob"
    assert docs[0].metadata["source"] == "telegram"
    assert set(docs[0].participants) == {"Bob", "Alice"}
    assert docs[-1].locator == "700000000:3672..3673"  # one second apart: one window


FULL_EXPORT = {
    "about": "Here is the data you requested.",
    "personal_information": {"user_id": 1, "first_name": "Me"},
    "chats": {"about": "...", "list": [
        {"name": "Rita", "type": "personal_chat", "id": 4242, "messages": [
            {"id": 1, "type": "message", "date": "2024-01-10T10:00:00", "date_unixtime": "1704877200",
             "from": "Rita", "from_id": "user4242",
             "text": ["See ", {"type": "bold", "text": "you"}, " at ",
                      {"type": "text_link", "text": "the café", "href": "https://example.com"}],
             "text_entities": []},
            {"id": 2, "type": "message", "date": "2024-01-10T10:05:00", "date_unixtime": "1704877500",
             "from": "Me", "from_id": "user1", "text": "", "text_entities": [{"type": "plain", "text": "Ok!"}]},
        ]},
        {"name": "Hiking", "type": "private_group", "id": 77, "messages": [
            {"id": 10, "type": "service", "date": "2024-02-01T08:00:00", "actor": "Rita", "action": "create_group",
             "text": ""},
            {"id": 11, "type": "message", "date": "2024-02-01T08:01:00", "from": "Rita",
             "text": "", "poll": {"question": "Which trail?", "answers": [{"text": "Sintra"}, {"text": "Arrábida"}]}},
        ]},
    ]},
    "left_chats": {"about": "...", "list": [
        {"name": "Old club", "type": "public_supergroup", "id": 99, "messages": [
            {"id": 5, "type": "message", "date_unixtime": "1600000000", "from": None, "from_id": "user5",
             "text": "bye"},
        ]},
    ]},
}


def test_full_export_with_left_chats_entities_and_offsets(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(FULL_EXPORT, ensure_ascii=False), encoding="utf-8")
    assert READER.sniff(path, read_head(path)) >= 0.8
    docs, failures = read_items(READER, path)
    assert failures == []
    by_chat = {d.metadata["chat_id"]: d for d in docs}
    assert set(by_chat) == {"4242", "77", "99"}
    rita = by_chat["4242"]
    assert rita.body == "Rita: See you at the café\nMe: Ok!"
    assert rita.title == "Telegram chat with Rita"
    # date (wall clock) minus date_unixtime (UTC 09:00) = +60 minutes
    assert rita.metadata["tz_offset_minutes"] == 60
    assert rita.timestamp == datetime(2024, 1, 10, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert by_chat["77"].body == "Rita: Poll: Which trail? (Sintra, Arrábida)"
    assert by_chat["77"].title == "Hiking"
    assert "tz_offset_minutes" not in by_chat["77"].metadata  # only the wall clock is known
    assert by_chat["99"].body == "user5: bye"
    assert by_chat["99"].timestamp == datetime.fromtimestamp(1600000000, tz=timezone.utc)


def test_truncated_json_is_a_clear_failure(tmp_path: Path) -> None:
    text = json.dumps(FULL_EXPORT)
    path = tmp_path / "result.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    assert READER.sniff(path, read_head(path)) > 0
    docs, failures = read_items(READER, path)
    assert docs == []
    assert len(failures) == 1 and failures[0].error.startswith("truncated Telegram JSON")


def test_valid_json_without_chats_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"personal_information": {"user_id": 1}}', encoding="utf-8")
    docs, failures = read_items(READER, path)
    assert docs == [] and "no Telegram chats" in failures[0].error


def test_flatten_text_handles_every_shape() -> None:
    assert flatten_text("plain") == "plain"
    assert flatten_text(["a", {"type": "mention", "text": "@b"}, " c"]) == "a@b c"
    assert flatten_text(None) == "" and flatten_text(42) == "42"


@pytest.mark.corpora
@pytest.mark.parametrize("relative", [
    "chat-chat-analytics-samples/tests/samples/messenger/2A_7M.json",
    "chat-chat-analytics-samples/tests/samples/discord/DM_2A_2M.json",
    "chat-chat-miner-tests/test/instagram/test_export.json",
    "chat-chat-miner-tests/test/telegram/target.json",
])
def test_sniff_leaves_other_json_alone(relative: str) -> None:
    path = need_corpus(CORPORA / relative)
    assert READER.sniff(path, read_head(path)) == 0.0
