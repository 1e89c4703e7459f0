"""Progress feedback for long CLI jobs (`kith index`, `kith eval beir`, ...), one helper for all.

On a terminal it is a transient rich progress bar on stderr. When stderr is not a terminal (a pipe,
a log file, CI) a background thread prints one plain line every few seconds instead, also while one
big file (an mbox) keeps the job busy, so a six-minute run is never silent::

    kith: indexing 1200/5000 (24%), 1m35s elapsed, ~5m00s left: 17.
    kith: indexing done: 5000/5000 in 6m12s

The interval is ``interval`` seconds (default 5, or ``$KITH_PROGRESS_SECONDS``).
Usage::

    with Progress("indexing", unit="files") as progress:
        for n, item in enumerate(items, 1):
            progress.update(n, total, detail=item.name)
"""
from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import Any, TextIO

DEFAULT_INTERVAL = 5.0


def _interval_from_env() -> float:
    try:
        return max(0.0, float(os.environ.get("KITH_PROGRESS_SECONDS", DEFAULT_INTERVAL)))
    except ValueError:
        return DEFAULT_INTERVAL


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """A progress display for one job: a rich bar on a terminal, periodic plain lines otherwise."""

    def __init__(self, label: str, *, unit: str = "", stream: TextIO | None = None,
                 interval: float | None = None, enabled: bool = True, tty: bool | None = None) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.interval = _interval_from_env() if interval is None else interval
        self.enabled = enabled
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.done, self.total, self.detail = 0, None, ""
        self.started = time.monotonic()
        self._lines = 0
        self._rich: Any = None
        self._task: Any = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "Progress":
        self.started = time.monotonic()
        if self.enabled and not self.tty:
            self._ticker = threading.Thread(target=self._tick, name="kith-progress", daemon=True)
            self._ticker.start()
        elif self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._rich = RichProgress(TextColumn(f"[bold]{self.label}"), BarColumn(), MofNCompleteColumn(),
                                      TimeRemainingColumn(), TextColumn("{task.description}"),
                                      console=Console(file=self.stream), transient=True)
            self._rich.__enter__()
            self._task = self._rich.add_task("", total=None)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
        if self._rich is not None:
            self._rich.__exit__(exc_type, exc, tb)
            self._rich = None
        elif self.enabled and exc_type is None and self._lines:
            # Only a job that printed progress says it finished (short jobs stay quiet).
            self._write(f"kith: {self.label} done: {self._count()} in "
                        f"{format_seconds(time.monotonic() - self.started)}")

    # ------------------------------------------------------------------ updates
    def update(self, done: int, total: int | None = None, detail: str = "") -> None:
        """Record progress (``done`` of ``total``, None keeps the last total); shown by the bar or ticker."""
        with self._lock:
            self.done, self.total, self.detail = done, total if total is not None else self.total, detail
        if self._rich is not None:
            self._rich.update(self._task, completed=done, total=self.total, description=detail[-40:])

    def advance(self, step: int = 1, detail: str = "") -> None:
        self.update(self.done + step, None, detail)

    def _tick(self) -> None:
        while not self._stop.wait(max(self.interval, 0.05)):
            self._write(self.line())

    def line(self, now: float | None = None) -> str:
        """The plain progress line for the current state."""
        with self._lock:
            return self._line((now if now is not None else time.monotonic()) - self.started)

    def _line(self, elapsed: float) -> str:
        text = f"kith: {self.label} {self._count()}"
        if self.total:
            text += f" ({100 * self.done / self.total:.0f}%)"
        text += f", {format_seconds(elapsed)} elapsed"
        if self.total and 0 < self.done < self.total:
            text += f", ~{format_seconds(elapsed * (self.total - self.done) / self.done)} left"
        if self.detail:
            text += f": {self.detail[-60:]}"
        return text

    def _count(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.done}/{self.total}{unit}" if self.total else f"{self.done}{unit}"

    def _write(self, text: str) -> None:
        if not self.enabled:
            return
        self._lines += 1
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe must not stop the job
            self.enabled = False
