"""Unit tests for the mail readers (mail.eml, mail.mbox) on small messages written into tmp_path."""
from __future__ import annotations

import base64
import io
import re
from datetime import timezone
from pathlib import Path

import pytest

from indexer.document import Document, ReadFailure
from indexer.sources import mail
from indexer.sources.base import all_readers, detect, read_head
from indexer.sources.mail import EML_READER, MAX_BODY_CHARS, MBOX_READER, iter_mbox, parse_date
from indexer.sources.mail_text import (
    decode_bytes,
    decode_rfc2047,
    split_addresses,
    strip_quotes_and_signature,
)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(data)
    return path


def read_one(path: Path) -> Document:
    items = list(EML_READER.read(path))
    assert len(items) == 1, items
    assert isinstance(items[0], Document), items[0]
    return items[0]


SIMPLE = """\
Message-ID: <ABC.123@Example.COM>
Date: Tue, 14 Nov 2023 09:30:00 +0530
From: "Asha Rao" <asha@example.com>
To: Bob <bob@example.org>, carol@example.net
Cc: =?utf-8?q?Dan_=C3=98stergaard?= <dan@example.dk>
Subject: Quarterly numbers
In-Reply-To: <parent@example.com>
References: <root@example.com> <parent@example.com>

Hi Bob,

The numbers are in.

-- 
Asha
"""


# --- registration and sniffing --------------------------------------------------------------------

def test_both_readers_are_registered() -> None:
    names = {reader.name for reader in all_readers()}
    assert {"mail.eml", "mail.mbox"} <= names
    assert EML_READER.kind == MBOX_READER.kind == "mail"


def test_sniff_scores(tmp_path: Path) -> None:
    eml = write(tmp_path / "a.eml", SIMPLE)
    bare = write(tmp_path / "inbox" / "1.", SIMPLE)
    mbox = write(tmp_path / "archive", "From asha@example.com Tue Nov 14 09:30:00 2023\n" + SIMPLE)
    vcard = write(tmp_path / "card", "BEGIN:VCARD\nVERSION:3.0\nFN:Asha Rao\nEMAIL:asha@example.com\nEND:VCARD\n")
    prose = write(tmp_path / "notes", "Shopping list: eggs\nTo: do later\nmilk and bread\n")
    http = write(tmp_path / "headers", "Date: Tue, 14 Nov 2023 09:30:00 GMT\nContent-Type: text/html\nServer: nginx\n\n<html>")
    assert EML_READER.sniff(eml, read_head(eml)) >= 0.9
    assert EML_READER.sniff(bare, read_head(bare)) > 0.5
    assert MBOX_READER.sniff(mbox, read_head(mbox)) > EML_READER.sniff(mbox, read_head(mbox))
    assert MBOX_READER.sniff(eml, read_head(eml)) == 0.0
    for path in (vcard, prose, http):
        assert EML_READER.sniff(path, read_head(path)) == 0.0
        assert MBOX_READER.sniff(path, read_head(path)) == 0.0
    assert detect(eml, kind="mail") is EML_READER
    assert detect(mbox, kind="mail") is MBOX_READER


# --- fields -----------------------------------------------------------------------------------------

def test_simple_message_fields(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path / "msg.eml", SIMPLE))
    assert doc.kind == "mail"
    assert doc.locator == "msg"
    assert doc.title == "Quarterly numbers"
    assert doc.author == "Asha Rao <asha@example.com>"
    assert doc.participants == ["Bob <bob@example.org>", "carol@example.net", "Dan Østergaard <dan@example.dk>"]
    assert doc.timestamp is not None and doc.timestamp.utcoffset().total_seconds() == 330 * 60
    assert doc.timestamp.astimezone(timezone.utc).hour == 4
    meta = doc.metadata
    assert meta["tz_offset_minutes"] == 330
    assert meta["from_address"] == "asha@example.com"
    assert meta["to"] == ["bob@example.org", "carol@example.net"]
    assert meta["cc"] == ["dan@example.dk"]
    assert meta["message_id"] == "abc.123@example.com"
    assert meta["in_reply_to"] == "parent@example.com"
    assert meta["references"] == ["root@example.com", "parent@example.com"]
    assert meta["thread_root"] == "root@example.com"
    assert meta["content_type"] == "text/plain"
    assert meta["charset_errors"] is False
    assert meta["attachments"] == []
    assert doc.uid == "abc.123@example.com"
    assert "-- \nAsha" in doc.body  # body keeps everything for full-text search
    assert doc.embed_text == "Hi Bob,\n\nThe numbers are in."


