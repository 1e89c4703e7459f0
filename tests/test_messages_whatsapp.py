"""WhatsApp exports: every date style, system and multi-line messages, zip exports, golden parses."""
from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from indexer.document import ReadFailure
from indexer.sources.base import read_head
from indexer.sources.messages.whatsapp import READER
from messages_helpers import all_messages, need_corpus, read_items

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
MINER = CORPORA / "chat-chat-miner-tests" / "test" / "whatsapp"
ANALYTICS = CORPORA / "chat-chat-analytics-samples" / "tests" / "samples" / "whatsapp"
WHATSTK = CORPORA / "chat-whatstk-whatsapp" / "chats" / "whatsapp" / "pokemon.txt"


def _wall(iso: str) -> str:
    return datetime.fromisoformat(iso).replace(tzinfo=None).isoformat()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- golden comparisons --------------------------------------------------------------------------

@pytest.mark.corpora
@pytest.mark.parametrize("name", [
    "test_ddmmyy_24hrs.txt", "test_mmddyy_24hrs.txt", "test_[mmddyy]_24hrs.txt",
    "test_mmddyyyy_12hrs.txt", "test_yyyymmdd_24hrs.txt",
])
def test_matches_chat_miner_targets(name: str) -> None:
    path = need_corpus(MINER / name)
    target = json.loads((MINER / "target.json").read_text(encoding="utf-8"))
    assert READER.sniff(path, read_head(path)) >= 0.5
    docs, failures = read_items(READER, path)
    assert failures == []
    parsed = sorted(
        ((_wall(m["timestamp"]), m["author"], " ".join(m["text"].split()))
         for m in all_messages(docs) if m["author"]),
        reverse=True,
    )
    expected = [(t["timestamp"], t["author"], t["message"]) for t in target]
    assert parsed == expected
    system = [m["text"] for m in all_messages(docs) if m["author"] is None]
    assert system == ["John Doe:.", '+12 345 578 created group "Groupname"', "You were added"]
    assert docs[0].title == "Groupname"


@pytest.mark.corpora
def test_android_group_export_with_system_lines() -> None:
    docs, failures = read_items(READER, need_corpus(ANALYTICS / "4A_11M.txt"))
    assert failures == []
    messages = all_messages(docs)
    assert len(messages) == 14
    assert messages[0]["author"] is None and messages[0]["text"] == 'Alice created group "Some cool group chat"'
    assert [m["text"] for m in messages if m["author"] == "Mallory"] == ["im mallory", "im still mallory"]
    assert docs[0].title == "Some cool group chat"
    assert set(docs[-1].participants) == {"Alice", "Bob", "Eve", "Mallory", "Trent"}
    trent = next(m for m in messages if m["author"] == "Trent")
    assert trent["text"] == "👩🏻\u200d⚖️"
    assert datetime.fromisoformat(trent["timestamp"]).replace(tzinfo=None) == datetime(2020, 12, 9, 23, 55)


@pytest.mark.corpora
def test_zip_export_reads_like_its_text() -> None:
    path = need_corpus(ANALYTICS / "4A_11M.zip")
    assert READER.sniff(path, read_head(path)) >= 0.8
    zipped, failures = read_items(READER, path)
    plain, _ = read_items(READER, ANALYTICS / "4A_11M.txt")
    assert failures == []
    assert [d.body for d in zipped] == [d.body for d in plain]
    assert zipped[0].metadata["chat_id"] == "4A_11M"


@pytest.mark.corpora
def test_media_omitted_and_reordered_messages() -> None:
    docs, _ = read_items(READER, need_corpus(ANALYTICS / "2A_5M.txt"))
    messages = all_messages(docs)
    assert [m["author"] for m in messages] == ["A", "B", "A", "A", "B"]
    assert messages[-1]["attachments"] == ["media omitted"] and messages[-1]["text"] == ""


