"""attributedBody typedstream decoding on real macOS blobs, and the encoder's round trip."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.sources.messages.typedstream import decode_attributed_body, encode_attributed_body

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
BLOBS = CORPORA / "chat-imessage-exporter-test-data" / "imessage-database" / "test_data" / "streamtyped"


def _blob(name: str) -> bytes:
    if not BLOBS.is_dir():
        pytest.skip(f"corpus not available: {BLOBS}")
    return (BLOBS / name).read_bytes()


@pytest.mark.corpora
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("AttributedBodyTextOnly", "Noter test"),
        ("AttributedBodyTextOnly2", "Test 3"),
        ("WeirdText", "𝖍𝖊𝖑𝖑𝖔 𝖜𝖔𝖗𝖑𝖉"),
        ("URL", "https://github.com/ReagentX/Logria"),
        ("MultiPart", "\ufffctest 1\ufffctest 2 \ufffctest 3"),
    ],
)
def test_real_blobs_decode(name: str, expected: str) -> None:
    assert decode_attributed_body(_blob(name)) == expected


@pytest.mark.corpora
def test_blob_whose_declared_length_overruns_falls_back_to_end_marker() -> None:
    # ExtraData declares a 157-byte string but holds only the start of it.
    assert decode_attributed_body(_blob("ExtraData")).startswith("This is parsing")


@pytest.mark.corpora
def test_blank_blob_has_no_text() -> None:
    assert decode_attributed_body(_blob("Blank")) is None


@pytest.mark.corpora
def test_encoder_writes_the_same_bytes_as_macos() -> None:
    assert encode_attributed_body("Noter test") == _blob("AttributedBodyTextOnly")


@pytest.mark.parametrize("text", ["a", "Olá, tudo bem? 👋", "x" * 127, "y" * 128, "é" * 20000, "line1\nline2"])
def test_round_trip(text: str) -> None:
    assert decode_attributed_body(encode_attributed_body(text)) == text


@pytest.mark.parametrize("blob", [None, b"", b"\x00" * 40, b"streamtyped", b"NSString\x01+\x81", b"NSString\x01+\x05ab"])
def test_garbage_never_raises(blob: bytes | None) -> None:
    assert decode_attributed_body(blob) in (None, "ab")
