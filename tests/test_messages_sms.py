"""SMS Backup & Restore XML: fixtures from two public projects plus files written here."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from indexer.sources.base import read_head
from indexer.sources.messages.sms_backup import READER, normalise_address
from messages_helpers import all_messages, assert_empty_file_fails, need_corpus, read_items

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SHRUGGIE = CORPORA / "chat-shruggietech-sms-fixtures" / "tests" / "fixtures"
SBR2 = CORPORA / "chat-sms-backup-reader-2-fixtures"


@pytest.mark.corpora
def test_mixed_sms_and_mms() -> None:
    path = need_corpus(SHRUGGIE / "mixed.xml")
    assert READER.sniff(path, read_head(path)) >= 0.9
    docs, failures = read_items(READER, path)
    assert failures == []
    alice = [d for d in docs if d.metadata["chat_id"] == "+15551234567"]
    assert [d.body for d in alice] == [
        "Alice Smith: Hey, how are you?",
        "Alice Smith: This is a text-only MMS from Alice.",
        "me: I'm good, thanks!",
    ]  # one hour apart each: three windows
    assert alice[0].title == "SMS with Alice Smith"
    assert alice[0].metadata["source"] == "sms"
    assert alice[0].timestamp == datetime(2021, 1, 1, tzinfo=timezone.utc)
    assert alice[0].metadata["tz_offset_minutes"] == 0  # readable_date agrees with UTC
    assert set(alice[2].participants) == {"me", "Alice Smith", "+15551234567"}
    draft = next(d for d in docs if d.metadata["chat_id"] == "+15559990001")
    assert draft.body == "me: Don't forget about..."


@pytest.mark.corpora
def test_mms_parts_subject_and_attachments() -> None:
    docs, failures = read_items(READER, need_corpus(SHRUGGIE / "minimal_mms.xml"))
    assert failures == []
    message = all_messages(docs)[0]
    assert message["text"] == "Test MMS Subject\nHello from MMS!"
    assert message["attachments"] == ["image.jpg"]  # the SMIL layout part is not an attachment
    assert message["author"] == "Alice Smith"


@pytest.mark.corpora
def test_edge_cases_unicode_and_empty_bodies() -> None:
    docs, failures = read_items(READER, need_corpus(SHRUGGIE / "edge_cases.xml"))
    assert failures == []
    texts = [m["text"] for m in all_messages(docs)]
    assert texts == ["Minimal fields, no optionals.",
                     "Hello 🌍 — this has «special» chars & symbols < > \" '"]
    assert docs[0].title == "SMS with +15551112222"  # no contact name


@pytest.mark.corpora
def test_malformed_and_empty_files_are_failures() -> None:
    docs, failures = read_items(READER, need_corpus(SHRUGGIE / "malformed.xml"))
    assert docs == [] and len(failures) == 1 and "broken SMS backup XML at line 4" in failures[0].error
    docs, failures = read_items(READER, need_corpus(SBR2 / "tests" / "e2e" / "fixtures" / "empty.xml"))
    assert docs == [] and failures[0].error == "SMS backup holds no messages"


@pytest.mark.corpora
def test_call_log_is_claimed_but_yields_nothing() -> None:
    path = need_corpus(SHRUGGIE / "minimal_calls.xml")
    assert READER.sniff(path, read_head(path)) > 0
    assert list(READER.read(path)) == []


@pytest.mark.corpora
def test_sample_small_threads_and_offsets() -> None:
    docs, failures = read_items(READER, need_corpus(SBR2 / "tests" / "e2e" / "fixtures" / "sample_small.xml"))
    assert failures == []
    first = docs[0]
    assert first.locator == "+15550000001:1..3"
    assert first.body == "Contact A: SMS 1 in Thread 1\nme: SMS 2 in Thread 1\nContact A: SMS 3 in Thread 1"
    assert first.metadata["tz_offset_minutes"] == -480  # Dec 2 2017 06:49:27 local = 14:49:27 UTC
    assert first.timestamp.utcoffset() == timedelta(hours=-8)
    assert [m["locator"] for m in first.metadata["messages"]] == ["+15550000001:1", "+15550000001:2", "+15550000001:3"]
    mms = next(d for d in docs if d.locator == "+15550000002:7..7")
    assert mms.body == "me: MMS 2 text in Thread 2" and mms.metadata["tz_offset_minutes"] == -420


@pytest.mark.corpora
def test_cut_off_backup_keeps_what_parsed_and_reports_the_rest() -> None:
    docs, failures = read_items(READER, need_corpus(SBR2 / "packages" / "lib" / "test-assets" / "sms_and_mms.xml"))
    assert len(failures) == 1 and "messages read before it" in failures[0].error
    assert sum(d.metadata["message_count"] for d in docs) == 49
    group = [d for d in docs if d.metadata["chat_id"] == "group_8@rcs.google.com"]
    assert [m["author"] for d in group for m in d.metadata["messages"]] == ["+15550000009", "me", "+15550000010"]


@pytest.mark.corpora
def test_corrupt_attachment_data_is_not_fatal() -> None:
    docs, failures = read_items(READER, need_corpus(SBR2 / "tests" / "e2e" / "fixtures" / "corrupt_attachments.xml"))
    assert failures == []
    assert [m["attachments"] for m in all_messages(docs)] == [["corrupt_image.png"], ["corrupt.file"]]


GROUP = """<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<smses count="3">
  <mms date="1700000000000" msg_box="1" address="+351 912 345 678~+351 933 000 111" sub="null"
       readable_date="14/11/2023 22:13:20" contact_name="Ana, Rui">
    <parts><part seq="0" ct="text/plain" text="Jantar às 8?" /></parts>
    <addrs><addr address="+351 933 000 111" type="137" /><addr address="+351912345678" type="151" /></addrs>
  </mms>
  <mms date="1700000060000" msg_box="2" address="+351933000111~+351912345678" sub="" contact_name="Ana, Rui">
    <parts><part seq="0" ct="text/plain" text="Sim!" /></parts>
    <addrs><addr address="+351999999999" type="137" /></addrs>
  </mms>
  <sms address="+351 912-345-678" date="not a date" type="1" body="sem data" contact_name="Ana" />
