"""A temporary kith home that is removed on normal exit, on an error, on Ctrl-C and on SIGTERM
(`kith eval beir` without --home builds its whole index in one; it must never be left behind)."""
from __future__ import annotations

import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C does, so `finally` blocks run


@contextmanager
def temporary_home(prefix: str = "kith-tmp-") -> Iterator[Path]:
    """Yield a fresh private directory; delete it however the block ends.

    SIGTERM (whose default action would kill the process without cleanup) is turned into
    ``SystemExit`` while the block runs; SIGINT already raises ``KeyboardInterrupt``. Both are
    blocked while the directory is removed, so a second Ctrl-C cannot leave half of it behind.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main else None
    try:
        yield path
    finally:
        blocked = {signal.SIGINT, signal.SIGTERM}
        if main:
            signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)
