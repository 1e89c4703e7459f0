"""The mail readers against every file of the real mail corpora in ../shared/corpora/mail-*.

Each file is routed with ``detect(path, kind="mail")`` and must yield at least one Document or
ReadFailure, or be undetected (attachment originals, READMEs, header fragments). No read may raise.
Hand-picked messages from different corpora pin decoded subjects and senders.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import indexer.sources.mail  # noqa: F401  (registers mail.eml and mail.mbox)
from indexer.document import Document, ReadFailure
from indexer.sources.base import detect

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
MAIL_CORPORA = sorted(CORPORA.glob("mail-*")) if CORPORA.is_dir() else []

pytestmark = [
    pytest.mark.corpora,
    pytest.mark.skipif(not MAIL_CORPORA, reason=f"mail corpora not found under {CORPORA} (../shared/corpora/mail-*)"),
]


@dataclass
class Scan:
    """Everything the mail readers produced for the corpora, keyed by path relative to CORPORA."""

    stats: dict[str, Counter] = field(default_factory=dict)
    items: dict[str, list[Document | ReadFailure]] = field(default_factory=dict)
    readers: dict[str, str] = field(default_factory=dict)
    undetected: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def scan() -> Scan:
    result = Scan()
    for corpus in MAIL_CORPORA:
        stats = result.stats.setdefault(corpus.name, Counter())
        for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
            rel = str(path.relative_to(CORPORA))
            stats["files"] += 1
            reader = detect(path, kind="mail")
            if reader is None:
                stats["undetected"] += 1
                result.undetected.append(rel)
                continue
            result.readers[rel] = reader.name
            try:
                items = list(reader.read(path))
            except Exception as exc:  # the test fails below, listing every file that raised
                result.raised.append(f"{rel}: {type(exc).__name__}: {exc}")
                continue
            result.items[rel] = items
            stats["documents"] += sum(isinstance(item, Document) for item in items)
            stats["failures"] += sum(isinstance(item, ReadFailure) for item in items)
    return result


def doc_at(scan: Scan, rel: str, locator: str = "msg") -> Document:
    items = scan.items.get(rel)
    assert items is not None, f"{rel} was not read (reader: {scan.readers.get(rel)}; undetected: {rel in scan.undetected})"
    for item in items:
        if isinstance(item, Document) and item.locator == locator:
            return item
    raise AssertionError(f"no document at {locator!r} in {rel}: {items[:3]}")


def test_every_mail_file_reads_without_raising(scan: Scan) -> None:
    header = f"{'corpus':<34}{'files':>7}{'documents':>11}{'failures':>10}{'undetected':>12}"
    lines = [header, "-" * len(header)]
    for name, stats in scan.stats.items():
        lines.append(f"{name:<34}{stats['files']:>7}{stats['documents']:>11}{stats['failures']:>10}{stats['undetected']:>12}")
    # Informational, shown with `pytest -s` only: "undetected" files belong to other readers.
    print("\nmail corpora sweep (informational, the asserts below decide)\n" + "\n".join(lines))
    assert not scan.raised, "read() raised for:\n" + "\n".join(scan.raised)
    empty = [rel for rel, items in scan.items.items() if not items]
    assert not empty, f"detected as mail but yielded nothing: {empty}"
    for name in ("mail-enron-maildir-subset", "mail-notmuch-test-corpora", "mail-sisimai-set-of-emails"):
        if name in scan.stats:
            stats = scan.stats[name]
            assert stats["documents"] >= 0.95 * (stats["files"] - stats["undetected"]), (name, stats)


def test_only_non_mail_files_are_undetected(scan: Scan) -> None:
    for rel in scan.undetected:
        assert not rel.endswith(".eml"), f".eml file not detected: {rel}"
        assert "/cur/" not in rel and "/new/" not in rel, f"Maildir message not detected: {rel}"
        assert "mail-enron-maildir-subset" not in rel, f"Enron message not detected: {rel}"
    attachment_originals = [rel for rel in scan.readers if "/_data/emails/files/" in rel]
    assert not attachment_originals, f"attachment originals taken for mail: {attachment_originals}"


def test_real_mbox_streams_every_message_at_its_offset(scan: Scan) -> None:
    rel = "mail-sisimai-set-of-emails/mailbox/mbox-0"
    assert scan.readers.get(rel) == "mail.mbox"
    docs = [item for item in scan.items[rel] if isinstance(item, Document)]
    assert len(docs) == 37
    raw = (CORPORA / rel).read_bytes()
    offsets = [int(doc.locator.removeprefix("offset:")) for doc in docs]
    assert offsets == sorted(set(offsets))
    assert all(raw[offset:offset + 5] == b"From " for offset in offsets)
    first = docs[0]
    assert first.locator == "offset:0"
    assert first.title == "Postmaster notify: see transcript for details"
    assert first.author == "Mail Delivery Subsystem <MAILER-DAEMON>"
    assert first.metadata["tz_offset_minutes"] == 540


def test_duplicate_messages_share_a_uid(scan: Scan) -> None:
    base = "mail-notmuch-test-corpora/test/corpora/duplicate/"
    first, second = doc_at(scan, base + "msg-1-1:2,"), doc_at(scan, base + "msg-1-2:2,")
    assert first.uid == second.uid == "debian/2.6.1.dfsg-4-1-g87ea161@87ea161e851dfb1ea324af00e4ecfccc18875e15"
    assert first.dedup_key == second.dedup_key


# (path relative to the corpora, locator, expected subject, expected author)
HAND_PICKED = [
    ("mail-enron-maildir-subset/data/maildir/crandell-s/sent_items/13.", "msg",
     "RE: P&L associated with Avista transaction to cover NW book of business (Feb1-9)",
     "sean.crandall@enron.com"),
    ("mail-notmuch-test-corpora/test/corpora/html/embedded-image", "msg",
     "Tack alla trafikanter och fotgängare!", "malmoborg <daemon@lublin.se>"),
    ("mail-notmuch-test-corpora/test/corpora/default/cur/41:2,", "msg",
     "[notmuch] Working with Maildir storage?", "Carl Worth <cworth@cworth.org>"),
    # Japanese: ISO-2022-JP subject and display name
    ("mail-ruby-mail-fixtures/spec/fixtures/emails/multi_charset/japanese_iso_2022.eml", "msg",
     "まみむめも", "Mikel Lindsaar <raasdnil@gmail.com>"),
    # Japanese: Shift_JIS encoded words (spam)
    ("mail-untroubled-spam-sample/all_spam/dir_023/1426089338.3311_2863.lorien", "msg",
     "これ以上無視をしないで？ただ一つ返答がほしいだけ…その為に必要なポイントは差し上げてますが…"
     "未だに返答がありません。真剣なお願い、渡したポイント持ち逃げせずに返答ください！！",
     "【1億3000万◆無償放棄】病院長\u3000石川 <AH08sFBVI04P@zx10.pocytic.com>"),  # an ideographic space
    # Cyrillic: KOI8-R subject (the "A" in "ВAШУ" really is a Latin A in the spam)
    ("mail-untroubled-spam-sample/all_spam/dir_008/1426089313.3281_35.lorien", "msg",
     "РАЗМЕСТИМ ЗДЕСЬ ВAШУ РЕКЛАМУ", "demurrerb7523@inbox.ru"),
    # Cyrillic: windows-1251 display name
    ("mail-ruby-mail-fixtures/spec/fixtures/emails/plain_emails/raw_email_bad_time.eml", "msg",
     "[0]: XXXXXXX XXXXX XXXXX !", "Атиковa <yusuf75thu@auracom.net>"),
    ("mail-spamscope-mail-parser/tests/mails/mail_test_6", "msg",
     "Быстрее вкладывайте в золото!", "Время пришло <noreply@ggg.com>"),
    # Chinese: GB2312
    ("mail-spamscope-mail-parser/tests/mails/mail_test_12", "msg",
     "代开各地增值税发票", "张先生 <baoguan@hotmail.com>"),
    ("mail-ruby-mail-fixtures/spec/fixtures/emails/attachment_emails/attachment_with_quoted_filename.eml", "msg",
     "Eelanalüüsi päring", "Jeffrey Hardy <jeff@37signals.com>"),
    ("mail-zbateson-mail-mime-parser/tests/_data/emails/m0001.txt", "msg",
     "Die Hasen und die Frösche (Microsoft Outlook 00)", "Doug Sauder <doug@example.com>"),
    ("mail-sisimai-set-of-emails/maildir/bsd/lhost-ezweb-03.eml", "msg",
     "Mail System Error - Returned Mail", "Postmaster@ezweb.ne.jp"),
    ("mail-spamscope-mail-parser/tests/mails/mail_test_18", "msg",
     "Test for Comma and Name Bugs", "LastßlName, FirstName <comma.name@example.com>"),
]


@pytest.mark.parametrize(("rel", "locator", "subject", "author"), HAND_PICKED, ids=[row[0].split("/")[-1] for row in HAND_PICKED])
def test_hand_picked_subjects_and_senders(scan: Scan, rel: str, locator: str, subject: str, author: str) -> None:
    doc = doc_at(scan, rel, locator)
    assert doc.kind == "mail"
    assert doc.title == subject
    assert doc.author == author


def test_hand_picked_details(scan: Scan) -> None:
    enron = doc_at(scan, HAND_PICKED[0][0])
    assert enron.metadata["folder"] == "sent_items" and enron.metadata["is_sent"] is True
    assert "-----Original Message-----" in enron.body
    assert "Original Message" not in enron.embed_text and "weighted average" in enron.embed_text
    assert enron.uid == "24401596.1075840061351.javamail.evans@thyme"
    assert enron.metadata["tz_offset_minutes"] == -480

    japanese = doc_at(scan, "mail-ruby-mail-fixtures/spec/fixtures/emails/multi_charset/japanese_shift_jis.eml")
    assert japanese.body.startswith("あいうえお")  # a Shift_JIS body
    assert "\r" not in japanese.body

    # EUC-JP text labelled ISO-2022-JP: decoded anyway, and flagged
    ezweb = doc_at(scan, "mail-sisimai-set-of-emails/maildir/bsd/lhost-ezweb-03.eml")
    assert "送信できませんでした" in ezweb.body
    assert ezweb.metadata["charset_errors"] is True

    bad_time = doc_at(scan, "mail-ruby-mail-fixtures/spec/fixtures/emails/plain_emails/raw_email_bad_time.eml")
    assert bad_time.timestamp is None and bad_time.metadata["date_raw"] == "Mon, 30 Jun 3609 15:33:50 +0600"

    quoted_name = doc_at(scan, "mail-ruby-mail-fixtures/spec/fixtures/emails/attachment_emails/attachment_with_quoted_filename.eml")
    assert quoted_name.metadata["attachments"][0]["filename"] == "Eelanalüüsi päring.jpg"
    assert quoted_name.metadata["attachments"][0]["content_type"] == "image/jpeg"

    phishy = doc_at(scan, "mail-spamscope-mail-parser/tests/mails/mail_test_19")
    assert phishy.metadata["from_address"] == "bob@example.com"  # not the alice@ shown as display name

    korean = doc_at(scan, "mail-ruby-mail-fixtures/spec/fixtures/emails/multi_charset/ks_c_5601-1987.eml")
    assert korean.body == "스티해"

    maildir = doc_at(scan, "mail-notmuch-test-corpora/test/corpora/default/cur/41:2,")
    assert maildir.metadata["folder"] == "default" and maildir.metadata["maildir_state"] == "cur"
    assert maildir.metadata["flags"] == ""


def test_mail_files_are_not_claimed_by_other_readers(scan: Scan) -> None:
    """With every reader registered, a file the mail readers want must still go to them."""
    stolen = []
    for rel, name in scan.readers.items():
        chosen = detect(CORPORA / rel)
        if chosen is None or chosen.name != name:
            stolen.append(f"{rel}: {name} lost to {chosen.name if chosen else None}")
    assert not stolen, "\n".join(stolen)


def test_mail_readers_claim_nothing_in_the_other_corpora() -> None:
    others = [p for p in sorted(CORPORA.glob("*/**/*")) if p.is_file() and not p.relative_to(CORPORA).parts[0].startswith("mail-")]
    if not others:
        pytest.skip("no non-mail corpora present")
    claimed = [f"{p.relative_to(CORPORA)}: {reader.name}" for p in others if (reader := detect(p, kind="mail"))]
    assert not claimed, "\n".join(claimed)


def test_every_document_is_storable(scan: Scan) -> None:
    """Text encodes as UTF-8 (no lone surrogates), metadata is JSON, timestamps are aware."""
    import json

    problems = []
    for rel, items in scan.items.items():
        for doc in items:
            if not isinstance(doc, Document):
                assert doc.error, f"{rel}: failure without a reason"
                continue
            try:
                for text in (doc.title, doc.body, doc.embed_text or "", doc.author or "", *doc.participants):
                    text.encode("utf-8")
                    assert "\x00" not in text
                json.dumps(doc.metadata, ensure_ascii=False).encode("utf-8")
                assert doc.timestamp is None or doc.timestamp.tzinfo is not None
                assert isinstance(doc.metadata["charset_errors"], bool)
                assert all(set(att) == {"filename", "content_type", "size"} for att in doc.metadata["attachments"])
            except (UnicodeError, TypeError, ValueError, AssertionError) as exc:
                problems.append(f"{rel}#{doc.locator}: {type(exc).__name__}: {exc}")
    assert not problems, "\n".join(problems[:20])
