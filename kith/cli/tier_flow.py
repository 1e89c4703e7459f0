"""`kith ask --tier` and the consent conversation for the external tier: show exactly what would be
sent (after redaction), then allow once, always for this kind of request, or decline."""
from __future__ import annotations

import json
import sys
from typing import Any, TextIO

import click

CHOICES = {"o": "once", "once": "once", "a": "always", "always": "always", "n": "decline", "no": "decline",
           "": "decline", "d": "decline", "decline": "decline"}


def uses_tiers(app: Any, tier: str | None) -> bool:
    from serve.tiers import TiersConfig

    config = TiersConfig.from_home_config(app.home.config)
    return bool(tier) or config.private is not None or config.external is not None


def prompt_consent(request: dict[str, Any], stdin: TextIO, stderr: TextIO) -> str:
    stderr.write(f"kith wants to send this to the external tier at {request['host']} "
                 f"({request['reason']}; {request['redactions']} item(s) redacted):\n")
    stderr.write(json.dumps(request["payload"], ensure_ascii=False, indent=2) + "\n")
    stderr.write("Send it? [o]nce / [a]lways for this kind of request / [N]o: ")
    stderr.flush()
    return CHOICES.get(stdin.readline().strip().lower(), "decline")


def with_tiers(app: Any, question: str, answer: dict[str, Any], tier: str | None, consent: str | None,
               interactive: bool) -> dict[str, Any]:
    """Route the answer; ask for consent when the external tier needs it and a person is there."""
    import copy

    from serve.generation import GenerationPool
    from serve.orchestrate import orchestrate_app

    pool = GenerationPool(app.home)
    original = copy.deepcopy(answer)
    routed = orchestrate_app(app, pool, question, answer, tier, consent)
    needed = routed.get("consent")
    if not needed or consent is not None:
        return routed
    decision = prompt_consent(needed, sys.stdin, sys.stderr) if interactive else "decline"
    if not interactive:
        click.echo("kith: the external tier needs your consent; nothing was sent (run interactively, or pass "
                   "--consent always|decline)", err=True)
        return routed
    return orchestrate_app(app, pool, question, original, tier,
                           {"decision": decision, "fingerprint": needed["fingerprint"]})
