"""`kith ask`, `kith summarize` and `kith digest`: the deterministic agent's front door."""
from __future__ import annotations

import sys
from typing import Any

import click

from agent.ask_service import parse_now
from indexer.app import KithApp
from kith.cli.common import echo_json, home_option, json_option, text_or_stdin


def agent_app(home: str | None) -> KithApp:
    """A KithApp whose embedding is served by the running daemon's warm model when there is one."""
    from indexer.daemon.remote_embedder import daemon_embedder

    return KithApp(home, embedder=daemon_embedder(home))


@click.command("ask")
@click.argument("question", required=False)
@click.option("--yes", is_flag=True, help="Approve side-effecting intents without prompting (for scripts).")
@click.option("--explain", is_flag=True, help="Show the plan: route, slots and steps.")
@click.option("--now", "now_text", help="Pretend the time is this ISO timestamp (for demos and tests).")
@click.option("--planner", help="deterministic (the router), llm (the on-device model), auto (the router unless "
                                "unsure), or a plugin's planner; default: kith.toml [agent] planner.")
@click.option("--answerer", help="extractive (quotes retrieved sentences), generative (the model writes a verified, "
                                 "cited answer), or a plugin's; default: kith.toml [agent] answerer.")
@click.option("--tier", type=click.Choice(["device", "private", "external"]),
              help="Answer on this tier ([runtime.tiers] in kith.toml); default: the router decides.")
@click.option("--consent", type=click.Choice(["always", "decline"]),
              help="Answer the external tier's consent question without a prompt.")
@home_option
@json_option
def ask_cmd(question: str | None, yes: bool, explain: bool, now_text: str | None, planner: str | None,
            answerer: str | None, tier: str | None, consent: str | None, home: str | None, as_json: bool) -> None:
    """Ask a question or make a request in plain language (QUESTION, or - for stdin)."""
    from agent.executor import load_registry_for
    from agent.ask_service import AskRequest, run_ask
    from kith.cli.ask_flow import converse, format_answer
    from kith.cli.hints import daemon_hint, empty_answer_notice

    question = text_or_stdin(question)
    app = agent_app(home)
    registry = load_registry_for(app)
    embeddings = "daemon" if getattr(app.embedder, "served_by_daemon", False) else "in-process"

    def run(params: dict[str, Any]) -> dict[str, Any]:
        answer = run_ask(app, AskRequest.from_json(params), registry=registry)
        answer["engine"]["embeddings"] = embeddings
        return answer

    if embeddings == "in-process":
        daemon_hint()
    request = AskRequest(question, now_text, yes, planner=planner, answerer=answerer).to_json()
    interactive = sys.stdin is not None and sys.stdin.isatty()
    answer = converse(run, request, interactive=interactive)
    from kith.cli.tier_flow import uses_tiers, with_tiers

    if uses_tiers(app, tier):
        answer = with_tiers(app, question, answer, tier, consent, interactive)
    notice = empty_answer_notice(answer, home)
    if as_json:
        echo_json(answer)
        if notice:
            click.echo(notice, err=True)
    else:
        click.echo(format_answer(answer, explain))
        if notice:
            click.echo("\n" + notice)


@click.command("summarize")
@click.argument("target", required=False)
@click.option("--sentences", "-k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--mode", type=click.Choice(["extractive", "generative"]), default=None,
              help="extractive (quotes sentences) or generative (the on-device model writes a summary whose every "
                   "sentence is checked against the source it cites); default: kith.toml [agent] summarizer.")
@click.option("--explain", is_flag=True, help="Show how the summary was made (model timings, removed sentences).")
@home_option
@json_option
def summarize_cmd(target: str | None, sentences: int, mode: str | None, explain: bool, home: str | None,
                  as_json: bool) -> None:
    """Summary of a document's thread or conversation (ID) or of the hits of a QUERY, with sources."""
    from agent.summarize import summarize

    app = agent_app(home)
    summary = summarize(app, text_or_stdin(target), k=sentences, mode=mode)
    if as_json:
        echo_json(summary.to_json())
        return
    if not summary.sentences:
        click.echo("Nothing to summarise.")
        return
    click.echo(f"Summary of {summary.scope} ({len(summary.documents)} document(s), {summary.mode}):")
    for s in summary.sentences:
        who = f"{s.author}: " if s.author and summary.mode == "extractive" else ""
        click.echo(f"- {who}{s.text}  [{s.doc_id}{'#' + s.locator if s.locator else ''}]")
    if explain and summary.notes:
        click.echo("\n".join(f"  note: {n}" for n in summary.notes))


@click.command("digest")
@click.option("--since", default="1d", show_default=True, help="How far back: 1d, 7d, 2w or an ISO date.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200))
@click.option("--explain", is_flag=True, help="Show each item's ranking features.")
@click.option("--reasons", type=click.Choice(["features", "model"]), default=None,
              help="Each item's one-line reason: the features that fired, or a line the on-device model writes "
                   "(checked against the message); default: kith.toml [agent] digest_reasons, else features.")
@click.option("--now", "now_text", help="Pretend the time is this ISO timestamp.")
@home_option
@json_option
def digest_cmd(since: str, limit: int, explain: bool, reasons: str | None, now_text: str | None, home: str | None,
               as_json: bool) -> None:
    """What needs your attention, ranked by notification priority."""
    from agent.digest import build_digest
    from agent.executor import agent_setting

    app = KithApp(home)
    items = build_digest(app, since=since, now=parse_now(now_text), limit=limit)
    notes: list[str] = []
    if items and (reasons or agent_setting(app, "digest_reasons", "features")) == "model":
        from agent.digest_reasons import write_reasons

        notes = write_reasons(app, items)
    if as_json:
        echo_json([item.to_json() for item in items])
        if explain and notes:
            click.echo("\n".join(notes), err=True)
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
    if explain and notes:
        click.echo("\n".join(f"  note: {n}" for n in notes))
