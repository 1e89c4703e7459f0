"""Failure kinds as a column instead of matching message text: ``read`` (a reader's error about a
file or an item), ``crash`` (the isolated reader process died or hung) and ``interrupted`` (the
daemon itself stopped repeatedly while reading the file; kept until the file changes)."""
from __future__ import annotations

SQL = """
ALTER TABLE failures ADD COLUMN kind TEXT NOT NULL DEFAULT 'read';
UPDATE failures SET kind = 'interrupted' WHERE error LIKE 'reader crashed%';
UPDATE failures SET kind = 'crash' WHERE error LIKE 'ReaderCrashed:%';
"""
