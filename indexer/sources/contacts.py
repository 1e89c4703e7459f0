"""Reader for vCard address books (``.vcf``): one ``contact`` Document per card.

Cards are split out of the file first, so one broken card never loses its neighbours. Each card
is tokenised with vobject's content-line parser (line unfolding, quoted-printable soft breaks,
quoted parameters); a line vobject rejects goes through a simple fallback parser instead. Values
are decoded here rather than by vobject's value behaviours, which keep only the text before the
first unescaped comma (``NICKNAME:Ali,Lee`` would become ``Ali``).

Handles vCard 2.1/3.0/4.0 and Apple's grouped ``itemN.X-ABRELATEDNAMES`` / ``X-ABLabel`` pairs.

The work is split by job: ``contacts_lines`` (bytes to cards to properties), ``contacts_values``
(value decoding, dates), ``contacts_card`` (the fields of one card, relations) and
``contacts_render`` (body text and metadata); this module keeps the reader and re-exports the old names.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from indexer.document import Document, ReadFailure
from indexer.sources.base import ReadItem, sniff_begin_block
from indexer.sources.contacts_card import Card, extract_card, resolve_relations
from indexer.sources.contacts_lines import Prop, split_cards, tokenize_card  # noqa: F401
from indexer.sources.mail_charset import decode_text_file
from indexer.sources.contacts_render import MONTHS, card_metadata, render_body  # noqa: F401  (re-exported)
from indexer.sources.contacts_values import (  # noqa: F401  (re-exported)
    list_value,
    parse_vcard_date,
    split_unescaped,
    structured_value,
    text_value,
    unescape,
)

MAX_FILE_BYTES = 256 * 1024 * 1024
EXTENSIONS = (".vcf", ".vcard")


class VCardReader:
    """``contacts.vcard``: every card in a ``.vcf`` file becomes a ``contact`` Document."""

    name = "contacts.vcard"
    extensions = EXTENSIONS
    kind = "contact"

    def sniff(self, path: Path, head: bytes) -> float:
        return sniff_begin_block(path, head, "VCARD", EXTENSIONS)

    def read(self, path: Path) -> Iterator[ReadItem]:
        path = Path(path)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{size} bytes is larger than the {MAX_FILE_BYTES} byte limit for a vCard file")
        source = str(path)
        blocks = split_cards(decode_text_file(path.read_bytes()))
        if not blocks:
            yield ReadFailure(source, "no BEGIN:VCARD found: not a vCard file")
            return
        # All cards are parsed before any is rendered so that RELATED urn:uuid: links can be named.
        items: list[Card | ReadFailure] = []
        for index, (block, terminated) in enumerate(blocks):
            try:
                props, bad = tokenize_card(block)
                card = extract_card(props, index)
            except Exception as exc:  # a card that breaks the parser must not lose the others
                items.append(ReadFailure(source, f"could not parse card: {type(exc).__name__}: {exc}", f"card:{index}"))
                continue
            card.bad_lines, card.terminated = bad, terminated
            if not (card.full_name or card.emails or card.phones):
                detail = f" ({bad} unparsable lines)" if bad else ""
                items.append(ReadFailure(source, f"card has no name, email or phone number{detail}", f"card:{index}"))
                continue
            items.append(card)
        resolve_relations([item for item in items if isinstance(item, Card)])
        seen: dict[str, int] = {}
        for item in items:
            if isinstance(item, ReadFailure):
                yield item
                continue
            locator = f"card:{item.uid or item.index}"
            if locator in seen:  # two cards with one UID in the same file: keep both, addressably
                seen[locator] += 1
                locator = f"{locator}#{seen[locator]}"
            else:
                seen[locator] = 0
            yield self._document(source, locator, item)

    def _document(self, source: str, locator: str, card: Card) -> Document:
        metadata = card_metadata(card)
        if card.bad_lines:
            metadata["unparsed_lines"] = card.bad_lines
        if not card.terminated:
            metadata["unterminated"] = True
        participants = list(dict.fromkeys([*card.emails, *(p["value"] for p in card.phones)]))
        return Document(
            kind="contact",
            source_path=source,
            locator=locator,
            title=card.full_name or (card.emails[0] if card.emails else card.phones[0]["value"]),
            body=render_body(card),
            participants=participants,
            metadata=metadata,
            uid=card.uid,
        )


READER = VCardReader()
