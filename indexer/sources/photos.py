"""Photo reader (``photos.image``): one Document per JPEG, HEIC/HEIF, TIFF, PNG or WebP file.

Images are sniffed by magic bytes. Metadata only: ``Image.open`` parses headers and never
decodes pixels. EXIF/IPTC come from Pillow (exifread as fallback), XMP from the embedded packet
(incl. Extended XMP) and from sidecars; Google Takeout JSON sidecars are read too.
Standalone ``.xmp`` / ``.json`` files are not documents (sniff 0): they only enrich an image.

Capture-time fallback order (``metadata["date_source"]`` records the winner):
  1. EXIF: DateTimeOriginal + OffsetTimeOriginal, then DateTimeDigitized + OffsetTimeDigitized,
     then DateTime (IFD0) + OffsetTime;
  2. embedded XMP: exif:DateTimeOriginal, photoshop:DateCreated, xmp:CreateDate;
  3. IPTC DateCreated + TimeCreated;
  4. the GPS clock (EXIF GPSDateStamp + GPSTimeStamp, XMP exif:GPSTimeStamp; UTC);
  5. sidecars: the XMP sidecar (same order as 2 and 4), then Takeout ``photoTakenTime`` (UTC);
  6. the file's modification time (UTC).
``date_source`` values look like ``exif:DateTimeOriginal``, ``xmp:photoshop:DateCreated``,
``sidecar:xmp:xmp:CreateDate``, ``takeout:photoTakenTime``, ``file:mtime``; ``time_is_file_mtime`` is True
for the last (search ranks such photos after every real capture date in time order).
A date with an offset gives an aware timestamp and ``tz_offset_minutes``; a date without one is a
local wall-clock time: ``tz_offset_minutes`` is None and the wall clock is stored as UTC.
UTC-only sources (GPS clock, Takeout, mtime) give the exact instant, ``tz_offset_minutes`` None.
Text fields follow MWG: XMP wins over IPTC unless the IPTC digest shows IPTC was edited later;
a real EXIF ImageDescription wins for the description; camera boilerplate captions are dropped.
GPS: EXIF, then embedded XMP, then XMP sidecar, then Takeout geoData; unusable positions
(zero denominators, NaN, out of range, 0,0, empty blocks) count as "no GPS" with a warning.
"""
from __future__ import annotations

import io
import logging
import re
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, UnidentifiedImageError

from indexer.document import Document, ReadFailure
from indexer.sources.base import ReadItem
from indexer.sources.photo_exif import ExifData, is_boilerplate, read_exif_exifread, read_exif_pillow
from indexer.sources.photo_sidecars import TakeoutData, find_takeout_json, find_xmp_sidecar
from indexer.sources.photo_xmp import XmpData, dedupe, embedded_packets, parse_packets

log = logging.getLogger(__name__)

try:  # HEIC/HEIF support is optional at import time; without it HEIC files fall back to exifread.
    import pillow_heif

    pillow_heif.register_heif_opener()
except Exception:  # pragma: no cover - depends on the environment
    log.warning("pillow-heif unavailable: HEIC/HEIF metadata will be limited")

MAX_READ_BYTES = 256 * 1024 * 1024
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
               b"mif1", b"msf1", b"mif2", b"avif", b"avis"}
VIDEO_BRANDS = {b"qt  ", b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"M4V ",
                b"M4A ", b"3gp4", b"3gp5", b"3g2a", b"avc1", b"dash", b"crx "}
IMAGE_NAME_RE = re.compile(r"\.(jpe?g|heic|heif|png|tiff?|webp|gif|dng)$", re.I)


