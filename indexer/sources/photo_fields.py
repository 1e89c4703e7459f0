"""Everything gathered for one photo (EXIF, XMP, sidecars) and its descriptive fields reconciled
across those sources (MWG order, camera boilerplate dropped), plus the camera's label."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.sources.photo_exif import ExifData, is_boilerplate
from indexer.sources.photo_sidecars import TakeoutData
from indexer.sources.photo_xmp import XmpData, dedupe

IMAGE_NAME_RE = re.compile(r"\.(jpe?g|heic|heif|png|tiff?|webp|gif|dng)$", re.I)


@dataclass
class PhotoSources:
    """Everything gathered for one image before it becomes a Document."""

    exif: ExifData = field(default_factory=ExifData)
    xmp: XmpData = field(default_factory=XmpData)
    sidecar_xmp: XmpData | None = None
    takeout: TakeoutData | None = None
    sidecars: list[str] = field(default_factory=list)
    width: int | None = None
    height: int | None = None
    warnings: list[str] = field(default_factory=list)


def has_metadata(src: PhotoSources) -> bool:
    exif = src.exif
    return any((exif.make, exif.model, exif.capture, exif.gps, src.xmp.packets,
                src.sidecar_xmp is not None, src.takeout is not None))


# ------------------------------------------------------------ assembling
def first_value(*values: Any) -> Any:
    for value in values:
        if value not in (None, "", [], {}):
            return value
    return None


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
class PhotoFields:
    """The reconciled descriptive fields of one photo."""

    title: str | None
    description: str | None
    keywords: list[str]
    people: list[str]
    make: str | None
    model: str | None
    rating: int | None


def reconcile(path: Path, src: PhotoSources) -> PhotoFields:
    exif, xmp, side, takeout = src.exif, src.xmp, src.sidecar_xmp, src.takeout
    iptc_first = exif.iptc_stale
    titles = (exif.iptc_title, xmp.title) if iptc_first else (xmp.title, exif.iptc_title)
    descriptions = (exif.iptc_description, xmp.description) if iptc_first else (xmp.description, exif.iptc_description)
    keyword_sets = (exif.iptc_keywords, xmp.keywords) if iptc_first else (xmp.keywords, exif.iptc_keywords)
    takeout_title = None
    if takeout and takeout.title and not _looks_like_file_name(takeout.title, path):
        takeout_title = takeout.title
    title = first_value(*titles, side.title if side else None, takeout_title)
    make = first_value(exif.make, xmp.make, side.make if side else None)
    model = first_value(exif.model, xmp.model, side.model if side else None)
    candidates = (exif.description, *descriptions, side.description if side else None,
                  takeout.description if takeout else None)
    description = first_value(*(text for text in candidates if not _junk_description(text, make, model)))
    if description == title:
        description = None
    people = dedupe(xmp.people + (side.people if side else []) + (takeout.people if takeout else []))
    people_keys = {person.casefold() for person in people}
    keywords = [k for k in dedupe((first_value(*keyword_sets) or []) + (side.keywords if side else []))
                if k.casefold() not in people_keys]
    rating = xmp.rating if xmp.rating is not None else (side.rating if side else None)
    return PhotoFields(title, description, keywords, people, make, model, rating)
