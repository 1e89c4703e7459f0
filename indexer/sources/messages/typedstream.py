"""Decode (and encode) the message text inside an iMessage ``attributedBody`` typedstream blob.

macOS stores rich message text as an ``NSAttributedString`` archived with the legacy NeXT
*typedstream* format (``\\x04\\x0bstreamtyped...``). The plain text is the ``NSString`` payload:
after the class chain comes the type tag ``\\x84\\x01+`` (a UTF-8 byte string), a typedstream
integer length (one byte; ``0x81`` + int16 LE; ``0x82`` + int32 LE) and the UTF-8 bytes.
When the declared length does not fit the blob (truncated or edited archives) we fall back to the
bytes up to the end-of-object marker ``\\x86\\x84``.
"""
from __future__ import annotations

import struct

MAGIC = b"\x04\x0bstreamtyped"
_STRING_TAG = b"\x01\x2b"  # type string of length 1: "+" (UTF-8 bytes); preceded by 0x84
_END_OF_OBJECT = b"\x86\x84"
_INT16 = 0x81
_INT32 = 0x82


class TypedStreamError(ValueError):
    """The blob holds no decodable NSString text."""


def _read_int(blob: bytes, pos: int) -> tuple[int, int]:
    """Read one typedstream integer at ``pos``; return (value, position after it)."""
    if pos >= len(blob):
        raise TypedStreamError("blob ends before the string length")
    tag = blob[pos]
    if tag == _INT16:
        if pos + 3 > len(blob):
            raise TypedStreamError("blob ends inside a 2-byte length")
        return struct.unpack_from("<H", blob, pos + 1)[0], pos + 3
    if tag == _INT32:
        if pos + 5 > len(blob):
            raise TypedStreamError("blob ends inside a 4-byte length")
        return struct.unpack_from("<I", blob, pos + 1)[0], pos + 5
    if tag >= 0x80:
        raise TypedStreamError(f"unexpected tag 0x{tag:02x} where a string length belongs")
    return tag, pos + 1


def _encode_int(value: int) -> bytes:
    """Encode a non-negative integer the way typedstream does."""
    if value < 0x80:
        return bytes([value])
    if value < 0x8000:
        return bytes([_INT16]) + struct.pack("<H", value)
    return bytes([_INT32]) + struct.pack("<I", value)


def decode_attributed_body(blob: bytes | None) -> str | None:
    """Return the message text stored in an ``attributedBody`` blob, or None when there is none.

    Never raises for malformed input; an empty or unrecognisable blob gives None.
    """
    if not blob:
        return None
    try:
        return _decode(bytes(blob))
    except TypedStreamError:
        return None


def _decode(blob: bytes) -> str:
    marker = blob.find(b"NSString")
    search_from = marker if marker >= 0 else 0
    tag = blob.find(_STRING_TAG, search_from)
    if tag < 0:
        raise TypedStreamError("no NSString payload in attributedBody")
    pos = tag + len(_STRING_TAG)
    length, start = _read_int(blob, pos)
    end = start + length
    if length == 0:
        raise TypedStreamError("empty NSString payload")
    if end <= len(blob) and (end == len(blob) or blob[end] == 0x86):
        raw = blob[start:end]
    else:  # declared length does not line up: take bytes up to the end-of-object marker
        stop = blob.find(_END_OF_OBJECT, start)
        if stop < 0:
            stop = blob.find(b"\x86", start)
        if stop < 0:
            raise TypedStreamError("NSString payload has no end marker")
        raw = blob[start:stop]
    text = raw.decode("utf-8", errors="replace")
    if not text:
        raise TypedStreamError("empty NSString payload")
    return text


# An NSMutableAttributedString archive as written by macOS Messages, split around the text.
_HEAD = bytes.fromhex(
    "040b73747265616d747970656481e803"  # version 4, "streamtyped", system version 1000
    "84014084848419" + b"NSMutableAttributedString".hex() + "00"
    "848412" + b"NSAttributedString".hex() + "00"
    "848408" + b"NSObject".hex() + "0085"
    "928484840f" + b"NSMutableString".hex() + "01"
    "848408" + b"NSString".hex() + "0195"
    "84012b"
)
_MIDDLE = bytes.fromhex("868402694901")  # end of NSString, then the attribute run: "iI", start 1
_TAIL = (
    bytes.fromhex("928484840c") + b"NSDictionary" + bytes.fromhex("009584016901928498981d")
    + b"__kIMMessagePartAttributeName"
    + bytes.fromhex("869284848408") + b"NSNumber" + bytes.fromhex("00848407") + b"NSValue"
    + bytes.fromhex("009584012a849b9b00868686")
)


def encode_attributed_body(text: str) -> bytes:
    """Archive ``text`` as macOS Messages does, so ``decode_attributed_body`` round-trips it."""
    raw = text.encode("utf-8")
    utf16_units = len(text.encode("utf-16-le")) // 2
    return _HEAD + _encode_int(len(raw)) + raw + _MIDDLE + _encode_int(utf16_units) + _TAIL
