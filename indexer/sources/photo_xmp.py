"""XMP extraction and parsing for photos (embedded packets and ``.xmp`` sidecars), via defusedxml.

Finds packets in JPEG APP1 segments (standard + Extended XMP) or anywhere in the file bytes
(``<x:xmpmeta>`` / ``<rdf:RDF>``), decodes UTF-8/UTF-16, and reads: title, description,
keywords (dc:subject, lr:hierarchicalSubject leaves), rating, capture dates
(exif:DateTimeOriginal, photoshop:DateCreated, xmp:CreateDate), GPS (exif:GPSLatitude),
camera (tiff:Make/Model) and people from MWG regions, Microsoft Photo regions,
iptc4xmpExt:PersonInImage, digiKam:TagsList / lr:hierarchicalSubject ``People/...`` entries and
ACDSee categories. DTDs and entities are refused by defusedxml; a malformed packet is skipped.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from indexer.sources.photo_exif import CaptureTime, parse_datetime

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "exifEX": "http://cipa.jp/exif/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    "digiKam": "http://www.digikam.org/ns/1.0/",
    "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
    "MPReg": "http://ns.microsoft.com/photo/1.2/t/Region#",
    "MicrosoftPhoto": "http://ns.microsoft.com/photo/1.0/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "acdsee": "http://ns.acdsee.com/iptc/1.0/",
}
RDF = "{%s}" % NS["rdf"]
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONTAINERS = {RDF + "Alt", RDF + "Bag", RDF + "Seq"}

JPEG_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
JPEG_EXT_XMP_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
PEOPLE_ROOTS = ("people", "persons", "person", "faces", "personen", "personnes")

_START_RE = re.compile(r"<([\w.\-]+:)?(xmpmeta|xapmeta|RDF)[\s>]")
_START_BYTES_RE = re.compile(rb"<([\w.\-]+:)?(xmpmeta|xapmeta|RDF)[\s>]")
MAX_PACKET = 16 * 1024 * 1024


@dataclass
class XmpData:
    """Fields read from one or more XMP packets; absent values are None / empty."""

    title: str | None = None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    rating: int | None = None
    capture: CaptureTime | None = None
    gps_time: CaptureTime | None = None  # exif:GPSTimeStamp (UTC)
    gps: dict[str, float] | None = None
    make: str | None = None
    model: str | None = None
    warnings: list[str] = field(default_factory=list)
    packets: int = 0


# ---------------------------------------------------------------- finding packets

def decode_xml_bytes(raw: bytes) -> str:
    """Decode an XMP packet/sidecar: BOM-detected UTF-16/UTF-8, else UTF-16 by NUL pattern, else UTF-8."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    head = raw[:200]
    if head.count(b"\x00") > len(head) // 3:
        return raw.decode("utf-16-le" if head[:1] != b"\x00" else "utf-16-be", errors="replace")
    return raw.decode("utf-8", errors="replace")


def jpeg_xmp_packets(data: bytes) -> list[bytes]:
    """XMP packets from JPEG APP1 segments; Extended XMP chunks are reassembled and appended."""
    packets: list[bytes] = []
    extended: dict[bytes, dict[int, bytes]] = {}
    pos = 2
    size = len(data)
    while pos + 4 <= size:
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD9, 0xDA):  # EOI / start of scan: metadata segments are over
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if length < 2:
            break
        body = data[pos + 4:pos + 2 + length]
        if marker == 0xE1:
            if body.startswith(JPEG_XMP_HEADER):
                packets.append(body[len(JPEG_XMP_HEADER):])
            elif body.startswith(JPEG_EXT_XMP_HEADER) and len(body) > len(JPEG_EXT_XMP_HEADER) + 40:
                rest = body[len(JPEG_EXT_XMP_HEADER):]
                guid, offset = rest[:32], struct.unpack(">I", rest[36:40])[0]
                extended.setdefault(guid, {})[offset] = rest[40:]
        pos += 2 + length
    for chunks in extended.values():
        joined = b"".join(chunks[k] for k in sorted(chunks))
        if joined:
            packets.append(joined)
    return packets


def _slices(data: Any, pattern: re.Pattern[Any], limit: int) -> list[Any]:
    """``<x:xmpmeta ...>...</x:xmpmeta>`` (or rdf:RDF) slices of ``data`` (str or bytes), in linear time."""
    is_bytes = isinstance(data, (bytes, bytearray))
    found: list[Any] = []
    pos = 0
    while len(found) < limit:
        match = pattern.search(data, pos)
        if not match:
            break
        closing = (b"</" if is_bytes else "</") + (match.group(1) or (b"" if is_bytes else "")) + match.group(2)
        end = data.find(closing, match.end())
        if end == -1:
            break
        stop = data.find(b">" if is_bytes else ">", end)
        if stop == -1:
            break
        if stop + 1 - match.start() <= MAX_PACKET:
            found.append(data[match.start():stop + 1])
        pos = stop + 1
    return found


