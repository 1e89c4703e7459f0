"""The author's own words in a mail body: quoted replies, reply attributions, forwarded originals,
Outlook header blocks and signatures removed (for embedding)."""
from __future__ import annotations

import re

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
