"""Tests for the vCard reader (indexer.sources.contacts) on real and inline .vcf files."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.document import Document, ReadFailure
from indexer.sources import base
from indexer.sources.contacts import READER, VCardReader, parse_vcard_date

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
EXIFTOOL_VCF = CORPORA / "photos-exiftool-t-images" / "t" / "images" / "VCard.vcf"

VCARD4 = """BEGIN:VCARD
VERSION:4.0
FN:Alice Martin
N:Martin;Alice;;;
NICKNAME:Ali,Lice
TEL;VALUE=uri;TYPE="voice,cell":tel:+351-912-345-678
EMAIL;TYPE=work:Alice@Example.com
BDAY:--0412
ORG:Studio Norte;Design
TITLE:Architect
RELATED;TYPE=spouse;VALUE=text:Tom Martin
RELATED;TYPE=friend:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af
RELATED;TYPE=co-worker:mailto:bob@example.com
RELATED;TYPE=child:urn:uuid:ffffffff-0000-0000-0000-000000000000
ADR;TYPE=home:;;Rua Augusta 1;Lisboa;;1100-048;Portugal
NOTE:Met at the conference, Lisbon
UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1
X-KITH-ME:1
END:VCARD
"""

APPLE = """BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iPhone OS 17.0//EN
N:Martin;Tom;;;
FN:Tom Martin
item1.X-ABRELATEDNAMES:Alice Martin
item1.X-ABLabel:_$!<Spouse>!$_
item2.X-ABRELATEDNAMES:Rita Martin
item2.X-ABLabel:mum
item3.X-ABRELATEDNAMES;type=pref:Leo Martin
item3.X-ABLabel:_$!<Child>!$_
item4.X-ABRELATEDNAMES:Sam
item4.X-ABLabel:_$!<Friend>!$_
item5.X-ABRELATEDNAMES:Kim
item5.X-ABLabel:_$!<Partner>!$_
item6.TEL:+351 913 000 111
item6.X-ABLabel:_$!<Mobile>!$_
item7.X-ABDATE;type=pref:2010-06-05
item7.X-ABLabel:_$!<Anniversary>!$_
BDAY;X-APPLE-OMIT-YEAR=1604:1604-06-30
EMAIL;type=INTERNET;type=HOME;type=pref:tom@example.com
UID:03a0e51f-d1aa-4385-8a53-e29025acd8af
END:VCARD
"""

BROKEN = """BEGIN:VCARD
VERSION:3.0
this line has no colon
:::
\x00\x01 binary junk
END:VCARD
"""

QP_21 = """BEGIN:VCARD
VERSION:2.1
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=81lvaro;Jos=C3=A9;;;
FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Jos=C3=A9 =
=C3=81lvaro
TEL;CELL;VOICE:+351912345678
BDAY:19850412
END:VCARD
"""


def write(tmp_path: Path, text: str, name: str = "cards.vcf", crlf: bool = True) -> Path:
    path = tmp_path / name
    data = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes(data.encode("utf-8"))
    return path


def read_all(path: Path, reader: VCardReader = READER) -> tuple[list[Document], list[ReadFailure]]:
    items = list(reader.read(path))
    docs = [i for i in items if isinstance(i, Document)]
    failures = [i for i in items if isinstance(i, ReadFailure)]
    assert len(docs) + len(failures) == len(items)
    return docs, failures


def test_reader_is_registered() -> None:
    assert any(r.name == "contacts.vcard" and r.kind == "contact" for r in base._READERS)
    assert isinstance(READER, base.Reader)


def test_sniff(tmp_path: Path) -> None:
    assert READER.sniff(Path("a.vcf"), b"BEGIN:VCARD\r\nVERSION:3.0\r\n") == 1.0
    assert READER.sniff(Path("export"), b"\xef\xbb\xbfBEGIN:VCARD\r\n") > 0.8
    assert READER.sniff(Path("export"), "BEGIN:VCARD\r\n".encode("utf-16")) > 0.8
    assert 0 < READER.sniff(Path("a.VCF"), b"garbage") < 0.8
    assert READER.sniff(Path("mail.eml"), b"From: a@b.c\r\n\r\nBEGIN:VCARD") == 0.0
    assert READER.sniff(Path("a.ics"), b"BEGIN:VCALENDAR\r\n") == 0.0


def test_vcard4_card(tmp_path: Path) -> None:
    docs, failures = read_all(write(tmp_path, VCARD4))
    assert failures == []
    (doc,) = docs
    meta = doc.metadata
    assert doc.kind == "contact"
    assert doc.title == "Alice Martin"
    assert doc.uid == "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"
    assert doc.locator == "card:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"
    assert meta["given"] == "Alice" and meta["family"] == "Martin"
    assert meta["nicknames"] == ["Ali", "Lice"]  # vobject alone would keep only "Ali"
    assert meta["emails"] == ["alice@example.com"]
    assert meta["phones"] == [{"value": "+351-912-345-678", "types": ["voice", "cell"]}]
    assert meta["birthday"] == "--04-12" and meta["birthday_month"] == 4 and meta["birthday_day"] == 12
    assert meta["org"] == "Studio Norte" and meta["department"] == "Design" and meta["title"] == "Architect"
    assert meta["addresses"][0]["locality"] == "Lisboa"
    assert meta["addresses"][0]["text"] == "Rua Augusta 1, Lisboa, 1100-048, Portugal"
    assert meta["notes"] == ["Met at the conference, Lisbon"]  # unescaped comma kept
    assert meta["is_me"] is True
    related = {(r["type"], r["value"]) for r in meta["related"]}
    assert ("spouse", "Tom Martin") in related
    assert ("colleague", "bob@example.com") in related
    assert ("child", "urn:uuid:ffffffff-0000-0000-0000-000000000000") in related  # unresolvable link kept
    assert doc.participants == ["alice@example.com", "+351-912-345-678"]
    assert {"email:alice@example.com", "phone:912345678", "name:alice martin", "name:ali"} <= set(meta["identity_keys"])
    assert doc.body.startswith("Alice Martin (nickname Ali, Lice), Architect at Studio Norte (Design).")
    for fragment in ("Email alice@example.com.", "Birthday 12 April.", "Spouse: Tom Martin.", "Phone +351-912-345-678"):
        assert fragment in doc.body
    assert "urn:uuid" not in doc.body


def test_apple_related_names_and_labels(tmp_path: Path) -> None:
    docs, failures = read_all(write(tmp_path, APPLE))
    assert failures == []
    (doc,) = docs
    meta = doc.metadata
    assert [(r["type"], r["value"]) for r in meta["related"]] == [
        ("spouse", "Alice Martin"), ("mother", "Rita Martin"), ("child", "Leo Martin"),
        ("friend", "Sam"), ("partner", "Kim"),
    ]
    assert meta["related"][1]["label"] == "mum"
    assert meta["phones"] == [{"value": "+351 913 000 111", "types": ["mobile"]}]
    assert meta["birthday"] == "--06-30"  # Apple's 1604 placeholder year means "no year"
    assert meta["anniversary"] == "2010-06-05"
    assert "Spouse: Alice Martin." in doc.body and "Mother: Rita Martin." in doc.body
    assert "Phone +351 913 000 111 (mobile)." in doc.body
    assert "Anniversary 5 June 2010." in doc.body


def test_related_urn_resolves_to_card_in_same_file(tmp_path: Path) -> None:
    docs, _ = read_all(write(tmp_path, VCARD4 + APPLE))
    alice = next(d for d in docs if d.title == "Alice Martin")
    friend = next(r for r in alice.metadata["related"] if r["type"] == "friend")
    assert friend["value"] == "Tom Martin"
    assert friend["uri"] == "urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af"
    assert "Friend: Tom Martin." in alice.body


def test_malformed_card_between_good_ones(tmp_path: Path) -> None:
    docs, failures = read_all(write(tmp_path, VCARD4 + BROKEN + APPLE))
    assert [d.title for d in docs] == ["Alice Martin", "Tom Martin"]
    assert len(failures) == 1
    assert failures[0].locator == "card:1"
    assert "no name" in failures[0].error


def test_bad_lines_inside_a_card_do_not_lose_the_card(tmp_path: Path) -> None:
    text = """BEGIN:VCARD
