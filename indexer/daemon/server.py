"""The daemon's Unix socket: mode 0600 in a 0700 home, peer uid checked, one JSON line per request.

Handlers are looked up in an extensible table: ``server.register_handler("ask", fn)`` adds a
method; each handler takes the request's params dict and returns something JSON-serialisable.
Every connection runs in its own thread, so a search never waits for the indexing thread.

A handler may instead return ``Streaming(open_fn)``: the server calls ``open_fn(disconnected)`` and writes
each item it yields as ``{"ok": true, "stream": item}``, then ``{"ok": true, "done": true}`` (or one error line).
``disconnected()`` tells the producer whether the client has gone; when a write fails the iterator is closed,
so a client that disconnects cancels the work it asked for.
"""
from __future__ import annotations

import json
import logging
import os
import select
import socket
import socketserver
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from indexer.errors import KithError, error_code

log = logging.getLogger("kith.daemon")

Handler = Callable[[dict[str, Any]], Any]
MAX_REQUEST = 16 * 1024 * 1024


def peer_uid(conn: socket.socket) -> int | None:
    """The uid of the process at the other end (SO_PEERCRED on Linux, getpeereid elsewhere if available)."""
    if hasattr(socket, "SO_PEERCRED"):
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return struct.unpack("3i", creds)[1]
    if sys.platform == "darwin":  # LOCAL_PEERCRED: struct xucred { u_int version; uid_t uid; ... }
        try:
            data = conn.getsockopt(0, 0x001, 76)
            return struct.unpack_from("Ii", data)[1]
        except OSError:
            return None
    return None


class Streaming:
    """A streamed answer: ``open_fn(disconnected)`` returns an iterator of JSON-serialisable items."""

    def __init__(self, open_fn: Callable[[Callable[[], bool]], Iterator[Any]]) -> None:
        self.open_fn = open_fn


def peer_closed(conn: socket.socket) -> bool:
    """True when the client closed its end (it sends nothing after its request line)."""
    try:
        readable, _, _ = select.select([conn], [], [], 0)
        if not readable:
            return False
        return conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except (OSError, ValueError):
        return True


class _RequestHandler(socketserver.StreamRequestHandler):
    server: "DaemonServer"

    def handle(self) -> None:
        uid = peer_uid(self.connection)
        if uid is not None and uid != os.getuid():
            log.warning("refused a connection from uid %s", uid)
            self._send({"ok": False, "error": "permission denied: the daemon only serves its own user",
                        "code": "permission_denied"})
            return
        line = self.rfile.readline(MAX_REQUEST)
        if not line.strip():
            return
        try:
            request = json.loads(line)
            method = request["method"]
            params = request.get("params") or {}
        except (ValueError, KeyError, TypeError) as exc:
            self._send({"ok": False, "error": f"malformed request: {exc}", "code": "malformed_request"})
            return
        answer = self.server.dispatch(method, params)
        if isinstance(answer.get("result"), Streaming):
            self._stream(method, answer["result"])
        else:
            self._send(answer)

    def _stream(self, method: str, streaming: Streaming) -> None:
        items: Iterator[Any] | None = None
        try:
            items = streaming.open_fn(lambda: peer_closed(self.connection))
            for item in items:
                self._write({"ok": True, "stream": item})
            self._write({"ok": True, "done": True})
        except (BrokenPipeError, ConnectionResetError):
            log.info("%s: the client went away; cancelled", method)
        except KithError as exc:
            self._send({"ok": False, "error": str(exc), "user_error": True, "code": getattr(exc, "code", "error")})
        except Exception as exc:  # never take the daemon down for one request
            log.exception("streaming handler %s failed", method)
            self._send({"ok": False, "error": f"{type(exc).__name__}: {exc}", "code": "internal"})
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def _write(self, answer: dict[str, Any]) -> None:
        self.wfile.write(json.dumps(answer, ensure_ascii=False, default=str).encode() + b"\n")
        self.wfile.flush()

    def _send(self, answer: dict[str, Any]) -> None:
        try:
            self.wfile.write(json.dumps(answer, ensure_ascii=False, default=str).encode() + b"\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


class DaemonServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handlers: dict[str, Handler] = {}
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists() or path.is_symlink():
            path.unlink()  # we hold the home's lock, so any socket here is a leftover
        old_umask = os.umask(0o177)
        try:
            super().__init__(str(path), _RequestHandler)
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o600)
        self._thread: threading.Thread | None = None

    def register_handler(self, method: str, handler: Handler) -> None:
        self.handlers[method] = handler

    def dispatch(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = self.handlers.get(method)
        if handler is None:
            return {"ok": False, "error": f"unknown method {method!r} (known: {', '.join(sorted(self.handlers))})",
                    "code": "unknown_method"}
        try:
            return {"ok": True, "result": handler(params)}
        except KithError as exc:
            return {"ok": False, "error": str(exc), "code": error_code(exc), "user_error": True}
        except Exception as exc:  # never take the daemon down for one request
            log.exception("handler %s failed", method)
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "code": "internal"}

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="kith-socket", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
