"""The ``make demo`` script: index the fictional user's sample data into a fresh home and query it.

Runs the real ``kith`` CLI commands in-process (one model load for the whole demo), step by step:
``kith index samples/data``, ``kith status``, a few ``kith search`` examples and, when the
``kith ask`` command is installed, grounded questions and two approved actions (a reminder and a
message), pinned to ``--now 2026-11-23T09:00:00+00:00``. Everything runs offline. A failing step
prints its error; the demo keeps going and exits non-zero at the end.

    python samples/demo.py --home .demo-home
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SAMPLES = Path(__file__).resolve().parent
REPO = SAMPLES.parent
sys.path.insert(0, str(REPO))

import click  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.rule import Rule  # noqa: E402
from rich.syntax import Syntax  # noqa: E402

from kith.cli.main import cli  # noqa: E402

NOW = "2026-11-23T09:00:00+00:00"
console = Console()
MODELS_HOME = Path(os.environ.get("KITH_DEMO_MODELS", REPO / ".demo-models"))
IGNORED_HOME_FILES = {"kith.db", "kith.db-wal", "kith.db-shm", "vectors.faiss", "kith.toml"}


@dataclass
class Step:
    title: str
    args: list[str]
    show_new_files: bool = False  # print files this step wrote into the home (reminders, outbox)
    needs: str | None = None  # a top-level command that must exist, e.g. "ask"


@dataclass
class Outcome:
    step: Step
    ok: bool
    seconds: float
    error: str = ""
    new_files: list[Path] = field(default_factory=list)


def home_files(home: Path) -> dict[Path, float]:
    found: dict[Path, float] = {}
    for path in home.rglob("*"):
        if path.is_file() and path.name not in IGNORED_HOME_FILES and "logs" not in path.relative_to(home).parts:
            found[path] = path.stat().st_mtime
    return found


def option_names(command: click.Command) -> set[str]:
    names: set[str] = set()
    for param in command.params:
        names.update(getattr(param, "opts", []))
    return names


def run_cli(args: list[str]) -> tuple[bool, str]:
    """Run ``kith ARGS`` in this process; (ok, error text)."""
    try:
        cli.main(args=args, prog_name="kith", standalone_mode=False)
        return True, ""
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return code == 0, "" if code == 0 else f"exit status {exc.code}"
    except click.ClickException as exc:
        return False, exc.format_message()
    except click.exceptions.Abort:
        return False, "aborted"
    except Exception as exc:  # noqa: BLE001 - the demo reports and keeps going
        return False, "".join(traceback.format_exception_only(type(exc), exc)).strip()


def build_steps(home: Path, data: Path) -> list[Step]:
    h = ["--home", str(home)]
    steps = [
        Step("Index the sample data (mail, messages, photos, contacts, calendar)", ["index", str(data), *h]),
        Step("What is in the index", ["status", *h]),
        Step("Search: dinner with Alice in Lisbon", ["search", "dinner with Alice in Lisbon", "--limit", "3", *h]),
        Step("Search mail: quarterly report budget",
             ["search", "quarterly report budget", "--kind", "mail", "--limit", "3", *h]),
        Step("Search messages: running late", ["search", "running late", "--kind", "message", "--limit", "3", *h]),
        Step("Search photos in Lisbon with my husband",
             ["search", "photos", "--kind", "photo", "--place", "Lisbon", "--person", "my husband",
              "--order", "newest", "--limit", "5", *h]),
        Step("Search the calendar: dentist", ["search", "dentist", "--kind", "event", "--limit", "3", *h]),
    ]
    asks = [
        ("Ask: next dentist appointment", ["when is my next dentist appointment?"], False),
        ("Ask: what Alice said about the trip", ["what did Alice say about the trip?"], False),
        ("Ask: latest photos with my husband", ["show me the latest photos with my husband"], False),
        ("Ask: photos from Lisbon last summer", ["photos from Lisbon last summer"], False),
        ("Ask (action): a reminder to call Bob", ["remind me to call Bob tomorrow at 9", "--yes"], True),
        ("Ask (action): text Alice", ["text Alice that I'm running late", "--yes"], True),
    ]
    for title, args, writes in asks:
        steps.append(Step(title, ["ask", *args, "--now", NOW, *h], show_new_files=writes, needs="ask"))
    # The on-device model lives in its own home that `make demo` keeps, so the import runs once
    # (it is cached by the GGUF's sha256; later runs find it and skip the build).
    m = ["--home", str(MODELS_HOME)]
    steps += [
        Step("Import the bundled on-device model (SmolLM2-135M-Instruct; built once, then cached)",
             ["model", "import", *m], needs="model"),
        Step("Generate on-device (greedy)",
             ["generate", "Give me two tips for a weekend in Lisbon.", "--max-tokens", "64", *m], needs="generate"),
        Step("Generate JSON constrained by a JSON Schema",
             ["generate", "Alice lives in Lisbon and loves espresso. Describe her as JSON.",
              "--json-schema", str(SAMPLES / "llm" / "contact.schema.json"), "--max-tokens", "64", *m],
             needs="generate"),
    ]
    return steps


def adapt_to_command(step: Step) -> tuple[list[str] | None, str]:
    """Drop options the installed command does not have; None when the command is missing."""
    if step.needs is None:
        return step.args, ""
    command = cli.commands.get(step.needs)
    if command is None:
        return None, f"`kith {step.needs}` is not installed yet"
    depth = 1  # args[0] names the command; `kith model import --home H`: the options belong to the subcommand
    while isinstance(command, click.Group) and depth < len(step.args) and step.args[depth] in command.commands:
        command = command.commands[step.args[depth]]
        depth += 1
    known = option_names(command)
    args, dropped, i = [], [], 0
    while i < len(step.args):
        arg = step.args[i]
        if arg.startswith("--") and arg not in known:
            is_flag = arg in ("--yes",)
            dropped.append(arg)
            i += 1 if is_flag else 2
            continue
        args.append(arg)
        i += 1
    return args, ("without " + ", ".join(dropped)) if dropped else ""


def show_file(path: Path, home: Path) -> None:
    console.print(f"[dim]wrote {path.relative_to(home)}[/dim]")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        console.print(f"[red]cannot read it: {exc}[/red]")
        return
    lexer = {".ics": "ini", ".json": "json", ".jsonl": "json", ".toml": "toml"}.get(path.suffix, "text")
    console.print(Syntax(text[:4000], lexer, word_wrap=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Index samples/data into HOME and query it.")
    parser.add_argument("--home", required=True, type=Path, help="a throw-away kith home (created)")
    parser.add_argument("--data", type=Path, default=SAMPLES / "data", help="sample data folder")
    args = parser.parse_args(argv)
    home: Path = args.home.expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SAMPLES / "kith.toml", home / "kith.toml")
    console.print(Rule("[bold]kith demo: Maya Okafor's sample data[/bold]"))
    console.print(f"home: {home}\ndata: {args.data}\nnow (for ask): {NOW}\n")

    outcomes: list[Outcome] = []
    skipped: list[tuple[Step, str]] = []
    steps = build_steps(home, args.data.resolve())
    for number, step in enumerate(steps, 1):
        console.print(Rule(f"[bold cyan]{number}. {step.title}[/bold cyan]", align="left"))
        cli_args, note = adapt_to_command(step)
        if cli_args is None:
            console.print(f"[yellow]skipped: {note}[/yellow]\n")
            skipped.append((step, note))
            continue
        console.print("[bold]$ kith " + " ".join(_quote(a) for a in cli_args) + "[/bold]"
                      + (f"  [dim]({note})[/dim]" if note else ""))
        before = home_files(home)
        started = time.perf_counter()
        ok, error = run_cli(cli_args)
        outcome = Outcome(step, ok, time.perf_counter() - started, error)
        if step.show_new_files:
            outcome.new_files = sorted(p for p, m in home_files(home).items() if before.get(p) != m)
            for path in outcome.new_files:
                show_file(path, home)
            if ok and not outcome.new_files:  # an approved action must leave its reminder/outbox file
                outcome.ok, outcome.error = False, "the action wrote no file into the home"
        if not outcome.ok:
            console.print(f"[bold red]step failed:[/bold red] {outcome.error}")
        outcomes.append(outcome)
        console.print()

    console.print(Rule("[bold]summary[/bold]"))
    for outcome in outcomes:
        mark = "[green]ok  [/green]" if outcome.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {outcome.seconds:6.1f}s  {outcome.step.title}"
                      + (f"  [red]({outcome.error})[/red]" if outcome.error else ""))
    for step, note in skipped:
        console.print(f"[yellow]skip[/yellow]          {step.title}  [dim]({note})[/dim]")
    failed = sum(not o.ok for o in outcomes)
    console.print(f"\n{len(outcomes) - failed} steps ok, {failed} failed, {len(skipped)} skipped.")
    console.print(next_steps(home), markup=False, highlight=False, soft_wrap=True)  # copy-pasteable: never wrapped
    return 1 if failed else 0


def next_steps(home: Path) -> str:
    """How to keep using the demo's index: the README's commands have no --home."""
    venv = REPO / ".venv" / "bin" / "activate"
    return "\n".join([
        "",
        f"The demo's index is in {home}. To use it with the README's commands:",
        f"  . {venv}" if venv.exists() else "  (activate the virtualenv kith is installed in)",
        f"  export KITH_HOME={home}",
        '  kith search "dinner with Alice in Lisbon"',
        '  kith ask "who is Alice Martin?"',
        "",
        "Serve it to a browser or any OpenAI client (loopback only, bearer token in the home):",
        f"  kith serve --home {home}",
        "  URL: http://127.0.0.1:8765/  (open the one-time login link `kith serve` prints; "
        "OpenAI base URL http://127.0.0.1:8765/v1, api key: `kith serve token`)",
    ])


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./:+=@" for c in arg) else repr(arg)


if __name__ == "__main__":
    raise SystemExit(main())
