"""Daemon settings (``[daemon]`` in kith.toml over the defaults) and the daemon's log file."""
from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path
from typing import Any

from indexer.daemon.paths import log_path

log = logging.getLogger("kith.daemon")

DEFAULTS: dict[str, Any] = {
    "debounce": 0.5,               # seconds of quiet before a changed file is read
    "min_reindex_interval": 5.0,   # a file that keeps changing is re-read at most this often...
    "max_reindex_interval": 60.0,  # ...backing off up to this
    "reader_timeout": 60.0,        # seconds a reader may stay silent before it is killed
    "reader_memory_mb": 4096,      # RLIMIT_AS of the reader process
    "isolate_readers": True,
    "cpu_budget": 1.0,             # cores (daemon + reader child); 0 = unlimited
    "torch_threads": 1,
    "niceness": 10,
    "min_free_mb": 500,            # pause indexing below this much free disk space
    "max_read_attempts": 2,        # without isolation: daemon deaths on one unchanged file before it is skipped
    "save_interval": 30.0,         # seconds between FAISS cache saves while busy
    "idle_save_delay": 1.0,        # save this long after the last change once idle
}


def daemon_config(home_config: dict[str, Any]) -> dict[str, Any]:
    settings = home_config.get("daemon", {}) if isinstance(home_config, dict) else {}
    return DEFAULTS | {k: v for k, v in settings.items() if k in DEFAULTS}


def setup_logging(home: Path, foreground: bool) -> Path:
    from indexer.home import secure_touch

    path = secure_touch(log_path(home))
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    if foreground:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("kith daemon: %(levelname)s %(message)s"))
        log.addHandler(stream)
    log.setLevel(logging.INFO)
    log.propagate = False
    return path
