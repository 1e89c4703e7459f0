"""Intents: the audit log of every intent call and the approvals of third-party intents (by hash)."""

SQL = """
CREATE TABLE intent_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,               -- UTC ISO 8601, when the call finished
    intent TEXT NOT NULL,
    effect TEXT NOT NULL,
    caller TEXT NOT NULL,             -- cli | mcp | agent | test ...
    arguments TEXT NOT NULL,          -- JSON, as received
    status TEXT NOT NULL,             -- done | needs_confirmation | refused | failed
    confirmed_by TEXT,                -- who approved the effect (NULL for READ or when not confirmed)
    result TEXT,                      -- JSON
    error TEXT,                       -- JSON
    spec_hash TEXT
);
CREATE INDEX intent_audit_intent_time ON intent_audit(intent, time);
CREATE TABLE intent_approvals (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL,               -- sha256 of the approved description + schemas + effect
    origin TEXT,
    approved_at TEXT NOT NULL,
    approved_by TEXT NOT NULL         -- user | tofu
);
"""
