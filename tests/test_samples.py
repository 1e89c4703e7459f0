"""The sample data in samples/: deterministic generation, checked-in copy up to date, contents, known-item search."""
from __future__ import annotations

import email
import mailbox
import sqlite3
import sys
from datetime import datetime, timezone
from email import policy
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
DATA = SAMPLES / "data"
sys.path.insert(0, str(REPO))

from samples import generate as gen  # noqa: E402

PARSED_ONLY = {"chat.db"}  # random GUIDs inside: compared by content
JPEG_SUFFIXES = {".jpg", ".jpeg"}


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def _chat_db_content(path: Path) -> list[tuple]:
    from indexer.sources.messages.typedstream import decode_attributed_body

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT c.chat_identifier, h.id, m.text, m.attributedBody, m.date, m.is_from_me,"
            " (SELECT group_concat(a.filename) FROM message_attachment_join j JOIN attachment a"
            "  ON a.ROWID = j.attachment_id WHERE j.message_id = m.ROWID)"
            " FROM message m JOIN chat_message_join cm ON cm.message_id = m.ROWID"
            " JOIN chat c ON c.ROWID = cm.chat_id LEFT JOIN handle h ON h.ROWID = m.handle_id"
            " ORDER BY m.date, m.ROWID").fetchall()
    finally:
        db.close()
    return [(chat, handle, text, decode_attributed_body(blob) if blob else None, date, me, att)
            for chat, handle, text, blob, date, me, att in rows]


def _jpeg_metadata(path: Path) -> tuple:
    from PIL import Image

    from indexer.sources.photo_xmp import jpeg_xmp_packets

    with Image.open(path) as image:
        exif = dict(image.getexif())
        exif_ifd = dict(image.getexif().get_ifd(0x8769))
        gps_ifd = dict(image.getexif().get_ifd(0x8825))
        size = image.size
    return size, exif, exif_ifd, gps_ifd, jpeg_xmp_packets(path.read_bytes())


def _assert_same_tree(left: Path, right: Path, jpeg_bytes: bool) -> None:
    a, b = _files(left), _files(right)
    assert sorted(a) == sorted(b)
    for rel in a:
        name = Path(rel).name
        if name in PARSED_ONLY:
            assert _chat_db_content(a[rel]) == _chat_db_content(b[rel]), rel
        elif Path(rel).suffix.lower() in JPEG_SUFFIXES and not jpeg_bytes:
            if a[rel].read_bytes() != b[rel].read_bytes():  # another libjpeg may compress pixels differently
                assert _jpeg_metadata(a[rel]) == _jpeg_metadata(b[rel]), rel
        else:
            assert a[rel].read_bytes() == b[rel].read_bytes(), f"{rel} differs"


def test_generator_is_deterministic(tmp_path: Path) -> None:
    gen.generate(tmp_path / "one")
    gen.generate(tmp_path / "two")
    _assert_same_tree(tmp_path / "one", tmp_path / "two", jpeg_bytes=True)


def test_checked_in_data_matches_a_fresh_generation(tmp_path: Path) -> None:
    assert DATA.is_dir(), "samples/data is missing: run python samples/generate.py"
    gen.generate(tmp_path / "fresh")
    _assert_same_tree(DATA, tmp_path / "fresh", jpeg_bytes=False)


def _all_mail() -> list[tuple[str, email.message.EmailMessage]]:
    found = []
    for message in mailbox.mbox(DATA / "mail" / "archive-2025.mbox", factory=None, create=False):
        found.append(("mbox", email.message_from_bytes(message.as_bytes(), policy=policy.default)))
    for folder in ("INBOX", "Sent"):
        for sub in ("cur", "new"):
            for path in sorted((DATA / "mail" / "Maildir" / folder / sub).iterdir()):
                if not path.name.startswith("."):
                    found.append((folder, email.message_from_bytes(path.read_bytes(), policy=policy.default)))
    return found


