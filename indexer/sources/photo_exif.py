"""EXIF and IPTC extraction for photos: capture date + offset, GPS, camera, orientation, IPTC text.

Pillow (``getexif`` + the Exif and GPS IFDs, ``IptcImagePlugin.getiptcinfo``) is the primary
parser; ``exifread`` is the fallback when Pillow cannot open the file or its EXIF block. Every
value is validated: unparsable dates, NaN / out-of-range / zero-denominator GPS values and empty
GPS blocks yield "absent", never an exception.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import Image

EXIF_IFD = 0x8769
GPS_IFD = 0x8825

TAG_MAKE, TAG_MODEL, TAG_ORIENTATION, TAG_DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
TAG_IMAGE_DESCRIPTION = 0x010E
TAG_DTO, TAG_DTD = 0x9003, 0x9004
TAG_OFFSET, TAG_OFFSET_ORIGINAL, TAG_OFFSET_DIGITIZED = 0x9010, 0x9011, 0x9012
TAG_PIXEL_X, TAG_PIXEL_Y = 0xA002, 0xA003

_DATE_RE = re.compile(
    r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})"
    r"(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
_OFFSET_RE = re.compile(r"^\s*([+-])(\d{1,2}):?(\d{2})\s*$")

# Placeholder descriptions that cameras write into ImageDescription; they are not titles.
_BOILERPLATE = {"", "default", "olympus digital camera", "sony dsc", "digital camera",
                "exif_jpeg_picture", "minolta digital camera", "camera", "image", "untitled",
                "lg digital camera", "samsung digital camera", "kodak digital still camera"}


@dataclass
class CaptureTime:
    """A wall-clock capture time and, when the source says so, its UTC offset in minutes."""

    local: datetime  # naive wall-clock time
    offset_minutes: int | None
    source: str  # e.g. "exif:DateTimeOriginal"
    utc_instant: bool = False  # a UTC clock (GPS time, Takeout): exact instant, local offset unknown

    def aware(self) -> datetime:
        """The instant: with the recorded offset, or the wall clock taken as UTC when there is none."""
        tz = timezone(timedelta(minutes=self.offset_minutes)) if self.offset_minutes is not None else timezone.utc
        return self.local.replace(tzinfo=tz)

    def iso(self) -> str:
        if self.offset_minutes is None:
            return self.local.isoformat()
        return self.aware().isoformat()


@dataclass
class ExifData:
    """What EXIF/IPTC told us about one image; absent values are None / empty."""

    make: str | None = None
    model: str | None = None
    orientation: int | None = None
    capture: CaptureTime | None = None
    gps: dict[str, float] | None = None  # {"lat", "lon"} and maybe "alt"
    width: int | None = None
    height: int | None = None
    description: str | None = None  # EXIF ImageDescription (camera boilerplate dropped)
    iptc_title: str | None = None
    iptc_description: str | None = None
    iptc_keywords: list[str] = field(default_factory=list)
    iptc_date: CaptureTime | None = None
    gps_time: CaptureTime | None = None  # GPSDateStamp + GPSTimeStamp (UTC)
    iptc_stale: bool = False  # the Photoshop IPTC digest does not match: IPTC was edited after XMP (MWG)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- value helpers

def clean_text(value: Any) -> str | None:
    """Decode bytes, strip NULs and whitespace; None for empty or non-text values."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value).split(b"\x00", 1)[0]
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = raw.decode("latin-1")
    if isinstance(value, (list, tuple)):
        return None
    text = str(value).split("\x00", 1)[0].strip()  # C strings: stop at the first NUL
    return text or None


def parse_offset(value: Any) -> int | None:
    """'+01:00' / '-0530' → minutes; None when absent or implausible."""
    text = clean_text(value)
    if not text:
        return None
    match = _OFFSET_RE.match(text)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > 14 * 60:
        return None
    return -total if sign == "-" else total