@pytest.mark.corpora
def test_german_dotted_dates_and_chat_name_from_encryption_notice() -> None:
    docs, failures = read_items(READER, need_corpus(WHATSTK))
    assert failures == []
    messages = all_messages(docs)
    assert len(messages) == 20
    assert messages[0]["author"] is None  # "Pokemon Chat: Messages and calls are end-to-end encrypted"
    assert docs[0].title == "Pokemon Chat"
    oak = [m for m in messages if m["author"] == "Prof. Oak"]
    assert _wall(oak[-1]["timestamp"]) == "2016-10-31T11:45:00"
    assert oak[-1]["text"] == "Smart-pokeball is created."


# -- formats written here ------------------------------------------------------------------------

IOS = (
    "\u200e[03/02/2024, 9:15:02\u202fPM] Alice Martin: Are we still on for Saturday?\n"
    "[03/02/2024, 9:16:40\u202fPM] Bob: Yes!\nBring the map\nand snacks\n"
    "[03/02/2024, 9:17:01\u202fPM] Alice Martin: \u200e<attached: 00000012-PHOTO-2024-03-02-21-17-01.jpg>\n"
    "\u200e[03/02/2024, 9:20:00\u202fPM] Bob: \u200eimage omitted\n"
    "[13/02/2024, 8:05:00\u202fAM] Alice Martin: Morning\n"
)


def test_ios_bracket_style_with_narrow_no_break_space(tmp_path: Path) -> None:
    path = _write(tmp_path, "WhatsApp Chat with Alice Martin.txt", IOS)
    assert READER.sniff(path, read_head(path)) >= 0.8
    docs, failures = read_items(READER, path)
    assert failures == []
    assert [d.locator for d in docs] == ["WhatsApp Chat with Alice Martin:1..6",
                                         "WhatsApp Chat with Alice Martin:7..7"]
    first = docs[0]
    assert first.title == "WhatsApp chat with Alice Martin"
    messages = first.metadata["messages"]
    assert messages[1]["text"] == "Yes!\nBring the map\nand snacks"
    assert messages[1]["locator"] == "WhatsApp Chat with Alice Martin:2"
    assert messages[2]["attachments"] == ["00000012-PHOTO-2024-03-02-21-17-01.jpg"]
    assert messages[3]["attachments"] == ["image omitted"]
    # 13/02 forces day-first for the whole file, so 03/02 is the 3rd of February
    assert _wall(messages[0]["timestamp"]) == "2024-02-03T21:15:02"
    assert _wall(docs[1].metadata["messages"][0]["timestamp"]) == "2024-02-13T08:05:00"
    assert first.timestamp.tzinfo is not None
    assert first.metadata["source"] == "whatsapp"


def test_month_first_is_detected_from_second_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "chat.txt", "1/5/22, 10:00 AM - Ann: one\n1/25/22, 3:00 PM - Ann: two\n")
    docs, _ = read_items(READER, path)
    stamps = [_wall(m["timestamp"]) for m in all_messages(docs)]
    assert stamps == ["2022-01-05T10:00:00", "2022-01-25T15:00:00"]


def test_android_system_lines_and_media(tmp_path: Path) -> None:
    text = (
        "25/12/2023, 10:00 - Messages and calls are end-to-end encrypted. No one outside of this chat can read them.\n"
        "25/12/2023, 10:01 - Ana joined using this group's invite link\n"
        "25/12/2023, 10:02 - Ana added Rui\n"
        "25/12/2023, 10:03 - Rui: <Media omitted>\n"
        "25/12/2023, 10:04 - Ana: Feliz Natal: para todos!\n"
    )
    docs, failures = read_items(READER, _write(tmp_path, "natal.txt", text))
    assert failures == []
    assert len(docs) == 1
    assert docs[0].body.splitlines() == [
        "Messages and calls are end-to-end encrypted. No one outside of this chat can read them.",
        "Ana joined using this group's invite link",
        "Ana added Rui",
        "Rui: [attachment: Media omitted]",
        "Ana: Feliz Natal: para todos!",
    ]
    assert docs[0].participants == ["Rui", "Ana"]


