"""`kith serve` (OpenAI-compatible API and web UI on loopback), `kith serve token` and `kith serve login`."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import click

from indexer.errors import KithError
from kith.cli.common import echo_json, home_option, json_option


@click.group("serve", invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback unless --allow-remote).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback --host (prints a warning).")
@home_option
@click.pass_context
def serve_group(ctx: click.Context, host: str, port: int, allow_remote: bool, home: str | None) -> None:
    """Serve the index over HTTP: an OpenAI-compatible /v1 API and a web UI at /."""
    if ctx.invoked_subcommand is not None:
        return
    from serve.app import serve

    serve(home, host=host, port=port, allow_remote=allow_remote, announce=lambda line: click.echo(line, err=True))


@serve_group.command("token")
@home_option
@json_option
def token_cmd(home: str | None, as_json: bool) -> None:
    """Print the bearer token clients must send (created in the home, 0600, on first use)."""
    from indexer.home import KithHome
    from serve.security import load_or_create_token, token_path

    resolved = KithHome.resolve(home)
    token = load_or_create_token(resolved.path)
    if as_json:
        echo_json({"token": token, "path": str(token_path(resolved.path))})
    else:
        click.echo(token)


@serve_group.command("login")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@home_option
@json_option
def login_cmd(port: int, home: str | None, as_json: bool) -> None:
    """Print a fresh one-time browser login URL from the running `kith serve`."""
    from indexer.home import KithHome
    from serve.security import load_or_create_token

    token = load_or_create_token(KithHome.resolve(home).path)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/login-code", data=b"{}", method="POST",
                                     headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            data = json.loads(response.read())
    except (urllib.error.URLError, OSError) as exc:
        raise KithError(f"no kith serve answering on 127.0.0.1:{port} ({exc}); start it with `kith serve`") from None
    if as_json:
        echo_json(data)
    else:
        click.echo(data["url"])
