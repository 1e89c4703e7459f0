"""Talk to a running daemon over its Unix socket. Standard library only: this is the `kith search` hot path.

The protocol is one JSON object per line each way: ``{"method": ..., "params": {...}}`` answered by
``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "...", "code": "...", "user_error": bool}``;
``code`` is the stable code of the error (``indexer.errors``; ``unknown_method``, ``internal``...),
which clients match instead of the message text.
"""
from __future__ import annotations

import json
import os
import socket

from indexer.daemon.paths import resolve_home, socket_file
from indexer.errors import KithError, error_class

TYPE_CHECKING = False  # typing (and pathlib) cost ~10 ms to import here: type names only for checkers
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

CONNECT_TIMEOUT = 0.5
DEFAULT_TIMEOUT = 60.0
MAX_RESPONSE = 256 * 1024 * 1024


class DaemonUnavailable(KithError):
    """No daemon answers on this home's socket."""

    code = "daemon_unavailable"


class DaemonError(KithError):
    """The daemon answered with an error; ``code`` is the code it sent."""

    code = "daemon"

    def __init__(self, message: str, user_error: bool = False, code: str | None = None) -> None:
        super().__init__(message)
        self.user_error = user_error
        if code:
            self.code = code

    def user_exception(self) -> KithError:
        """The user error the daemon reported, as its own KithError class (same message and code)."""
        error = error_class(self.code)(str(self))
        error.code = self.code
        return error


def call(home: str | os.PathLike[str] | None, method: str, params: dict[str, Any] | None = None,
         timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Call ``method`` on the daemon for ``home``; raises DaemonUnavailable or DaemonError."""
    sock = _connect(home, timeout)
    try:
        payload = json.dumps({"method": method, "params": params or {}}, default=str).encode() + b"\n"
        sock.sendall(payload)
        data = _read_line(sock)
    except (socket.timeout, ConnectionError) as exc:
        raise DaemonUnavailable(f"daemon did not answer {method!r}: {exc}") from exc
    finally:
        sock.close()
    return _answer(data).get("result")


def _answer(line: bytes) -> dict[str, Any]:
    """One answer line as a dict; DaemonError when it is malformed or reports an error."""
    try:
        answer = json.loads(line)
    except ValueError as exc:
        raise DaemonError(f"malformed answer from daemon: {exc}") from exc
    if not answer.get("ok"):
        raise DaemonError(answer.get("error") or "unknown daemon error", bool(answer.get("user_error")),
                          answer.get("code") or ("error" if answer.get("user_error") else "internal"))
    return answer


def _connect(home: str | os.PathLike[str] | None, timeout: float) -> socket.socket:
    """A connected socket to the daemon of ``home`` (``timeout`` for what follows), or DaemonUnavailable."""
    path = socket_file(resolve_home(home))
    if not os.path.exists(path):
        raise DaemonUnavailable(f"no daemon socket at {path}")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        sock.connect(path)
    except OSError as exc:
        sock.close()
        raise DaemonUnavailable(f"daemon socket {path} does not answer: {exc}") from exc
    sock.settimeout(timeout)
    return sock


def stream(home: str | os.PathLike[str] | None, method: str, params: dict[str, Any] | None = None,
           timeout: float = DEFAULT_TIMEOUT) -> Iterator[Any]:
    """Call a streaming ``method``: yields each item the daemon streams; raises DaemonUnavailable/DaemonError.

    Closing the iterator early closes the connection, which cancels the daemon's work for this request.
    ``timeout`` bounds the wait for each line (a queued request waits for the ones before it).
    """
    sock = _connect(home, timeout)
    reader = sock.makefile("rb")
    try:
        sock.sendall(json.dumps({"method": method, "params": params or {}}, default=str).encode() + b"\n")
        while True:
            try:
                line = reader.readline(MAX_RESPONSE)
            except (socket.timeout, ConnectionError) as exc:
                raise DaemonUnavailable(f"daemon stopped answering {method!r}: {exc}") from exc
            if not line:
                raise DaemonUnavailable(f"the daemon closed the connection during {method!r}")
            answer = _answer(line)
            if answer.get("done"):
                return
            if "stream" not in answer:  # a daemon without streaming answered in one line
                yield answer.get("result")
                return
            yield answer["stream"]
    finally:
        reader.close()  # the socket only closes once its file object is closed too
        sock.close()


def _read_line(sock: socket.socket) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        block = sock.recv(1 << 16)
        if not block:
            break
        parts.append(block)
        size += len(block)
        if block.endswith(b"\n") or size > MAX_RESPONSE:
            break
    if not parts:
        raise ConnectionError("connection closed without an answer")
    return b"".join(parts)


def request_params(request: Any) -> dict[str, Any]:
    """A search request (dataclass, object or dict) as the JSON params the daemon expects."""
    if isinstance(request, dict):
        return dict(request)
    import dataclasses

    if dataclasses.is_dataclass(request):
        return dataclasses.asdict(request)
    return dict(vars(request))


def try_daemon_search(home: str | os.PathLike[str] | None, request: Any) -> list[dict] | None:
    """Search through the running daemon, or None (quickly) when there is none or it cannot answer.

    A user error reported by the daemon (a bad filter) is raised as ``KithError`` so the CLI prints
    it exactly like the in-process path would.
    """
    try:
        return call(home, "search", request_params(request))
    except DaemonUnavailable:
        return None
    except DaemonError as exc:
        if exc.user_error:
            raise exc.user_exception() from None
        return None
