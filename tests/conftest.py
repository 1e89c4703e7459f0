"""Shared fixtures: the corpora location, and one embedder per test session (the model loads once)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
SAMPLES = REPO / "samples" / "data"


def corpus(name: str) -> Path:
    """A folder of ../shared/corpora, or skip the test with a clear message."""
    path = CORPORA / name
    if not path.exists():
        pytest.skip(f"corpus {name} not available at {path} (../shared/corpora is absent)")
    return path


@pytest.fixture(scope="session")
def embedder():
    from indexer.embeddings import Embedder

    return Embedder()


@pytest.fixture
def make_app(tmp_path, embedder):
    """Build a KithApp in a fresh home under tmp_path, sharing the session's loaded model."""
    from indexer.app import KithApp

    apps = []

    def build(name: str = "home", config: str | None = None):
        home = tmp_path / name
        home.mkdir(exist_ok=True)
        if config:
            (home / "kith.toml").write_text(config)
        app = KithApp(home, embedder=embedder)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.close()

# The tiny random language model (built once per session through the real import pipeline).
from llm_fixtures import tiny_model  # noqa: E402,F401
