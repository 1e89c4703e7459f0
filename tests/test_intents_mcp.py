"""`kith mcp` as a real subprocess, driven by the MCP SDK's stdio client: list tools, call a READ
tool, a SEND tool refused without elicitation (nothing written), and accepted through elicitation."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from intents_fixtures import VCF

KITH = Path(sys.executable).parent / "kith"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    from indexer.app import KithApp

    root = tmp_path_factory.mktemp("mcp")
    (root / "contacts.vcf").write_text(VCF)
    app = KithApp(root / "home")
    app.indexer.index_paths([str(root / "contacts.vcf")])
    app.close()
    return root / "home"


def params(home: Path) -> StdioServerParameters:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", KITH_HOME=str(home))
    return StdioServerParameters(command=str(KITH), args=["mcp", "--home", str(home)], env=env)


async def _session_run(home: Path, body, elicitation_callback=None):
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params(home), errlog=errlog) as (read, write):
            kwargs = {"elicitation_callback": elicitation_callback} if elicitation_callback else {}
            async with ClientSession(read, write, **kwargs) as session:
                await session.initialize()
                return await body(session)


def run(home: Path, body, elicitation_callback=None):
    return anyio.run(lambda: _session_run(home, body, elicitation_callback))


def outbox(home: Path) -> Path:
    return home / "outbox" / "messages.jsonl"


def test_list_and_read_tool_and_refused_send(home):
    async def body(session):
        tools = {t.name: t for t in (await session.list_tools()).tools}
        contact = await session.call_tool("get_contact", {"person": "Alice Martin"})
        ambiguous = await session.call_tool("get_contact", {"person": "Alice"})
        send = await session.call_tool("send_message", {"recipient": "Daniel Okafor", "body": "MCP hello"})
        templates = await session.list_resource_templates()
        missing = await session.call_tool("get_contact", {})
        no_body = await session.call_tool("send_message", {"recipient": "Daniel Okafor"})
        return tools, contact, ambiguous, send, templates, missing, no_body

    tools, contact, ambiguous, send, templates, missing, no_body = run(home, body)
    # Validation errors name the parameter and what it takes (was "failed: is required").
    assert missing.is_error and missing.content[0].text.startswith(
        "failed: parameter 'person' is required (Whose contact card; a person: a name")
    assert no_body.is_error and no_body.content[0].text.startswith(
        "failed: parameter 'body' is required (The message text; text)")
    assert {"search", "get_contact", "send_message", "forget_document", "search_mail"} <= set(tools)
    assert tools["get_contact"].annotations.read_only_hint is True
    assert tools["send_message"].annotations.read_only_hint is False
    assert tools["forget_document"].annotations.destructive_hint is True
    assert tools["send_message"].input_schema["required"] == ["recipient", "body"]
    assert not contact.is_error
    assert contact.structured_content["name"] == "Alice Martin"
    assert ambiguous.is_error and "disambiguation" in ambiguous.content[0].text
    assert send.is_error and "does not support elicitation" in send.content[0].text
    assert not outbox(home).exists()
    assert templates.resource_templates[0].uri_template == "kith://doc/{id}"


def test_elicitation_accept_performs_and_decline_refuses(home):
    asked: list[str] = []

    async def answer(context, request_params):
        asked.append(request_params.message)
        if "Declined hello" in request_params.message:
            return types.ElicitResult(action="decline")
        return types.ElicitResult(action="accept", content={"confirm": True})

    async def body(session):
        result = await session.call_tool("send_message", {"recipient": "Daniel Okafor", "body": "Elicited hello"})
        declined = await session.call_tool("send_message", {"recipient": "Daniel Okafor", "body": "Declined hello"})
        doc_id = json.loads((await session.call_tool("get_contact", {"person": "Bob Chen"})).content[0].text)["id"]
        resource = await session.read_resource(f"kith://doc/{doc_id}")
        return result, declined, resource

    result, declined, resource = run(home, body, answer)
    assert not result.is_error, result.content[0].text
    assert asked and "Daniel Okafor" in asked[0] and "Elicited hello" in asked[0]
    lines = [json.loads(line) for line in outbox(home).read_text().splitlines()]
    assert lines[-1]["body"] == "Elicited hello"
    assert declined.is_error and "refused" in declined.content[0].text
    assert "Declined hello" not in outbox(home).read_text()
    assert json.loads(resource.contents[0].text)["title"] == "Bob Chen"
