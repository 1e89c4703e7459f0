"""Who may talk to `kith serve`: the bearer token kept in the home (0600), loopback-only Host headers
(no DNS rebinding), browser sessions opened by a one-time login code, and CSRF tokens for forms.

Everything here is a pure ASGI middleware so streaming responses and client disconnects pass
through untouched.
"""
from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

from indexer.home import secure_touch

TOKEN_FILE = "serve.token"
SESSION_COOKIE = "kith_session"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
LOGIN_CODE_SECONDS = 600
SESSION_SECONDS = 12 * 3600

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[None]]


def token_path(home: Path) -> Path:
    return home / TOKEN_FILE


def load_or_create_token(home: Path) -> str:
    """The home's bearer token, created (32 random bytes, urlsafe) on first use; the file is 0600."""
    path = token_path(home)
    secure_touch(path)
    token = path.read_text(encoding="utf-8").strip()
    if not token:
        token = secrets.token_urlsafe(32)
        path.write_text(token + "\n", encoding="utf-8")
    return token


def split_host(host_header: str) -> tuple[str, str | None]:
    """``name[:port]`` or ``[v6]:port`` -> (name, port); IPv6 literals keep their brackets."""
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return host, None
        rest = host[end + 1:]
        return host[: end + 1], rest[1:] if rest.startswith(":") else None
    name, sep, port = host.rpartition(":")
    return (name, port) if sep and port.isdigit() and ":" not in name else (host, None)


def is_loopback_host(host_header: str, extra: frozenset[str] = frozenset()) -> bool:
    name, port = split_host(host_header)
    if port is not None and not port.isdigit():
        return False
    return name in LOOPBACK_HOSTS or name in extra


@dataclass
class Session:
    csrf: str
    expires: float


@dataclass
class Sessions:
    """Browser sessions and one-time login codes, in memory: a restart logs everyone out."""

    codes: dict[str, float] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_login_code(self) -> str:
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = time.monotonic() + LOGIN_CODE_SECONDS
        return code

    def redeem(self, code: str) -> tuple[str, Session] | None:
        """A fresh session for a valid, unused, unexpired code; the code is spent either way."""
        with self.lock:
            expires = self.codes.pop(code, None)
            if expires is None or expires < time.monotonic():
                return None
            session_id = secrets.token_urlsafe(32)
            session = Session(csrf=secrets.token_urlsafe(24), expires=time.monotonic() + SESSION_SECONDS)
            self.sessions[session_id] = session
            return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None or session.expires < time.monotonic():
                self.sessions.pop(session_id, None)
                return None
            return session


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}


def cookie_value(headers: dict[str, str], name: str) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


async def _send_plain(send: Callable[..., Awaitable[Any]], status: int, message: str, code: str,
                      extra_headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": {"message": message, "type": "invalid_request_error", "code": code}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra_headers or [])})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: Host check, then the bearer token or a session cookie on every request.

    ``/login?code=...`` is the one path without credentials: it spends a one-time code and sets an
    HttpOnly, SameSite=Strict session cookie. The authenticated identity is put in
    ``scope["state"]["auth"]`` as ``"bearer"`` or ``"session"`` (with the session's CSRF token).
    """

    def __init__(self, app: ASGIApp, token: str, sessions: Sessions, extra_hosts: frozenset[str] = frozenset()):
        self.app = app
        self.token = token
        self.sessions = sessions
        self.extra_hosts = extra_hosts

    async def __call__(self, scope: Scope, receive: Callable[..., Awaitable[Any]],
                       send: Callable[..., Awaitable[Any]]) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if not is_loopback_host(headers.get("host", ""), self.extra_hosts):
            await _send_plain(send, 400, "Host header must name this machine's loopback address "
                              "(127.0.0.1, localhost or [::1])", "bad_host")
            return
        state = scope.setdefault("state", {})
        if scope.get("path") == "/login":
            await self._login(scope, send)
            return
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer ") and hmac.compare_digest(
                authorization[7:].strip().encode(), self.token.encode()):
            state["auth"] = {"kind": "bearer"}
            await self.app(scope, receive, send)
            return
        session = self.sessions.get(cookie_value(headers, SESSION_COOKIE))
        if session is not None:
            state["auth"] = {"kind": "session", "csrf": session.csrf}
            await self.app(scope, receive, send)
            return
        await _send_plain(send, 401, "missing or wrong bearer token (`kith serve token` prints it; in a browser, "
                          "open the login URL that `kith serve` printed)", "unauthorized",
                          [(b"www-authenticate", b"Bearer")])

    async def _login(self, scope: Scope, send: Callable[..., Awaitable[Any]]) -> None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        redeemed = self.sessions.redeem((query.get("code") or [""])[0])
        if redeemed is None:
            await _send_plain(send, 401, "this login link was already used or has expired; run "
                              "`kith serve login` for a new one", "unauthorized")
            return
        session_id, _ = redeemed
        cookie = f"{SESSION_COOKIE}={session_id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}"
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", b"/"), (b"set-cookie", cookie.encode()),
                                (b"cache-control", b"no-store"), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


def check_csrf(auth: dict[str, Any], submitted: str | None, origin: str | None) -> bool:
    """State-changing requests from a browser session need the session's CSRF token and, when the
    browser sends one, a loopback Origin. Bearer-token clients are not browsers: no CSRF check."""
    if auth.get("kind") == "bearer":
        return True
    if origin and origin != "null":
        host = origin.split("://", 1)[-1]
        if not is_loopback_host(host):
            return False
    return bool(submitted) and hmac.compare_digest(str(submitted).encode(), str(auth.get("csrf", "")).encode())
