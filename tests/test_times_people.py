"""Issue 10, "Times and people": local time with its offset in search/show/ask, photos dated only by
their file's time, and the owner configuration changing after indexing (plus `kith whoami`)."""
from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from agent.service import AskRequest, run_ask
from indexer.localtime import local_time, stamp
from indexer.people import resolve_person
from indexer.query_service import SearchRequest, run_search
from indexer.search import SearchFilters
from kith.cli.hit_format import format_hit
from kith.cli.main import cli

DINNER_MAIL = """From: Alice Martin <alice.martin@example.org>
To: Maya Okafor <maya.okafor@example.com>
Subject: Dinner on Saturday
Message-ID: <dinner-1@example.org>
Date: Sat, 11 Jul 2026 20:00:00 +0100

The dinner at Casa do Alentejo starts now, we have the table by the window.
"""

DINNER_EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//kith tests//EN
BEGIN:VEVENT
UID:dinner-casa@example.org
DTSTAMP:20260601T000000Z
DTSTART;TZID=Europe/Lisbon:20260711T200000
DTEND;TZID=Europe/Lisbon:20260711T230000
SUMMARY:Dinner at Casa do Alentejo
LOCATION:Casa do Alentejo, Lisbon
END:VEVENT
END:VCALENDAR
"""


def test_search_show_and_ask_show_local_time_with_offset(tmp_path, make_app):
    data = tmp_path / "data"
    data.mkdir()
    (data / "dinner.eml").write_text(DINNER_MAIL)
    (data / "dinner.ics").write_text(DINNER_EVENT)
    app = make_app()
    app.indexer.index_paths([str(data)])

    hits = {h["kind"]: h for h in run_search(app, SearchRequest.from_json({"query": "dinner Casa do Alentejo"}))}
    for kind in ("mail", "event"):
        # Stored in UTC (19:00), shown at the source's offset and saying so.
        assert hits[kind]["timestamp"].startswith("2026-07-11T19:00:00")
        assert hits[kind]["local_time"] == "2026-07-11T20:00:00+01:00"
        header = format_hit(1, hits[kind]).splitlines()[0]
        assert "2026-07-11 20:00 +01:00" in header and "19:00" not in header, header

    shown = CliRunner().invoke(cli, ["show", hits["mail"]["id"], "--home", str(app.home.path)])
    assert shown.exit_code == 0, shown.output
    assert "time: 2026-07-11 20:00 +01:00" in shown.stdout
    assert "19:00" not in shown.stdout

    answer = run_ask(app, AskRequest("when is the dinner at Casa do Alentejo?", now="2026-07-01T09:00:00+00:00"))
    assert "11 July 2026 at 20:00 (UTC+01:00)" in answer["answer"], answer["answer"]


def test_times_without_an_offset_use_the_local_zone_and_floating_clocks_stay_as_they_are():
    new_york = timezone(timedelta(hours=-4))
    assert stamp(local_time("2026-07-11T19:00:00+00:00", None, fallback=new_york)) == "2026-07-11 15:00 -04:00"
    assert stamp(local_time("2026-07-11T19:00:00+00:00", 60)) == "2026-07-11 20:00 +01:00"
    # A camera clock with no offset is a wall-clock time in an unknown zone: shown as taken, no offset.
    assert stamp(local_time("2026-07-11T19:00:00+00:00", None, floating=True)) == "2026-07-11 19:00"
    # Without a fallback the machine's own zone is used, and its offset is printed.
    assert stamp(local_time("2026-07-11T19:00:00+00:00", None))[-6] in "+-"


def _photo(path: Path, taken: str | None, mtime: float) -> None:
    image = Image.new("RGB", (8, 8), (200, 100, 50))
    exif = Image.Exif()
    if taken:
        exif[0x0132] = taken  # IFD0 DateTime
    image.save(path, "JPEG", exif=exif.tobytes())
    os.utime(path, (mtime, mtime))


def test_photos_dated_by_file_time_are_marked_and_rank_after_real_dates(tmp_path, make_app):
    photos = tmp_path / "photos"
    photos.mkdir()
    now = time.time()
    _photo(photos / "beach.jpg", "2025:08:01 10:00:00", now - 86400 * 300)
    _photo(photos / "copied_today.jpg", None, now)  # no EXIF date: dated by the file
    _photo(photos / "older.jpg", "2024:05:01 09:00:00", now - 86400 * 600)
    app = make_app()
    app.indexer.index_paths([str(photos)])

    latest = app.searcher.search("", SearchFilters(kind="photo"), limit=10, order="newest")
    names = [Path(h.path).name for h in latest]
    assert names == ["beach.jpg", "older.jpg", "copied_today.jpg"], names
    copied = latest[-1]
    assert copied.metadata["date_source"] == "file:mtime" and copied.metadata["time_is_file_mtime"] is True
    assert latest[0].metadata["time_is_file_mtime"] is False
    assert copied.to_json()["time_is_file_mtime"] is True
    assert "(file time)" in format_hit(3, copied.to_json()).splitlines()[0]
    # Only 2 wanted: the real dates fill them.
    assert [Path(h.path).name for h in app.searcher.search("", SearchFilters(kind="photo"), limit=2,
                                                         order="newest")] == ["beach.jpg", "older.jpg"]
    # With words too ("latest photo"), the file-dated photo still comes last.
    worded = app.searcher.search("photo", SearchFilters(kind="photo"), limit=10, order="newest")
    assert Path(worded[-1].path).name == "copied_today.jpg"
    # And the agent's latest-photos answer does not lead with it.
    answer = run_ask(app, AskRequest("show me my latest photos", now=datetime.now(timezone.utc).isoformat()))
    assert answer["citations"] and not answer["citations"][0]["path"].endswith("copied_today.jpg"), answer


CARDS = """BEGIN:VCARD
VERSION:4.0
FN:Maya Okafor
EMAIL:maya.okafor@example.com
RELATED;TYPE=spouse;VALUE=text:Daniel Okafor
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Daniel Okafor
EMAIL:dan.okafor@example.net
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Alice Martin
EMAIL:alice.martin@example.org
END:VCARD
"""


def test_owner_config_added_after_indexing_rebuilds_people(tmp_path, make_app):
    data = tmp_path / "data"
    data.mkdir()
    (data / "cards.vcf").write_text(CARDS)
    app = make_app()
    app.indexer.index_paths([str(data)])
    home = app.home.path
    assert resolve_person(app.store, "my husband") == []  # nobody is "me" yet
    unknown = CliRunner().invoke(cli, ["whoami", "--home", str(home), "--json"])
    assert unknown.exit_code == 0, unknown.output
    assert json.loads(unknown.stdout)["owner"] is None
    app.close()

    # [owner] added after indexing, no document changed: opening the index again rebuilds people.
    (home / "kith.toml").write_text('[owner]\nname = "Maya Okafor"\nemails = ["maya.okafor@example.com"]\n')
    again = make_app()
    assert [p.display_name for p in resolve_person(again.store, "my husband")] == ["Daniel Okafor"]
    result = CliRunner().invoke(cli, ["whoami", "--home", str(home), "--json"])
    me = json.loads(result.stdout)["owner"]
    assert me["name"] == "Maya Okafor" and me["source"] == "config"
    assert "email:maya.okafor@example.com" in me["matched"]
    text = CliRunner().invoke(cli, ["whoami", "--home", str(home)])
    assert text.stdout.startswith("Maya Okafor  (from [owner] in ") and "maya.okafor@example.com" in text.stdout
    again.close()

    # Edited: someone else is the owner now; relation words follow.
    (home / "kith.toml").write_text('[owner]\nemails = ["alice.martin@example.org"]\n')
    edited = make_app()
    assert resolve_person(edited.store, "my husband") == []
    assert json.loads(CliRunner().invoke(cli, ["whoami", "--home", str(home), "--json"]).stdout)["owner"]["name"] \
        == "Alice Martin"


def test_whoami_explains_a_me_card_and_a_top_sender(tmp_path, make_app):
    data = tmp_path / "data"
    (data / "Maildir/Sent/cur").mkdir(parents=True)
    (data / "me.vcf").write_text("BEGIN:VCARD\nVERSION:4.0\nFN:Grace Adeyemi\nEMAIL:grace@example.org\n"
                                 "X-KITH-ME:1\nEND:VCARD\n")
    for n in range(2):
        (data / f"Maildir/Sent/cur/{n}.eml").write_text(
            f"From: Bob Chen <bob@example.com>\nTo: alice.martin@example.org\nSubject: s{n}\n"
            f"Message-ID: <s{n}@example.com>\nDate: Mon, 06 Jul 2026 10:00:00 +0100\n\nhello {n}\n")
    app = make_app()
    app.indexer.index_paths([str(data)])
    result = json.loads(CliRunner().invoke(cli, ["whoami", "--home", str(app.home.path), "--json"]).stdout)
    sources = {o["name"]: o["source"] for o in [result["owner"], *result["also"]]}
    assert sources == {"Grace Adeyemi": "me card", "Bob Chen": "top sender"}