def image_format(head: bytes) -> str | None:
    """'jpeg' | 'png' | 'tiff' | 'webp' | 'heif' from the first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        major = head[8:12]
        if major in VIDEO_BRANDS:
            return None
        box_size = int.from_bytes(head[:4], "big")
        brands = {major} | {head[i:i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
        if brands & HEIF_BRANDS:
            return "heif"
    return None


@dataclass
class _Sources:
    """Everything gathered for one image before it becomes a Document."""

    exif: ExifData = field(default_factory=ExifData)
    xmp: XmpData = field(default_factory=XmpData)
    sidecar_xmp: XmpData | None = None
    takeout: TakeoutData | None = None
    sidecars: list[str] = field(default_factory=list)
    width: int | None = None
    height: int | None = None
    warnings: list[str] = field(default_factory=list)


class PhotoReader:
    """Reads capture metadata (not pixels) from image files."""

    name = "photos.image"
    kind = "photo"
    extensions = (".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".webp", ".heic", ".heif", ".avif")

    def sniff(self, path: Path, head: bytes) -> float:
        return 0.9 if image_format(head) else 0.0

    def read(self, path: Path) -> Iterator[ReadItem]:
        path = Path(path)
        try:
            yield self._read_one(path)
        except Exception as exc:  # last line of defence: one bad photo never stops a scan
            log.debug("photo reader crashed on %s", path, exc_info=True)
            yield ReadFailure(str(path), f"could not read photo metadata: {type(exc).__name__}: {exc}", "image")

    # ------------------------------------------------------------ gathering

    def _read_one(self, path: Path) -> Document | ReadFailure:
        try:
            stat = path.stat()
        except OSError as exc:
            return ReadFailure(str(path), f"cannot stat file: {exc}", "image")
        if stat.st_size == 0:
            return ReadFailure(str(path), "empty file", "image")
        with open(path, "rb") as handle:
            head = handle.read(64)
            fmt = image_format(head)
            if fmt is None:
                return ReadFailure(str(path), "not a JPEG, PNG, TIFF, WebP or HEIF image (unrecognised magic bytes)",
                                   "image")
            raw, tail = _read_metadata_bytes(handle, fmt, stat.st_size)
        src = _Sources()
        if fmt != "jpeg" and stat.st_size > MAX_READ_BYTES:
            src.warnings.append(f"only the first {MAX_READ_BYTES // 2**20} MiB were scanned for metadata")
        pillow_error = self._pillow(raw, src)
        if pillow_error is not None and len(raw) < stat.st_size and stat.st_size <= MAX_READ_BYTES:
            # The JPEG header prefix was not enough for Pillow (e.g. MPO frames): retry on the whole file.
            raw = path.read_bytes()
            src = _Sources()
            pillow_error = self._pillow(raw, src)
        if pillow_error is not None:
            src.warnings.append(f"Pillow could not open the image: {pillow_error}")
            try:
                src.exif = read_exif_exifread(raw)
            except Exception as exc:
                src.warnings.append(f"exifread could not read EXIF: {type(exc).__name__}: {exc}")
        if fmt == "jpeg" and _looks_truncated(tail, raw):
            src.warnings.append("JPEG has no end-of-image marker (file truncated?)")
        self._sidecars(path, src)
        if pillow_error is not None and not _has_metadata(src):
            return ReadFailure(str(path), f"unreadable {fmt.upper()} image: {pillow_error}", "image")
        return _build_document(path, fmt, stat.st_mtime, src)

    def _pillow(self, raw: bytes, src: _Sources) -> str | None:
        """Open headers with Pillow and read EXIF/IPTC/XMP; returns an error text when it cannot open."""
        info: dict[str, Any] = {}
        error: str | None = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # DecompressionBombWarning, TIFF/EXIF quirks: metadata only
                with Image.open(io.BytesIO(raw)) as image:
                    src.width, src.height = image.size
                    info = dict(image.info)
                    try:
                        src.exif = read_exif_pillow(image)
                    except Exception as exc:
                        src.warnings.append(f"Pillow EXIF parse failed ({type(exc).__name__}: {exc}); used exifread")
                        try:
                            src.exif = read_exif_exifread(raw)
                        except Exception as exc2:
                            src.warnings.append(f"exifread could not read EXIF: {type(exc2).__name__}: {exc2}")
        except Image.DecompressionBombError as exc:
            error = f"image dimensions are implausibly large ({exc})"
        except UnidentifiedImageError:
            error = "unrecognised or corrupt image header"
        except (OSError, SyntaxError, ValueError, EOFError, KeyError, IndexError, TypeError, struct.error,
                RuntimeError, MemoryError) as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        src.xmp = parse_packets(embedded_packets(raw, info))  # type: ignore[arg-type]
        src.warnings.extend(src.xmp.warnings)
        return error

    def _sidecars(self, path: Path, src: _Sources) -> None:
        found = find_xmp_sidecar(path)
        if found is not None:
            sidecar_path, data = found
            src.sidecar_xmp = data
            src.sidecars.append(str(sidecar_path))
        takeout = find_takeout_json(path)
        if takeout is not None:
            src.takeout = takeout
            src.sidecars.append(str(takeout.path))


def _jpeg_metadata_end(data: bytes) -> int | None:
    """Offset just past the JPEG header segments (SOS header + a little), or None if ``data`` is too short."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return pos  # not a marker: corrupt; hand Pillow what we have
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            pos += 2
            continue
        if marker == 0xD9:
            return pos + 2
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker == 0xDA:
            return pos + 2 + length + 4096
        pos += 2 + length
    return None


