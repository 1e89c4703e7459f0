"""`kith whoami`: who kith thinks the owner ("me") is, and why."""
from __future__ import annotations

import click

from kith.cli.common import echo_json, home_option, json_option


@click.command("whoami")
@home_option
@json_option
def whoami_cmd(home: str | None, as_json: bool) -> None:
    """Show who kith thinks you are (config, a "me" card, or the top sender of sent mail) and why."""
    from indexer.owner import whoami
    from indexer.store import Store

    store = Store.open(home)
    try:
        result = whoami(store)
    finally:
        store.close()
    if as_json:
        echo_json(result)
        return
    me = result["owner"]
    if me is None:
        click.echo(f"unknown: {result['hint']}")
        return
    click.echo(f"{me['name']}  (from {me['why']})")
    identities = [key.split(":", 1)[1] for key in me["identities"] if not key.startswith("name:")]
    if identities:
        click.echo("identities: " + ", ".join(identities))
    click.echo(f"documents: {me['interactions']}")
    for other in result["also"]:
        click.echo(f"also you: {other['name']}  (from {other['why']})")