def test_mail_contents() -> None:
    mails = _all_mail()
    assert len(mails) >= 60
    assert sum(1 for f, _ in mails if f == "mbox") >= 20
    charsets = {c.lower() for _, m in mails for part in m.walk() for c in [part.get_content_charset()] if c}
    assert charsets - {"utf-8", "us-ascii"}, "no non-UTF-8 charset"
    attachments = [part.get_filename() for _, m in mails for part in m.walk()
                   if part.get_content_disposition() in ("attachment", "inline") and part.get_filename()]
    assert {Path(n).suffix for n in attachments} >= {".pdf", ".ics", ".jpg"}
    html_only = [m for _, m in mails if m.get_content_type() == "text/html"]
    assert html_only
    sent = [m for f, m in mails if f == "Sent"]
    assert sent and all("maya.okafor@example.com" in str(m["From"]) for m in sent)
    inbox_ids = {m["Message-ID"] for f, m in mails if f == "INBOX"}
    assert inbox_ids & {m["Message-ID"] for m in sent}, "no message present in two Maildir folders"
    replies = [m for _, m in mails if m["In-Reply-To"]]
    assert all(m["References"] and m["In-Reply-To"] in m["References"] for m in replies)
    bodies = " ".join(m.get_body(("plain", "html")).get_content() for _, m in mails)
    assert "the dinner is on saturday 11 july at 8pm at casa do alentejo" in bodies.lower()
    assert any(str(m["Subject"]).startswith("Reserva confirmada — Sala São Jorge") for _, m in mails)
    assert "can you send the q4 numbers by friday 27 november?" in bodies.lower()
    assert all((DATA / "mail" / "Maildir" / f / s).is_dir() for f in ("INBOX", "Sent") for s in ("cur", "new", "tmp"))


def test_contacts_calendar_and_photos() -> None:
    from indexer.sources.calendar import READER as CALENDAR
    from indexer.sources.contacts import READER as CONTACTS
    from indexer.sources.photos import PhotoReader

    cards = {d.title: d for d in CONTACTS.read(DATA / "contacts" / "contacts.vcf") if hasattr(d, "title")}
    assert {"Maya Okafor", "Daniel Okafor", "Grace Adeyemi", "Alice Martin", "Alice Walker", "Bob Chen"} <= set(cards)
    maya = cards["Maya Okafor"].metadata
    assert {"type": "spouse", "value": "Daniel Okafor"}.items() <= maya["related"][0].items()
    assert any(r["type"] == "parent" and r["value"] == "Grace Adeyemi" for r in maya["related"])
    assert any(r["type"] == "spouse" for r in cards["Daniel Okafor"].metadata["related"])
    assert len(cards) >= 15

    events = [d for d in CALENDAR.read(DATA / "calendar" / "personal.ics") if hasattr(d, "title")]
    dentist = sorted(d.timestamp.astimezone(timezone.utc) for d in events if "Dentist" in d.title)
    assert dentist == [datetime(2026, 6, 2, 8, 30, tzinfo=timezone.utc), datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc)]
    assert any(d.title == "Dinner at Casa do Alentejo" for d in events)

    reader = PhotoReader()
    photos = sorted((DATA / "photos").rglob("*.[jJ][pP][gG]"))
    assert len(photos) >= 15
    sidecar = DATA / "photos" / "2026" / "IMG_4521.JPG"
    assert sidecar.with_suffix(".xmp").is_file()
    (doc,) = list(reader.read(sidecar))
    assert doc.metadata["people"] == ["Daniel Okafor", "Alice Martin"]
    assert doc.metadata["make"] == "Apple"


# --- known-item search over an index of samples/data ---------------------------------------------

@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory):
    from indexer.app import KithApp

    home = tmp_path_factory.mktemp("kith-home")
    (home / "kith.toml").write_bytes((SAMPLES / "kith.toml").read_bytes())
    app = KithApp(home)
    report = app.indexer.index_paths([DATA])
    yield app, report
    app.close()


def _search(app, query: str, **filters) -> list:
    from indexer.query_service import SearchRequest, run_search

    return run_search(app, SearchRequest(query=query, **filters))


