"""Old-phone SMS exports: Nokia PC Suite CSV and vMessage (.vmg), files written here plus the athg2sms corpus."""
from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import corpus
from indexer.sources import base
from indexer.sources.base import read_head
from indexer.sources.messages.phone_exports import READER, parse_wall_clock
from indexer.sources.messages.windows import assume_local
from messages_helpers import all_messages, assert_empty_file_fails, read_items

PADDING = b'sms;"";"";"";"";"";""\r\n'

NOKIA_CSV = (
    b'sms;deliver;"+33 6 12 34 56 78";"";"";"2010.01.11 16:51";"";"Caf\xe9 ce soir ?"\r\n'  # cp1252 byte
    b'sms;submit;"+33612345678";"";"";"2010.01.11 16:55";"";"Oui, \xc3\xa0 20h ; \xc3\xa0 tout\n\xc3\xa0 l\'heure"\r\n'
    + PADDING
    + b'sms;deliver;"614";"";"";"2010.01.08 22:20";"";"Info: votre ""forfait"" est actif"\r\n'
    + PADDING * 3
)

VMSG = """BEGIN:VMSG
VERSION:1.1
X-IRMC-STATUS:READ
X-IRMC-BOX:{box}
BEGIN:VCARD
VERSION:2.1
N:
TEL:{originator}
END:VCARD
BEGIN:VENV
BEGIN:VCARD
VERSION:2.1
N:
TEL:{recipient}
END:VCARD
BEGIN:VENV
BEGIN:VBODY
Date:{date}
{text}
END:VBODY
END:VENV
END:VENV
END:VMSG
"""


def vmsg(box: str, originator: str, recipient: str, date: str, text: str) -> str:
    return VMSG.format(box=box, originator=originator, recipient=recipient, date=date, text=text)


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run with the machine's local zone set to Europe/Paris (UTC+1 in winter)."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_nokia_csv_directions_decoding_and_padding(tmp_path: Path) -> None:
    path = tmp_path / "Msgs.csv"
    path.write_bytes(NOKIA_CSV)
    assert READER.sniff(path, read_head(path)) >= 0.9
    assert base.detect(path) is READER
    docs, failures = read_items(READER, path)
    assert failures == []
    chat = next(d for d in docs if d.metadata["chat_id"] == "+33612345678")
    assert chat.title == "SMS with +33612345678"
    assert chat.metadata["source"] == "sms"
    assert chat.body == "+33612345678: Café ce soir ?\nme: Oui, à 20h ; à tout\nà l'heure"
    assert chat.locator == "+33612345678:1..2"
    messages = chat.metadata["messages"]
    assert [m.get("is_from_me", False) for m in messages] == [False, True]
    assert messages[0]["timestamp"] == assume_local(datetime(2010, 1, 11, 16, 51)).isoformat()
    assert set(chat.participants) == {"+33612345678", "me"}
    info = next(d for d in docs if d.metadata["chat_id"] == "614")
    assert all_messages([info])[0]["text"] == 'Info: votre "forfait" est actif'
    assert sum(d.metadata["message_count"] for d in docs) == 3


def test_csv_time_is_local_wall_clock_stored_with_its_offset(tmp_path: Path, paris: None) -> None:
    path = tmp_path / "Msgs.csv"
    path.write_bytes(NOKIA_CSV)
    docs, _ = read_items(READER, path)
    first = next(d for d in docs if d.metadata["chat_id"] == "+33612345678")
    assert first.timestamp.utcoffset() == timedelta(hours=1)
    assert first.timestamp.astimezone(timezone.utc) == datetime(2010, 1, 11, 15, 51, tzinfo=timezone.utc)


def test_csv_with_only_padding_rows_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(PADDING * 5)
    assert READER.sniff(path, read_head(path)) > 0
    docs, failures = read_items(READER, path)
    assert docs == [] and len(failures) == 1 and "no messages" in failures[0].error


def test_truncated_and_broken_csv_rows_are_failures(tmp_path: Path) -> None:
    cut = tmp_path / "cut.csv"
    first_row = NOKIA_CSV.split(b"\r\n")[0]
    cut.write_bytes(first_row[:35] + b"\r\n" + first_row[:-10])  # a short row, then a text cut mid-quote
    docs, failures = read_items(READER, cut)
    assert docs == []
    errors = [f.error for f in failures]
    assert any(e.startswith("incomplete row") for e in errors)
    assert any(e.startswith("truncated SMS CSV: quoted field opened at line 2") for e in errors)
    odd = tmp_path / "odd.csv"
    odd.write_bytes(first_row + b'\r\nsms;status;"1";"";"";"2010.01.11 16:51";"";"?"\r\n\x00\x01garbage\r\n')
    docs, failures = read_items(READER, odd)
    assert len(docs) == 1
    assert sorted(f.error for f in failures) == ["1 line(s) that are not sms rows ignored (first at line 3)",
                                                 "unknown message box 'status'"]


def test_multi_message_vmg(tmp_path: Path) -> None:
    path = tmp_path / "thread.vmg"
    text = (vmsg("INBOX", "+351 912 345 678", "+351999000111", "21-12-2005 11:24:50", "Olá, tudo bem?")
            + vmsg("SENDBOX", "", "+351912345678", "21-12-2005 11:30:05", "Tudo!\nE contigo?")
            + vmsg("OUTBOX", "", "+447700900123", "22-12-2005 09:00:00", "Merry Xmas"))
    path.write_bytes(text.encode("utf-8"))
    assert READER.sniff(path, read_head(path)) >= 0.9
    assert base.detect(path) is READER  # not the vCard reader
    docs, failures = read_items(READER, path)
    assert failures == []
    thread = next(d for d in docs if d.metadata["chat_id"] == "+351912345678")
    assert thread.body == "+351912345678: Olá, tudo bem?\nme: Tudo!\nE contigo?"
    assert thread.locator == "+351912345678:1..2"
    assert thread.timestamp == assume_local(datetime(2005, 12, 21, 11, 24, 50))
    sent = next(d for d in docs if d.metadata["chat_id"] == "+447700900123")
    assert sent.body == "me: Merry Xmas" and sent.metadata["messages"][0]["is_from_me"] is True


