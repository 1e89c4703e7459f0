"""`kith intents list|show|run|approve|audit` and `kith mcp` (every enabled intent as an MCP tool)."""
from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click

from indexer.errors import KithError
from kith.cli.common import echo_json, echo_result, home_option, json_option


def _registry(home: str | None):
    from intents.discovery import load_registry

    return load_registry(home)


@click.group("intents")
def intents_group() -> None:
    """Typed actions kith can perform (list, inspect, run, approve)."""


@intents_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include disabled (unapproved or changed) intents.")
@home_option
@json_option
def list_cmd(show_all: bool, home: str | None, as_json: bool) -> None:
    """List the intents (enabled ones unless --all)."""
    registry = _registry(home)
    rows = []
    for spec in registry.list(enabled_only=not show_all):
        status = registry.trust_status(spec)
        rows.append({"name": spec.name, "title": spec.title, "effect": spec.effect.value, "enabled": status.enabled,
                     "trust": status.reason, "origin": spec.origin, "description": spec.description,
                     "phrases": spec.phrases})
    if as_json:
        echo_json({"intents": rows, "errors": registry.errors})
        return
    for row in rows:
        flag = "" if row["enabled"] else f"  [disabled: {row['trust']}]"
        click.echo(f"{row['name']:<20} {row['effect']:<12} {row['title']}{flag}")
    for error in registry.errors:
        click.echo(f"warning: {error}", err=True)
    if not show_all:
        hidden = len(registry.list(enabled_only=False)) - len(rows)
        if hidden:  # part of the listing: on stdout, on its own line after it
            click.echo(f"({hidden} disabled intent(s) hidden; see --all)")


@intents_group.command("show")
@click.argument("name")
@home_option
@json_option
def show_cmd(name: str, home: str | None, as_json: bool) -> None:
    """Show an intent's effect, phrases, parameters and JSON schemas."""
    registry = _registry(home)
    spec = registry.get(name)
    status = registry.trust_status(spec)
    data = spec.to_json() | {"enabled": status.enabled, "trust": status.reason}
    if as_json:
        echo_json(data)
        return
    click.echo(f"{spec.name}: {spec.title}  [{spec.effect.value}]  ({spec.origin})")
    click.echo(f"  {spec.description}")
    click.echo(f"  status: {'enabled' if status.enabled else 'DISABLED'} ({status.reason})")
    if not status.enabled:
        click.echo(f"  {status.message(spec.name)}")
    click.echo(f"  hash: {spec.hash}")
    click.echo("  phrases:")
    for phrase in spec.phrases:
        click.echo(f"    - {phrase}")
    click.echo("  parameters:")
    for p in spec.params:
        click.echo(f"    {p.name} ({p.json_type}{'' if p.required else ', optional'}): {p.description}")
    click.echo("  input schema:")
    click.echo(_indent(json.dumps(spec.input_schema, indent=2)))
    click.echo("  output schema:")
    click.echo(_indent(json.dumps(spec.output_schema, indent=2)))


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def parse_arg(spec: Any, raw: str) -> tuple[str, Any]:
    """``k=v``, with v converted by the parameter's JSON type (JSON literals for arrays/objects)."""
    if "=" not in raw:
        raise KithError(f"--arg {raw!r}: use NAME=VALUE")
    key, value = raw.split("=", 1)
    key = key.strip()
    schema = spec.input_schema.get("properties", {}).get(key)
    if schema is None:
        known = ", ".join(spec.input_schema.get("properties", {})) or "none"
        raise KithError(f"intent {spec.name!r} has no parameter {key!r} (parameters: {known})")
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "null" in kinds and value.lower() in ("null", "none"):
        return key, None
    try:
        if "integer" in kinds:
            return key, int(value)
        if "number" in kinds:
            return key, float(value)
        if "boolean" in kinds:
            lowered = value.lower()
            if lowered in ("true", "yes", "1", "on"):
                return key, True
            if lowered in ("false", "no", "0", "off"):
                return key, False
            raise ValueError(value)
        if "array" in kinds or "object" in kinds or ("$ref" in schema):
            if value.lstrip().startswith(("[", "{")):
                return key, json.loads(value)
            if "array" in kinds:
                return key, [v.strip() for v in value.split(",") if v.strip()]
    except ValueError:
        raise KithError(f"--arg {key}: {value!r} is not a valid {'/'.join(k for k in kinds if k)}") from None
    return key, value


