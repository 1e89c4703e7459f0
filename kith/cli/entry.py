"""The `kith` console script. `kith search` answered by a running daemon takes a fast path that
imports only the standard library (no click, rich, numpy or torch), so a whole `kith search`
process costs little more than the interpreter's start; everything else goes to the click CLI.
"""
from __future__ import annotations

import sys

# Options of `kith search` the fast path understands; anything else goes to click (which also
# gives the help text and the errors).
_VALUE_OPTIONS = {"--kind", "--since", "--until", "--person", "--place", "--source", "--limit", "--mode",
                  "--order", "--home"}


def _parse_search(args: list[str]) -> dict[str, str] | None:
    options: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--json":
            options["json"] = "1"
        elif arg.split("=", 1)[0] in _VALUE_OPTIONS:
            name, _, value = arg.partition("=")
            if not _:
                index += 1
                if index >= len(args):
                    return None
                value = args[index]
            options[name[2:]] = value
        elif arg.startswith("-"):
            return None  # "-" (stdin), -h, unknown flags: the full CLI handles them
        else:
            positional.append(arg)
        index += 1
    if len(positional) != 1:
        return None
    options["query"] = positional[0]
    return options


def fast_search(args: list[str]) -> int | None:
    """Answer `kith search` through the daemon; None when it cannot (the full CLI takes over)."""
    options = _parse_search(args)
    if options is None or not options.get("limit", "10").isdigit():
        return None
    from indexer.daemon.client import DaemonError, DaemonUnavailable, call

    home = options.pop("home", None)
    as_json = options.pop("json", None)
    params: dict[str, object] = dict(options)
    params["limit"] = int(options.get("limit", "10"))
    try:
        hits = call(home, "search", params)
    except DaemonUnavailable:
        return None
    except DaemonError as exc:
        if not exc.user_error:
            return None
        sys.stderr.write(f"kith: error: {exc}\n")
        return 1
    if as_json:
        import json

        sys.stdout.write(json.dumps(hits, ensure_ascii=False, indent=2) + "\n")
        return 0
    from kith.cli.hit_format import format_hit

    color = sys.stdout.isatty()
    sys.stdout.write("\n".join(format_hit(n, hit, color) for n, hit in enumerate(hits, 1)) + "\n"
                     if hits else "No results.\n")
    return 0


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "search":
        code = fast_search(sys.argv[2:])
        if code is not None:
            sys.exit(code)
    from kith.cli.main import cli

    cli()