def test_no_message_id_means_no_uid(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path / "x.eml", SIMPLE.replace("Message-ID: <ABC.123@Example.COM>\n", "")))
    assert doc.uid is None
    assert doc.metadata["message_id"] is None
    assert doc.metadata["thread_root"] == "root@example.com"


def test_display_name_that_looks_like_an_address_does_not_hide_the_sender(tmp_path: Path) -> None:
    text = SIMPLE.replace('From: "Asha Rao" <asha@example.com>', "From: alice@example.com <bob@evil.example>")
    doc = read_one(write(tmp_path / "phish.eml", text))
    assert doc.metadata["from_address"] == "bob@evil.example"
    assert doc.author == "alice@example.com <bob@evil.example>"


def test_split_addresses_edge_cases() -> None:
    assert split_addresses('"Last, First" <lf@x.org>, plain@y.org') == [("Last, First", "lf@x.org"), ("", "plain@y.org")]
    assert split_addresses("undisclosed-recipients:;") == []
    assert split_addresses("joe@x.com (Joe Bloggs)") == [("Joe Bloggs", "joe@x.com")]
    assert split_addresses("MAILER-DAEMON <>") == [("MAILER-DAEMON", "")]


# --- decoding -----------------------------------------------------------------------------------

def test_rfc2047_subjects(tmp_path: Path) -> None:
    cases = {
        "=?UTF-8?B?w4lxdWlwZSDwn5qA?=": "Équipe 🚀",
        "=?iso-8859-1?Q?Caf=E9_cr=E8me?=": "Café crème",
        "Re: =?utf-8?q?na=C3=AFve?= plan": "Re: naïve plan",
        # one Japanese string split across two encoded words in the middle of a character
        "=?ISO-2022-JP?B?GyRCJF4kXxsoQg==?= =?ISO-2022-JP?B?GyRCJGAkYSRiGyhC?=": "まみむめも",
        "=?koi8-r?B?8NLJ18XU?=": "Привет",
        "=?windows-1251?B?z/Do4uXy?=": "Привет",
    }
    for encoded, expected in cases.items():
        text = SIMPLE.replace("Subject: Quarterly numbers", f"Subject: {encoded}")
        doc = read_one(write(tmp_path / "s.eml", text))
        assert doc.title == expected, encoded
    # multi-byte UTF-8 split across two words decodes as one character
    assert decode_rfc2047("=?utf-8?B?4pw=?= =?utf-8?B?kw==?=")[0] == "✓"