def _read_metadata_bytes(handle: BinaryIO, fmt: str, size: int) -> tuple[bytes, bytes]:
    """(bytes to parse, last 64 KiB). JPEG: only the header segments (metadata lives there), else the file."""
    handle.seek(0)
    if fmt != "jpeg":
        raw = handle.read(MAX_READ_BYTES)
        return raw, raw[-65536:]
    raw = handle.read(1 << 20)
    while True:
        end = _jpeg_metadata_end(raw)
        if end is not None or len(raw) >= size or len(raw) >= MAX_READ_BYTES:
            break
        more = handle.read(len(raw))
        if not more:
            break
        raw += more
    if end is not None:
        raw = raw[:end]
    if size <= len(raw):
        return raw, raw[-65536:]
    handle.seek(max(0, size - 65536))
    return raw, handle.read(65536)


_MOTION_PHOTO_MARKERS = (b"MicroVideo", b"MotionPhoto", b"Container:Directory")


def _looks_truncated(tail: bytes, header: bytes) -> bool:
    """No EOI marker near the end, and no known trailer (Samsung SEFT, motion-photo video) explains it."""
    if b"\xff\xd9" in tail or b"SEFT" in tail[-64:]:
        return False
    return not any(marker in header for marker in _MOTION_PHOTO_MARKERS)


def _has_metadata(src: _Sources) -> bool:
    exif = src.exif
    return any((exif.make, exif.model, exif.capture, exif.gps, src.xmp.packets,
                src.sidecar_xmp is not None, src.takeout is not None))


# ------------------------------------------------------------ assembling

def _first(*values: Any) -> Any:
    for value in values:
        if value not in (None, "", [], {}):
            return value
    return None


@dataclass
class _When:
    """The chosen date: aware instant, original offset, ISO text, source, and how to phrase it."""

    moment: datetime
    offset_minutes: int | None
    iso: str
    source: str
    is_capture: bool = True  # False for the file-mtime fallback
    utc_clock: bool = False  # True when only a UTC instant is known (GPS clock, Takeout, mtime)


def _capture(src: _Sources, mtime: float) -> _When:
    side = src.sidecar_xmp
    candidates = [
        (src.exif.capture, ""), (src.xmp.capture, ""), (src.exif.iptc_date, ""),
        (src.exif.gps_time, ""), (src.xmp.gps_time, ""),
        (side.capture if side else None, "sidecar:"), (side.gps_time if side else None, "sidecar:"),
    ]
    for capture, prefix in candidates:
        if capture is None:
            continue
        if capture.utc_instant:
            moment = capture.aware().astimezone(timezone.utc)
            return _When(moment, None, moment.isoformat(), prefix + capture.source, utc_clock=True)
        return _When(capture.aware(), capture.offset_minutes, capture.iso(), prefix + capture.source)
    if src.takeout is not None and src.takeout.taken is not None:
        taken = src.takeout.taken
        return _When(taken, None, taken.isoformat(), "takeout:photoTakenTime", utc_clock=True)
    modified = datetime.fromtimestamp(mtime, tz=timezone.utc)
    return _When(modified, None, modified.isoformat(), "file:mtime", is_capture=False, utc_clock=True)


