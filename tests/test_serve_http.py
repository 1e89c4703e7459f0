"""`kith serve` over real HTTP on 127.0.0.1 (uvicorn in a thread) on samples/data: the token,
loopback Host checks, browser login and CSRF, /v1/search and /v1/ask with the CLI's JSON, pending
confirmations instead of side effects, /v1/embeddings with kith's embedder, and clear errors."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import httpx
import pytest

from tests.serve_helpers import DATA, NOW, REPO, indexed_home, running_server

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="samples/data has not been generated")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from serve.app import build_state

    home = indexed_home(tmp_path_factory.mktemp("serve") / "home")
    state = build_state(str(home))
    with running_server(state) as url:
        yield url, state
    state.close()


def client(served, token=True, **kwargs):
    url, state = served
    headers = {"authorization": f"Bearer {state.token}"} if token else {}
    headers.update(kwargs.pop("headers", {}))
    return httpx.Client(base_url=url, headers=headers, timeout=60, **kwargs)


def test_token_file_is_private_and_printed_by_the_cli(served, tmp_path):
    _, state = served
    path = state.home_path / "serve.token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    out = subprocess.run([sys.executable, "-c", "from kith.cli.main import cli; cli()", "serve", "token",
                          "--home", str(state.home_path)], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == state.token and len(state.token) >= 40


@pytest.mark.parametrize("path", ["/v1/models", "/", "/static/kith.css", "/v1/pending"])
def test_every_route_needs_the_token(served, path):
    with client(served, token=False) as http:
        response = http.get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    with client(served, token=False, headers={"authorization": "Bearer wrong"}) as http:
        assert http.get(path).status_code == 401


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.nip.io:8765", "10.0.0.1", "localhost.evil.com"])
def test_non_loopback_host_header_is_refused(served, host):
    with client(served) as http:
        response = http.get("/v1/models", headers={"host": host})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_host"


@pytest.mark.parametrize("host", ["127.0.0.1:1234", "localhost", "[::1]:8765"])
def test_loopback_host_names_are_accepted(served, host):
    with client(served) as http:
        assert http.get("/v1/pending", headers={"host": host}).status_code == 200


def test_search_returns_the_cli_json(served):
    from indexer.app import KithApp
    from indexer.query_service import SearchRequest, run_search

    with client(served) as http:
        hits = http.post("/v1/search", json={"query": "dentist appointment", "limit": 5}).json()
    assert hits and {"id", "kind", "title", "snippet", "highlights", "score", "path"} <= set(hits[0])
    app = KithApp(served[1].home_path)
    try:
        expected = run_search(app, SearchRequest(query="dentist appointment", limit=5))
    finally:
        app.close()
    assert [h["id"] for h in hits] == [h["id"] for h in expected]


def test_search_filters_and_bad_input(served):
    with client(served) as http:
        hits = http.post("/v1/search", json={"query": "Lisbon", "kind": "photo", "limit": 10}).json()
        assert hits and all(h["kind"] == "photo" for h in hits)
        bad = http.post("/v1/search", json={"query": "x", "since": "the day after never"})
        assert bad.status_code == 400 and bad.json()["error"]["message"]
        assert http.post("/v1/search", json={"limit": 3}).status_code == 400
        assert http.post("/v1/search", content=b"{not json").json()["error"]["code"] == "bad_json"


def user_files(home):
    """Files an intent could write (the index's own database and vector cache aside)."""
    return sorted(p.name for p in home.rglob("*") if p.is_file() and not p.name.startswith(("kith.db", "vectors")))


def test_ask_returns_a_pending_confirmation_instead_of_acting(served):
    home = served[1].home_path
    before = user_files(home)
    with client(served) as http:
        answer = http.post("/v1/ask", json={"question": "remind me to call Bob tomorrow at 9",
                                            "now": NOW, "yes": True}).json()
        call = answer["intent_calls"][0]
        assert call["status"] == "needs_confirmation" and answer["pending"]
        fingerprint = call["confirmation"]["fingerprint"]
        assert [p["fingerprint"] for p in http.get("/v1/pending").json()["pending"]] == [fingerprint]
        assert user_files(home) == before, "an unconfirmed request wrote something"
        done = http.post(f"/v1/pending/{fingerprint}/approve").json()
        assert done["intent_calls"][0]["status"] == "done"
        assert http.get("/v1/pending").json()["pending"] == []
        assert http.post(f"/v1/pending/{fingerprint}/approve").status_code == 404
    reminders = [p for p in home.rglob("*") if p.is_file() and p.name not in before]
    assert any("call Bob" in p.read_text(errors="replace") for p in reminders)


def test_ask_grounded_answer_matches_the_cli_shape(served):
    with client(served) as http:
        answer = http.post("/v1/ask", json={"question": "when is my next dentist appointment?", "now": NOW}).json()
    assert answer["found"] and answer["citations"]
    assert {"question", "answer", "citations", "intent_calls", "plan", "engine", "explain"} <= set(answer)


def test_embeddings_use_kiths_embedder(served):
    from openai import OpenAI

    url, state = served
    api = OpenAI(base_url=url + "/v1", api_key=state.token)
    result = api.embeddings.create(model="kith", input=["dinner in Lisbon", "boat trip"])
    assert len(result.data) == 2 and len(result.data[0].embedding) == 384
    norm = sum(x * x for x in result.data[0].embedding)
    assert abs(norm - 1.0) < 1e-3
    with client(served) as http:
        plain = http.post("/v1/embeddings", json={"input": "dinner in Lisbon", "encoding_format": "float"}).json()
        assert plain["data"][0]["embedding"] == pytest.approx(result.data[0].embedding, abs=1e-6)
        assert http.post("/v1/embeddings", json={"input": [1, 2]}).status_code == 400


def test_browser_login_is_one_time_and_forms_need_csrf(served):
    url, state = served
    with client(served) as http:
        login = http.post("/v1/login-code").json()["url"]
    with httpx.Client(timeout=60) as browser:
        first = browser.get(login, follow_redirects=False)
        assert first.status_code == 303
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert browser.get(login).status_code == 401  # spent
        page = browser.get(url + "/ask")
        assert page.status_code == 200 and "csrf_token" in page.text
        no_token = browser.post(url + "/ask", data={"question": "remind me to buy milk"})
        assert no_token.status_code == 403
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        foreign = browser.post(url + "/ask", data={"question": "hi", "csrf_token": csrf},
                               headers={"origin": "http://evil.example"})
        assert foreign.status_code == 403
        ok = browser.post(url + "/ask", data={"question": "when is my next dentist appointment?",
                                              "csrf_token": csrf, "now": NOW})
        assert ok.status_code == 200 and "/doc/" in ok.text
        # a session cookie does not turn into API powers for login codes
        assert browser.post(url + "/v1/login-code").status_code == 403
