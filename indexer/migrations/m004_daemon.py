"""Daemon bookkeeping: how many times the daemon died while a file was being read."""
from __future__ import annotations

SQL = """
        CREATE TABLE daemon_attempts (
            path TEXT PRIMARY KEY,
            attempts INTEGER NOT NULL,
            last_attempt TEXT NOT NULL
        );
"""