def _prompt(request) -> bool:
    click.echo(f"{request.effect.value.upper()}: {request.summary}", err=True)
    for key, value in request.arguments.items():
        click.echo(f"  {key}: {value}", err=True)
    try:
        return click.confirm("Proceed?", default=False, err=True)
    except click.Abort:  # end of input: no
        return False


@intents_group.command("run")
@click.argument("name")
@click.option("--arg", "args", multiple=True, metavar="NAME=VALUE", help="An argument (repeatable).")
@click.option("--args-json", help="All arguments as one JSON object.")
@click.option("--yes", is_flag=True, help="Confirm a write/send/destructive intent without prompting.")
@click.option("--now", help="The current time, ISO 8601 (for reproducible runs).")
@home_option
@json_option
def run_cmd(name: str, args: tuple[str, ...], args_json: str | None, yes: bool, now: str | None,
            home: str | None, as_json: bool) -> None:
    """Run an intent. Side effects are confirmed at a prompt unless --yes is given."""
    from indexer.app import KithApp
    from intents.confirmation import Confirmation
    from intents.context import IntentContext

    registry = _registry(home)
    spec = registry.get(name)
    arguments: dict[str, Any] = {}
    if args_json:
        try:
            arguments.update(json.loads(args_json))
        except ValueError as exc:
            raise KithError(f"--args-json is not valid JSON: {exc}") from None
    for raw in args:
        key, value = parse_arg(spec, raw)
        arguments[key] = value
    when = None
    if now:
        try:
            when = datetime.fromisoformat(now)
        except ValueError:
            raise KithError(f"--now {now!r} is not an ISO 8601 time") from None
    app = KithApp(registry.home)
    confirm = (lambda request: Confirmation(True, by="cli --yes")) if yes else (
        lambda request: Confirmation(_prompt(request), by="cli-prompt"))
    result = registry.call(name, arguments, context=IntentContext(app, when), confirm=confirm, caller="cli")
    if as_json:
        echo_json(result.to_json())
    elif result.status == "done":
        click.echo(json.dumps(result.result, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(f"{result.status}: {json.dumps(result.error, ensure_ascii=False)}", err=True)
    if result.status != "done":
        sys.exit(2 if result.status == "failed" else 3)


@intents_group.command("approve")
@click.argument("name")
@home_option
@json_option
def approve_cmd(name: str, home: str | None, as_json: bool) -> None:
    """Approve a third-party intent (its current description and schema hash)."""
    registry = _registry(home)
    spec = registry.get(name)
    digest = registry.approve(name)
    echo_result(as_json, {"approved": spec.name, "effect": spec.effect.value, "origin": spec.origin, "hash": digest},
                f"approved {spec.name} [{spec.effect.value}] from {spec.origin} (hash {digest[:12]})")


@intents_group.command("audit")
@click.option("--intent", "intent_name", help="Only this intent.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@home_option
@json_option
def audit_cmd(intent_name: str | None, limit: int, home: str | None, as_json: bool) -> None:
    """Show the audit log of intent calls, newest first."""
    from indexer.store import Store
    from intents.audit import entries

    rows = entries(Store.open(home), intent_name, limit)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        who = f" confirmed by {row['confirmed_by']}" if row["confirmed_by"] else ""
        click.echo(f"{row['time']}  {row['intent']:<18} {row['effect']:<11} {row['status']:<18} "
                   f"via {row['caller']}{who}")


@click.command("mcp")
@home_option
def mcp_cmd(home: str | None) -> None:
    """Serve every enabled intent, semantic search and documents over MCP (stdio)."""
    from intents.mcp_server import serve_stdio

    serve_stdio(home)