def parse_datetime(value: Any, offset: Any = None, source: str = "") -> CaptureTime | None:
    """Parse an EXIF ('2009:08:20 08:12:18') or ISO-8601 date; a trailing offset wins over ``offset``.

    Date-only values ('2012-05-03') are accepted at midnight; anything invalid (0000:00:00,
    blanks, month 13) gives None.
    """
    text = clean_text(value)
    if not text:
        return None
    match = _DATE_RE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, tz_text = match.groups()
    try:
        local = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    if local.year < 1800:
        return None
    offset_minutes = None
    if tz_text:
        offset_minutes = 0 if tz_text == "Z" else parse_offset(tz_text)
    if offset_minutes is None and offset is not None:
        offset_minutes = parse_offset(offset)
    return CaptureTime(local=local, offset_minutes=offset_minutes, source=source)


def _to_float(value: Any) -> float | None:
    """A finite float from an int, float, IFDRational, (num, den) pair or exifread Ratio."""
    try:
        if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
            num, den = value
            return None if den == 0 else num / den
        if hasattr(value, "denominator") and getattr(value, "denominator") == 0:
            return None
        result = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def _dms_to_degrees(value: Any) -> float | None:
    """Degrees/minutes/seconds (1 to 3 rationals, or one decimal value) → decimal degrees."""
    if value is None or isinstance(value, (str, bytes)):
        return None
    parts = list(value) if isinstance(value, (list, tuple)) else [value]
    if not parts or len(parts) > 3:
        return None
    numbers = [_to_float(p) for p in parts]
    if numbers[0] is None:
        return None
    for index in range(1, len(parts)):
        # 0/0 minutes or seconds (Nikon writes seconds as 0/0 when minutes carry decimals) mean 0;
        # any other zero-denominator or non-finite term makes the whole coordinate unusable.
        if numbers[index] is None:
            if _numerator(parts[index]) == 0:
                numbers[index] = 0.0
            else:
                return None
    degrees = numbers[0] + (numbers[1] / 60 if len(numbers) > 1 else 0) + (numbers[2] / 3600 if len(numbers) > 2 else 0)
    return degrees if math.isfinite(degrees) else None