</smses>
"""


def test_group_mms_by_normalised_addresses(tmp_path: Path) -> None:
    path = tmp_path / "sms-20231114.xml"
    path.write_text(GROUP, encoding="utf-8")
    docs, failures = read_items(READER, path)
    assert failures == []
    group = next(d for d in docs if "~" in d.metadata["chat_id"])
    assert group.metadata["chat_id"] == "+351912345678~+351933000111"
    assert group.body == "+351933000111: Jantar às 8?\nme: Sim!"
    assert set(group.participants) == {"+351933000111", "me", "Ana, Rui", "+351912345678"}
    assert group.title == "SMS with Ana, Rui"
    single = next(d for d in docs if d.metadata["chat_id"] == "+351912345678")
    assert single.timestamp is None and single.body == "Ana: sem data"


def test_address_normalisation() -> None:
    assert normalise_address("+1 (555) 000-0001") == "+15550000001"
    assert normalise_address("b@x.com~A@X.com") == "a@x.com~b@x.com"
    assert normalise_address("null") == "unknown"


def test_entity_bombs_and_empty_files_never_crash(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE smses [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    '<smses><sms address="1" date="1" type="1" body="&b;" /></smses>', encoding="utf-8")
    docs, failures = read_items(READER, bomb)
    assert docs == [] and "forbidden" in failures[0].error
    assert_empty_file_fails(READER, tmp_path / "empty.xml", "broken SMS backup XML")


def test_sniff_ignores_other_xml(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text("<?xml version='1.0'?><rss><channel><title>smses</title></channel></rss>", encoding="utf-8")
    assert READER.sniff(path, read_head(path)) == 0.0
