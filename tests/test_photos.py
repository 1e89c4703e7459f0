"""Tests for the photo reader: people tags, sidecars, Takeout JSON, GPS edge cases, the writer round trip."""
from __future__ import annotations

import shutil
import struct
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import piexif
import pytest
from PIL import Image

from indexer.document import Document, ReadFailure
from indexer.sources.base import detect, read_head
from indexer.sources.photo_xmp import read_xmp_sidecar
from indexer.sources.photos import PhotoReader, camera_label, image_format
from samples.generators.photo_writer import write_photo

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
IMMICH = CORPORA / "photos-immich-test-assets"
PHOTOPRISM = CORPORA / "photos-photoprism-meta-testdata" / "internal" / "meta" / "testdata"
EXIFTOOL = CORPORA / "photos-exiftool-t-images" / "t" / "images"
ME = CORPORA / "photos-metadata-extractor-images"
IANARE = CORPORA / "photos-ianare-exif-samples"

needs_corpora = pytest.mark.skipif(
    not CORPORA.is_dir(), reason=f"photo corpora not found under {CORPORA} (expected ../shared/corpora)")

READER = PhotoReader()
LISBON_SUMMER = timezone(timedelta(hours=1))


def read_one(path: Path) -> Document | ReadFailure:
    items = list(READER.read(path))
    assert len(items) == 1
    return items[0]


def read_doc(path: Path) -> Document:
    item = read_one(path)
    assert isinstance(item, Document), getattr(item, "error", item)
    return item


def plain_jpeg(path: Path) -> Path:
    """A real JPEG with no metadata at all."""
    Image.new("RGB", (16, 12), (10, 120, 200)).save(path, "JPEG")
    return path


# ---------------------------------------------------------------- writer round trip and body

def test_photo_writer_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "IMG_1234.jpg"
    when = datetime(2025, 6, 14, 18, 32, 5, tzinfo=LISBON_SUMMER)
    write_photo(path, when=when, gps=(38.7223, -9.1393, 12.5), make="Apple", model="iPhone 15 Pro",
                people=["Alice Martin", "Tom Martin"], keywords=["beach", "sunset"],
                title="Evening at the beach", description="Waves & light", size=(80, 60))
    doc = read_doc(path)
    meta = doc.metadata
    assert doc.kind == "photo" and doc.locator == "image"
    assert doc.timestamp == when and doc.timestamp.utcoffset() == timedelta(hours=1)
    assert meta["tz_offset_minutes"] == 60
    assert meta["date_taken"] == "2025-06-14T18:32:05+01:00"
    assert meta["date_source"] == "exif:DateTimeOriginal"
    assert meta["gps"]["lat"] == pytest.approx(38.7223, abs=1e-6)
    assert meta["gps"]["lon"] == pytest.approx(-9.1393, abs=1e-6)
    assert meta["gps"]["alt"] == pytest.approx(12.5)
    assert (meta["make"], meta["model"]) == ("Apple", "iPhone 15 Pro")
    assert (meta["width"], meta["height"]) == (80, 60)
    assert doc.participants == ["Alice Martin", "Tom Martin"] == meta["people"]
    assert meta["keywords"] == ["beach", "sunset"]
    assert doc.title == meta["title"] == "Evening at the beach"
    assert meta["description"] == "Waves & light"
    assert meta["place"] == "Lisbon, Lisbon, Portugal"
    assert meta["place_parts"]["country_code"] == "PT"
    assert meta["warnings"] == []


def test_body_is_a_searchable_sentence(tmp_path: Path) -> None:
    path = tmp_path / "IMG_1234.jpg"
    write_photo(path, when=datetime(2025, 6, 14, 18, 32, tzinfo=LISBON_SUMMER), gps=(38.7223, -9.1393, None),
                make="Apple", model="iPhone 15 Pro", people=["Alice Martin", "Tom Martin"],
                keywords=["beach", "sunset"])
    doc = read_doc(path)
    assert doc.title == "Photo IMG_1234.jpg"
    assert doc.body == ("Photo taken Saturday 14 June 2025 18:32 in Lisbon, Portugal with Apple iPhone 15 Pro. "
                        "People: Alice Martin, Tom Martin. Keywords: beach, sunset.")


def test_body_mentions_only_what_exists(tmp_path: Path) -> None:
    path = tmp_path / "bare.jpg"
    write_photo(path, when=datetime(2020, 1, 2, 3, 4), gps=None, make=None, model=None, people=[], keywords=[])
    doc = read_doc(path)
    assert doc.body == "Photo taken Thursday 2 January 2020 03:04."
    # No offset in the file: local wall clock, stored as UTC, offset recorded as unknown.
    assert doc.metadata["tz_offset_minutes"] is None
    assert doc.timestamp == datetime(2020, 1, 2, 3, 4, tzinfo=timezone.utc)
    assert doc.metadata["date_taken"] == "2020-01-02T03:04:00"
    assert doc.participants == [] and doc.metadata["place"] is None


