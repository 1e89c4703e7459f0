"""Per-location content: each place a document was seen remembers its own content hash and when it
was first indexed (``seq``), so a duplicate (same Message-ID, different body) never overwrites the
original and the document can be rebuilt from a copy that still exists (docs/ARCHITECTURE.md)."""
from __future__ import annotations

SQL = """
ALTER TABLE locations ADD COLUMN content_hash TEXT;
ALTER TABLE locations ADD COLUMN seq INTEGER;
UPDATE locations SET seq = rowid;
-- Only the location the document was built from is known to hold its content; other copies are
-- re-read if they are ever promoted.
UPDATE locations SET content_hash = (
    SELECT d.content_hash FROM documents d
    WHERE d.id = locations.doc_id AND d.source_path = locations.source_path AND d.locator = locations.locator);
CREATE INDEX locations_seq ON locations(seq);
"""
