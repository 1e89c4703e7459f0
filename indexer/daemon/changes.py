"""The daemon's work queue: debounced live changes first, then the catch-up backlog.

* A burst of events on one path becomes one index operation, ``debounce`` seconds after the last.
* A path that keeps changing is re-indexed at most once per interval: the interval starts at
  ``min_interval`` and doubles up to ``max_interval`` while changes keep arriving inside it (the
  Baloo pattern: 5 s backing off to 60 s); a quiet period resets it.
* Moves and deletes are cheap database operations and run in arrival order, ahead of pending
  index work; a pending index of a moved path follows the path to its new name.
* The catch-up backlog (paths from the start-up scan) runs only when no live work is due.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Op:
    action: str          # index | delete | move
    path: str
    dest: str | None = None
    live: bool = True


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


class ChangeQueue:
    def __init__(self, debounce: float = 0.5, min_interval: float = 5.0, max_interval: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.debounce = debounce
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.clock = clock
        self._cond = threading.Condition()
        self._pending: dict[str, float] = {}          # path -> due time
        self._ops: deque[Op] = deque()                # moves and deletes, in order
        self._bulk: deque[str] = deque()              # catch-up paths
        self._last: dict[str, tuple[float, float]] = {}  # path -> (last indexed, current interval)

    def __len__(self) -> int:
        with self._cond:
            return len(self._pending) + len(self._ops) + len(self._bulk)

    # ----------------------------------------------------------- producers
    def changed(self, path: str) -> None:
        now = self.clock()
        with self._cond:
            due = now + self.debounce
            last = self._last.get(path)
            if last is not None:
                indexed_at, interval = last
                if now < indexed_at + interval:
                    due = max(due, indexed_at + interval)
                    self._last[path] = (indexed_at, min(interval * 2, self.max_interval))
                elif now > indexed_at + self.max_interval:
                    self._last[path] = (indexed_at, self.min_interval)
            self._pending[path] = max(due, self._pending.get(path, 0.0)) if path in self._pending else due
            self._cond.notify()

    def deleted(self, path: str) -> None:
        with self._cond:
            for key in [k for k in self._pending if _under(k, path)]:
                del self._pending[key]
            self._ops.append(Op("delete", path))
            self._cond.notify()

    def moved(self, src: str, dest: str) -> None:
        with self._cond:
            for key in [k for k in self._pending if _under(k, src)]:
                due = self._pending.pop(key)
                self._pending[dest + key[len(src):]] = due
            self._ops.append(Op("move", src, dest))
            self._cond.notify()

    def backlog(self, paths: Iterable[str]) -> None:
        with self._cond:
            self._bulk.extend(paths)
            self._cond.notify()

    def done(self, path: str) -> None:
        """Record that ``path`` was just indexed (for the re-index interval)."""
        now = self.clock()
        with self._cond:
            last = self._last.get(path)
            self._last[path] = (now, last[1] if last else self.min_interval)
            if len(self._last) > 4096:  # forget paths that have been quiet for a while
                horizon = now - self.max_interval
                self._last = {k: v for k, v in self._last.items() if v[0] >= horizon}

    # ------------------------------------------------------------ consumer
    def get(self, timeout: float) -> Op | None:
        """The next operation that is due, waiting up to ``timeout`` seconds."""
        deadline = self.clock() + timeout
        with self._cond:
            while True:
                now = self.clock()
                if self._ops:
                    return self._ops.popleft()
                if self._pending:
                    path, due = min(self._pending.items(), key=lambda kv: kv[1])
                    if due <= now:
                        del self._pending[path]
                        return Op("index", path)
                    wait_until = min(due, deadline)
                else:
                    wait_until = deadline
                if self._bulk:
                    return Op("index", self._bulk.popleft(), live=False)
                if now >= deadline:
                    return None
                self._cond.wait(max(0.0, wait_until - now))

    def clear_backlog_under(self, prefix: str) -> None:
        with self._cond:
            self._bulk = deque(p for p in self._bulk if not _under(p, prefix))
            for key in [k for k in self._pending if _under(k, prefix)]:
                del self._pending[key]