def _gps(src: _Sources) -> tuple[dict[str, float] | None, str | None]:
    candidates = [(src.exif.gps, "exif"), (src.xmp.gps, "xmp")]
    if src.sidecar_xmp is not None:
        candidates.append((src.sidecar_xmp.gps, "sidecar:xmp"))
    if src.takeout is not None:
        candidates.append((src.takeout.gps, "takeout:geoData"))
    for gps, source in candidates:
        if gps:
            return gps, source
    return None, None


def camera_label(make: str | None, model: str | None) -> str | None:
    """'Apple' + 'iPhone 15 Pro' → 'Apple iPhone 15 Pro'; 'Canon' + 'Canon EOS 7D' → 'Canon EOS 7D'."""
    if not make and not model:
        return None
    if not make:
        return model
    short_make = re.split(r"\s+(?:corporation|corp\.?|co\.?,?\s*ltd\.?|company|imaging|optical|"
                          r"electric|industries|digital\s+solutions)\b", make, maxsplit=1, flags=re.I)[0].strip()
    if not model:
        return short_make or make
    make_words = {word.casefold() for word in re.split(r"[\s,]+", make) if word}
    model_first = model.split()[0].casefold() if model.split() else ""
    if model_first in make_words or model.casefold().startswith(short_make.casefold()):
        return model
    return f"{short_make or make} {model}"


def _format_when(moment: datetime, utc_clock: bool) -> str:
    text = f"{moment:%A} {moment.day} {moment:%B %Y %H:%M}"
    return text + " UTC" if utc_clock else text


def _place(gps: dict[str, float] | None, warnings_out: list[str]) -> Any:
    if not gps:
        return None
    try:
        from indexer.places import reverse_geocode

        return reverse_geocode(gps["lat"], gps["lon"])
    except Exception as exc:  # geocoding is an enrichment; never fail the photo for it
        warnings_out.append(f"reverse geocoding failed: {type(exc).__name__}: {exc}")
        return None


_CAMERA_CAPTION_RE = re.compile(r"^[\w .\-]*\bdigital (still )?camera$|^dcim[\\/]", re.I)


def _junk_description(text: str | None, make: str | None, model: str | None) -> bool:
    """Camera-written captions: empty, 'SONY DSC', 'SANYO DIGITAL CAMERA', the make or model, a DCIM path."""
    if is_boilerplate(text):
        return True
    assert text is not None
    folded = " ".join(text.split()).casefold()
    names = {n.casefold() for n in (make, model) if n}
    if make and model:
        names.add(f"{make} {model}".casefold())
    if make:  # 'SAMSUNG' for make 'SAMSUNG TECHWIN'
        names.update(word.casefold() for word in make.split())
    if folded in names:
        return True
    # '<brand> DIGITAL CAMERA' or a DCIM folder name is a camera caption, not a description.
    return bool(_CAMERA_CAPTION_RE.match(folded)) and len(folded) < 40


def _looks_like_file_name(text: str, path: Path) -> bool:
    return text == path.name or bool(IMAGE_NAME_RE.search(text))


@dataclass
class _Fields:
    """The reconciled descriptive fields of one photo."""

    title: str | None
    description: str | None
    keywords: list[str]
    people: list[str]
    make: str | None
    model: str | None
    rating: int | None