def test_index_reads_everything(indexed) -> None:
    app, report = indexed
    assert report.files_failed == 0 and report.item_failures == 0
    counts = dict(app.store.counts_by_kind())
    assert counts["mail"] == 63  # 64 mail files: one message is in both INBOX and Sent
    assert counts["photo"] == 16 and counts["contact"] >= 15 and counts["message"] >= 20
    assert counts.get("event", 0) >= 10


def test_dinner_mail_is_found(indexed) -> None:
    app, _ = indexed
    hits = _search(app, "when is the dinner in Lisbon", limit=3)
    assert any(h["kind"] == "mail" and "8pm at Casa do Alentejo" in h["snippet"] for h in hits), hits


def test_dentist_event_is_top_hit(indexed) -> None:
    app, _ = indexed
    hits = _search(app, "dentist appointment", kind="event", limit=3)
    assert hits and "Dentist" in hits[0]["title"]
    assert "Smile Dental Clinic" in hits[0]["snippet"]


def test_photo_place_filter_keeps_only_lisbon(indexed) -> None:
    app, _ = indexed
    hits = _search(app, "photos", kind="photo", place="Lisbon", limit=50)
    paths = {Path(h["path"]).name for h in hits}
    assert {"IMG_4431.JPG", "IMG_4530.JPG", "IMG_4521.JPG"} <= paths
    places = [app.store.get_document(h["id"])["place"] or "" for h in hits]
    assert all("Lisbon" in p for p in places), places
    assert not paths & {"IMG_2104.JPG", "IMG_4890.JPG", "IMG_5120.JPG"}


@pytest.mark.parametrize("query, filters", [
    ("boat trip", {"kind": "message"}), ("dinner", {"kind": "mail", "since": datetime(2026, 1, 1, tzinfo=timezone.utc)}),
    ("sunset on the beach", {"kind": "photo", "place": "Lisbon"}), ("report", {"person": "Bob"}),
])
def test_filtered_dense_search_is_exact(indexed, query: str, filters: dict) -> None:
    """The FAISS ID-selector path for filtered queries ranks exactly like scoring every stored
    embedding that passes the filter."""
    from indexer.search import FilterSQL, SearchFilters

    app, _ = indexed
    searcher, vector = app.searcher, app.embedder.encode_query(query)
    if "person" in filters:
        from indexer.query_service import resolve_person_keys

        filters = dict(filters, identity_keys=resolve_person_keys(app, filters["person"]))
    search_filters = SearchFilters(**filters)
    fast = searcher.dense(vector, search_filters, k=20)
    exact = searcher._exact_scan(vector, FilterSQL(app.store, search_filters), 20)
    assert fast, f"no filtered hits for {query!r} {filters}"
    assert [d for d, _, _ in fast] == [d for d, _, _ in exact]
    assert [round(s, 4) for _, s, _ in fast] == [round(s, 4) for _, s, _ in exact]


def test_reindex_changes_nothing(indexed) -> None:
    app, _ = indexed
    before = app.store.db.execute("SELECT id, content_hash FROM documents ORDER BY id").fetchall()
    report = app.indexer.index_paths([DATA])
    after = app.store.db.execute("SELECT id, content_hash FROM documents ORDER BY id").fetchall()
    assert report.docs_added == 0 and report.docs_updated == 0 and report.docs_removed == 0
    assert before == after


def test_demo_keeps_the_options_of_a_subcommand():
    """`make demo` drops options the installed kith lacks; a subcommand's own options (`kith model import --home`)
    must be kept, or the model goes to the default home and the next steps cannot find it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("kith_demo", SAMPLES / "demo.py")
    demo = importlib.util.module_from_spec(spec)
    sys.modules["kith_demo"] = demo  # its dataclasses look their module up
    spec.loader.exec_module(demo)
    args, note = demo.adapt_to_command(demo.Step("import", ["model", "import", "--home", "/tmp/x"], needs="model"))
    assert args == ["model", "import", "--home", "/tmp/x"] and note == ""
    args, note = demo.adapt_to_command(demo.Step("ask", ["ask", "q", "--no-such-option", "1"], needs="ask"))
    assert args == ["ask", "q"] and "--no-such-option" in note
