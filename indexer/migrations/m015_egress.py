"""Egress audit (issue 15): one row per request that left the device for a private or external tier.
Append-only: triggers refuse UPDATE and DELETE."""

SQL = """
CREATE TABLE egress_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,                 -- UTC ISO 8601, when the request was sent
    tier TEXT NOT NULL,                 -- private | external
    host TEXT NOT NULL,                 -- host:port it went to
    kind TEXT NOT NULL,                 -- what the request was for (ask-answer ...)
    bytes_sent INTEGER NOT NULL,
    bytes_received INTEGER NOT NULL,
    redactions INTEGER NOT NULL,        -- placeholders put in before sending
    consent_fingerprint TEXT,           -- the consent that allowed it (external), NULL for private
    status TEXT NOT NULL                -- ok | error: ...
);
CREATE TRIGGER egress_log_no_update BEFORE UPDATE ON egress_log
BEGIN SELECT RAISE(ABORT, 'egress_log is append-only'); END;
CREATE TRIGGER egress_log_no_delete BEFORE DELETE ON egress_log
BEGIN SELECT RAISE(ABORT, 'egress_log is append-only'); END;
"""