def _numerator(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 2:
        return value[0]
    return getattr(value, "numerator", None)


def _ref(value: Any) -> str:
    text = clean_text(value)
    return text[0].upper() if text else ""


def gps_from_values(lat: Any, lat_ref: Any, lon: Any, lon_ref: Any,
                    alt: Any = None, alt_ref: Any = None) -> tuple[dict[str, float] | None, list[str]]:
    """Combine raw GPS tag values into {"lat", "lon", "alt"?}; None (with a warning) when unusable."""
    warnings: list[str] = []
    if lat is None and lon is None:
        return None, warnings
    lat_deg, lon_deg = _dms_to_degrees(lat), _dms_to_degrees(lon)
    if lat_deg is None or lon_deg is None:
        warnings.append("GPS position present but unreadable (missing part or zero denominator)")
        return None, warnings
    if _ref(lat_ref) == "S":
        lat_deg = -abs(lat_deg)
    if _ref(lon_ref) == "W":
        lon_deg = -abs(lon_deg)
    if not (-90.0 <= lat_deg <= 90.0 and -180.0 <= lon_deg <= 180.0):
        warnings.append(f"GPS position out of range ({lat_deg:.5f}, {lon_deg:.5f})")
        return None, warnings
    if lat_deg == 0.0 and lon_deg == 0.0:
        warnings.append("GPS position 0,0 ignored (no-fix placeholder)")
        return None, warnings
    result = {"lat": round(lat_deg, 7), "lon": round(lon_deg, 7)}
    altitude = _to_float(alt[0] if isinstance(alt, (list, tuple)) and len(alt) == 1 else alt)
    if altitude is not None and abs(altitude) < 100_000:
        ref = alt_ref
        if isinstance(ref, (bytes, bytearray)):
            ref = ref[0] if ref else 0
        if isinstance(ref, (list, tuple)):
            ref = ref[0] if ref else 0
        try:
            below = int(ref or 0) == 1
        except (TypeError, ValueError):
            below = False
        result["alt"] = round(-abs(altitude) if below else altitude, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    return result, warnings


def _positive_int(value: Any) -> int | None:
    number = _to_float(value)
    if number is None or number <= 0 or number > 1_000_000 or number != int(number):
        return None
    return int(number)


def is_boilerplate(text: str | None) -> bool:
    """True for empty text and the placeholder captions cameras write ('SONY DSC', 'OLYMPUS DIGITAL CAMERA')."""
    return text is None or " ".join(text.split()).lower() in _BOILERPLATE


def _description(value: Any) -> str | None:
    text = clean_text(value)
    return None if is_boilerplate(text) else text


def gps_datetime(date_value: Any, time_value: Any) -> CaptureTime | None:
    """GPSDateStamp ('2023:10:10') + GPSTimeStamp (h, m, s rationals) → a UTC CaptureTime."""
    date_text = clean_text(date_value)
    if not date_text or not isinstance(time_value, (tuple, list)) or len(time_value) != 3:
        return None
    numbers = [_to_float(part) for part in time_value]
    if any(n is None for n in numbers):
        return None
    hours, minutes, seconds = (int(n) for n in numbers)  # type: ignore[arg-type]
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 61):
        return None
    stamp = f"{date_text} {hours:02d}:{minutes:02d}:{min(seconds, 59):02d}"
    parsed = parse_datetime(stamp, "+00:00", "exif:GPSDateStamp")
    if parsed is not None:
        parsed.utc_instant = True
    return parsed


# ---------------------------------------------------------------- Pillow path

def read_exif_pillow(image: Image.Image) -> ExifData:
    """Read EXIF + IPTC through Pillow; raises only if Pillow cannot decode the EXIF block at all."""
    data = ExifData()
    exif = image.getexif()
    try:
        sub = dict(exif.get_ifd(EXIF_IFD))
    except Exception as exc:  # a broken sub-IFD must not lose IFD0
        sub = {}
        data.warnings.append(f"unreadable Exif IFD: {exc}")
    try:
        gps = dict(exif.get_ifd(GPS_IFD))
    except Exception as exc:
        gps = {}
        data.warnings.append(f"unreadable GPS IFD: {exc}")

    data.make = clean_text(exif.get(TAG_MAKE))
    data.model = clean_text(exif.get(TAG_MODEL))
    orientation = exif.get(TAG_ORIENTATION)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        data.orientation = orientation
    data.description = _description(exif.get(TAG_IMAGE_DESCRIPTION))
    data.width = _positive_int(sub.get(TAG_PIXEL_X))
    data.height = _positive_int(sub.get(TAG_PIXEL_Y))
    data.capture = _best_capture(
        (sub.get(TAG_DTO), sub.get(TAG_OFFSET_ORIGINAL), "exif:DateTimeOriginal"),
        (sub.get(TAG_DTD), sub.get(TAG_OFFSET_DIGITIZED), "exif:DateTimeDigitized"),
        (exif.get(TAG_DATETIME), sub.get(TAG_OFFSET), "exif:DateTime"),
    )
    if gps:
        position, warnings = gps_from_values(gps.get(2), gps.get(1), gps.get(4), gps.get(3), gps.get(6), gps.get(5))
        data.gps = position
        data.warnings.extend(warnings)
        data.gps_time = gps_datetime(gps.get(29), gps.get(7))
    _read_iptc(image, data)
    return data


def _best_capture(*candidates: tuple[Any, Any, str]) -> CaptureTime | None:
    for value, offset, source in candidates:
        parsed = parse_datetime(value, offset, source)
        if parsed is not None:
            return parsed
    return None


def _iptc_text(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    texts = []
    for item in items:
        if isinstance(item, (bytes, bytearray)):
            try:
                text = bytes(item).decode("utf-8")
            except UnicodeDecodeError:
                text = bytes(item).decode("cp1252", errors="replace")
        else:
            text = str(item)
        text = text.replace("\x00", "").strip()
        if text:
            texts.append(text)
    return texts


def _read_iptc(image: Image.Image, data: ExifData) -> None:
    try:
        from PIL import IptcImagePlugin

        info = IptcImagePlugin.getiptcinfo(image)  # type: ignore[arg-type]
    except Exception as exc:
        data.warnings.append(f"unreadable IPTC block: {exc}")
        return
    if not info:
        return
    object_name = _iptc_text(info.get((2, 5)))
    headline = _iptc_text(info.get((2, 105)))
    caption = _iptc_text(info.get((2, 120)))
    data.iptc_title = (object_name or headline or [None])[0]
    data.iptc_description = caption[0] if caption else None
    data.iptc_keywords = _iptc_text(info.get((2, 25)))
    photoshop = getattr(image, "info", {}).get("photoshop")
    if isinstance(photoshop, dict):
        digest, block = photoshop.get(0x0425), photoshop.get(0x0404)
        if isinstance(digest, bytes) and isinstance(block, bytes):
            data.iptc_stale = hashlib.md5(block, usedforsecurity=False).digest() != digest[:16]
    date = _iptc_text(info.get((2, 55)))
    time = _iptc_text(info.get((2, 60)))
    if date and re.fullmatch(r"\d{8}", date[0]):
        d = date[0]
        t = time[0] if time else ""
        iso = f"{d[:4]}-{d[4:6]}-{d[6:8]}"
        tm = re.fullmatch(r"(\d{2})(\d{2})(\d{2})([+-]\d{4})?", t)
        if tm:
            iso += f"T{tm.group(1)}:{tm.group(2)}:{tm.group(3)}{tm.group(4) or ''}"
        data.iptc_date = parse_datetime(iso, source="iptc:DateCreated")


# ---------------------------------------------------------------- exifread fallback

def read_exif_exifread(raw: bytes) -> ExifData:
    """Read EXIF with exifread from the file bytes (used when Pillow fails)."""
    import io
    import logging

    import exifread

    logging.getLogger("exifread").setLevel(logging.CRITICAL)
    data = ExifData()
    tags = exifread.process_file(io.BytesIO(raw), details=False, strict=False)

    def value(key: str) -> Any:
        tag = tags.get(key)
        if tag is None:
            return None
        values = getattr(tag, "values", None)
        return values if values is not None else str(tag)

    def text(key: str) -> str | None:
        tag = tags.get(key)
        return clean_text(tag.printable) if tag is not None else None

    data.make = text("Image Make")
    data.model = text("Image Model")
    orientation = value("Image Orientation")
    if isinstance(orientation, list) and orientation and isinstance(orientation[0], int) and 1 <= orientation[0] <= 8:
        data.orientation = orientation[0]
    data.description = _description(text("Image ImageDescription"))
    data.capture = _best_capture(
        (text("EXIF DateTimeOriginal"), text("EXIF OffsetTimeOriginal"), "exif:DateTimeOriginal"),
        (text("EXIF DateTimeDigitized"), text("EXIF OffsetTimeDigitized"), "exif:DateTimeDigitized"),
        (text("Image DateTime"), text("EXIF OffsetTime"), "exif:DateTime"),
    )
    if any(k.startswith("GPS ") for k in tags):
        position, warnings = gps_from_values(
            _ratios(value("GPS GPSLatitude")), text("GPS GPSLatitudeRef"),
            _ratios(value("GPS GPSLongitude")), text("GPS GPSLongitudeRef"),
            _ratios(value("GPS GPSAltitude")), value("GPS GPSAltitudeRef"),
        )
        data.gps = position
        data.warnings.extend(warnings)
        data.gps_time = gps_datetime(text("GPS GPSDate"), _ratios(value("GPS GPSTimeStamp")))
    return data


def _ratios(values: Any) -> Any:
    """exifread Ratio list → tuple of (num, den) pairs (zero denominators preserved for rejection)."""
    if not isinstance(values, list):
        return None
    out = []
    for item in values:
        num = getattr(item, "numerator", None)
        den = getattr(item, "denominator", None)
        if num is None or den is None:
            out.append(item)
        else:
            out.append((int(num), int(den)))
    return tuple(out)
