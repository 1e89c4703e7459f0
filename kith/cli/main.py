"""Assembles the `kith` command from the command modules."""
from __future__ import annotations

import importlib

import click

from kith.cli.common import KithGroup
from kith.cli.index_cmds import forget_cmd, index_cmd, search_cmd, show_cmd, status_cmd


@click.group(cls=KithGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kith")
def cli() -> None:
    """kith: private, on-device personal context. Nothing leaves this machine."""


for command in (index_cmd, search_cmd, show_cmd, status_cmd, forget_cmd):
    cli.add_command(command)

# Command groups owned by other packages register themselves if present.
for module_name, attribute in [
    ("kith.cli.eval_cmds", "eval_group"),
    ("kith.cli.daemon_cmds", "daemon_group"),
    ("kith.cli.daemon_cmds", "sources_group"),
    ("kith.cli.intents_cmds", "intents_group"),
    ("kith.cli.intents_cmds", "mcp_cmd"),
    ("kith.cli.agent_cmds", "ask_cmd"),
    ("kith.cli.agent_cmds", "summarize_cmd"),
    ("kith.cli.agent_cmds", "digest_cmd"),
    ("kith.cli.compress_cmds", "compress_group"),
    ("kith.cli.serve_cmds", "serve_group"),
    ("kith.cli.model_cmds", "model_group"),
    ("kith.cli.model_cmds", "generate_cmd"),
    ("kith.cli.people_cmds", "whoami_cmd"),
]:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    if hasattr(module, attribute):
        cli.add_command(getattr(module, attribute))

if "eval" in cli.commands:
    from kith.cli.eval_beir_cmd import beir_cmd

    cli.commands["eval"].add_command(beir_cmd)  # type: ignore[attr-defined]
    from kith.cli.model_cmds import perplexity_cmd

    cli.commands["eval"].add_command(perplexity_cmd)  # type: ignore[attr-defined]

# `kith adapters train ...` joins the adapters group; without it (no runtime), a top-level `kith train`.
from kith.cli.train_cmds import train_group  # noqa: E402

if "adapters" in cli.commands:
    cli.commands["adapters"].add_command(train_group)  # type: ignore[attr-defined]
else:
    cli.add_command(train_group)

