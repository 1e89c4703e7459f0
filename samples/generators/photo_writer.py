"""Write a small, real JPEG with EXIF (date, offset, GPS, camera) and an XMP packet (people, keywords).

``write_photo`` is used by tests and the sample generator; ``indexer.sources.photos`` reads back
everything it writes. EXIF is written with piexif, the XMP packet as a JPEG APP1 segment with the
``http://ns.adobe.com/xap/1.0/`` header, holding MWG face regions and ``dc:subject`` keywords.
"""
from __future__ import annotations

import io
import struct
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from xml.sax.saxutils import escape

import piexif
from PIL import Image

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"


def _rational(value: float, denominator_limit: int = 1_000_000) -> tuple[int, int]:
    frac = Fraction(value).limit_denominator(denominator_limit)
    return frac.numerator, frac.denominator


def _dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = (minutes_full - minutes) * 60
    return (degrees, 1), (minutes, 1), (round(seconds * 10000), 10000)


def _offset_text(when: datetime) -> str | None:
    offset = when.utcoffset()
    if offset is None:
        return None
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _exif_bytes(when: datetime, gps: tuple[float, float, float | None] | None,
                make: str | None, model: str | None, size: tuple[int, int]) -> bytes:
    stamp = when.strftime("%Y:%m:%d %H:%M:%S").encode("ascii")
    zeroth: dict[int, object] = {piexif.ImageIFD.Orientation: 1, piexif.ImageIFD.DateTime: stamp}
    if make:
        zeroth[piexif.ImageIFD.Make] = make.encode("utf-8")
    if model:
        zeroth[piexif.ImageIFD.Model] = model.encode("utf-8")
    exif: dict[int, object] = {
        piexif.ExifIFD.DateTimeOriginal: stamp,
        piexif.ExifIFD.DateTimeDigitized: stamp,
        piexif.ExifIFD.PixelXDimension: size[0],
        piexif.ExifIFD.PixelYDimension: size[1],
    }
    offset = _offset_text(when)
    if offset:
        exif[piexif.ExifIFD.OffsetTimeOriginal] = offset.encode("ascii")
        exif[piexif.ExifIFD.OffsetTimeDigitized] = offset.encode("ascii")
    gps_ifd: dict[int, object] = {}
    if gps is not None:
        lat, lon, alt = gps
        gps_ifd = {
            piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0),
            piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: _dms(lat),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: _dms(lon),
        }
        if alt is not None:
            gps_ifd[piexif.GPSIFD.GPSAltitudeRef] = 0 if alt >= 0 else 1
            gps_ifd[piexif.GPSIFD.GPSAltitude] = _rational(abs(alt), 1000)
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps_ifd, "1st": {}, "thumbnail": None})


def _xmp_packet(people: list[str], keywords: list[str], title: str | None,
                description: str | None, when: datetime) -> bytes:
    parts: list[str] = []
    if title:
        parts.append(f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>')
    if description:
        parts.append('<dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
                     f"{escape(description)}</rdf:li></rdf:Alt></dc:description>")
    if keywords:
        items = "".join(f"<rdf:li>{escape(k)}</rdf:li>" for k in keywords)
        parts.append(f"<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>")
    if people:
        regions = []
        count = len(people)
        for index, name in enumerate(people):
            x = (index + 0.5) / count
            regions.append(
                "<rdf:li><rdf:Description>"
                f"<mwg-rs:Name>{escape(name)}</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type>"
                f'<mwg-rs:Area stArea:x="{x:.4f}" stArea:y="0.4000" stArea:w="{0.8 / count:.4f}" '
                'stArea:h="0.3000" stArea:unit="normalized"/>'
                "</rdf:Description></rdf:li>"
            )
        parts.append(
            "<mwg-rs:Regions rdf:parseType=\"Resource\"><mwg-rs:RegionList><rdf:Bag>"
            + "".join(regions)
            + "</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>"
        )
    created = when.isoformat(timespec="seconds")
    xml = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
        'xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#" '
        f'xmp:CreateDate="{created}">'
        + "".join(parts)
        + "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )
    return xml.encode("utf-8")


def _insert_app1(jpeg: bytes, payload: bytes) -> bytes:
    """Insert an APP1 segment right after the existing APP0/APP1 segments of ``jpeg``."""
    if len(payload) + 2 > 0xFFFF:
        raise ValueError("XMP packet too large for one APP1 segment")
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    pos = 2  # after SOI
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF and jpeg[pos + 1] in (0xE0, 0xE1):
        length = struct.unpack(">H", jpeg[pos + 2:pos + 4])[0]
        pos += 2 + length
    return jpeg[:pos] + segment + jpeg[pos:]


def write_photo(
    path: str | Path,
    *,
    when: datetime,
    gps: tuple[float, float, float | None] | None = None,
    make: str | None = None,
    model: str | None = None,
    people: list[str] | None = None,
    keywords: list[str] | None = None,
    title: str | None = None,
    description: str | None = None,
    size: tuple[int, int] = (64, 48),
    color: tuple[int, int, int] = (200, 120, 60),
) -> None:
    """Write a small JPEG at ``path`` carrying the given capture metadata.

    ``when`` may be aware (its offset is written as OffsetTimeOriginal) or naive (no offset tag).
    ``gps`` is ``(latitude, longitude, altitude_m_or_None)`` in decimal degrees.
    """
    people = list(people or [])
    keywords = list(keywords or [])
    image = Image.new("RGB", size, color)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85,
               exif=_exif_bytes(when, gps, make, model, size))
    data = buffer.getvalue()
    data = _insert_app1(data, XMP_HEADER + _xmp_packet(people, keywords, title, description, when))
    Path(path).write_bytes(data)
