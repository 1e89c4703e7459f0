"""Real `kith serve` instances for tests: uvicorn in a thread on a free 127.0.0.1 port, over a home
indexed from samples/data."""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "samples" / "data"
NOW = "2026-11-23T09:00:00+00:00"


_INDEXED: list[Path] = []


def indexed_home(home: Path, config: str = "") -> Path:
    """samples/data indexed into ``home`` with the sample owner's kith.toml (plus ``config``).

    The first call in a test session indexes; later calls copy that home (the index is the same).
    """
    import shutil

    from indexer.app import KithApp

    if _INDEXED and _INDEXED[0].exists():
        shutil.copytree(_INDEXED[0], home)
    else:
        home.mkdir(parents=True, exist_ok=True)
        (home / "kith.toml").write_text((REPO / "samples" / "kith.toml").read_text())
        app = KithApp(home)
        app.indexer.index_paths([DATA])
        app.save_vectors() if hasattr(app, "save_vectors") else app.indexer.save_vectors()
        app.close()
        pristine = home.parent / (home.name + "-pristine")
        shutil.copytree(home, pristine)
        _INDEXED[:] = [pristine]
    (home / "kith.toml").write_text((REPO / "samples" / "kith.toml").read_text() + "\n" + config)
    return home


@contextmanager
def running_server(state: Any) -> Iterator[str]:
    """Serve ``state`` on a random free loopback port; yields the base URL (``http://127.0.0.1:PORT``)."""
    import uvicorn

    from serve.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(state), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("kith serve did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


class Recorder(BaseHTTPRequestHandler):
    """An OpenAI-compatible stand-in for an external provider that records every request."""

    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.received.append({"path": self.path, "body": body.decode("utf-8")})
        placeholders = sorted(set(re.findall(r"<[A-Z]+_\d+>", body.decode("utf-8"))))
        text = "External answer mentioning " + (", ".join(placeholders) or "nobody") + " [1]"
        reply = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "ext",
                            "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": text}}],
                            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[tuple[str, list[dict]]]:
    """A `Recorder` of its own on a free loopback port; yields its OpenAI base URL
    (``http://127.0.0.1:PORT/v1``) and the list its requests are recorded into."""
    handler = type("OwnRecorder", (Recorder,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler.received
    finally:
        server.shutdown()
