"""`kith ask`, `kith summarize` and `kith digest`: the deterministic agent's front door."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import Any

import click

from indexer.app import KithApp
from indexer.errors import KithError
from kith.cli.common import echo_json, home_option, json_option, text_or_stdin


def parse_now(value: str | None) -> datetime:
    if not value:
        return datetime.now(timezone.utc).astimezone()
    try:
        now = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise KithError(f"--now {value!r} is not an ISO timestamp (e.g. 2026-11-23T09:00:00+00:00)") from None
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def agent_app(home: str | None) -> KithApp:
    """A KithApp whose embedding is served by the running daemon's warm model when there is one."""
    from indexer.daemon.remote_embedder import daemon_embedder

    return KithApp(home, embedder=daemon_embedder(home))


def confirm_callback(yes: bool) -> Any:
    """--yes approves; an interactive terminal prompts; otherwise None (the registry answers needs_confirmation)."""
    if yes:
        from intents import auto_approve

        return auto_approve("--yes")
    if sys.stdin is not None and sys.stdin.isatty():
        from intents import Confirmation

        def prompt(request: Any) -> Any:
            click.echo(f"{request.effect.value.upper()}: {request.summary}", err=True)
            return Confirmation(click.confirm("Go ahead?", default=False, err=True), by="cli-prompt")

        return prompt
    return None


@click.command("ask")
@click.argument("question", required=False)
@click.option("--yes", is_flag=True, help="Approve side-effecting intents without prompting (for scripts).")
@click.option("--explain", is_flag=True, help="Show the plan: route, slots and steps.")
@click.option("--now", "now_text", help="Pretend the time is this ISO timestamp (for demos and tests).")
@home_option
@json_option
def ask_cmd(question: str | None, yes: bool, explain: bool, now_text: str | None, home: str | None,
            as_json: bool) -> None:
    """Ask a question or make a request in plain language (QUESTION, or - for stdin)."""
    from agent.runner import Agent

    question = text_or_stdin(question)
    app = agent_app(home)
    agent = Agent(app, now=parse_now(now_text))
    result = agent.ask(question, confirm=confirm_callback(yes))
    result.engine["embeddings"] = "daemon" if getattr(app.embedder, "served_by_daemon", False) else "in-process"
    if as_json:
        echo_json(result.to_json())
        return
    if explain and result.plan:
        click.echo(result.plan.explain())
        click.echo("")
    click.echo(result.answer)
    if result.citations:
        click.echo("")
        for cite in result.citations:
            where = f"{cite['path']}#{cite['locator']}" if cite.get("locator") else cite["path"]
            click.echo(f"[{cite['n']}] {cite['kind']} {cite['id']} {cite.get('title') or ''} — {where}")
    for call in result.intent_calls:
        if call["status"] == "done" and call.get("result") is not None and not as_json:
            click.echo(f"  {call['name']}: {call['result']}")


@click.command("summarize")
@click.argument("target", required=False)
@click.option("--sentences", "-k", default=5, show_default=True, type=click.IntRange(1, 50))
@home_option
@json_option
def summarize_cmd(target: str | None, sentences: int, home: str | None, as_json: bool) -> None:
    """Extractive summary of a document's thread or conversation (ID) or of the hits of a QUERY."""
    from agent.summarize import summarize

    app = agent_app(home)
    summary = summarize(app, text_or_stdin(target), k=sentences)
    if as_json:
        echo_json(summary.to_json())
        return
    if not summary.sentences:
        click.echo("Nothing to summarise.")
        return
    click.echo(f"Summary of {summary.scope} ({len(summary.documents)} document(s)):")
    for s in summary.sentences:
        who = f"{s.author}: " if s.author else ""
        click.echo(f"- {who}{s.text}  [{s.doc_id}{'#' + s.locator if s.locator else ''}]")


@click.command("digest")
@click.option("--since", default="1d", show_default=True, help="How far back: 1d, 7d, 2w or an ISO date.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200))
@click.option("--explain", is_flag=True, help="Show each item's ranking features.")
@click.option("--now", "now_text", help="Pretend the time is this ISO timestamp.")
@home_option
@json_option
def digest_cmd(since: str, limit: int, explain: bool, now_text: str | None, home: str | None, as_json: bool) -> None:
    """What needs your attention, ranked by notification priority."""
    from agent.digest import build_digest

    app = KithApp(home)
    items = build_digest(app, since=since, now=parse_now(now_text), limit=limit)
    if as_json:
        echo_json([item.to_json() for item in items])
        return
    if not items:
        click.echo("Nothing needs your attention.")
        return
    for rank, item in enumerate(items, 1):
        click.echo(f"{rank:>2}. [{item.score:.2f}] {item.kind} from {item.sender or 'unknown'}: {item.title}"
                   f"  ({item.doc_id})")
        if item.reason:
            click.echo(f"      {item.reason}")
        if explain:
            click.echo("      " + ", ".join(f"{k}={v:.2f}" for k, v in item.features.items()))
