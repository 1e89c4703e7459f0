"""``kith mcp``: every enabled intent as an MCP tool over stdio (the official SDK's low-level Server),
plus a ``search`` tool for the semantic index and documents as ``kith://doc/{id}`` resources.

Effects map to tool annotations (READ → readOnlyHint; DESTRUCTIVE → destructiveHint). A non-READ
intent is confirmed through MCP elicitation when the client declared that capability; otherwise
the call is refused with a clear message and nothing is performed. The registry enforces this.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import anyio
import mcp_types as types
from mcp.server import Server
from mcp.server.stdio import stdio_server

from intents.confirmation import Confirmation, ConfirmationRequest
from intents.context import IntentContext
from intents.effects import Effect
from intents.registry import CallResult, Registry

SEARCH_TOOL = "search"
CONFIRM_SCHEMA = {
    "type": "object",
    "properties": {"confirm": {"type": "boolean", "title": "Proceed", "description": "Allow this action"}},
    "required": ["confirm"],
}
SEARCH_INPUT = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "description": "What to look for"},
        "kind": {"type": "string", "enum": ["mail", "message", "photo", "contact", "event", "note"]},
        "person": {"type": "string", "description": "A name, address or phone"},
        "since": {"type": "string", "description": "YYYY-MM-DD or ISO timestamp"},
        "until": {"type": "string", "description": "YYYY-MM-DD or ISO timestamp"},
        "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
    },
    "required": ["query"],
    "additionalProperties": False,
}


def tool_for(spec: Any) -> types.Tool:
    output = spec.output_schema if spec.output_schema.get("type") == "object" or "$ref" in spec.output_schema else None
    if output is not None and "$ref" in output and output.get("type") != "object":
        output = {**output, "type": "object"}
    return types.Tool(
        name=spec.name, title=spec.title, description=spec.description, input_schema=spec.input_schema,
        output_schema=output,
        annotations=types.ToolAnnotations(
            title=spec.title, read_only_hint=spec.effect is Effect.READ,
            destructive_hint=spec.effect is Effect.DESTRUCTIVE, idempotent_hint=spec.effect is Effect.READ,
            open_world_hint=spec.effect is Effect.SEND,
        ),
    )


def _result(call: CallResult, with_structured: bool) -> types.CallToolResult:
    payload = call.to_json()
    if call.status == "done":
        text = json.dumps(call.result, ensure_ascii=False, default=str)
        structured = call.result if with_structured and isinstance(call.result, dict) else None
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)],
                                    structured_content=structured, is_error=False)
    message = (call.error or {}).get("message") or call.status
    text = f"{call.status}: {message}\n" + json.dumps(payload, ensure_ascii=False, default=str)
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def build_server(registry: Registry, app: Any, now: datetime | None = None) -> Server:
    specs = {spec.name: spec for spec in registry.list(enabled_only=True)}

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        tools = [tool_for(spec) for spec in specs.values()]
        tools.append(types.Tool(
            name=SEARCH_TOOL, title="Search everything", input_schema=SEARCH_INPUT,
            description="Semantic + keyword search over the personal index (mail, messages, photos, contacts, "
                        "events). Results cite documents readable as kith://doc/{id} resources.",
            annotations=types.ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True),
        ))
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        name, arguments = params.name, dict(params.arguments or {})
        if name == SEARCH_TOOL:
            return await anyio.to_thread.run_sync(_search, app, arguments)
        spec = specs.get(name)
        if spec is None:
            return types.CallToolResult(content=[types.TextContent(type="text", text=f"unknown tool {name!r}")],
                                        is_error=True)
        confirm = None
        if spec.effect is not Effect.READ:
            confirm = _elicitation_confirm(ctx) if _can_elicit(ctx) else _refuse_without_elicitation
        context = IntentContext(app, now)
        call = await anyio.to_thread.run_sync(
            lambda: registry.call(name, arguments, context=context, confirm=confirm, caller="mcp"))
        return _result(call, with_structured=tool_for(spec).output_schema is not None)

    async def list_resources(ctx: Any, params: Any) -> types.ListResourcesResult:
        rows = app.store.recent_documents(50)
        return types.ListResourcesResult(resources=[
            types.Resource(name=row[0], title=row[1] or row[0], uri=f"kith://doc/{row[0]}",
                           description=f"{row[2]} document", mime_type="application/json")
            for row in rows
        ])

    async def list_templates(ctx: Any, params: Any) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=[types.ResourceTemplate(
            name="document", title="Indexed document", uri_template="kith://doc/{id}",
            description="One document from the index (JSON: title, body, metadata, source locations)",
            mime_type="application/json")])

    async def read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        uri = str(params.uri)
        prefix = "kith://doc/"
        doc = app.store.get_document(uri[len(prefix):]) if uri.startswith(prefix) else None
        if doc is None:
            from mcp.shared.exceptions import MCPError

            raise MCPError(code=types.INVALID_PARAMS, message=f"no such document: {uri}")
        return types.ReadResourceResult(contents=[types.TextResourceContents(
            uri=uri, mime_type="application/json", text=json.dumps(doc, ensure_ascii=False, default=str))])

    return Server(
        "kith", version="0.1.0", title="kith",
        instructions="Personal context from this machine's index. Tools with side effects ask for confirmation.",
        on_list_tools=list_tools, on_call_tool=call_tool, on_list_resources=list_resources,
        on_list_resource_templates=list_templates, on_read_resource=read_resource,
    )


def _can_elicit(ctx: Any) -> bool:
    try:
        capable = ctx.session.check_client_capability(types.ClientCapabilities(elicitation=types.ElicitationCapability()))
        return bool(capable and ctx.session.can_send_request)
    except Exception:
        return False


def _refuse_without_elicitation(request: ConfirmationRequest) -> Confirmation:
    return Confirmation(False, by="mcp", note=(
        f"{request.effect.value} intent {request.intent!r} needs the user's confirmation, and this MCP client "
        "does not support elicitation; nothing was done. Run it with `kith intents run` instead."))


def _elicitation_confirm(ctx: Any):
    """A sync confirm callback (the registry runs in a worker thread) that asks the client via elicitation."""

    async def ask(request: ConfirmationRequest) -> Confirmation:
        lines = [f"{request.effect.value.upper()}: {request.summary}"]
        lines += [f"  {k}: {v}" for k, v in request.arguments.items()]
        result = await ctx.session.elicit_form("\n".join(lines), CONFIRM_SCHEMA, related_request_id=ctx.request_id)
        approved = result.action == "accept" and bool((result.content or {}).get("confirm"))
        return Confirmation(approved, by="mcp-elicitation",
                            note=None if approved else f"the user did not confirm ({result.action}); nothing was done")

    def confirm(request: ConfirmationRequest) -> Confirmation:
        return anyio.from_thread.run(ask, request)

    return confirm


def _search(app: Any, arguments: dict[str, Any]) -> types.CallToolResult:
    from indexer.search_service import SearchRequest, run_search

    try:
        request = SearchRequest.from_json(arguments)
        hits = run_search(app, request)
    except Exception as exc:
        return types.CallToolResult(content=[types.TextContent(type="text", text=f"search failed: {exc}")],
                                    is_error=True)
    for hit in hits:
        hit["uri"] = f"kith://doc/{hit['id']}"
    return types.CallToolResult(content=[types.TextContent(type="text", text=json.dumps(hits, ensure_ascii=False))],
                                structured_content={"hits": hits}, is_error=False)


def serve_stdio(home: Any = None, now: datetime | None = None) -> None:
    from indexer.app import KithApp
    from intents.discovery import load_registry

    registry = load_registry(home)
    app = KithApp(registry.home)
    server = build_server(registry, app, now)

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)