def test_truncated_export_keeps_a_shorter_last_message(tmp_path: Path) -> None:
    text = "2023-04-01, 18:00 - Ana: Vamos ao cinema hoje?\n2023-04-01, 18:02 - Rui: Sim, às 21h no Colos"
    docs, failures = read_items(READER, _write(tmp_path, "cut.txt", text))
    assert failures == []
    assert docs[0].metadata["messages"][-1]["text"] == "Sim, às 21h no Colos"


def test_text_before_first_message_is_reported_not_fatal(tmp_path: Path) -> None:
    text = "garbage header\n2023-04-01, 18:00 - Ana: olá\n"
    path = _write(tmp_path, "x.txt", text)
    docs, failures = read_items(READER, path)
    assert len(docs) == 1 and len(failures) == 1 and "before the first dated message" in failures[0].error


def test_zip_with_named_chat_and_without_chat(tmp_path: Path) -> None:
    good = tmp_path / "WhatsApp Chat - Ana.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("WhatsApp Chat with Ana.txt", "01/02/2023, 10:00 - Ana: Olá\n")
        archive.writestr("IMG-20230201-WA0001.jpg", b"\xff\xd8")
    docs, _ = read_items(READER, good)
    assert docs[0].title == "WhatsApp chat with Ana" and docs[0].body == "Ana: Olá"
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert READER.sniff(other, read_head(other)) == 0.0
    assert isinstance(next(iter(READER.read(other))), ReadFailure)


@pytest.mark.parametrize("content", [
    "Just some notes\nabout my day\n",
    "date,amount\n2023-01-01,12.50\n",
    "2023-01-01 is the date I started\n",
    "",
])
def test_sniff_rejects_other_text(tmp_path: Path, content: str) -> None:
    path = _write(tmp_path, "notes.txt", content)
    assert READER.sniff(path, read_head(path)) == 0.0


def test_unparseable_text_yields_a_failure(tmp_path: Path) -> None:
    docs, failures = read_items(READER, _write(tmp_path, "x.txt", "no chat here\n"))
    assert docs == [] and failures


def test_invalid_dates_become_failures_not_crashes(tmp_path: Path) -> None:
    text = "31/02/2023, 10:00 - Ana: impossible date\n01/03/2023, 10:00 - Ana: fine\n"
    docs, failures = read_items(READER, _write(tmp_path, "bad.txt", text))
    assert [m["text"] for m in all_messages(docs)] == ["fine"]
    assert len(failures) == 1 and failures[0].locator == "bad:1"


def test_utf16_export_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("\ufeff05/06/2015, 21:00 - Zé: Boa noite\n".encode("utf-16-le"))
    assert READER.sniff(path, read_head(path)) >= 0.5
    docs, _ = read_items(READER, path)
    assert docs[0].body == "Zé: Boa noite"


def test_ios_encryption_notice_with_a_left_to_right_mark_is_a_system_line(tmp_path):
    """Real iOS exports put U+200E before the notice; it must not become a message by the chat."""
    from indexer.document import Document
    from indexer.sources.messages.whatsapp import WhatsAppReader

    path = tmp_path / "_chat.txt"
    path.write_text(
        "[12/07/2026, 09:00:00] Okafor family: \u200eMessages and calls are end-to-end encrypted. "
        "No one outside of this chat can read them.\n"
        "[12/07/2026, 09:01:00] Daniel Okafor: Lunch on Sunday?\n", encoding="utf-8")
    docs = [d for d in WhatsAppReader().read(path) if isinstance(d, Document)]
    authors = {m["author"] for d in docs for m in d.metadata["messages"]}
    assert "Okafor family" not in authors and "Daniel Okafor" in authors