def test_camera_label_avoids_repeating_the_make() -> None:
    assert camera_label("Canon", "Canon EOS 7D") == "Canon EOS 7D"
    assert camera_label("NIKON CORPORATION", "NIKON D70") == "NIKON D70"
    assert camera_label("OLYMPUS IMAGING CORP.", "E-P3") == "OLYMPUS E-P3"
    assert camera_label("Apple", "iPhone 4") == "Apple iPhone 4"
    assert camera_label(None, None) is None


# ---------------------------------------------------------------- people

@needs_corpora
def test_people_from_mwg_microsoft_and_digikam_are_merged_once() -> None:
    doc = read_doc(IMMICH / "metadata" / "faces" / "portrait.jpg")
    assert doc.participants == ["Marie Curie", "Pierre Curie"]
    assert "People: Marie Curie, Pierre Curie." in doc.body
    # dc:subject repeats the names; they are people, not keywords.
    assert doc.metadata["keywords"] == []


@needs_corpora
@pytest.mark.parametrize("name, person", [("adobe-mwg.xmp", "Diana"), ("digikam-mwg.xmp", "Carl"),
                                          ("microsoft-mp.xmp", "Cara")])
def test_each_region_schema_is_understood(name: str, person: str) -> None:
    data = read_xmp_sidecar((PHOTOPRISM / "faces" / name).read_bytes())
    assert data.people == [person]


def test_hierarchical_people_tags(tmp_path: Path) -> None:
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:lr="http://ns.adobe.com/lightroom/1.0/" '
        'xmlns:digiKam="http://www.digikam.org/ns/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<lr:hierarchicalSubject><rdf:Bag><rdf:li>People|Alice</rdf:li><rdf:li>Places|Portugal|Lisbon</rdf:li>"
        "</rdf:Bag></lr:hierarchicalSubject>"
        "<digiKam:TagsList><rdf:Seq><rdf:li>People/Alice Martin</rdf:li><rdf:li>People/alice</rdf:li><rdf:li>Persons/Bob</rdf:li></rdf:Seq>"
        "</digiKam:TagsList>"
        "<dc:subject><rdf:Bag><rdf:li>Alice</rdf:li><rdf:li>tram</rdf:li></rdf:Bag></dc:subject>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    data = read_xmp_sidecar(packet.encode())
    # Source order (regions, PersonInImage, digiKam, Lightroom), case-insensitive de-duplication.
    assert data.people == ["Alice Martin", "alice", "Bob"]
    assert data.keywords == ["tram", "Lisbon"]


# ---------------------------------------------------------------- sidecars and Takeout

@needs_corpora
def test_xmp_sidecar_supplies_the_date_when_the_image_has_none(tmp_path: Path) -> None:
    image = plain_jpeg(tmp_path / "photo.jpg")
    shutil.copy(IMMICH / "metadata" / "xmp" / "dates" / "2000.xmp", tmp_path / "photo.xmp")  # UTF-16 sidecar
    doc = read_doc(image)
    assert doc.metadata["date_source"] == "sidecar:xmp:xmp:CreateDate"
    assert doc.timestamp == datetime(2000, 9, 27, 14, 35, 33, tzinfo=timezone(timedelta(hours=2)))
    assert doc.metadata["tz_offset_minutes"] == 120
    assert doc.metadata["sidecars"] == [str(tmp_path / "photo.xmp")]


@needs_corpora
def test_photo_jpg_xmp_wins_over_photo_xmp(tmp_path: Path) -> None:
    image = plain_jpeg(tmp_path / "photo.jpg")
    shutil.copy(IMMICH / "metadata" / "xmp" / "dates" / "2010.xmp", tmp_path / "photo.jpg.xmp")
    shutil.copy(IMMICH / "metadata" / "xmp" / "dates" / "2020.xmp", tmp_path / "photo.xmp")
    assert read_doc(image).timestamp.year == 2010


@needs_corpora
def test_embedded_exif_date_wins_over_the_sidecar(tmp_path: Path) -> None:
    image = tmp_path / "photo.jpg"
    write_photo(image, when=datetime(2015, 5, 5, 5, 5, tzinfo=timezone.utc), gps=None, make="X", model="Y",
                people=[], keywords=[])
    shutil.copy(IMMICH / "metadata" / "xmp" / "dates" / "2000.xmp", tmp_path / "photo.xmp")
    doc = read_doc(image)
    assert doc.timestamp.year == 2015 and doc.metadata["date_source"] == "exif:DateTimeOriginal"


