"""Mail charset decoding that never raises: declared charsets mapped to the codecs clients really
use, strict retries with wider and sibling codecs, and clean text (no NULs, no lone surrogates).
The one byte decoder of the readers: vCard and iCalendar files use ``decode_text_file``."""
from __future__ import annotations

import codecs
import re

# Declared charsets that are better read with a superset codec (what mail clients actually send).
CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "unicode-1-1-utf-7": "utf-7",
    "iso-8859-8-i": "iso-8859-8",
    "utf8": "utf-8",
}
# Wider codecs to retry (strictly) before anything else when the declared one fails.
CODEC_RETRIES = {
    "iso2022_jp_ext": ("iso2022_jp_2", "iso2022_jp_2004"),
    "euc_jp": ("euc_jis_2004",),
}
# Codecs for the same language that senders confuse (EUC-JP labelled ISO-2022-JP, ...): tried
# strictly after UTF-8. Multi-byte codecs reject most wrong input, so a strict success is telling.
CODEC_SIBLINGS = {
    "iso2022_jp_ext": ("euc_jp", "cp932"),
    "iso2022_jp_2": ("euc_jp", "cp932"),
    "cp932": ("euc_jp", "iso2022_jp_ext"),
    "euc_jp": ("cp932", "iso2022_jp_ext"),
    "gb18030": ("big5hkscs",),
    "big5hkscs": ("gb18030",),
    "cp949": ("iso2022_kr",),
    "iso2022_kr": ("cp949",),
}
_NOT_CHARSETS = {"unicode-escape", "raw-unicode-escape", "undefined", "idna", "punycode", "mbcs", "oem"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def normalize_charset(charset: str | None) -> str | None:
    """Map a declared charset to a Python codec name, or None when it is unknown or bogus."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
    if not name:
        return None
    name = CHARSET_ALIASES.get(name, name)
    for candidate in (name, name[2:] if name.startswith("x-") else None, name.replace("_", "-")):
        if not candidate:
            continue
        try:
            codec = codecs.lookup(candidate)
        except (LookupError, ValueError):
            continue
        if getattr(codec, "_is_text_encoding", True) is False or codec.name in _NOT_CHARSETS:
            return None  # rot13, base64_codec, unicode_escape...: codecs, but not mail charsets
        return candidate
    return None


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, bool]:
    """Decode ``data`` declared as ``charset``; return ``(text, fallback_needed)``. Never raises.

    Order, each strict: the declared codec and its wider variants, UTF-8, same-language sibling
    codecs. Then, with replacement characters: the declared codec, cp1252. No declared charset
    means UTF-8 is expected; needing anything else is reported as a fallback.
    """
    if not data:
        return "", False
    if charset is not None and not charset.strip("\"' "):
        charset = None  # charset="" is no declaration at all
    codec = normalize_charset(charset) if charset is not None else "utf-8"
    expected = (codec, *CODEC_RETRIES.get(codec, ())) if codec else ()
    for name in (*expected, "utf-8", *CODEC_SIBLINGS.get(codec or "", ())):
        try:
            return clean_text(data.decode(name)), name not in expected
        except (UnicodeDecodeError, LookupError, ValueError, TypeError):
            continue
    for name in (codec if charset is not None else None, "cp1252"):
        if not name:
            continue
        try:
            return clean_text(data.decode(name, errors="replace")), True
        except (LookupError, ValueError, TypeError):
            continue
    return clean_text(data.decode("latin-1")), True


def decode_text_file(raw: bytes) -> str:
    """Decode a vCard/iCalendar file: BOM-aware, UTF-8 first, then Windows-1252 (``decode_bytes``)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return decode_bytes(raw[3:], "utf-8")[0]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode_bytes(raw, "utf-16")[0]
    return decode_bytes(raw, None)[0]


def clean_text(text: str, fallback_charset: str | None = None) -> str:
    """Remove NUL characters and turn lone surrogates (from surrogate-escaped bytes) into text.

    Escaped raw bytes are read as UTF-8 (RFC 6532), else as ``fallback_charset`` (typically the
    message's body charset, which legacy clients also used for raw 8-bit headers), else as cp1252.
    """
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _SURROGATE.search(text):
        raw = text.encode("utf-8", "surrogateescape") if _only_escapes(text) else None
        if raw is not None:
            text = _decode_raw_header(raw, fallback_charset)
        else:
            text = _SURROGATE.sub("\ufffd", text)
    return text


def _decode_raw_header(raw: bytes, fallback_charset: str | None) -> str:
    codec = normalize_charset(fallback_charset)
    for name in ("utf-8", codec, *CODEC_SIBLINGS.get(codec or "", ())):
        if not name:
            continue
        try:
            return raw.decode(name).replace("\x00", "")
        except (UnicodeDecodeError, LookupError, ValueError):
            continue
    return raw.decode("cp1252", errors="replace").replace("\x00", "")


def _only_escapes(text: str) -> bool:
    """True when every surrogate in ``text`` is a surrogateescape byte (U+DC80..U+DCFF)."""
    return all("\udc80" <= ch <= "\udcff" for ch in _SURROGATE.findall(text))