def test_vmg_utf16_and_cp1252(tmp_path: Path) -> None:
    wide = tmp_path / "wide.vmg"
    wide.write_bytes(vmsg("INBOX", "+4912345", "", "01.02.2006 08:00:00", "Grüße").encode("utf-16"))
    docs, failures = read_items(READER, wide)
    assert failures == [] and docs[0].body == "+4912345: Grüße"
    assert READER.sniff(wide, read_head(wide)) >= 0.9
    latin = tmp_path / "latin.vmg"
    latin.write_bytes(vmsg("INBOX", "+4912345", "", "01.02.2006 08:00:00", "Gr\xfc\xdfe").encode("cp1252"))
    docs, failures = read_items(READER, latin)
    assert failures == [] and docs[0].body == "+4912345: Grüße"


def test_truncated_and_garbled_vmg_are_failures(tmp_path: Path) -> None:
    whole = vmsg("INBOX", "+351912345678", "", "21-12-2005 11:24:50", "first")
    cut = tmp_path / "cut.vmg"
    cut.write_bytes((whole + vmsg("INBOX", "+351912345678", "", "21-12-2005 11:25:00", "second")[:150]).encode())
    docs, failures = read_items(READER, cut)
    assert [d.body for d in docs] == ["+351912345678: first"]
    assert len(failures) == 1 and failures[0].error.startswith("truncated vMessage: BEGIN:VMSG at line 24")
    garbled = tmp_path / "garbled.vmg"
    garbled.write_bytes(b"BEGIN:VMSG\nX-IRMC-BOX:INBOX\nBEGIN:VENV\nEND:VBODY\nEND:VMSG\n")
    docs, failures = read_items(READER, garbled)
    assert docs == [] and "END:VBODY at line 4 does not close BEGIN:VENV" in failures[0].error
    assert_empty_file_fails(READER, tmp_path / "empty.vmg", "no messages")


def test_sniff_does_not_claim_other_files(tmp_path: Path) -> None:
    others = {
        "contacts.csv": b"name;phone;email\nAna;+351912345678;ana@example.com\n",
        "sms-stats.csv": b"sms,count\nsms,3\n",
        "notes.txt": b"sms;deliver is how Nokia writes a received message\n",
        "card.vcf": b"BEGIN:VCARD\nVERSION:2.1\nTEL:+351912345678\nEND:VCARD\n",
        "mail.eml": b"From: a@example.com\nSubject: BEGIN:VMSG\n\nBEGIN:VMSG\n",
        "backup.xml": b"<?xml version='1.0'?><smses><sms body='sms;deliver;' /></smses>",
    }
    for name, data in others.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert READER.sniff(path, read_head(path)) == 0.0, name


def test_wall_clock_formats() -> None:
    assert parse_wall_clock("2010.01.11 16:51") == assume_local(datetime(2010, 1, 11, 16, 51))
    assert parse_wall_clock("21-12-2005 11:24:50") == assume_local(datetime(2005, 12, 21, 11, 24, 50))
    assert parse_wall_clock("12/21/05 11:24") == assume_local(datetime(2005, 12, 21, 11, 24))
    assert parse_wall_clock("20051221T112450Z") == datetime(2005, 12, 21, 11, 24, 50, tzinfo=timezone.utc)
    assert parse_wall_clock("2010.13.45 10:00") is None
    assert parse_wall_clock("") is None


@pytest.mark.corpora
def test_athg2sms_corpus_files_become_documents() -> None:
    folder = corpus("chat-athg2sms-sms-exports") / "test" / "athg2sms"
    counts = {}
    for name in ("oldFile.csv", "Msgs5200.csv", "test.vmg"):
        path = folder / name
        assert base.detect(path) is READER, name
        docs, failures = read_items(READER, path)
        assert failures == [] and docs, name
        counts[name] = sum(d.metadata["message_count"] for d in docs)
    assert counts == {"oldFile.csv": 2, "Msgs5200.csv": 219, "test.vmg": 1}

    docs, _ = read_items(READER, folder / "oldFile.csv")
    sent = next(m for m in all_messages(docs) if m.get("is_from_me"))
    assert sent["text"] == "Bonjour Ca va ?" and sent["author"] == "me"
    assert sent["timestamp"] == assume_local(datetime(2010, 1, 11, 16, 5)).isoformat()
    assert docs[0].metadata["chat_id"] == "0623238465" and docs[0].body == "0623238465: Ca va et toi ?"

    docs, _ = read_items(READER, folder / "test.vmg")
    message = all_messages(docs)[0]
    assert message["author"] == "+351964651189" and not message.get("is_from_me")
    assert message["text"].startswith("this is the text part of the sms message.")
    assert docs[0].timestamp == assume_local(datetime(2005, 12, 21, 11, 24, 50))

    docs, _ = read_items(READER, folder / "Msgs5200.csv")
    texts = [m["text"] for m in all_messages(docs)]
    assert "Quelle herue au snu city?" in texts
    assert all(m["timestamp"] for m in all_messages(docs))