def test_bogus_charsets_fall_back_and_never_raise(tmp_path: Path) -> None:
    for charset in ("uft-8", "x-unknown", "invalid-charset", "base64", "unicode_escape"):
        text = (
            "Message-ID: <b@x>\nFrom: a@x.org\nSubject: =?" + charset + "?Q?caf=C3=A9?=\n"
            f"Content-Type: text/plain; charset=\"{charset}\"\nContent-Transfer-Encoding: 8bit\n\n"
        ).encode() + "naïve café".encode("utf-8") + b" \xff end\n"
        doc = read_one(write(tmp_path / f"{charset}.eml", text))
        assert doc.metadata["charset_errors"] is True
        assert doc.title == "café"
        assert "na" in doc.body and "end" in doc.body
        assert "\udcff" not in doc.body  # no lone surrogates reach the store
        doc.body.encode("utf-8")


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("shift_jis", "日本語のテキスト"),
        ("iso-2022-jp", "日本語のテキスト"),
        ("koi8-r", "Съешь же ещё этих мягких булок"),
        ("windows-1251", "Съешь же ещё этих мягких булок"),
        ("gb2312", "代开各地增值税发票"),
        ("big5", "繁體中文測試"),
        ("euc-kr", "한국어 테스트"),
        ("ks_c_5601-1987", "한국어 테스트"),
        ("utf-7", "Hi Mom -☺-!"),
        ("iso-8859-2", "Zażółć gęślą jaźń"),
    ],
)
def test_decode_bytes_handles_legacy_charsets(charset: str, text: str) -> None:
    codec = {"ks_c_5601-1987": "cp949", "gb2312": "gb2312", "big5": "big5"}.get(charset, charset)
    decoded, fallback = decode_bytes(text.encode(codec), charset)
    assert decoded == text
    assert fallback is False


def test_decode_bytes_recovers_mislabelled_japanese() -> None:
    data = "送信できませんでした".encode("euc_jp")  # EUC-JP bytes labelled ISO-2022-JP (real bounces do this)
    decoded, fallback = decode_bytes(data, "iso-2022-jp")
    assert decoded == "送信できませんでした"
    assert fallback is True


def test_decode_bytes_with_no_charset_tries_utf8_then_cp1252() -> None:
    assert decode_bytes("déjà vu".encode("utf-8"), None) == ("déjà vu", False)
    assert decode_bytes("déjà vu".encode("cp1252"), None) == ("déjà vu", True)


def test_line_endings_do_not_change_the_result(tmp_path: Path) -> None:
    docs = []
    for name, newline in (("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")):
        docs.append(read_one(write(tmp_path / f"{name}.eml", SIMPLE.replace("\n", newline))))
    assert {doc.title for doc in docs} == {"Quarterly numbers"}
    assert {doc.author for doc in docs} == {"Asha Rao <asha@example.com>"}
    assert {doc.embed_text for doc in docs} == {"Hi Bob,\n\nThe numbers are in."}


def test_dates() -> None:
    assert parse_date("Thu, 18 Sep 2008 17:54:04 +0900 (JST)").utcoffset().total_seconds() == 9 * 3600
    assert parse_date("18 Sep 2008 17:54:04 -0000").tzinfo is not None
    assert parse_date("not a date") is None
    assert parse_date("Mon, 30 Jun 3609 15:33:50 +0600") is None  # absurd years are not timestamps


def test_unparseable_date_is_kept_raw(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path / "d.eml", SIMPLE.replace("Tue, 14 Nov 2023 09:30:00 +0530", "sometime soon")))
    assert doc.timestamp is None
    assert doc.metadata["date_raw"] == "sometime soon"
    assert "tz_offset_minutes" not in doc.metadata


# --- MIME structure -------------------------------------------------------------------------------

ALTERNATIVE = """\
Message-ID: <alt@x>
From: a@x.org
Subject: alt
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/html; charset=utf-8

<html><body><p>HTML version</p></body></html>
--b1
Content-Type: text/plain; charset=utf-8

Plain version
--b1--
"""


def test_multipart_alternative_prefers_plain_text(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path / "alt.eml", ALTERNATIVE))
    assert doc.body == "Plain version"
    assert doc.metadata["content_type"] == "multipart/alternative"
    assert doc.metadata["attachments"] == []


def test_html_only_message_is_converted_and_scripts_are_dropped(tmp_path: Path) -> None:
    text = """\
Message-ID: <html@x>
From: a@x.org
Subject: html
Content-Type: text/html; charset=utf-8

<html><head><style>p { color: red }</style><script>alert('steal cookies')</script></head>
<body><h1>Welcome</h1><p>Your <b>order</b> has shipped.</p>
<script type="text/javascript">document.write('injected')</script></body></html>
"""
    doc = read_one(write(tmp_path / "h.eml", text))
    assert "Welcome" in doc.body and "Your order has shipped." in doc.body
    for hostile in ("alert", "steal", "injected", "color: red", "<p>", "<script"):
        assert hostile not in doc.body


