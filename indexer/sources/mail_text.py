"""Text helpers for the mail reader: charset decoding that never raises, RFC 2047 header decoding,
HTML-to-text conversion, size capping, and stripping quoted replies and signatures for embedding.

Every function here is pure (no I/O) and returns clean ``str`` values: no lone surrogates and no NUL
characters, so the results can be stored in SQLite as UTF-8 without further checks.
"""
from __future__ import annotations

import base64
import codecs
import quopri
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
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*?)\?=")
_SPACE_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
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


HTML2TEXT_MAX_CHARS = 200_000  # above this, html2text gets slow (seconds); use the linear converter
_INVISIBLE_ELEMENTS = re.compile(r"(?is)<(script|style|head|template|noscript)\b.*?(</\1\s*>|$)")
_BLOCK_TAGS = re.compile(r"(?i)<\s*(br|/p|/div|/tr|/li|/h[1-6]|/table|/blockquote|/title|hr)\b[^>]*>")
_CELL_TAGS = re.compile(r"(?i)<\s*/t[dh]\s*>")
_COMMENT = re.compile(r"(?s)<!--.*?(?:-->|$)")
_TAG = re.compile(r"<[^<>]*>")
_ANY_TAG = re.compile(r"(?s)<!--.*?(?:-->|$)|<[^>]*(?:>|$)")  # unclosed ones end the text: stays linear


def html_to_text(html: str) -> str:
    """Readable text from (possibly hostile) HTML: scripts, styles and markup dropped, never executed."""
    html = _INVISIBLE_ELEMENTS.sub(" ", html)
    html = _COMMENT.sub(" ", html)
    text = None
    if len(html) <= HTML2TEXT_MAX_CHARS and _well_formed_enough(html):
        try:
            import html2text

            converter = html2text.HTML2Text()
            converter.ignore_links = True
            converter.ignore_images = True
            converter.ignore_emphasis = True
            converter.ignore_tables = True
            converter.body_width = 0
            converter.unicode_snob = True
            text = converter.handle(_CELL_TAGS.sub(lambda cell: " " + cell.group(0), html))  # keep cells apart
        except Exception:  # html2text chokes on some markup: use the plain converter below
            text = None
    if text is None:
        text = _plain_html_to_text(html)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _well_formed_enough(html: str) -> bool:
    """Unbalanced ``<``/``>`` or quotes inside tags make html.parser (under html2text) quadratic;
    such markup goes to the linear converter instead."""
    if html.count("<") > html.count(">") + 20:
        return False
    odd_tags = sum(1 for tag in _TAG.findall(html) if tag.count('"') % 2 or tag.count("'") % 2)
    return odd_tags <= 20


def _plain_html_to_text(html: str) -> str:
    """Linear-time fallback: block tags become line breaks, other tags vanish, entities are decoded."""
    import html as html_lib

    text = _BLOCK_TAGS.sub("\n", html)
    text = _CELL_TAGS.sub(" ", text)
    text = _ANY_TAG.sub("", text)
    text = html_lib.unescape(text)
    return re.sub(r"[ \t\r\f\v]+", " ", text)


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """Cut ``text`` to at most ``limit`` characters; return ``(text, was_truncated)``."""
    if len(text) <= limit:
        return text, False
    return text[:limit], True


# --- quoted replies and signatures -----------------------------------------------------------------

_SIGNATURE = re.compile(r"^--[ \t]?$")
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original"
    r"|messaggio originale|oorspronkelijk bericht|исходное сообщение)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_END = re.compile(
    r"(wrote|writes|schrieb|a écrit|escribió|scrisse|schreef|skrev|napisał|написал\(а\)|написал|написала)"
    r"\s*:\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^\s*(on|am|le|el|il|op|den|w dniu|в)\b", re.IGNORECASE)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(from|von|de|van|от)\s*:\*?\s*\S", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(r"^\s*\*?(sent|date|gesendet|datum|envoyé|enviado|отправлено)\s*:", re.IGNORECASE)
_OUTLOOK_TO = re.compile(r"^\s*\*?(to|subject|an|betreff|à|objet|para|asunto|кому|тема)\s*:", re.IGNORECASE)


def _is_outlook_header_block(lines: list[str], index: int) -> bool:
    """A ``From:`` line followed closely by ``Sent:``/``Date:`` and ``To:``/``Subject:`` lines."""
    if not _OUTLOOK_FROM.match(lines[index]):
        return False
    window = lines[index + 1:index + 6]
    return any(_OUTLOOK_SENT.match(line) for line in window) and any(_OUTLOOK_TO.match(line) for line in window)


def _next_content_line(lines: list[str], index: int) -> str:
    """The first non-blank line after ``index`` ("" when none)."""
    for line in lines[index + 1:index + 4]:
        if line.strip():
            return line
    return ""


def _attribution_length(lines: list[str], index: int) -> int:
    """How many lines starting at ``index`` form a reply attribution (0 when it is not one).

    Recognised: "On <date>, <name> wrote:" (possibly wrapped onto a second line), any short
    "<name> wrote:" line (or two) followed by a quote, and a "From:/Date:" pair followed by a quote.
    """
    line = lines[index]
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if len(line) < 300 and _ATTRIBUTION_END.search(line):
        if _ATTRIBUTION_START.match(line) or _next_content_line(lines, index).lstrip().startswith(">"):
            return 1
    if line.strip() and _ATTRIBUTION_END.search(following) and len(line) + len(following) < 300:
        if _ATTRIBUTION_START.match(line) or _next_content_line(lines, index + 1).lstrip().startswith(">"):
            return 2
    if _OUTLOOK_FROM.match(line) and _OUTLOOK_SENT.match(following):
        if _next_content_line(lines, index + 1).lstrip().startswith(">"):
            return 2
    return 0


def strip_quotes_and_signature(text: str) -> str:
    """The author's own words: drop ``>`` quoted lines and reply attributions ("On ... wrote:"),
    and cut at a ``-----Original Message-----`` line, an Outlook ``From:/Sent:/To:`` header block,
    or a ``-- `` signature delimiter (each with everything after it). Inline replies are kept.

    When nothing is left (a bare forward, a message that is all quote), the text without ``>`` lines
    and without the signature is returned instead, so the message still has something to embed.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    without_quotes: list[str] = []
    cut = False
    skip_until = -1
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line):
            break
        quoted = line.lstrip().startswith(">")
        if not quoted:
            without_quotes.append(line)
        if cut or index < skip_until or quoted:
            continue
        if _ORIGINAL_MESSAGE.match(line):
            cut = True
            continue
        attribution = _attribution_length(lines, index)
        if attribution:
            skip_until = index + attribution
            continue
        if _is_outlook_header_block(lines, index):
            cut = True
            continue
        kept.append(line)
    result = _tidy("\n".join(kept))
    if result:
        return result
    return _tidy("\n".join(without_quotes))


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
