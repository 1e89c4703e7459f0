"""People layer: identities merged across sources, the owner, and relation words."""
from __future__ import annotations

from pathlib import Path

from indexer.people import owner, resolve_person
from indexer.query_service import SearchRequest, run_search

CARDS = """BEGIN:VCARD
VERSION:4.0
FN:Maya Okafor
EMAIL:maya.okafor@example.com
TEL:+44 7700 900123
RELATED;TYPE=spouse;VALUE=text:Daniel Okafor
RELATED;TYPE=parent;VALUE=text:Grace Adeyemi
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Daniel Okafor
EMAIL:dan.okafor@example.net
TEL:+44 7700 900456
item1.X-ABRELATEDNAMES:Maya Okafor
item1.X-ABLabel:_$!<Spouse>!$_
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Grace Adeyemi
NICKNAME:Mum
EMAIL:grace.adeyemi@example.org
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Alice Martin
EMAIL:alice.martin@example.org
TEL:+351 912 345 678
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Alice Walker
EMAIL:alice.walker@example.com
END:VCARD
"""


def mail(path: Path, sender: str, to: str, subject: str, body: str, msgid: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"From: {sender}\nTo: {to}\nSubject: {subject}\nMessage-ID: <{msgid}>\n"
        f"Date: Mon, 06 Jul 2026 10:00:00 +0100\n\n{body}\n"
    )


def build(tmp_path: Path, make_app, config: str | None = None):
    data = tmp_path / "data"
    (data / "contacts").mkdir(parents=True)
    (data / "contacts" / "all.vcf").write_text(CARDS)
    maya = "Maya Okafor <maya.okafor@example.com>"
    mail(data / "Maildir/Sent/cur/1.eml", maya, "Daniel Okafor <dan.okafor@example.net>", "Groceries",
         "Can you pick up milk on the way home?", "s1@example.com")
    mail(data / "Maildir/Sent/cur/2.eml", maya, "alice.martin@example.org", "Lisbon", "See you soon!", "s2@example.com")
    mail(data / "Maildir/INBOX/cur/3.eml", "Alice Martin <alice.martin@example.org>", maya, "The trip",
         "Dinner is on Saturday at 8pm.", "i3@example.org")
    mail(data / "Maildir/INBOX/cur/4.eml", "Alice Martin <alice.martin@example.org>", maya, "Boat",
         "I booked the boat trip.", "i4@example.org")
    mail(data / "Maildir/INBOX/cur/5.eml", "Mum <grace.adeyemi@example.org>", maya, "Sunday lunch",
         "Are you coming on Sunday?", "i5@example.org")
    app = make_app(config=config)
    app.indexer.index_paths([data])
    return app


def test_relation_words_resolve_through_the_owner_card(tmp_path, make_app):
    app = build(tmp_path, make_app, config='[owner]\nname = "Maya Okafor"\nemails = ["maya.okafor@example.com"]\n')
    me = owner(app.store)
    assert me is not None and me.display_name == "Maya Okafor"
    assert [p.display_name for p in resolve_person(app.store, "my husband")] == ["Daniel Okafor"]
    assert [p.display_name for p in resolve_person(app.store, "mum")] == ["Grace Adeyemi"]
    assert [p.display_name for p in resolve_person(app.store, "Mum")] == ["Grace Adeyemi"]


def test_ambiguous_first_name_lists_every_candidate_most_frequent_first(tmp_path, make_app):
    app = build(tmp_path, make_app)
    names = [p.display_name for p in resolve_person(app.store, "Alice")]
    assert names[:2] == ["Alice Martin", "Alice Walker"]


def test_identities_merge_across_sources(tmp_path, make_app):
    app = build(tmp_path, make_app)
    alice = resolve_person(app.store, "+351912345678")
    assert [p.display_name for p in alice] == ["Alice Martin"]
    assert "email:alice.martin@example.org" in alice[0].identities


def test_owner_is_inferred_from_sent_mail_without_config(tmp_path, make_app):
    app = build(tmp_path, make_app)
    me = owner(app.store)
    assert me is not None and "email:maya.okafor@example.com" in me.identities


def test_search_person_filter_accepts_relation_words(tmp_path, make_app):
    app = build(tmp_path, make_app)
    hits = run_search(app, SearchRequest(query="", person="my husband", kind="mail"))
    assert [h["title"] for h in hits] == ["Groceries"]
    hits = run_search(app, SearchRequest(query="dinner", person="Alice Martin"))
    assert hits and hits[0]["title"] == "The trip"
    # The filter keeps documents Alice wrote or received (author or participant), nothing else.
    for hit in hits:
        doc = app.store.get_document(hit["id"])
        assert "alice.martin@example.org" in (doc["author"] or "") + " ".join(doc["participants"])
    assert "Sunday lunch" not in [h["title"] for h in hits]


def test_raw_handles_display_as_the_persons_name(tmp_path, make_app):
    from indexer.people import display_name

    app = build(tmp_path, make_app)
    assert display_name(app.store, "+351 912 345 678") == "Alice Martin"
    assert display_name(app.store, "dan.okafor@example.net") == "Daniel Okafor"
    assert display_name(app.store, "+1 555 000 0000") == "+1 555 000 0000"