def test_attachments_are_recorded_by_name_type_and_size(tmp_path: Path) -> None:
    pdf = b"%PDF-1.4 fake pdf bytes \x00\x01\x02" * 10
    encoded = base64.encodebytes(pdf).decode()
    text = f"""\
Message-ID: <att@x>
From: a@x.org
Subject: report
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mix"

--mix
Content-Type: text/plain; charset=utf-8

See attached.
--mix
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

{encoded}
--mix
Content-Type: text/plain; charset=iso-8859-1
Content-Disposition: attachment; filename*=iso-8859-1''r%E9sum%E9.txt

not in the body
--mix--
"""
    doc = read_one(write(tmp_path / "att.eml", text))
    assert doc.body == "See attached."
    # The line break before a boundary belongs to the boundary, so the text attachment has no newline.
    assert doc.metadata["attachments"] == [
        {"filename": "report.pdf", "content_type": "application/pdf", "size": len(pdf)},
        {"filename": "résumé.txt", "content_type": "text/plain", "size": len(b"not in the body")},
    ]


def test_x_uuencode_body(tmp_path: Path) -> None:
    import binascii

    payload = "Hello from a uuencoded body\n".encode()
    lines = "begin 644 body.txt\n" + binascii.b2a_uu(payload).decode() + "`\nend\n"
    text = (
        "Message-ID: <uu@x>\nFrom: a@x.org\nSubject: uu\nContent-Type: text/plain; charset=us-ascii\n"
        f"Content-Transfer-Encoding: x-uuencode\n\n{lines}"
    )
    doc = read_one(write(tmp_path / "uu.eml", text))
    assert doc.body == "Hello from a uuencoded body"


def test_multipart_with_lost_boundary_is_recovered(tmp_path: Path) -> None:
    # The boundary parameter is on a line that was not folded properly, so it is not a header.
    text = """\
Message-ID: <lost@x>
From: a@x.org
Subject: lost boundary
Content-Type: multipart/alternative;
boundary="zzz"

--zzz
Content-Type: text/plain; charset=us-ascii

recovered text
--zzz--
"""
    doc = read_one(write(tmp_path / "lost.eml", text))
    assert doc.body == "recovered text"


# --- quotes and signatures -------------------------------------------------------------------------

def test_strip_quotes_and_signature() -> None:
    text = """Sounds good, see you there.

On Mon, 13 Nov 2023 at 10:00, Bob Smith <bob@example.org>
wrote:
> Shall we meet at 3?
> > older quote

--
Asha | Example Corp
"""
    assert strip_quotes_and_signature(text) == "Sounds good, see you there."


def test_strip_original_message_and_outlook_blocks() -> None:
    outlook = "Approved.\n\n-----Original Message-----\nFrom: X\nSent: Monday\nTo: Y\nSubject: Z\n\nPlease approve."
    assert strip_quotes_and_signature(outlook) == "Approved."
    header_block = "Thanks!\n\nFrom: Ann <ann@x.org>\nSent: Tuesday, May 1, 2001 9:00 AM\nTo: Bob\nSubject: lunch\n\nLunch?"
    assert strip_quotes_and_signature(header_block) == "Thanks!"


def test_inline_replies_are_kept() -> None:
    text = "Joe Perches <joe@perches.com> wrote:\n> first question?\nFirst answer.\n> second question?\nSecond answer."
    assert strip_quotes_and_signature(text) == "First answer.\nSecond answer."


def test_all_quoted_message_keeps_something_to_embed() -> None:
    forward = "-----Original Message-----\nFrom: X\nSent: Monday\nTo: Y\n\nThe forwarded content."
    assert "The forwarded content." in strip_quotes_and_signature(forward)