@needs_corpora
def test_sidecar_title_gps_and_people(tmp_path: Path) -> None:
    image = plain_jpeg(tmp_path / "desk.jpg")
    shutil.copy(PHOTOPRISM / "photoshop.xmp", tmp_path / "desk.jpg.xmp")
    doc = read_doc(image)
    assert doc.title == "Night Shift / Berlin / 2020"
    assert doc.participants == ["Gopher"]
    assert doc.metadata["gps_source"] == "sidecar:xmp"
    assert doc.metadata["place_parts"]["country"] == "Germany"
    assert doc.metadata["rating"] == 4
    assert "Rated 4 stars." in doc.body


@needs_corpora
def test_google_takeout_json(tmp_path: Path) -> None:
    image = plain_jpeg(tmp_path / "23481593101_ef7d55f39d_o.jpg")
    shutil.copy(PHOTOPRISM / "gphotos-1.json", tmp_path / "23481593101_ef7d55f39d_o.jpg.json")
    doc = read_doc(image)
    meta = doc.metadata
    assert meta["date_source"] == "takeout:photoTakenTime"
    assert doc.timestamp == datetime.fromtimestamp(1449418710, tz=timezone.utc)
    assert meta["tz_offset_minutes"] is None
    assert meta["gps"]["lat"] == pytest.approx(52.508522, abs=1e-6)
    assert meta["gps_source"] == "takeout:geoData"
    assert meta["place_parts"]["country"] == "Germany"
    assert meta["description"] == "hdrpl"
    assert doc.title == "Photo 23481593101_ef7d55f39d_o.jpg"  # Takeout's title is just the file name
    assert "Sunday 6 December 2015 16:18 UTC" in doc.body


@needs_corpora
def test_takeout_zero_position_means_no_gps_and_people_are_read(tmp_path: Path) -> None:
    image = plain_jpeg(tmp_path / "harbour.png.jpg")
    raw = (PHOTOPRISM / "gphotos-3.json").read_text("utf-8")
    (tmp_path / "harbour.png.json").write_text(raw.replace('"imageViews"', '"people": [{"name": "Tom"}], "imageViews"'))
    doc = read_doc(image)
    assert doc.metadata["gps"] is None
    assert doc.participants == ["Tom"]
    assert doc.metadata["description"] == "In Hamburg"
    assert doc.title == "Photo harbour.png.jpg"  # "Bei den Landungsbrücken.png" is a file name, not a title


@needs_corpora
def test_exiftool_json_dump_is_not_mistaken_for_takeout() -> None:
    doc = read_doc(PHOTOPRISM / "aurora.jpg")  # aurora.jpg.json next to it is an exiftool dump
    assert doc.metadata["sidecars"] == []


def test_sidecars_and_json_are_not_documents_on_their_own(tmp_path: Path) -> None:
    xmp = tmp_path / "lonely.xmp"
    xmp.write_text('<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>')
    js = tmp_path / "lonely.json"
    js.write_text('{"photoTakenTime": {"timestamp": "1"}}')
    for path in (xmp, js):
        assert READER.sniff(path, read_head(path)) == 0.0


# ---------------------------------------------------------------- GPS edge cases

@needs_corpora
def test_huawei_gps_is_read_like_photoprism_expects() -> None:
    meta = read_doc(PHOTOPRISM / "huawei-gps-error.jpg").metadata
    assert meta["gps"]["lat"] == pytest.approx(48.302776, abs=1e-5)
    assert meta["gps"]["lon"] == pytest.approx(8.9275, abs=1e-5)
    assert meta["gps"]["alt"] == 0.0


@needs_corpora
@pytest.mark.parametrize("path", [IMMICH / "metadata" / "gps-position" / "empty_gps.jpg", PHOTOPRISM / "snow.jpg"])
def test_zero_denominator_gps_blocks_mean_no_gps(path: Path) -> None:
    doc = read_doc(path)
    assert doc.metadata["gps"] is None and doc.metadata["place"] is None
    assert any("GPS" in warning for warning in doc.metadata["warnings"])


@needs_corpora
def test_zero_over_zero_seconds_keep_the_rest_of_the_coordinate() -> None:
    # Nikon writes decimal minutes and 0/0 seconds; metadata-extractor reads 48° 53' 19.41".
    meta = read_doc(ME / "jpg" / "Nikon D5000.jpg").metadata
    assert meta["gps"]["lat"] == pytest.approx(48 + 53 / 60 + 19.41 / 3600, abs=1e-4)


