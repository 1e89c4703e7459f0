"""HTML mail to readable text: html2text for well-formed markup, a linear converter for the rest;
scripts, styles and comments are dropped, never executed."""
from __future__ import annotations

import re

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
