"""Shared fixture data for the intents tests: a small real index (vCards with two Alices, a mail
thread, an event) built in a temporary home."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

VCF = """BEGIN:VCARD
VERSION:3.0
FN:Alice Martin
N:Martin;Alice;;;
NICKNAME:Ali
EMAIL:alice.martin@example.org
TEL;TYPE=CELL:+351 912 345 678
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Alice Walker
N:Walker;Alice;;;
EMAIL:alice.walker@example.com
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Daniel Okafor
N:Okafor;Daniel;;;
EMAIL:dan.okafor@example.net
TEL;TYPE=CELL:+44 7700 900456
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Bob Chen
N:Chen;Bob;;;
EMAIL:bob.chen@example.com
TEL:+44 7700 900555
BDAY:1985-04-12
END:VCARD
"""

MAILS = {
    "trip1.eml": """From: Alice Martin <alice.martin@example.org>
To: Maya Okafor <maya.okafor@example.com>
Subject: Lisbon trip plans
Date: Mon, 01 Jun 2026 10:00:00 +0100
Message-ID: <trip1@example.org>

Hi Maya! Dinner is on Saturday 11 July at 8pm at Casa do Alentejo. Bring sunscreen.
I will book the boat trip to Cascais next week.
""",
    "trip2.eml": """From: Maya Okafor <maya.okafor@example.com>
To: Alice Martin <alice.martin@example.org>
Subject: Re: Lisbon trip plans
Date: Tue, 02 Jun 2026 08:30:00 +0100
Message-ID: <trip2@example.com>
In-Reply-To: <trip1@example.org>
References: <trip1@example.org>

Sounds perfect. Daniel is excited about the boat trip.

> Dinner is on Saturday 11 July at 8pm at Casa do Alentejo.
""",
    "budget.eml": """From: Bob Chen <bob.chen@example.com>
To: Maya Okafor <maya.okafor@example.com>
Subject: Quarterly report budget
Date: Wed, 10 Jun 2026 15:00:00 +0100
Message-ID: <budget@example.com>

Call me about the budget for the quarterly report before Friday.
""",
}


def write_sources(root: Path) -> Path:
    src = root / "sources"
    src.mkdir(parents=True, exist_ok=True)
    (src / "contacts.vcf").write_text(VCF)
    for name, text in MAILS.items():
        (src / name).write_text(text)
    return src


def add_event(app, title: str, start: datetime, place: str, path: str) -> None:
    """Store one event document directly (independent of whether a calendar reader exists)."""
    from indexer.document import Document
    from indexer.store import FileState, PreparedDocument

    doc = Document(kind="event", source_path=path, locator=f"event:{title}", title=title,
                   body=f"{title} at {place}", timestamp=start, metadata={"location": place, "place": place})
    vec = app.embedder.encode([doc.text_for_embedding])
    changes = app.store.replace_file(FileState(path=path, mtime=0.0, size=0), "test.events",
                                     [PreparedDocument(doc, [doc.text_for_embedding], vec)], [])
    app.vectors.apply(changes, app.store.vector_generation())


def build_home(root: Path):
    """A home with the contacts, mails and two dentist events indexed; returns the KithApp."""
    from indexer.app import KithApp

    home = root / "home"
    (home).mkdir(parents=True, exist_ok=True)
    (home / "kith.toml").write_text(
        '[owner]\nname = "Maya Okafor"\nemails = ["maya.okafor@example.com"]\n')
    app = KithApp(home)
    app.indexer.index_paths([str(write_sources(root))])
    events = str(root / "sources" / "calendar.ics")
    add_event(app, "Dentist appointment", datetime(2026, 6, 2, 9, 30, tzinfo=timezone.utc), "Smile Dental Clinic", events)
    add_event(app, "Dentist check-up", datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc), "Smile Dental Clinic",
              events + "#2")
    app.save_vectors() if hasattr(app, "save_vectors") else app.indexer.save_vectors()
    return app