def scan_xmp_packets(data: bytes, limit: int = 4) -> list[bytes]:
    """Find XMP packets anywhere in ``data`` (PNG iTXt, TIFF tag 700, HEIC/WebP boxes, raw sidecars)."""
    return _slices(data, _START_BYTES_RE, limit)


def packet_root(packet: bytes | str) -> Element | None:
    """Parse one packet into its RDF-bearing element tree, or None when it is not valid XML.

    Only the ``<x:xmpmeta>`` / ``<rdf:RDF>`` element is parsed, so a DOCTYPE in front of it is
    dropped; defusedxml refuses any DTD or entity declaration that remains.
    """
    text = decode_xml_bytes(packet) if isinstance(packet, (bytes, bytearray)) else packet
    slices = _slices(text, _START_RE, 1)
    if not slices:
        return None
    try:
        return SafeET.fromstring(slices[0])
    except Exception:  # ParseError, DTDForbidden, EntitiesForbidden...
        return None


# ---------------------------------------------------------------- reading properties

def _q(prefix: str, name: str) -> str:
    return "{%s}%s" % (NS[prefix], name)


def _descriptions(root: Element) -> list[Element]:
    rdf_roots = [root] if root.tag == RDF + "RDF" else list(root.iter(RDF + "RDF"))
    out: list[Element] = []
    for rdf in rdf_roots:
        out.extend(child for child in rdf if child.tag == RDF + "Description")
    return out


def _element_values(element: Element) -> list[str]:
    """Text values of a property element: simple text, or the rdf:li items of an Alt/Bag/Seq."""
    for child in element:
        if child.tag in CONTAINERS:
            items = [li for li in child if li.tag == RDF + "li"]
            if child.tag == RDF + "Alt":  # language alternatives: x-default first
                items.sort(key=lambda li: 0 if li.get(XML_LANG) == "x-default" else 1)
            return [li.text.strip() for li in items if li.text and li.text.strip()]
    text = (element.text or "").strip()
    if text:
        return [text]
    resource = element.get(RDF + "resource")
    return [resource.strip()] if resource and resource.strip() else []


def values(descriptions: list[Element], prefix: str, name: str) -> list[str]:
    """All values of property ``prefix:name`` across rdf:Description elements (attributes or elements)."""
    tag = _q(prefix, name)
    out: list[str] = []
    for desc in descriptions:
        attr = desc.get(tag)
        if attr is not None and attr.strip():
            out.append(attr.strip())
        for element in desc.findall(tag):
            out.extend(_element_values(element))
    return out


def first(descriptions: list[Element], prefix: str, name: str) -> str | None:
    found = values(descriptions, prefix, name)
    return found[0] if found else None


def _xmp_gps_coordinate(text: str | None, negative: str, separate_ref: str | None = None) -> float | None:
    """XMP GPSCoordinate 'DDD,MM.mmN' / 'DDD,MM,SSN' or decimal → signed degrees.

    Some writers put a bare decimal in exif:GPSLatitude and the hemisphere in a separate
    exif:GPSLatitudeRef; ``separate_ref`` carries that.
    """
    if not text:
        return None
    text = text.strip()
    match = re.fullmatch(r"(-?\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEWnsew])?", text)
    if not match:
        return None
    deg, minutes, seconds, ref = match.groups()
    ref = ref or (separate_ref.strip()[:1] if separate_ref and separate_ref.strip() else None)
    value = abs(float(deg)) + (float(minutes) / 60 if minutes else 0) + (float(seconds) / 3600 if seconds else 0)
    sign = -1 if (ref and ref.upper() == negative) or deg.startswith("-") else 1
    return sign * value


def _split_hierarchy(entry: str) -> list[str]:
    return [part.strip() for part in re.split(r"[|/]", entry) if part.strip()]


def person_from_hierarchy(entry: str) -> str | None:
    """'People/Alice Martin' or 'People|Friends|Alice' → 'Alice'; None for other tags."""
    parts = _split_hierarchy(entry)
    if len(parts) >= 2 and parts[0].lower() in PEOPLE_ROOTS:
        return parts[-1]
    return None


def _people(root: Element, descriptions: list[Element]) -> list[str]:
    people: list[str] = []
    # MWG regions: every region description carrying a Name whose Type is Face (or unspecified).
    name_tag, type_tag = _q("mwg-rs", "Name"), _q("mwg-rs", "Type")
    for element in root.iter():
        name = element.get(name_tag)
        kind = element.get(type_tag)
        if name is None:
            child = element.find(name_tag)
            name = (child.text or "").strip() if child is not None else None
            kind_el = element.find(type_tag)
            if kind is None and kind_el is not None:
                kind = (kind_el.text or "").strip()
        if name and (kind is None or kind.lower() == "face"):
            people.append(name.strip())
    # Microsoft Photo regions.
    ms_tag = _q("MPReg", "PersonDisplayName")
    for element in root.iter():
        name = element.get(ms_tag)
        if name is None and element.tag == ms_tag:
            name = element.text
        if name and name.strip():
            people.append(name.strip())
    people.extend(values(descriptions, "Iptc4xmpExt", "PersonInImage"))
    for prefix, name in (("digiKam", "TagsList"), ("lr", "hierarchicalSubject"), ("MicrosoftPhoto", "LastKeywordXMP")):
        for entry in values(descriptions, prefix, name):
            person = person_from_hierarchy(entry)
            if person:
                people.append(person)
    people.extend(_acdsee_people(first(descriptions, "acdsee", "categories")))
    return people