VERSION:3.0
FN:Bad Lines
this line has no colon
EMAIL;TYPE="unterminated:bad@example.com
PHOTO;ENCODING=b;TYPE=JPEG:!!!notbase64***
BDAY:not a date
END:VCARD
"""
    docs, failures = read_all(write(tmp_path, text))
    assert failures == []
    (doc,) = docs
    assert doc.metadata["emails"] == ["bad@example.com"]  # recovered by the fallback line parser
    assert doc.metadata["unparsed_lines"] == 1
    assert doc.metadata["birthday"] == "not a date" and doc.metadata["birthday_month"] is None
    assert doc.metadata["has_photo"] is True
    assert "notbase64" not in doc.body


def test_vcard21_quoted_printable(tmp_path: Path) -> None:
    docs, _ = read_all(write(tmp_path, QP_21))
    (doc,) = docs
    assert doc.title == "José Álvaro"
    assert doc.metadata["given"] == "José" and doc.metadata["family"] == "Álvaro"
    assert doc.metadata["phones"][0]["types"] == ["cell", "voice"]
    assert doc.metadata["birthday"] == "1985-04-12"
    assert "Birthday 12 April 1985." in doc.body


def test_unterminated_card_does_not_swallow_the_next(tmp_path: Path) -> None:
    text = "BEGIN:VCARD\nVERSION:3.0\nFN:Cut Off\nEMAIL:cut@example.com\n" + APPLE
    docs, failures = read_all(write(tmp_path, text, crlf=False))
    assert failures == []
    assert [d.title for d in docs] == ["Cut Off", "Tom Martin"]
    assert docs[0].metadata["unterminated"] is True


def test_name_falls_back_to_n_and_duplicate_uids_stay_addressable(tmp_path: Path) -> None:
    card = "BEGIN:VCARD\nVERSION:3.0\nN:Silva;Ana;;Dr.;\nUID:same\nEND:VCARD\n"
    docs, _ = read_all(write(tmp_path, card + card))
    assert [d.title for d in docs] == ["Dr. Ana Silva", "Dr. Ana Silva"]
    assert docs[0].locator != docs[1].locator
    assert docs[0].uid == docs[1].uid == "same"  # same card seen twice: one dedup key


def test_latin1_file_and_folded_lines(tmp_path: Path) -> None:
    text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jo\xe3o Concei\xe7\xe3o\r\nNOTE:a long note that is\r\n  folded across lines\r\nEND:VCARD\r\n"
    path = tmp_path / "latin1.vcf"
    path.write_bytes(text.encode("latin-1"))
    docs, _ = read_all(path)
    assert docs[0].title == "João Conceição"
    assert docs[0].metadata["notes"] == ["a long note that is folded across lines"]


def test_not_a_vcard_and_binary_junk_do_not_crash(tmp_path: Path) -> None:
    plain = tmp_path / "notes.vcf"
    plain.write_text("just some text\n")
    docs, failures = read_all(plain)
    assert docs == [] and len(failures) == 1 and "BEGIN:VCARD" in failures[0].error
    junk = tmp_path / "junk.vcf"
    junk.write_bytes(bytes(range(256)) * 20 + b"\r\nBEGIN:VCARD\r\n\xff\xfe\x00END:VCARD")
    docs, failures = read_all(junk)
    assert docs == [] and failures and failures[0].locator == "card:0"


def test_hostile_content_is_text(tmp_path: Path) -> None:
    text = ("BEGIN:VCARD\nVERSION:3.0\nFN:<script>alert(1)</script>\nNOTE:" + "A" * 200_000
            + "\nEND:VCARD\n")
    docs, _ = read_all(write(tmp_path, text))
    assert docs[0].title == "<script>alert(1)</script>"
    assert len(docs[0].metadata["notes"][0]) == 200_000


@pytest.mark.parametrize("raw, omit, iso", [
    ("1985-04-12", None, "1985-04-12"),
    ("19850412", None, "1985-04-12"),
    ("1985-04-12T00:00:00Z", None, "1985-04-12"),
    ("--0412", None, "--04-12"),
    ("--04-12", None, "--04-12"),
    ("--0229", None, "--02-29"),
    ("1604-06-30", "1604", "--06-30"),
])
def test_parse_vcard_date(raw: str, omit: str | None, iso: str) -> None:
    parsed = parse_vcard_date(raw, omit)
    assert parsed is not None and parsed["iso"] == iso


@pytest.mark.parametrize("raw", ["not a date", "1985-13-40", "--1340", "", "1985"])
def test_parse_vcard_date_rejects(raw: str) -> None:
    assert parse_vcard_date(raw) is None


@pytest.mark.corpora
def test_exiftool_sample_vcf() -> None:
    if not EXIFTOOL_VCF.exists():
        pytest.skip(f"shared corpora not found at {EXIFTOOL_VCF}")
    assert READER.sniff(EXIFTOOL_VCF, base.read_head(EXIFTOOL_VCF)) == 1.0
    docs, failures = read_all(EXIFTOOL_VCF)
    assert failures == []
    assert [d.title for d in docs] == ["Phil Harvey", "VCard Test"]
    phil = docs[0].metadata
    assert phil["emails"] == ["someone@home.email", "someone@work.email", "someone@other.email"]
    assert len(phil["phones"]) == 9
    assert phil["phones"][0] == {"value": "555-0000", "types": ["cell", "voice", "pref"]}
    assert phil["org"] == "ExifTool"
    assert phil["birthday"] == "1900-01-02"
    assert [a["street"] for a in phil["addresses"]] == ["Home St.", "Work St.", "Other Rd."]
    assert phil["notes"][0] == 'This is "a", comma, \\backslash\nnewline\nnote!'
    assert "aim:AIMName" in phil["handles"]
    assert phil["has_photo"] is True
    assert docs[0].uid == "EBAC8BE8-E695-457F-AE4D-E076ECEEA002:ABPerson"  # X-ABUID when there is no UID
    assert docs[1].locator == "card:1" and docs[1].uid is None
    assert docs[1].metadata["addresses"][0]["text"] == "12 Cucumber St., SaladVille ON, Canada"
