"""One photo's Document: the capture time (by the fallback order in ``photos``), GPS and place,
and a body sentence that mentions only what exists."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from indexer.document import Document
from indexer.sources.photo_fields import PhotoFields, PhotoSources, camera_label, reconcile
from indexer.sources.photo_xmp import dedupe


@dataclass
class _When:
    """The chosen date: aware instant, original offset, ISO text, source, and how to phrase it."""

    moment: datetime
    offset_minutes: int | None
    iso: str
    source: str
    is_capture: bool = True  # False for the file-mtime fallback
    utc_clock: bool = False  # True when only a UTC instant is known (GPS clock, Takeout, mtime)


def _capture(src: PhotoSources, mtime: float) -> _When:
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


def _gps(src: PhotoSources) -> tuple[dict[str, float] | None, str | None]:
    candidates = [(src.exif.gps, "exif"), (src.xmp.gps, "xmp")]
    if src.sidecar_xmp is not None:
        candidates.append((src.sidecar_xmp.gps, "sidecar:xmp"))
    if src.takeout is not None:
        candidates.append((src.takeout.gps, "takeout:geoData"))
    for gps, source in candidates:
        if gps:
            return gps, source
    return None, None


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


def _body(when: _When, place: Any, gps: dict[str, float] | None, fields: PhotoFields) -> str:
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


def build_document(path: Path, fmt: str, mtime: float, src: PhotoSources) -> Document:
    side = src.sidecar_xmp
    warnings_out = dedupe(src.warnings + src.exif.warnings + (side.warnings if side else []))
    when = _capture(src, mtime)
    gps, gps_source = _gps(src)
    place = _place(gps, warnings_out)
    fields = reconcile(path, src)
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
