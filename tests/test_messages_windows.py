"""Conversation-window grouping shared by every message reader (indexer/sources/messages/windows.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from indexer.sources.messages.windows import (
    ChatMessage,
    estimate_pieces,
    windows_to_documents,
)

TZ = timezone(timedelta(hours=2))
START = datetime(2024, 5, 1, 9, 0, tzinfo=TZ)


def _msg(n: int, minutes: float, author: str | None = "Alice", text: str = "hello", chat: str = "c1",
         **extra) -> ChatMessage:
    return ChatMessage(chat_id=chat, chat_title=f"Chat {chat}", message_id=str(n), author=author,
                       timestamp=START + timedelta(minutes=minutes), text=text, **extra)


def test_time_gap_starts_a_new_window_and_locators_address_each_message() -> None:
    messages = [_msg(1, 0), _msg(2, 5, "Bob", "hi"), _msg(3, 20), _msg(4, 51, "Bob", "later"), _msg(5, 52)]
    docs = list(windows_to_documents(messages, source_path="/x/chat.txt", app="whatsapp"))
    assert [d.locator for d in docs] == ["c1:1..3", "c1:4..5"]
    first = docs[0]
    assert first.kind == "message"
    assert first.body == "Alice: hello\nBob: hi\nAlice: hello"
    assert first.author == "Alice"  # the most frequent author
    assert first.timestamp == START
    assert first.title == "Chat c1"
    assert first.metadata["source"] == "whatsapp"
    assert first.metadata["message_count"] == 3
    assert [m["locator"] for m in first.metadata["messages"]] == ["c1:1", "c1:2", "c1:3"]
    assert first.metadata["messages"][1] == {
        "id": "2", "locator": "c1:2", "author": "Bob",
        "timestamp": (START + timedelta(minutes=5)).isoformat(), "text": "hi",
    }
    assert docs[1].author == "Bob"  # a tie goes to the first author
    assert docs[1].metadata["last_timestamp"] == (START + timedelta(minutes=52)).isoformat()


def test_gap_is_configurable() -> None:
    messages = [_msg(1, 0), _msg(2, 10), _msg(3, 20)]
    assert len(list(windows_to_documents(messages, source_path="p", app="sms"))) == 1
    docs = list(windows_to_documents(messages, source_path="p", app="sms", gap=timedelta(minutes=5)))
    assert [d.locator for d in docs] == ["c1:1..1", "c1:2..2", "c1:3..3"]


def test_window_is_capped_by_characters_and_word_pieces() -> None:
    long_text = "word " * 50  # 250 characters, ~50 pieces
    messages = [_msg(i, i * 0.5, text=long_text.strip()) for i in range(1, 11)]
    docs = list(windows_to_documents(messages, source_path="p", app="telegram"))
    assert len(docs) > 1
    assert all(len(d.body) <= 1200 for d in docs)
    assert all(estimate_pieces(d.body) <= 200 for d in docs)
    assert sum(d.metadata["message_count"] for d in docs) == 10
    # a tighter cap splits more
    tight = list(windows_to_documents(messages, source_path="p", app="telegram", max_chars=300))
    assert len(tight) == 10


def test_a_single_huge_message_still_gets_its_own_window() -> None:
    messages = [_msg(1, 0, text="x" * 5000), _msg(2, 1, text="short")]
    docs = list(windows_to_documents(messages, source_path="p", app="sms"))
    assert [d.locator for d in docs] == ["c1:1..1", "c1:2..2"]


def test_chats_are_kept_apart_and_members_join_participants() -> None:
    messages = [_msg(1, 0, chat="a"), _msg(2, 1, "Bob", chat="b"), _msg(3, 2, "Carol", chat="a")]
    docs = list(windows_to_documents(messages, source_path="p", app="imessage",
                                     members={"a": ["+351912345678", "Alice"]}))
    by_chat = {d.metadata["chat_id"]: d for d in docs}
    assert set(by_chat) == {"a", "b"}
    assert by_chat["a"].locator == "a:1..3"
    assert by_chat["a"].participants == ["Alice", "Carol", "+351912345678"]
    assert by_chat["b"].participants == ["Bob"]


def test_system_lines_have_no_author_and_attachments_show_in_body() -> None:
    messages = [
        _msg(1, 0, None, "Alice added Bob"),
        _msg(2, 1, "Bob", "", attachments=["IMG_1.jpg"]),
    ]
    doc = next(windows_to_documents(messages, source_path="p", app="whatsapp"))
    assert doc.body == "Alice added Bob\nBob: [attachment: IMG_1.jpg]"
    assert doc.author == "Bob"
    assert doc.participants == ["Bob"]
    assert doc.metadata["attachments"] == ["IMG_1.jpg"]


def test_out_of_order_messages_are_sorted_by_time_and_offset_is_kept() -> None:
    messages = [_msg(2, 10, extra={"tz_offset_minutes": 120}), _msg(1, 0, extra={"tz_offset_minutes": 120})]
    doc = next(windows_to_documents(messages, source_path="p", app="telegram"))
    assert doc.locator == "c1:1..2"
    assert doc.metadata["tz_offset_minutes"] == 120
    assert doc.timestamp.utcoffset() == timedelta(hours=2)


def test_no_offset_metadata_when_the_source_does_not_know_it() -> None:
    doc = next(windows_to_documents([_msg(1, 0)], source_path="p", app="whatsapp"))
    assert "tz_offset_minutes" not in doc.metadata
