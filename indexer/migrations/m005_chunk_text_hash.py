"""Content address for chunks: identical text anywhere in the index reuses its stored embedding."""
from __future__ import annotations

SQL = """
ALTER TABLE chunks ADD COLUMN text_hash TEXT;
CREATE INDEX chunks_text_hash ON chunks(text_hash);
"""
