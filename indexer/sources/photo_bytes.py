"""Image bytes: the format from magic bytes, the bytes worth parsing for metadata (a JPEG's header
segments, or the start of other files), and whether a JPEG looks truncated."""
from __future__ import annotations

from typing import BinaryIO

MAX_READ_BYTES = 256 * 1024 * 1024
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
               b"mif1", b"msf1", b"mif2", b"avif", b"avis"}
VIDEO_BRANDS = {b"qt  ", b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"M4V ",
                b"M4A ", b"3gp4", b"3gp5", b"3g2a", b"avc1", b"dash", b"crx "}


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


def read_metadata_bytes(handle: BinaryIO, fmt: str, size: int) -> tuple[bytes, bytes]:
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


def looks_truncated(tail: bytes, header: bytes) -> bool:
    """No EOI marker near the end, and no known trailer (Samsung SEFT, motion-photo video) explains it."""
    if b"\xff\xd9" in tail or b"SEFT" in tail[-64:]:
        return False
    return not any(marker in header for marker in _MOTION_PHOTO_MARKERS)
