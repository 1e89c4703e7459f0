"""Text helpers for the mail reader: charset decoding that never raises, RFC 2047 header decoding,
HTML-to-text conversion, size capping, and stripping quoted replies and signatures for embedding.

Every function here is pure (no I/O) and returns clean ``str`` values: no lone surrogates and no NUL
characters, so the results can be stored in SQLite as UTF-8 without further checks.

The helpers live in one module per job: ``mail_charset`` (bytes to text), ``mail_header_text``
(unfolding, RFC 2047, address lists), ``mail_html`` (HTML to text) and ``mail_quotes`` (quotes and
signatures); this module keeps ``truncate`` and re-exports the rest under their old names.
"""
from __future__ import annotations

from indexer.sources.mail_charset import (  # noqa: F401  (re-exported)
    CHARSET_ALIASES,
    CODEC_RETRIES,
    CODEC_SIBLINGS,
    clean_text,
    decode_bytes,
    normalize_charset,
)
from indexer.sources.mail_header_text import decode_rfc2047, header_text, split_addresses  # noqa: F401
from indexer.sources.mail_html import HTML2TEXT_MAX_CHARS, html_to_text  # noqa: F401  (re-exported)
from indexer.sources.mail_quotes import strip_quotes_and_signature  # noqa: F401  (re-exported)


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """Cut ``text`` to at most ``limit`` characters; return ``(text, was_truncated)``."""
    if len(text) <= limit:
        return text, False
    return text[:limit], True
