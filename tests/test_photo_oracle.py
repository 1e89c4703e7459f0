"""Oracle test: the photo reader against metadata-extractor and exiftool dumps, plus a crash sweep.

Compared fields: EXIF DateTimeOriginal, GPS latitude/longitude (within 1e-4 degrees), Make and
Model (whitespace-stripped). A field missing from the oracle is not compared. Run with ``-s`` to
see the agreement table and the sweep counts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from indexer.document import Document, ReadFailure
from indexer.sources.base import detect

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
ME_ROOT = CORPORA / "photos-metadata-extractor-images"
ET_ROOT = CORPORA / "photos-exiftool-t-images" / "t"
FIELDS = ("date_original", "gps_lat", "gps_lon", "make", "model")
GPS_TOLERANCE = 1e-4

# Oracle values we deliberately do not compare, with the reason. Keyed by (oracle, image name, field).
EXCLUDED: dict[tuple[str, str, str], str] = {}

pytestmark = pytest.mark.skipif(
    not ME_ROOT.is_dir() or not ET_ROOT.is_dir(),
    reason=f"photo corpora not found under {CORPORA} (expected ../shared/corpora next to the repo)",
)


@dataclass
class Expected:
    oracle: str
    image: Path
    values: dict[str, object] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # field -> reason


# ---------------------------------------------------------------- oracle parsing

_ME_LINE = re.compile(r"^\[(?P<dir>[^\]]+?) - 0x(?P<tag>[0-9a-f]+)\] (?P<name>.+?) = (?P<value>.*)$")
_ET_LINE = re.compile(r"^\[(?P<family>[^,\]]+), (?P<group>[^,\]]+), [^\]]+\] (?P<tag>\S+) - [^:]+: (?P<value>.*)$")
_ME_DMS = re.compile(r"^(-?)(\d+)° (\d+)' ([\d.]+)\"$")
_ET_COORD = re.compile(r"^(\d+(?:\.\d+)?) (?:deg|degrees)(?: (\d+(?:\.\d+)?)(?:'| minutes))?(?: (\d+(?:\.\d+)?)\")?$")


def _oracle_date(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _me_dms(text: str) -> float | None:
    match = _ME_DMS.match(text.strip())
    if not match:
        return None
    sign, deg, minutes, seconds = match.groups()
    value = int(deg) + int(minutes) / 60 + float(seconds) / 3600
    return -value if sign else value


def _add_date(exp: Expected, text: str) -> None:
    parsed = _oracle_date(text)
    if parsed is None:
        exp.skipped["date_original"] = f"oracle date {text!r} is not a valid date"
    else:
        exp.values["date_original"] = parsed


def _add_text(exp: Expected, name: str, value: str | None) -> None:
    if value is not None and value.strip():  # an empty oracle value counts as absent
        exp.values[name] = value.strip()


def _add_gps(exp: Expected, lat: float | None, lon: float | None, raw: str) -> None:
    if lat is None or lon is None:
        exp.skipped["gps_lat"] = exp.skipped["gps_lon"] = f"oracle GPS {raw!r} is not a full coordinate"
    elif lat == 0.0 and lon == 0.0:
        reason = "oracle GPS is 0,0: the reader drops it on purpose as the cameras' no-fix placeholder"
        exp.skipped["gps_lat"] = exp.skipped["gps_lon"] = reason
    else:
        exp.values["gps_lat"], exp.values["gps_lon"] = lat, lon


def metadata_extractor_expectations() -> list[Expected]:
    out = []
    for txt in sorted(ME_ROOT.glob("*/metadata/java/*.txt")):
        image = txt.parent.parent.parent / txt.name[: -len(".txt")]
        if not image.is_file():
            continue
        exp = Expected("metadata-extractor", image)
        found: dict[tuple[str, str], str] = {}
        for line in txt.read_text("utf-8", errors="replace").splitlines():
            match = _ME_LINE.match(line)
            if match:
                found.setdefault((match["dir"], match["tag"]), match["value"])
        _add_text(exp, "make", found.get(("Exif IFD0", "010f")))
        _add_text(exp, "model", found.get(("Exif IFD0", "0110")))
        if ("Exif SubIFD", "9003") in found:
            _add_date(exp, found[("Exif SubIFD", "9003")])
        if ("GPS", "0002") in found or ("GPS", "0004") in found:
            lat_raw, lon_raw = found.get(("GPS", "0002"), ""), found.get(("GPS", "0004"), "")
            _add_gps(exp, _me_dms(lat_raw), _me_dms(lon_raw), f"{lat_raw} / {lon_raw}")
        out.append(exp)
    return out


def _et_coord(text: str, ref: str) -> float | None:
    match = _ET_COORD.match(text.strip())
    if not match:
        return None
    deg, minutes, seconds = match.groups()
    value = float(deg) + (float(minutes) / 60 if minutes else 0) + (float(seconds) / 3600 if seconds else 0)
    return -value if ref.strip().lower() in ("south", "west") else value


def _exiftool_image(out_file: Path, lines: list[str]) -> Path | None:
    for line in lines:
        if "FileName - File Name:" in line:
            candidate = ET_ROOT / "images" / line.split(":", 1)[1].strip()
            return candidate if candidate.is_file() else None
    stem = out_file.name[: -len("_2.out")]
    candidates = [p for p in (ET_ROOT / "images").glob(f"{stem}.*") if p.is_file()]
    return candidates[0] if len(candidates) == 1 else None


def exiftool_expectations() -> list[Expected]:
    out = []
    for out_file in sorted(ET_ROOT.glob("*_2.out")):
        lines = out_file.read_text("utf-8", errors="replace").splitlines()
        image = _exiftool_image(out_file, lines)
        if image is None:
            continue
        exp = Expected("exiftool", image)
        found: dict[tuple[str, str], str] = {}
        for line in lines:
            match = _ET_LINE.match(line)
            if match and match["family"] == "EXIF":
                found.setdefault((match["group"], match["tag"]), match["value"])
        _add_text(exp, "make", found.get(("IFD0", "271")))
        _add_text(exp, "model", found.get(("IFD0", "272")))
        if ("ExifIFD", "36867") in found:
            _add_date(exp, found[("ExifIFD", "36867")])
        if ("GPS", "2") in found or ("GPS", "4") in found:
            lat_raw, lon_raw = found.get(("GPS", "2"), ""), found.get(("GPS", "4"), "")
            lat = _et_coord(lat_raw, found.get(("GPS", "1"), ""))
            lon = _et_coord(lon_raw, found.get(("GPS", "3"), ""))
            _add_gps(exp, lat, lon, f"{lat_raw} / {lon_raw}")
        out.append(exp)
    return out


# ---------------------------------------------------------------- comparison

def _actual(doc: Document) -> dict[str, object]:
    meta = doc.metadata
    values: dict[str, object] = {}
    if meta.get("date_source") == "exif:DateTimeOriginal" and meta.get("date_taken"):
        values["date_original"] = datetime.fromisoformat(meta["date_taken"][:19])
    gps = meta.get("gps") if meta.get("gps_source") == "exif" else None
    if gps:
        values["gps_lat"], values["gps_lon"] = gps["lat"], gps["lon"]
    for key in ("make", "model"):
        if meta.get(key):
            values[key] = " ".join(str(meta[key]).split())
    return values


def _agrees(name: str, expected: object, actual: object) -> bool:
    if actual is None:
        return False
    if name.startswith("gps"):
        return abs(float(expected) - float(actual)) <= GPS_TOLERANCE  # type: ignore[arg-type]
    if name in ("make", "model"):
        return " ".join(str(expected).split()) == actual
    return expected == actual


def _read_photo(image: Path) -> Document | ReadFailure | None:
    reader = detect(image)
    if reader is None or reader.name != "photos.image":
        return None
    items = list(reader.read(image))
    return items[0] if items else None


def test_agreement_with_metadata_extractor_and_exiftool() -> None:
    expectations = metadata_extractor_expectations() + exiftool_expectations()
    assert len(expectations) > 100, "oracle files were not found or not parsed"
    tally = {(o, f): [0, 0] for o in ("metadata-extractor", "exiftool") for f in FIELDS}
    mismatches: list[str] = []
    not_mine = skipped = 0
    for exp in expectations:
        item = _read_photo(exp.image)
        if item is None:
            not_mine += 1  # a format the photo reader does not handle (GIF, PSD, RAW containers...)
            continue
        actual = _actual(item) if isinstance(item, Document) else {}
        for name, expected in exp.values.items():
            reason = EXCLUDED.get((exp.oracle, exp.image.name, name))
            if reason:
                skipped += 1
                continue
            ok = _agrees(name, expected, actual.get(name))
            tally[(exp.oracle, name)][0] += ok
            tally[(exp.oracle, name)][1] += 1
            if not ok:
                mismatches.append(f"{exp.oracle}: {exp.image.name}: {name}: expected {expected!r}, got {actual.get(name)!r}"
                                  + (f" (failure: {item.error})" if isinstance(item, ReadFailure) else ""))
        skipped += len(exp.skipped)
    print(f"\n{'oracle':<20}{'field':<15}{'agree':>7}{'total':>7}{'rate':>9}")
    per_field: dict[str, list[int]] = {f: [0, 0] for f in FIELDS}
    for (oracle, name), (agree, total) in tally.items():
        per_field[name][0] += agree
        per_field[name][1] += total
        if total:
            print(f"{oracle:<20}{name:<15}{agree:>7}{total:>7}{agree / total:>9.2%}")
    for name, (agree, total) in per_field.items():
        if total:
            print(f"{'(both)':<20}{name:<15}{agree:>7}{total:>7}{agree / total:>9.2%}")
    agree_all = sum(a for a, _ in per_field.values())
    total_all = sum(t for _, t in per_field.values())
    print(f"{'overall':<35}{agree_all:>7}{total_all:>7}{agree_all / total_all:>9.2%}")
    print(f"oracle images not handled by photos.image: {not_mine}; oracle values not compared: {skipped}")
    for line in mismatches:
        print("MISMATCH", line)
    assert total_all > 200
    assert agree_all / total_all >= 0.99, "\n".join(mismatches)


def test_sweep_every_photo_corpus_file_without_crashing() -> None:
    print()
    total_docs = 0
    for corpus in sorted(CORPORA.glob("photos-*")):
        counts = {"files": 0, "documents": 0, "failures": 0, "undetected": 0, "other_reader": 0, "raised": 0}
        crashes: list[str] = []
        for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
            counts["files"] += 1
            reader = detect(path)
            if reader is None:
                counts["undetected"] += 1
                continue
            if reader.name != "photos.image":
                counts["other_reader"] += 1
                continue
            try:
                for item in reader.read(path):
                    if isinstance(item, Document):
                        counts["documents"] += 1
                        assert item.kind == "photo" and item.body and item.timestamp is not None
                        assert item.timestamp.tzinfo is not None
                    else:
                        counts["failures"] += 1
                        assert item.error
            except AssertionError:
                raise
            except Exception as exc:  # the photo reader must never raise
                counts["raised"] += 1
                crashes.append(f"{path}: {type(exc).__name__}: {exc}")
        total_docs += counts["documents"]
        print(corpus.name, counts)
        assert not crashes, "\n".join(crashes)
    assert total_docs > 200
