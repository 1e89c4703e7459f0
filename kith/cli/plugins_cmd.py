"""`kith plugins`: every plugin (built-ins included) with its hooks and version, and any that failed."""
from __future__ import annotations

import click

from kith.cli.common import echo_json, home_option, json_option


@click.command("plugins")
@home_option
@json_option
def plugins_cmd(home: str | None, as_json: bool) -> None:
    """List installed plugins (built-ins included) with their hooks and version."""
    from indexer.home import KithHome
    from kith.plugins import report as plugin_report

    report = plugin_report(KithHome.resolve(home).plugin_modules)
    if as_json:
        echo_json(report)
        return
    for plugin in report["plugins"]:
        click.echo(f"{plugin['name']} {plugin['version']} ({plugin['origin']})")
        click.echo(f"  hooks: {', '.join(h.removeprefix('register_') for h in plugin['hooks'])}")
        for what, names in plugin["registered"].items():
            click.echo(f"  {what}: {', '.join(names)}")
    for failure in report["failures"]:
        click.echo(f"FAILED {failure['plugin']} ({failure['stage']}): {failure['error']}")
