"""kith's own HTTP API: /v1/search and /v1/ask (the same JSON as `kith search --json` and
`kith ask --json`), pending confirmations, the digest, status and one document.

A side effect never runs from one HTTP request: `yes` is ignored, and a call that needs the user
comes back as ``needs_confirmation`` with its fingerprint and is kept in the pending list until it
is approved (``POST /v1/pending/{fingerprint}/approve``) or declined.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from indexer.errors import KithError
from serve.errors import ApiError
from serve.state import ServeState

router = APIRouter()


def state_of(request: Request) -> ServeState:
    return request.app.state.kith


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "request body must be JSON", "bad_json") from None
    if not isinstance(body, dict):
        raise ApiError(400, "request body must be a JSON object", "bad_json")
    return body


def search(state: ServeState, params: dict[str, Any]) -> list[dict[str, Any]]:
    from indexer.search_service import SearchRequest, run_search

    if not isinstance(params.get("query"), str):
        raise ApiError(400, "search: 'query' must be a string", "bad_request")
    limit = params.get("limit", 10)
    if not isinstance(limit, int) or not 1 <= limit <= 200:
        raise ApiError(400, "search: 'limit' must be an integer from 1 to 200", "bad_request")
    with state.lock:
        state.app.refresh()
        return run_search(state.app, SearchRequest.from_json(params))


def ask(state: ServeState, params: dict[str, Any]) -> dict[str, Any]:
    """One ask without side effects unless the user approved that exact call's fingerprint."""
    from agent.ask_service import AskRequest, run_ask

    params = dict(params, yes=False)
    request = AskRequest.from_json(params)
    tier = params.get("tier")
    with state.lock:
        state.app.refresh()
        answer = run_ask(state.app, request, registry=state.registry)
        answer["engine"]["embeddings"] = "kith-serve"
        if tier or state.tiers_configured():
            from serve.orchestrate import orchestrate

            answer = orchestrate(state, request, answer, tier=tier, consent=params.get("consent"))
        waiting = state.remember_pending(request.to_json(), answer)
        for done in request.approved + request.declined:
            state.pending.pop(done, None)
    answer["pending"] = waiting
    return answer


def decide(state: ServeState, fingerprint: str, approve: bool) -> dict[str, Any]:
    pending = state.pending.get(fingerprint)
    if pending is None:
        raise ApiError(404, f"no pending confirmation {fingerprint!r} (it was decided already or the "
                       "server restarted)", "not_found")
    request = dict(pending.request)
    key = "approved" if approve else "declined"
    request[key] = list(request.get(key) or []) + [fingerprint]
    answer = ask(state, request)
    state.pending.pop(fingerprint, None)
    return answer


def pending_list(state: ServeState) -> list[dict[str, Any]]:
    return [dict(p.confirmation, question=p.request.get("question"), created=p.created)
            for p in state.pending.values()]


def status(state: ServeState) -> dict[str, Any]:
    """Index counts and failures, and the daemon's live progress when one runs for this home."""
    with state.lock:
        store = state.app.store
        failures = store.failures()
        files = store.file_status_counts()
        data: dict[str, Any] = {
            "home": str(state.home_path), "documents": store.counts_by_kind(), "files": files,
            "failures": failures[:200], "failure_count": len(failures),
            "generations_active": state.generation.active, "generations_cancelled": state.generation.cancelled,
        }
    try:
        from indexer.daemon.client import DaemonError, DaemonUnavailable, call

        data["daemon"] = dict(call(str(state.home_path), "status", timeout=3.0), running=True)
    except (DaemonUnavailable, DaemonError, OSError) as exc:
        data["daemon"] = {"running": False, "detail": str(exc)}
    return data


def digest(state: ServeState, since: str = "7d", now: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    from agent.digest import build_digest
    from agent.ask_service import parse_now

    with state.lock:
        return [item.to_json() for item in build_digest(state.app, since=since, now=parse_now(now), limit=limit)]


def document(state: ServeState, doc_id: str) -> dict[str, Any]:
    with state.lock:
        doc = state.app.store.get_document(doc_id)
    if doc is None:
        raise ApiError(404, f"no document with id {doc_id!r}", "not_found")
    doc.pop("rowid", None)
    return doc


async def _threaded(fn: Any, *args: Any) -> Any:
    try:
        return await run_in_threadpool(fn, *args)
    except ApiError:
        raise
    except KithError as exc:
        raise ApiError(400, str(exc), getattr(exc, "code", "bad_request")) from None


@router.post("/v1/search")
async def search_route(request: Request) -> Any:
    return await _threaded(search, state_of(request), await _json_body(request))


@router.post("/v1/ask")
async def ask_route(request: Request) -> Any:
    return await _threaded(ask, state_of(request), await _json_body(request))


@router.get("/v1/pending")
async def pending_route(request: Request) -> Any:
    return {"pending": pending_list(state_of(request))}


@router.post("/v1/pending/{fingerprint}/{decision}")
async def decide_route(request: Request, fingerprint: str, decision: str) -> Any:
    if decision not in ("approve", "decline"):
        raise ApiError(404, "use /approve or /decline", "not_found")
    return await _threaded(decide, state_of(request), fingerprint, decision == "approve")


@router.get("/v1/status")
async def status_route(request: Request) -> Any:
    return await _threaded(status, state_of(request))


@router.get("/v1/digest")
async def digest_route(request: Request, since: str = "7d", now: str | None = None, limit: int = 20) -> Any:
    return await _threaded(digest, state_of(request), since, now, limit)


@router.get("/v1/documents/{doc_id}")
async def document_route(request: Request, doc_id: str) -> Any:
    return await _threaded(document, state_of(request), doc_id)


@router.post("/v1/login-code")
async def login_code_route(request: Request) -> Any:
    """A one-time browser login URL (bearer-token clients only: `kith serve login`)."""
    if request.scope.get("state", {}).get("auth", {}).get("kind") != "bearer":
        raise ApiError(403, "login codes are issued to bearer-token clients only", "forbidden")
    code = state_of(request).sessions.new_login_code()
    return {"url": f"{request.base_url}login?code={code}", "expires_in": 600}
