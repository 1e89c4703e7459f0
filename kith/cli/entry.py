"""The `kith` console script. `kith search` and `kith ask` answered by a running daemon take a fast
path that imports only the standard library (no click, rich, numpy or torch), so the whole process
costs little more than the interpreter's start; everything else goes to the click CLI.
"""
from __future__ import annotations

import sys

from indexer.search_options import value_flags

# Options the fast paths understand; anything else goes to click (which also gives the help text
# and the errors).
_VALUE_OPTIONS = value_flags() | {"--home"}
_ASK_VALUE_OPTIONS = {"--now", "--home", "--planner", "--answerer"}
_ASK_FLAGS = {"--json", "--yes", "--explain"}


def _parse_search(args: list[str]) -> dict[str, str] | None:
    return _parse(args, _VALUE_OPTIONS, {"--json"}, "query")


def _parse(args: list[str], value_options: set[str], flags: set[str], positional_name: str) -> dict[str, str] | None:
    """Options and the one positional argument, or None for anything the fast path leaves to click."""
    options: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in flags:
            options[arg[2:]] = "1"
        elif arg.split("=", 1)[0] in value_options:
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
    options[positional_name] = positional[0]
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
        if as_json:
            import json

            sys.stdout.write(json.dumps({"error": {"code": exc.code, "message": str(exc)}}, ensure_ascii=False) + "\n")
        sys.stderr.write(f"kith: error: {exc}\n")
        return 1
    if as_json:
        import json

        sys.stdout.write(json.dumps(hits, ensure_ascii=False, indent=2) + "\n")
        if not hits:
            from kith.cli.hints import empty_index_message, index_is_empty

            if index_is_empty(home):
                sys.stderr.write(empty_index_message(home) + "\n")
        return 0
    from kith.cli.hit_format import format_hit

    color = sys.stdout.isatty()
    if hits:
        sys.stdout.write("\n".join(format_hit(n, hit, color) for n, hit in enumerate(hits, 1)) + "\n")
        return 0
    from kith.cli.hints import empty_index_message, index_is_empty

    sys.stdout.write((empty_index_message(home) if index_is_empty(home) else "No results.") + "\n")
    return 0


def fast_ask(args: list[str]) -> int | None:
    """Answer `kith ask` through the daemon (prompting here for side effects); None when it cannot."""
    options = _parse(args, _ASK_VALUE_OPTIONS, _ASK_FLAGS, "question")
    if options is None:
        return None
    from indexer.daemon.client import DaemonError, DaemonUnavailable, call
    from kith.cli.ask_flow import converse, format_answer

    home = options.get("home")
    try:
        call(home, "ping", timeout=2.0)
    except (DaemonUnavailable, DaemonError):
        return None
    request = {"question": options["question"], "now": options.get("now"), "yes": "yes" in options,
               "planner": options.get("planner"), "answerer": options.get("answerer")}
    try:
        answer = converse(lambda params: call(home, "ask", params), request,
                          interactive=sys.stdin is not None and sys.stdin.isatty())
    except (DaemonUnavailable, DaemonError) as exc:
        if isinstance(exc, DaemonError) and exc.code == "unknown_method":
            return None  # an older daemon without `ask`: the in-process path answers
        # Never retry in process: the daemon may already have carried out an approved action.
        sys.stderr.write(f"kith: error: {exc}\n")
        return 1
    from kith.cli.hints import empty_answer_notice

    notice = empty_answer_notice(answer, home)
    if "json" in options:
        import json

        sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2) + "\n")
        if notice:
            sys.stderr.write(notice + "\n")
    else:
        sys.stdout.write(format_answer(answer, explain="explain" in options) + "\n")
        if notice:
            sys.stdout.write("\n" + notice + "\n")
    return 0


FAST_PATHS = {"search": fast_search, "ask": fast_ask}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in FAST_PATHS:
        code = FAST_PATHS[sys.argv[1]](sys.argv[2:])
        if code is not None:
            sys.exit(code)
    from kith.cli.main import cli

    cli()


if __name__ == "__main__":
    main()
