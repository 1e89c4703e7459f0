"""Mail header text: unfolding raw values, RFC 2047 encoded words (joined across words before
decoding), and splitting address lists into ``(display name, address)`` pairs."""
from __future__ import annotations

import base64
import quopri
import re

from indexer.sources.mail_charset import clean_text, decode_bytes

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*?)\?=")
_SPACE_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")


def header_text(raw: str, fallback_charset: str | None = None) -> str:
    """Raw header value (possibly with surrogate-escaped 8-bit bytes) -> unfolded text, not decoded."""
    text = clean_text(raw, fallback_charset)
    return re.sub(r"\r?\n[ \t]+|\r[ \t]+", " ", text).replace("\r", " ").replace("\n", " ").strip()


def _decode_word_payload(encoding: str, payload: str) -> bytes:
    if encoding.lower() == "b":
        compact = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        if len(compact) % 4 == 1:  # a lone trailing character carries no whole byte
            compact = compact[:-1]
        return base64.b64decode(compact + "=" * (-len(compact) % 4))
    return quopri.decodestring(payload.replace("_", " ").encode("latin-1", "replace"), header=False)


def decode_rfc2047(value: str) -> tuple[str, bool]:
    """Decode RFC 2047 encoded words in an (unfolded) header value; return ``(text, fallback_needed)``.

    Adjacent encoded words in the same charset are joined as bytes before decoding, so multi-byte
    characters split across words (common in Japanese mail) survive. Never raises.
    """
    value = clean_text(value)
    if "=?" not in value:
        return value, False
    value = _SPACE_BETWEEN_WORDS.sub(r"\1\2", value)
    out: list[str] = []
    errors = False
    pending: list[bytes] = []
    pending_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset, errors
        if pending:
            text, bad = decode_bytes(b"".join(pending), pending_charset or "utf-8")
            out.append(text)
            errors = errors or bad
        pending, pending_charset = [], None

    for match in _ENCODED_WORD.finditer(value):
        if match.start() > position:
            flush()
            out.append(value[position:match.start()])
        charset, encoding, payload = match.groups()
        charset = charset.split("*", 1)[0].lower()
        try:
            data = _decode_word_payload(encoding, payload)
        except Exception:  # a broken word stays as written
            flush()
            out.append(match.group(0))
            errors = True
            position = match.end()
            continue
        if pending and charset != pending_charset:
            flush()
        pending.append(data)
        pending_charset = charset
        position = match.end()
    flush()
    out.append(value[position:])
    return clean_text("".join(out)), errors


_ANGLE_ADDRESS = re.compile(r"^(.*?)<([^<>]*)>[^<>]*$", re.DOTALL)
_COMMENT_ADDRESS = re.compile(r"^([^\s()<>]+)\s*\((.*)\)\s*$", re.DOTALL)
_GROUP_PREFIX = re.compile(r"^\s*[^\"<>@:,()]+:(?!:)\s*")


def _split_top_level(value: str) -> list[str]:
    """Split an address list at commas and semicolons outside quotes, <...> and (comments)."""
    parts: list[str] = []
    current: list[str] = []
    in_quote = escaped = False
    angle = paren = 0
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_quote:
            in_quote = char != '"'
        elif char == '"':
            in_quote = True
        elif char == "<":
            angle += 1
        elif char == ">":
            angle = max(0, angle - 1)
        elif char == "(":
            paren += 1
        elif char == ")":
            paren = max(0, paren - 1)
        elif char in ",;" and not angle and not paren:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(phrase: str) -> str:
    phrase = phrase.strip()
    if len(phrase) >= 2 and phrase[0] == phrase[-1] == '"':
        phrase = re.sub(r"\\(.)", r"\1", phrase[1:-1])
    return re.sub(r"[ \t\r\n]+", " ", phrase).strip()


def split_addresses(value: str) -> list[tuple[str, str]]:
    """``(display name, address)`` pairs from an unfolded address-list header. Never raises.

    Unlike ``email.utils.getaddresses`` this keeps ``alice@example.com <bob@example.com>`` as one
    mailbox whose real address is bob's (a common phishing disguise). Group names
    (``undisclosed-recipients:;``) are dropped; ``Name <>`` gives ``(Name, "")``; display names are
    returned still RFC 2047-encoded.
    """
    pairs: list[tuple[str, str]] = []
    for element in _split_top_level(value):
        element = element.strip()
        if ":" in element.split("<", 1)[0] and '"' not in element.split(":", 1)[0]:
            element = _GROUP_PREFIX.sub("", element, count=1).strip()
        if not element:
            continue
        match = _ANGLE_ADDRESS.match(element)
        if match:
            display, addr = _unquote(match.group(1)), match.group(2)
        else:
            comment = _COMMENT_ADDRESS.match(element)
            if comment:
                addr, display = comment.group(1), _unquote(comment.group(2))
            elif "@" in element or not re.search(r"\s", element):
                display, addr = "", element
            else:
                continue  # a bare phrase with no address
        addr = "".join(addr.split()).strip("<>\"'")
        if addr.startswith("@") and ":" in addr:  # obsolete source route: <@relay:user@host>
            addr = addr.split(":", 1)[1]
        display = display.strip("\"' ")
        if addr or (display and match):  # "MAILER-DAEMON <>" keeps its name
            pairs.append((display, addr))
    return pairs