def _reconcile(path: Path, src: _Sources) -> _Fields:
    exif, xmp, side, takeout = src.exif, src.xmp, src.sidecar_xmp, src.takeout
    iptc_first = exif.iptc_stale
    titles = (exif.iptc_title, xmp.title) if iptc_first else (xmp.title, exif.iptc_title)
    descriptions = (exif.iptc_description, xmp.description) if iptc_first else (xmp.description, exif.iptc_description)
    keyword_sets = (exif.iptc_keywords, xmp.keywords) if iptc_first else (xmp.keywords, exif.iptc_keywords)
    takeout_title = None
    if takeout and takeout.title and not _looks_like_file_name(takeout.title, path):
        takeout_title = takeout.title
    title = _first(*titles, side.title if side else None, takeout_title)
    make = _first(exif.make, xmp.make, side.make if side else None)
    model = _first(exif.model, xmp.model, side.model if side else None)
    candidates = (exif.description, *descriptions, side.description if side else None,
                  takeout.description if takeout else None)
    description = _first(*(text for text in candidates if not _junk_description(text, make, model)))
    if description == title:
        description = None
    people = dedupe(xmp.people + (side.people if side else []) + (takeout.people if takeout else []))
    people_keys = {person.casefold() for person in people}
    keywords = [k for k in dedupe((_first(*keyword_sets) or []) + (side.keywords if side else []))
                if k.casefold() not in people_keys]
    rating = xmp.rating if xmp.rating is not None else (side.rating if side else None)
    return _Fields(title, description, keywords, people, make, model, rating)


def _body(when: _When, place: Any, gps: dict[str, float] | None, fields: _Fields) -> str:
    """A sentence a person would search with; it mentions only what exists."""
    when_text = _format_when(when.moment, when.utc_clock)  # wall clock at the recorded offset
    first = f"Photo taken {when_text}" if when.is_capture else f"Photo (file dated {when_text})"
    if place is not None:
        first += f" in {place.short_label()}"
    elif gps:
        first += f" at coordinates {gps['lat']:.5f}, {gps['lon']:.5f}"
    camera = camera_label(fields.make, fields.model)
    if camera:
        first += f" with {camera}"
    sentences = [first + "."]
    if fields.title:
        sentences.append(f"Title: {fields.title.rstrip('.')}.")
    if fields.description:
        text = fields.description
        sentences.append(text if text.endswith((".", "!", "?")) else text + ".")
    if fields.people:
        sentences.append("People: " + ", ".join(fields.people) + ".")
    if fields.keywords:
        sentences.append("Keywords: " + ", ".join(fields.keywords) + ".")
    if fields.rating and fields.rating > 0:
        sentences.append(f"Rated {fields.rating} star{'s' if fields.rating != 1 else ''}.")
    return " ".join(sentences)


def _build_document(path: Path, fmt: str, mtime: float, src: _Sources) -> Document:
    side = src.sidecar_xmp
    warnings_out = dedupe(src.warnings + src.exif.warnings + (side.warnings if side else []))
    when = _capture(src, mtime)
    gps, gps_source = _gps(src)
    place = _place(gps, warnings_out)
    fields = _reconcile(path, src)
    metadata: dict[str, Any] = {
        "format": fmt,
        "date_taken": when.iso,
        "date_source": when.source,
        "time_is_file_mtime": not when.is_capture,  # no capture date anywhere: the file's time
        "tz_offset_minutes": when.offset_minutes,
        "gps": gps,
        "gps_source": gps_source,
        "make": fields.make,
        "model": fields.model,
        "orientation": src.exif.orientation,
        "width": src.width or src.exif.width,
        "height": src.height or src.exif.height,
        "title": fields.title,
        "description": fields.description,
        "keywords": fields.keywords,
        "rating": fields.rating,
        "people": fields.people,
        "place": place.label() if place is not None else None,
        "place_parts": place.as_dict() if place is not None else None,
        "sidecars": src.sidecars,
        "warnings": warnings_out,
    }
    return Document(
        kind="photo",
        source_path=str(path),
        locator="image",
        title=fields.title or f"Photo {path.name}",
        body=_body(when, place, gps, fields),
        timestamp=when.moment,
        participants=fields.people,
        metadata=metadata,
    )


READER = PhotoReader()
