"""The built-in `kith` commands, added through the ``register_commands`` plugin hook like any plugin's."""
from __future__ import annotations

from typing import Any

from kith.plugins import hookimpl


@hookimpl
def register_commands(cli: Any) -> None:
    from kith.cli.adapter_cmds import adapters_group
    from kith.cli.agent_cmds import ask_cmd, digest_cmd, summarize_cmd
    from kith.cli.compress_cmds import compress_group
    from kith.cli.daemon_cmds import daemon_group, sources_group
    from kith.cli.egress_cmds import egress_group
    from kith.cli.eval_answers_cmd import answers_cmd
    from kith.cli.eval_beir_cmd import beir_cmd
    from kith.cli.eval_cmds import eval_group
    from kith.cli.eval_tools_cmd import tools_cmd
    from kith.cli.index_cmds import forget_cmd, index_cmd, show_cmd, status_cmd
    from kith.cli.intents_cmds import intents_group, mcp_cmd
    from kith.cli.model_cmds import generate_cmd, model_group, perplexity_cmd
    from kith.cli.people_cmds import whoami_cmd
    from kith.cli.plugins_cmd import plugins_cmd
    from kith.cli.reembed_cmd import reembed_cmd
    from kith.cli.search_cmd import search_cmd
    from kith.cli.serve_cmds import serve_group
    from kith.cli.train_cmds import train_group

    for command in (index_cmd, search_cmd, show_cmd, status_cmd, forget_cmd, reembed_cmd, eval_group,
                    daemon_group, sources_group, intents_group, mcp_cmd, ask_cmd, summarize_cmd, digest_cmd,
                    plugins_cmd, compress_group, serve_group, egress_group, model_group, generate_cmd, whoami_cmd,
                    adapters_group):
        cli.add_command(command)
    eval_group.add_command(beir_cmd)
    eval_group.add_command(answers_cmd)
    eval_group.add_command(perplexity_cmd)
    eval_group.add_command(tools_cmd)
    # `kith adapters train ...` when an adapters group exists, else a top-level `kith train`
    adapters = cli.commands.get("adapters")
    (adapters if adapters is not None else cli).add_command(train_group)