# --- size caps and failures -------------------------------------------------------------------------

def test_huge_body_and_header_are_truncated_with_a_note(tmp_path: Path) -> None:
    huge_subject = "S" * 100_000
    body = ("All work and no play. " * 50 + "\n") * 2_800  # about 3 MB of text
    text = f"Message-ID: <big@x>\nFrom: a@x.org\nSubject: {huge_subject}\n\n{body}"
    doc = read_one(write(tmp_path / "big.eml", text))
    assert len(doc.body) == MAX_BODY_CHARS
    assert len(doc.title) == mail.MAX_HEADER_CHARS
    assert doc.metadata["truncated"] is True
    assert any("body truncated" in note for note in doc.metadata["notes"])
    assert any("header subject truncated" in note for note in doc.metadata["notes"])


def test_empty_and_headerless_files_are_clear_failures(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.eml", b"")
    prose = write(tmp_path / "prose.eml", "Just some text\nwith no headers at all.\n")
    [failure] = list(EML_READER.read(empty))
    assert isinstance(failure, ReadFailure) and failure.error == "empty file"
    [failure] = list(EML_READER.read(prose))
    assert isinstance(failure, ReadFailure) and failure.error == "no RFC 822 headers"
    assert failure.locator == "msg"


# --- mbox -------------------------------------------------------------------------------------------

def _mbox_message(number: int) -> str:
    return (
        f"From sender{number}@example.com Mon Jan  {number} 10:00:00 2024\n"
        f"Message-ID: <m{number}@example.com>\n"
        f"From: Sender {number} <sender{number}@example.com>\n"
        f"Date: Mon, {number} Jan 2024 10:00:00 +0000\n"
        f"Subject: message {number}\n\n"
        f"Body of message {number}.\n"
        ">From here on the line was escaped by the mbox writer.\n\n"
    )


def test_mbox_streams_three_messages_with_byte_offsets(tmp_path: Path) -> None:
    path = write(tmp_path / "Sent.mbox", "".join(_mbox_message(n) for n in (1, 2, 3)))
    items = list(MBOX_READER.read(path))
    assert [type(item) for item in items] == [Document] * 3
    raw = path.read_bytes()
    offsets = [int(item.locator.removeprefix("offset:")) for item in items]
    assert offsets[0] == 0 and offsets == sorted(offsets) and len(set(offsets)) == 3
    for number, (item, offset) in enumerate(zip(items, offsets), start=1):
        assert raw[offset:].startswith(f"From sender{number}@example.com ".encode())
        assert item.title == f"message {number}"
        assert item.uid == f"m{number}@example.com"
        assert item.metadata["folder"] == "Sent"
        assert item.metadata["is_sent"] is True
        assert "From here on the line was escaped" in item.body
        assert ">From" not in item.body


def test_mbox_splitting_is_bounded_by_chunks() -> None:
    data = "".join(_mbox_message(n) for n in (1, 2, 3)).replace("\n", "\r\n").encode()
    lines = list(mail._iter_lines(io.BytesIO(data), b"\n", chunk_size=7))
    assert b"".join(line for _, line, _ in lines) == data
    for offset, line, starts in lines:
        assert data[offset:offset + len(line)] == line
        assert len(line) <= 14  # never more than two chunks' worth in memory
    messages = list(iter_mbox(io.BytesIO(data)))
    assert [offset for offset, _, _ in messages] == [m.start() for m in re.finditer(rb"From sender", data)]


def test_mbox_garbage_before_first_separator_is_a_failure(tmp_path: Path) -> None:
    garbage = "garbage line\n\n"
    path = write(tmp_path / "odd.mbox", garbage + _mbox_message(1))
    items = list(MBOX_READER.read(path))
    assert isinstance(items[0], ReadFailure) and "before the first" in items[0].error
    assert isinstance(items[1], Document) and items[1].locator == f"offset:{len(garbage)}"


def test_empty_mbox_is_a_failure(tmp_path: Path) -> None:
    [failure] = list(MBOX_READER.read(write(tmp_path / "empty.mbox", b"")))
    assert isinstance(failure, ReadFailure) and failure.error == "empty file"


# --- Maildir / Enron layout and de-duplication -------------------------------------------------------

def test_maildir_flags_folder_and_sent(tmp_path: Path) -> None:
    path = write(tmp_path / "Maildir" / ".Sent" / "cur" / "1699950000.M1P2.host:2,RS", SIMPLE)
    doc = read_one(path)
    assert doc.metadata["folder"] == "Sent"
    assert doc.metadata["flags"] == "RS"
    assert doc.metadata["maildir_state"] == "cur"
    assert doc.metadata["is_sent"] is True

    enron = read_one(write(tmp_path / "bailey-s" / "sent_items" / "12.", SIMPLE))
    assert enron.metadata["folder"] == "sent_items" and enron.metadata["is_sent"] is True
    assert enron.metadata["flags"] == ""
    inbox = read_one(write(tmp_path / "bailey-s" / "inbox" / "3.", SIMPLE))
    assert inbox.metadata["folder"] == "inbox" and inbox.metadata["is_sent"] is False


def test_same_message_in_two_folders_has_one_dedup_key(tmp_path: Path) -> None:
    first = read_one(write(tmp_path / "Maildir" / "cur" / "1:2,S", SIMPLE))
    second = read_one(write(tmp_path / "Maildir" / ".Archive" / "new" / "2",
                            SIMPLE.replace("<ABC.123@Example.COM>", "<abc.123@example.com>")))
    assert first.uid == second.uid == "abc.123@example.com"
    assert first.dedup_key == second.dedup_key
    assert first.stable_id == second.stable_id
    assert first.source_path != second.source_path


def test_unescaped_from_in_a_body_does_not_split_the_mbox(tmp_path: Path) -> None:
    message = _mbox_message(1).replace(">From here on", "From here on")  # an mboxo writer that did not escape
    path = write(tmp_path / "inbox.mbox", message + _mbox_message(2))
    docs = [item for item in MBOX_READER.read(path) if isinstance(item, Document)]
    assert [doc.title for doc in docs] == ["message 1", "message 2"]


def test_maildir_tmp_is_skipped_and_emlx_is_read(tmp_path: Path) -> None:
    for sub in ("cur", "new"):
        (tmp_path / "Maildir" / sub).mkdir(parents=True)
    partial = write(tmp_path / "Maildir" / "tmp" / "1699950000.M1P2.host", SIMPLE)
    assert EML_READER.sniff(partial, read_head(partial)) == 0.0

    message = SIMPLE.encode()
    plist = b'<?xml version="1.0"?><plist version="1.0"><dict/></plist>'
    emlx = write(tmp_path / "123.emlx", str(len(message)).encode() + b"        \n" + message + plist)
    assert detect(emlx, kind="mail") is EML_READER
    doc = read_one(emlx)
    assert doc.title == "Quarterly numbers" and "plist" not in doc.body


def test_hostile_markup_stays_fast(tmp_path: Path) -> None:
    import time

    html = "<p>hi</p>" + "<!--" * 50_000 + "<" * 200_000 + "<script>" * 10_000
    uu = "begin 644 x.bin\n" * 20_000
    text = (
        "Message-ID: <hostile@x>\nFrom: a@x.org\nSubject: hostile\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="h"\n\n'
        f"--h\nContent-Type: text/html\n\n{html}\n--h\nContent-Type: text/plain\n\n{uu}\n--h--\n"
    )
    started = time.perf_counter()
    doc = read_one(write(tmp_path / "hostile.eml", text))
    assert time.perf_counter() - started < 10
    assert doc.body.startswith("hi")
