"""The index knows its embedder: identity recorded with the first vector, a clear error for another
model, and `kith reembed` (crash-safe, resumable) switching the identity only at the end."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CALENDAR = REPO / "samples" / "data" / "calendar"
KITH = "from kith.cli.entry import main; main()"

# A real (if simple) embedder plugin: hashed bag of words, 64-d, L2-normalised; "slow" sleeps per
# call so a test can kill a reembed part-way.
PLUGIN = '''
import hashlib, re, time
import numpy as np
from kith.plugins import hookimpl

class HashEmbedder:
    dimension = 64
    weights_sha = hashlib.sha256(b"hash-64 v1").hexdigest()

    def __init__(self, name, delay=0.0):
        self.name, self.delay = name, delay

    def encode(self, texts, show_progress=False):
        time.sleep(self.delay)
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def encode_query(self, text):
        return self.encode([text])[0]

@hookimpl
def register_embedders(register):
    register("hash-64", lambda: HashEmbedder("hash-64"))
    register("hash-64-slow", lambda: HashEmbedder("hash-64", delay=0.4))
'''


def kith(home: Path, *args: str, plugins: Path, wait: bool = True):
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{plugins}", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-c", KITH, *args, "--home", str(home)]
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def indexed_home(tmp_path, make_app):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "kith_hash_embedder.py").write_text(PLUGIN)
    app = make_app("home", config='[plugins]\nmodules = ["kith_hash_embedder"]\n')
    app.indexer.index_paths([CALENDAR])
    app.indexer.save_vectors()
    app.close()
    return app.home.path, plugins


def meta(home: Path, key: str) -> str | None:
    with sqlite3.connect(home / "kith.db") as db:
        row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def test_identity_is_recorded_with_the_first_vector(make_app, embedder):
    app = make_app()
    assert app.store.get_meta("embedder") is None
    app.indexer.index_paths([CALENDAR])
    recorded = json.loads(app.store.get_meta("embedder"))
    assert recorded["name"] == "all-MiniLM-L6-v2" and recorded["dimension"] == 384
    assert len(recorded["weights_sha"]) == 64
    assert app.vectors.dimension == 384


def test_another_embedder_is_one_clear_error(indexed_home):
    from indexer.app import KithApp
    from indexer.embedder_registry import make_embedder
    from indexer.errors import EmbedderMismatch
    from kith.plugins import load_plugins

    home, plugins = indexed_home
    sys.path.insert(0, str(plugins))
    try:
        load_plugins(["kith_hash_embedder"])
        app = KithApp(home, embedder=make_embedder("hash-64"))
        with pytest.raises(EmbedderMismatch) as caught:
            app.searcher  # noqa: B018
        app.close()
    finally:
        sys.path.remove(str(plugins))
    message = str(caught.value)
    assert "\n" not in message and "all-MiniLM-L6-v2" in message and "hash-64" in message
    assert "kith reembed" in message and caught.value.code == "embedder_mismatch"

    # the CLI prints it as one line, without a traceback
    env_model = kith(home, "search", "dentist", plugins=plugins)
    assert env_model.returncode == 0, env_model.stderr  # the recorded embedder is still the configured one


def test_reembed_is_resumable_after_kill_9_and_switches_only_at_the_end(indexed_home):
    home, plugins = indexed_home
    before = meta(home, "embedder")
    with sqlite3.connect(home / "kith.db") as db:
        chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    assert chunks >= 4

    slow = kith(home, "reembed", "--model", "hash-64-slow", "--batch", "1", plugins=plugins, wait=False)
    deadline = time.monotonic() + 120
    staged = 0
    while time.monotonic() < deadline and staged < 2:
        time.sleep(0.2)
        with sqlite3.connect(home / "kith.db") as db:
            staged = db.execute("SELECT COUNT(*) FROM reembed_chunks").fetchone()[0]
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait()
    assert 2 <= staged < chunks, "the reembed should have been killed part-way"

    # the old index is untouched and usable: same identity, the old model still searches
    assert meta(home, "embedder") == before
    old = kith(home, "search", "dentist", "--json", plugins=plugins)
    assert old.returncode == 0, old.stderr
    assert json.loads(old.stdout)

    done = kith(home, "reembed", "--model", "hash-64", "--json", plugins=plugins)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["resumed_from"] >= 2 and report["embedded"] == chunks - report["resumed_from"]
    assert report["after"]["name"] == "hash-64" and report["after"]["dimension"] == 64
    assert json.loads(meta(home, "embedder"))["name"] == "hash-64"
    assert meta(home, "reembed_target") is None

    # the index now follows its recorded embedder: searching needs no configuration
    new = kith(home, "search", "dentist appointment", "--json", plugins=plugins)
    assert new.returncode == 0, new.stderr
    assert json.loads(new.stdout)
    again = kith(home, "reembed", "--model", "hash-64", "--json", plugins=plugins)
    assert json.loads(again.stdout)["unchanged"] is True
