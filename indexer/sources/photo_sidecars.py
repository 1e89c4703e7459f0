"""Sidecar files next to a photo: XMP (``photo.jpg.xmp`` / ``photo.xmp``) and Google Takeout JSON.

Takeout JSON (``photo.jpg.json``, ``photo.json``, ``photo.jpg.supplemental-metadata.json``) gives
``photoTakenTime.timestamp`` (UTC epoch seconds), ``geoData`` (0,0 means "no position"),
``people[].name``, ``title`` (usually just the file name) and ``description``. Other JSON files
(e.g. exiftool dumps) are recognised as not-Takeout and ignored.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from indexer.sources.photo_xmp import XmpData, read_xmp_sidecar

MAX_SIDECAR_BYTES = 8 * 1024 * 1024
TAKEOUT_KEYS = ("photoTakenTime", "geoData", "geoDataExif", "creationTime", "people")


@dataclass
class TakeoutData:
    """The useful part of one Google Takeout JSON sidecar."""

    path: Path
    taken: datetime | None = None  # aware, UTC
    gps: dict[str, float] | None = None
    people: list[str] = field(default_factory=list)
    title: str | None = None
    description: str | None = None


def _candidates(image: Path, suffixes: tuple[str, ...]) -> list[Path]:
    out: list[Path] = []
    for suffix in suffixes:
        out.append(image.with_name(image.name + suffix))
        out.append(image.with_suffix(suffix))
    seen: set[Path] = set()
    unique = []
    for candidate in out:
        if candidate != image and candidate not in seen:
            seen.add(candidate)
            unique.append(candidate)
    return unique


def _read_small(path: Path) -> bytes | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_SIDECAR_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def find_xmp_sidecar(image: Path) -> tuple[Path, XmpData] | None:
    """The first readable XMP sidecar for ``image`` (photo.jpg.xmp before photo.xmp)."""
    for candidate in _candidates(image, (".xmp", ".XMP")):
        raw = _read_small(candidate)
        if raw is None:
            continue
        data = read_xmp_sidecar(raw)
        if data.packets:
            return candidate, data
    return None


def parse_takeout(raw: bytes, path: Path) -> TakeoutData | None:
    """Parse Takeout JSON bytes; None when the JSON is not a Takeout photo sidecar."""
    try:
        doc = json.loads(raw.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or not any(key in doc for key in TAKEOUT_KEYS):
        return None
    data = TakeoutData(path=path)
    for key in ("photoTakenTime", "creationTime"):
        data.taken = _epoch(doc.get(key))
        if data.taken is not None:
            break
    for key in ("geoData", "geoDataExif"):
        data.gps = _geo(doc.get(key))
        if data.gps is not None:
            break
    people = doc.get("people")
    if isinstance(people, list):
        for person in people:
            name = person.get("name") if isinstance(person, dict) else None
            if isinstance(name, str) and name.strip():
                data.people.append(name.strip())
    title = doc.get("title")
    if isinstance(title, str) and title.strip():
        data.title = title.strip()
    description = doc.get("description")
    if isinstance(description, str) and description.strip():
        data.description = description.strip()
    return data


def _epoch(block: Any) -> datetime | None:
    if not isinstance(block, dict):
        return None
    try:
        seconds = int(str(block.get("timestamp", "")).strip())
        if seconds <= 0:
            return None
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def _geo(block: Any) -> dict[str, float] | None:
    if not isinstance(block, dict):
        return None
    try:
        lat, lon = float(block.get("latitude")), float(block.get("longitude"))
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or (lat, lon) == (0.0, 0.0):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    gps = {"lat": round(lat, 7), "lon": round(lon, 7)}
    try:
        alt = float(block.get("altitude"))
        if math.isfinite(alt) and alt != 0.0:
            gps["alt"] = round(alt, 2)
    except (TypeError, ValueError):
        pass
    return gps


def find_takeout_json(image: Path) -> TakeoutData | None:
    """The first Takeout JSON sidecar for ``image``, if any."""
    for candidate in _candidates(image, (".json", ".supplemental-metadata.json")):
        raw = _read_small(candidate)
        if raw is None:
            continue
        data = parse_takeout(raw, candidate)
        if data is not None:
            return data
    return None
