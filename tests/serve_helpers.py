"""Real `kith serve` instances for tests: uvicorn in a thread on a free 127.0.0.1 port, over a home
indexed from samples/data."""
from __future__ import annotations

import socket
import threading
import time
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
