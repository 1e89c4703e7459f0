"""`kith egress log`: every request that left this device for a private or external tier."""
from __future__ import annotations

import click

from kith.cli.common import echo_json, home_option, json_option


@click.group("egress")
def egress_group() -> None:
    """What left this device, and why it was allowed."""


@egress_group.command("log")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@home_option
@json_option
def log_cmd(limit: int, home: str | None, as_json: bool) -> None:
    """The egress audit log, newest first: time, tier, host, bytes, redactions, consent fingerprint."""
    from indexer.store import Store

    store = Store.open(home)
    try:
        rows = store.egress_log(limit)
    finally:
        store.close()
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Nothing has left this device.")
        return
    for row in rows:
        click.echo(f"{row['time']}  {row['tier']:<8} {row['host']:<24} sent {row['bytes_sent']:>6} B  "
                   f"received {row['bytes_received']:>6} B  redactions {row['redactions']:>3}  "
                   f"consent {row['consent_fingerprint'] or '-'}  {row['status']}")