@needs_corpora
def test_out_of_range_gps_is_dropped_with_a_warning() -> None:
    meta = read_doc(PHOTOPRISM / "buggy_panorama.jpg").metadata
    assert meta["gps"] is None
    assert any("out of range" in warning for warning in meta["warnings"])


def test_synthetic_zero_denominator_gps(tmp_path: Path) -> None:
    path = tmp_path / "zero.jpg"
    gps = {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((38, 0), (43, 1), (20, 1)),
           piexif.GPSIFD.GPSLongitudeRef: b"W", piexif.GPSIFD.GPSLongitude: ((9, 1), (8, 1), (21, 1)),
           piexif.GPSIFD.GPSAltitude: (5, 0)}
    exif = piexif.dump({"0th": {}, "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2021:03:04 05:06:07"},
                        "GPS": gps, "1st": {}, "thumbnail": None})
    Image.new("RGB", (8, 8)).save(path, "JPEG", exif=exif)
    doc = read_doc(path)
    assert doc.metadata["gps"] is None
    assert doc.metadata["date_taken"] == "2021-03-04T05:06:07"


# ---------------------------------------------------------------- formats and broken files

@needs_corpora
def test_heic_metadata() -> None:
    meta = read_doc(IANARE / "heic" / "IMG_5195.HEIC").metadata
    assert meta["format"] == "heif" and meta["make"] == "Apple"
    assert meta["date_source"] == "exif:DateTimeOriginal" and meta["gps"] is not None


@needs_corpora
def test_gps_clock_is_a_utc_fallback() -> None:
    doc = read_doc(IMMICH / "metadata" / "dates" / "gps-datetime.jpg")  # only XMP exif:GPSTimeStamp
    assert doc.metadata["date_source"] == "xmp:exif:GPSTimeStamp"
    assert doc.timestamp == datetime(2023, 11, 15, 12, 30, tzinfo=timezone.utc)


def test_image_format_sniffing() -> None:
    assert image_format(b"\xff\xd8\xff\xe0") == "jpeg"
    assert image_format(b"\x89PNG\r\n\x1a\n") == "png"
    assert image_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert image_format(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") == "heif"
    assert image_format(b"\x00\x00\x00\x18ftypqt  \x00\x00\x00\x00qt  ") is None  # a video
    assert image_format(b"%PDF-1.4") is None


def test_truncated_and_corrupt_files_never_crash(tmp_path: Path) -> None:
    good = tmp_path / "good.jpg"
    write_photo(good, when=datetime(2019, 7, 1, 12, 0), gps=(38.7, -9.1, None), make="Canon", model="EOS",
                people=["Ann"], keywords=["k"])
    data = good.read_bytes()
    for cut in (3, 20, 200, len(data) // 2, len(data) - 2):
        path = tmp_path / f"cut{cut}.jpg"
        path.write_bytes(data[:cut])
        item = read_one(path)
        if isinstance(item, Document):
            assert item.metadata["warnings"], f"cut at {cut}: a truncated file must carry a warning"
        else:
            assert item.error
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 4)
    assert isinstance(read_one(garbage), (Document, ReadFailure))
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    item = read_one(empty)
    assert isinstance(item, ReadFailure) and "empty" in item.error


def test_decompression_bomb_header_is_refused_cleanly(tmp_path: Path) -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 200_000, 200_000, 8, 2, 0, 0, 0)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 10))
                     + chunk(b"IEND", b""))
    item = read_one(bomb)
    assert isinstance(item, ReadFailure) and "large" in item.error


@needs_corpora
def test_detect_routes_images_to_the_photo_reader() -> None:
    for path in (IMMICH / "metadata" / "faces" / "portrait.jpg", IMMICH / "formats" / "webp" / "denali.webp",
                 IMMICH / "formats" / "png" / "density_plot.png", PHOTOPRISM / "exif-example.tiff"):
        reader = detect(path)
        assert reader is not None and reader.name == "photos.image", path
    assert detect(IMMICH / "metadata" / "xmp" / "dates" / "2000.xmp") is None or \
        detect(IMMICH / "metadata" / "xmp" / "dates" / "2000.xmp").name != "photos.image"


def test_hostile_xmp_is_not_expanded(tmp_path: Path) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&b;</dc:title>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    data = read_xmp_sidecar(laughs.encode())
    assert data.title is None and data.packets == 0 and data.warnings
    unclosed = b"<x:xmpmeta " * 50_000  # no closing tag anywhere: found in linear time, parsed as nothing
    assert read_xmp_sidecar(unclosed).packets == 0
