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

The work is split by job: ``photo_bytes`` (format, metadata bytes), ``photo_exif`` / ``photo_xmp`` /
``photo_sidecars`` (the metadata sources), ``photo_fields`` (reconciling them) and
``photo_document`` (capture time, place, the Document); this module keeps the reader.
"""
from __future__ import annotations

import io
import logging
import struct
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from indexer.document import Document, ReadFailure
from indexer.sources.base import ReadItem
from indexer.sources.photo_bytes import (  # noqa: F401  (HEIF_BRANDS, VIDEO_BRANDS re-exported)
    HEIF_BRANDS,
    MAX_READ_BYTES,
    VIDEO_BRANDS,
    image_format,
    looks_truncated,
    read_metadata_bytes,
)
from indexer.sources.photo_document import build_document
from indexer.sources.photo_exif import read_exif_exifread, read_exif_pillow
from indexer.sources.photo_fields import IMAGE_NAME_RE, PhotoSources, camera_label, has_metadata  # noqa: F401
from indexer.sources.photo_sidecars import find_takeout_json, find_xmp_sidecar
from indexer.sources.photo_xmp import embedded_packets, parse_packets

log = logging.getLogger(__name__)

try:  # HEIC/HEIF support is optional at import time; without it HEIC files fall back to exifread.
    import pillow_heif

    pillow_heif.register_heif_opener()
except Exception:  # pragma: no cover - depends on the environment
    log.warning("pillow-heif unavailable: HEIC/HEIF metadata will be limited")


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
            raw, tail = read_metadata_bytes(handle, fmt, stat.st_size)
        src = PhotoSources()
        if fmt != "jpeg" and stat.st_size > MAX_READ_BYTES:
            src.warnings.append(f"only the first {MAX_READ_BYTES // 2**20} MiB were scanned for metadata")
        pillow_error = self._pillow(raw, src)
        if pillow_error is not None and len(raw) < stat.st_size and stat.st_size <= MAX_READ_BYTES:
            # The JPEG header prefix was not enough for Pillow (e.g. MPO frames): retry on the whole file.
            raw = path.read_bytes()
            src = PhotoSources()
            pillow_error = self._pillow(raw, src)
        if pillow_error is not None:
            src.warnings.append(f"Pillow could not open the image: {pillow_error}")
            try:
                src.exif = read_exif_exifread(raw)
            except Exception as exc:
                src.warnings.append(f"exifread could not read EXIF: {type(exc).__name__}: {exc}")
        if fmt == "jpeg" and looks_truncated(tail, raw):
            src.warnings.append("JPEG has no end-of-image marker (file truncated?)")
        self._sidecars(path, src)
        if pillow_error is not None and not has_metadata(src):
            return ReadFailure(str(path), f"unreadable {fmt.upper()} image: {pillow_error}", "image")
        return build_document(path, fmt, stat.st_mtime, src)

    def _pillow(self, raw: bytes, src: PhotoSources) -> str | None:
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

    def _sidecars(self, path: Path, src: PhotoSources) -> None:
        found = find_xmp_sidecar(path)
        if found is not None:
            sidecar_path, data = found
            src.sidecar_xmp = data
            src.sidecars.append(str(sidecar_path))
        takeout = find_takeout_json(path)
        if takeout is not None:
            src.takeout = takeout
            src.sidecars.append(str(takeout.path))

READER = PhotoReader()
