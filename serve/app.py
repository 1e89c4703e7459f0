"""The `kith serve` ASGI application (FastAPI on uvicorn) and how it is bound.

``create_app`` wires the routes behind the ``Guard`` middleware (loopback Host, bearer token or
browser session); ``serve`` binds uvicorn, refusing anything but loopback unless ``allow_remote``.
"""
from __future__ import annotations

import ipaddress
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from indexer.errors import KithError
from indexer.home import KithHome
from serve.errors import ApiError
from serve.security import Guard, load_or_create_token
from serve.state import ServeState

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class RemoteBindRefused(KithError):
    code = "remote_bind_refused"


def is_loopback_bind(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_app(state: ServeState, extra_hosts: frozenset[str] = frozenset()) -> Any:
    from serve import kith_api, openai_api, ui

    api = FastAPI(title="kith serve", docs_url=None, redoc_url=None, openapi_url=None)
    api.state.kith = state

    @api.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.to_json(), status_code=exc.status)

    @api.exception_handler(KithError)
    async def kith_error(request: Request, exc: KithError) -> JSONResponse:
        error = ApiError(400, str(exc), getattr(exc, "code", "bad_request"))
        return JSONResponse(error.to_json(), status_code=400)

    @api.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse(ApiError(400, f"{where}: {first.get('msg', 'invalid request')}").to_json(), 400)

    api.include_router(openai_api.router)
    api.include_router(kith_api.router)
    api.include_router(ui.router)
    ui.mount_static(api)
    return Guard(api, state.token, state.sessions, extra_hosts)


def build_state(home: str | None) -> ServeState:
    resolved = KithHome.resolve(home)
    return ServeState(resolved, load_or_create_token(resolved.path))


def serve(home: str | None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, allow_remote: bool = False,
          announce: Any = print) -> None:
    """Run the server in this process until interrupted."""
    import uvicorn

    if not is_loopback_bind(host) and not allow_remote:
        raise RemoteBindRefused(f"--host {host} is not a loopback address; binding it exposes your index to the "
                                "network, so it needs --allow-remote as well")
    state = build_state(home)
    extra = frozenset() if is_loopback_bind(host) else frozenset({host.lower()})
    if extra:
        print(f"kith: WARNING: serving on {host}:{port}, reachable from other machines. Anyone with the token "
              "can read your index; use a firewall or an SSH tunnel instead where you can.", file=sys.stderr)
    shown = f"[{host}]" if ":" in host else host
    code = state.sessions.new_login_code()
    announce(f"kith serve on http://{shown}:{port}  (OpenAI base URL http://{shown}:{port}/v1, "
             f"api key: `kith serve token`)")
    announce(f"open in a browser (one-time link): http://{shown}:{port}/login?code={code}")
    config = uvicorn.Config(create_app(state, extra), host=host, port=port, log_level="warning",
                            proxy_headers=False, server_header=False, date_header=False)
    try:
        uvicorn.Server(config).run()
    finally:
        state.close()
