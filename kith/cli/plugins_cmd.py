"""`kith plugins`: every plugin (built-ins included) with its hooks and version, and any that failed."""
from __future__ import annotations

from typing import Any

import click

from kith.cli.common import echo_json, home_option, json_option


def plugin_report(home: str | None = None) -> dict[str, Any]:
    """Plugins and failures, including the home's ``[plugins] modules`` and what each registered."""
    from kith import plugins as kp

    from indexer.home import KithHome

    kp.load_plugins(KithHome.resolve(home).plugin_modules)
    registered: dict[str, dict[str, list[str]]] = {}
    for hook in ("register_readers", "register_kinds", "register_intents", "register_planners",
                 "register_answerers", "register_embedders", "register_generators"):
        for plugin, args, _ in kp.collect(hook):
            registered.setdefault(plugin, {}).setdefault(hook.removeprefix("register_"), []).append(_label(args))
    return {
        "plugins": [info.to_json() | {"registered": registered.get(info.name, {})} for info in kp.plugins()],
        "failures": [f.to_json() for f in kp.failures()],
    }


def _label(args: tuple[Any, ...]) -> str:
    if not args:
        return "?"
    first = args[0]
    for attribute in ("name", "__name__"):
        value = getattr(first, attribute, None)
        if isinstance(value, str):
            return value
    return str(first)


@click.command("plugins")
@home_option
@json_option
def plugins_cmd(home: str | None, as_json: bool) -> None:
    """List installed plugins (built-ins included) with their hooks and version."""
    report = plugin_report(home)
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
