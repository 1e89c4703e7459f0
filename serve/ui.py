"""The local web UI at ``/``: server-rendered Jinja pages with plain HTML forms (no JavaScript, no
CDN, no telemetry; the one stylesheet is served from ``serve/static``).

Pages: search with filters and highlighted snippets, ask with citations that open the cited
document, pending confirmations with approve and decline, the digest, and index/daemon status.
Asking may name a tier; before anything goes to the external tier the page shows exactly what would
be sent (after redaction) and asks: send once, always for this kind of request, or don't send.
State-changing forms (ask, approve, decline) are POSTs that carry the session's CSRF token; the
session cookie itself is SameSite=Strict (see ``serve.security``).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from indexer import kinds
from indexer.errors import KithError
from serve import kith_api
from serve.errors import ApiError
from serve.kith_api import state_of
from serve.security import check_csrf

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
# readable JSON for the consent page (Jinja's tojson escapes <PERSON_1> as \u003c...; autoescape still applies)
templates.env.filters["pretty_json"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)
router = APIRouter()
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "no-store",
}


def mount_static(api: Any) -> None:
    api.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")


def highlighted(snippet: str, spans: list[list[int]]) -> list[tuple[str, bool]]:
    """A snippet cut into (text, is_highlight) pieces for the template to escape and mark."""
    pieces, cursor = [], 0
    for start, end in sorted(spans or []):
        if start < cursor or end <= start:
            continue
        pieces += [(snippet[cursor:start], False), (snippet[start:end], True)]
        cursor = end
    pieces.append((snippet[cursor:], False))
    return [p for p in pieces if p[0]]


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    auth = request.scope.get("state", {}).get("auth", {})
    state = state_of(request)
    context.update(request=request, csrf=auth.get("csrf", ""), pending_count=len(state.pending))
    response = templates.TemplateResponse(request, name, context)
    response.headers.update(SECURITY_HEADERS)
    return response


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    data = {k: str(v) for k, v in form.items()}
    auth = request.scope.get("state", {}).get("auth", {})
    if not check_csrf(auth, data.get("csrf_token"), request.headers.get("origin")):
        raise ApiError(403, "missing or wrong CSRF token; reload the page and try again", "csrf")
    return data


@router.get("/", response_class=HTMLResponse)
async def search_page(request: Request, q: str = "", kind: str = "", since: str = "", until: str = "",
                      person: str = "", place: str = "") -> HTMLResponse:
    hits, error = [], ""
    filters = {"kind": kind, "since": since, "until": until, "person": person, "place": place}
    if q or any(filters.values()):
        params: dict[str, Any] = {"query": q, "limit": 20, **{k: v for k, v in filters.items() if v}}
        try:
            hits = await run_in_threadpool(kith_api.search, state_of(request), params)
        except KithError as exc:
            error = str(exc)
    for hit in hits:
        hit["pieces"] = highlighted(hit.get("snippet") or "", hit.get("highlights") or [])
    return _page(request, "search.html", q=q, filters=filters, kinds=["", *(k for k in kinds.known() if k != "note")], hits=hits, error=error,
                 searched=bool(q or any(filters.values())))


@router.get("/ask", response_class=HTMLResponse)
async def ask_page(request: Request) -> HTMLResponse:
    return _page(request, "ask.html", question="", answer=None, error="", tier="", tiers=TIERS, now="")


TIERS = ("", "device", "private", "external")


@router.post("/ask", response_class=HTMLResponse)
async def ask_submit(request: Request) -> HTMLResponse:
    data = await _form(request)
    question = data.get("question", "").strip()
    tier = data.get("tier") or ""
    answer, error = None, ""
    params: dict[str, Any] = {"question": question, "now": data.get("now") or None, "tier": tier or None}
    if data.get("consent"):  # the consent form: once | always | decline, bound to the payload shown
        params["consent"] = {"decision": data["consent"], "fingerprint": data.get("fingerprint") or None}
    try:
        if tier not in TIERS:
            raise ApiError(400, f"unknown tier {tier!r}: use device, private or external", "bad_tier")
        answer = await run_in_threadpool(kith_api.ask, state_of(request), params)
    except KithError as exc:
        error = str(exc)
    return _page(request, "ask.html", question=question, answer=answer, error=error, tier=tier, tiers=TIERS,
                 now=data.get("now") or "")


@router.get("/doc/{doc_id}", response_class=HTMLResponse)
async def document_page(request: Request, doc_id: str) -> HTMLResponse:
    doc = await run_in_threadpool(kith_api.document, state_of(request), doc_id)
    return _page(request, "document.html", doc=doc)


@router.get("/pending", response_class=HTMLResponse)
async def pending_page(request: Request, done: str = "") -> HTMLResponse:
    return _page(request, "pending.html", pending=kith_api.pending_list(state_of(request)), done=done)


@router.post("/pending/{fingerprint}/{decision}")
async def pending_decide(request: Request, fingerprint: str, decision: str) -> Any:
    await _form(request)
    if decision not in ("approve", "decline"):
        raise ApiError(404, "use approve or decline", "not_found")
    answer = await run_in_threadpool(kith_api.decide, state_of(request), fingerprint, decision == "approve")
    return _page(request, "ask.html", question=answer.get("question", ""), answer=answer, error="",
                 decided=decision, tier="", tiers=TIERS, now="")


@router.get("/digest", response_class=HTMLResponse)
async def digest_page(request: Request, since: str = "7d", now: str = "") -> HTMLResponse:
    error, items = "", []
    try:
        items = await run_in_threadpool(kith_api.digest, state_of(request), since, now or None, 20)
    except KithError as exc:
        error = str(exc)
    return _page(request, "digest.html", items=items, since=since, now=now, error=error)


@router.get("/status", response_class=HTMLResponse)
async def status_page(request: Request) -> HTMLResponse:
    status = await run_in_threadpool(kith_api.status, state_of(request))
    return _page(request, "status.html", status=status)
