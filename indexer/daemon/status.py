"""The daemon's live progress: state, queue, current file, documents per second, last error and commit."""
from __future__ import annotations

import os
import threading
import time
from collections import deque
from datetime import datetime, timezone
from typing import Any


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class DaemonStatus:
    def __init__(self, home: str) -> None:
        self._lock = threading.Lock()
        self.home = home
        self.pid = os.getpid()
        self.started_at = _now_iso()
        self.state = "starting"
        self.current_file: str | None = None
        self.last_error: dict[str, str] | None = None
        self.last_commit: str | None = None
        self.files_indexed = 0
        self.docs_indexed = 0
        self.searches = 0
        self._rate: deque[tuple[float, int]] = deque()

    def set(self, **values: Any) -> None:
        with self._lock:
            for key, value in values.items():
                setattr(self, key, value)

    def committed(self, docs: int) -> None:
        now = time.monotonic()
        with self._lock:
            self.files_indexed += 1
            self.docs_indexed += docs
            if docs:
                self.last_commit = _now_iso()
                self._rate.append((now, docs))
            while self._rate and self._rate[0][0] < now - 60:
                self._rate.popleft()

    def error(self, path: str, message: str) -> None:
        with self._lock:
            self.last_error = {"path": path, "error": message, "at": _now_iso()}

    def docs_per_second(self) -> float:
        now = time.monotonic()
        with self._lock:
            recent = [(t, n) for t, n in self._rate if t >= now - 60]
        if not recent:
            return 0.0
        span = max(now - recent[0][0], 1.0)
        return round(sum(n for _, n in recent) / span, 2)

    def snapshot(self, **extra: Any) -> dict[str, Any]:
        rate = self.docs_per_second()
        with self._lock:
            return {
                "running": True, "pid": self.pid, "home": self.home, "started_at": self.started_at,
                "state": self.state, "current_file": self.current_file, "docs_per_second": rate,
                "files_indexed": self.files_indexed, "docs_indexed": self.docs_indexed,
                "last_error": self.last_error, "last_commit": self.last_commit, "searches": self.searches,
            } | extra