def _acdsee_people(categories: str | None) -> list[str]:
    """ACDSee stores '<Categories><Category Assigned="0">People<Category Assigned="1">Name...' as text."""
    if not categories or "<Categor" not in categories:
        return []
    try:
        tree = SafeET.fromstring(categories)
    except Exception:
        return []
    out: list[str] = []
    for top in tree:
        if (top.text or "").strip().lower() in PEOPLE_ROOTS:
            for category in top.iter("Category"):
                if category is top:
                    continue
                if category.get("Assigned") == "1" and (category.text or "").strip():
                    out.append(category.text.strip())
    return out


def dedupe(items: list[str]) -> list[str]:
    """Remove case-insensitive duplicates, keeping the first spelling and the original order."""
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.strip().casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(item.strip())
    return out


def parse_packets(packets: list[bytes | str]) -> XmpData:
    """Merge every readable packet into one XmpData (earlier packets win for single values)."""
    data = XmpData()
    keywords: list[str] = []
    people: list[str] = []
    for packet in packets:
        root = packet_root(packet)
        if root is None:
            data.warnings.append("malformed XMP packet skipped")
            continue
        data.packets += 1
        desc = _descriptions(root)
        data.title = data.title or first(desc, "dc", "title")
        data.description = data.description or first(desc, "dc", "description")
        data.make = data.make or first(desc, "tiff", "Make")
        data.model = data.model or first(desc, "tiff", "Model")
        if data.rating is None:
            rating = first(desc, "xmp", "Rating")
            try:
                value = int(float(rating)) if rating is not None else None
            except ValueError:
                value = None
            if value is not None and -1 <= value <= 5:
                data.rating = value
        if data.capture is None:
            for prefix, name in (("exif", "DateTimeOriginal"), ("exifEX", "DateTimeOriginal"),
                                 ("photoshop", "DateCreated"), ("xmp", "CreateDate")):
                parsed = parse_datetime(first(desc, prefix, name), source=f"xmp:{prefix}:{name}")
                if parsed is not None:
                    data.capture = parsed
                    break
        if data.gps_time is None:
            stamp = parse_datetime(first(desc, "exif", "GPSTimeStamp"), source="xmp:exif:GPSTimeStamp")
            if stamp is not None and stamp.offset_minutes is not None:
                stamp.utc_instant = True
                data.gps_time = stamp
        if data.gps is None:
            lat = _xmp_gps_coordinate(first(desc, "exif", "GPSLatitude"), "S", first(desc, "exif", "GPSLatitudeRef"))
            lon = _xmp_gps_coordinate(first(desc, "exif", "GPSLongitude"), "W", first(desc, "exif", "GPSLongitudeRef"))
            if lat is not None and lon is not None:
                if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0):
                    data.gps = {"lat": round(lat, 7), "lon": round(lon, 7)}
                    altitude = first(desc, "exif", "GPSAltitude")
                    alt = _rational_text(altitude)
                    if alt is not None:
                        if first(desc, "exif", "GPSAltitudeRef") == "1":
                            alt = -abs(alt)
                        data.gps["alt"] = round(alt, 2) + 0.0  # no negative zero
                else:
                    data.warnings.append("XMP GPS position out of range or 0,0")
        keywords.extend(values(desc, "dc", "subject"))
        for entry in values(desc, "lr", "hierarchicalSubject"):
            if person_from_hierarchy(entry) is None:
                parts = _split_hierarchy(entry)
                if parts:
                    keywords.append(parts[-1])
        people.extend(_people(root, desc))
    data.people = dedupe(people)
    lowered = {p.casefold() for p in data.people}
    data.keywords = [k for k in dedupe(keywords) if k.casefold() not in lowered and person_from_hierarchy(k) is None]
    return data


def _rational_text(text: str | None) -> float | None:
    if not text:
        return None
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            return float(num) / float(den) if float(den) else None
        return float(text)
    except ValueError:
        return None


def read_xmp_sidecar(raw: bytes) -> XmpData:
    """Parse a standalone .xmp file."""
    return parse_packets([raw])


def embedded_packets(data: bytes, info: dict[str, Any] | None = None) -> list[bytes]:
    """All XMP packets embedded in an image's bytes (JPEG segments first, then a byte scan)."""
    packets: list[bytes] = []
    if data.startswith(b"\xff\xd8"):
        packets = jpeg_xmp_packets(data)
    if info:
        for key in ("xmp", "XML:com.adobe.xmp"):
            value = info.get(key)
            if isinstance(value, str):
                value = value.encode("utf-8")
            if isinstance(value, (bytes, bytearray)) and value and bytes(value) not in packets:
                packets.append(bytes(value))
    if not packets:
        packets = scan_xmp_packets(data)
    return packets
