"""Append-only schema migrations, sqlite-utils style.

Each module ``mNNN_name.py`` in this package defines either ``SQL`` (a script) or ``migrate(db)``.
Modules run once each, in name order, atomically with their row in ``_kith_migrations``. Never edit a migration that has shipped:
add a new module instead.
"""
from __future__ import annotations

import importlib
import pkgutil
from datetime import datetime, timezone

import sqlite_utils

TABLE = "_kith_migrations"


def migration_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("m"))


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration, each in its own transaction. Returns the names applied."""
    db.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in db.execute(f"SELECT name FROM {TABLE}").fetchall()}
    applied = []
    for name in migration_names():
        if name in done:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        stamp = datetime.now(timezone.utc).isoformat()
        if hasattr(module, "SQL"):
            db.conn.executescript(
                f"BEGIN;\n{module.SQL}\nINSERT INTO {TABLE} (name, applied_at) VALUES ('{name}', '{stamp}');\nCOMMIT;"
            )
        else:
            with db.conn:
                module.migrate(db)
                db.execute(f"INSERT INTO {TABLE} (name, applied_at) VALUES (?, ?)", [name, stamp])
        applied.append(name)
    return applied
