"""Assembles the `kith` command: the built-in commands and every plugin's, through the
``register_commands`` hook (a plugin that fails there is reported by `kith plugins`)."""
from __future__ import annotations

import click

from kith.cli.common import KithGroup
from kith.plugins import call_hook, load_plugins


@click.group(cls=KithGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kith")
def cli() -> None:
    """kith: private, on-device personal context. Nothing leaves this machine."""


load_plugins()
call_hook("register_commands", cli=cli)
