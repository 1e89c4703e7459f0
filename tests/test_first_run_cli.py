"""Issue 10, "The first ten minutes": progress without a TTY, empty-index answers, the daemon hint,
`--json` on every command that changes something, no Python reprs, `make demo`'s closing hint, and
`make test` output that does not look like failures."""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from kith.cli.main import cli
from kith.cli.progress import Progress

REPO = Path(__file__).resolve().parents[1]
KITH = [str(Path(sys.executable).with_name("kith"))]


def write_mail(path: Path, subject: str, body: str, msgid: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"From: Alice Martin <alice.martin@example.org>\nTo: maya.okafor@example.com\n"
                    f"Subject: {subject}\nMessage-ID: <{msgid}>\nDate: Mon, 06 Jul 2026 10:00:00 +0100\n\n{body}\n")


# ------------------------------------------------------------------ progress
def test_progress_prints_plain_lines_every_interval_without_a_tty():
    stream = io.StringIO()
    with Progress("indexing", unit="files", stream=stream, interval=0.05) as progress:
        for done in range(1, 5):
            progress.update(done, 4, detail=f"file{done}.eml")
            time.sleep(0.08)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 3, lines
    assert re.fullmatch(r"kith: indexing \d/4 files \(\d+%\), \d+s elapsed(, ~\d+s left)?: file\d\.eml", lines[0]), lines
    assert lines[-1].startswith("kith: indexing done: 4/4 files in ")


def test_progress_keeps_reporting_while_one_item_takes_long_and_short_jobs_stay_quiet():
    stream = io.StringIO()
    with Progress("eval beir", stream=stream, interval=0.05) as progress:
        progress.update(1, 10, detail="corpus")
        time.sleep(0.3)  # one big file: no update for a while, lines keep coming
    assert stream.getvalue().count("kith: eval beir 1/10 (10%)") >= 3
    quiet = io.StringIO()
    with Progress("indexing", stream=quiet, interval=60) as progress:
        progress.update(1, 1)
    assert quiet.getvalue() == ""


def test_kith_index_without_a_tty_reports_progress_on_stderr(tmp_path, monkeypatch):
    monkeypatch.setenv("KITH_PROGRESS_SECONDS", "0.05")
    write_mail(tmp_path / "mail" / "one.eml", "Budget", "The budget for Q3 is approved.", "one@x")
    result = CliRunner().invoke(cli, ["index", str(tmp_path / "mail"), "--home", str(tmp_path / "home")])
    assert result.exit_code == 0, result.output
    assert "kith: indexing " in result.stderr and "kith: indexing done: 1/1 files" in result.stderr, result.stderr
    assert "kith: indexing" not in result.stdout and "1 documents added" in result.stdout


# ------------------------------------------------------------------ empty index, daemon hint
def test_search_and_ask_on_an_empty_index_say_so_and_how_to_fill_it(tmp_path):
    home = tmp_path / "empty-home"
    started = time.perf_counter()
    text = subprocess.run([*KITH, "search", "dinner in Lisbon", "--home", str(home)], capture_output=True, text=True,
                          timeout=120)
    assert text.returncode == 0, text.stderr
    assert f"The index at {home.resolve()} is empty" in text.stdout and "kith index PATH" in text.stdout
    assert "No results." not in text.stdout
    as_json = subprocess.run([*KITH, "search", "dinner", "--json", "--home", str(home)], capture_output=True,
                             text=True, timeout=120)
    assert json.loads(as_json.stdout) == [] and "is empty" in as_json.stderr
    # Bad options are still errors on an empty index.
    bad = subprocess.run([*KITH, "search", "x", "--kind", "bogus", "--home", str(home)], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode != 0 and "unknown kind" in bad.stderr
    assert time.perf_counter() - started < 60  # no model is loaded for an empty index (loose: a shared machine)


def test_ask_on_an_empty_index_says_so(tmp_path, make_app):
    from agent.service import AskRequest, run_ask
    from kith.cli.hints import empty_answer_notice

    app = make_app()
    answer = run_ask(app, AskRequest("where did we have dinner in Lisbon?", now="2026-07-20T10:00:00+00:00"))
    assert not answer["found"]
    notice = empty_answer_notice(answer, str(app.home.path))
    assert notice and "is empty" in notice and "kith index PATH" in notice
    # The CLI prints it after the answer.
    result = CliRunner().invoke(cli, ["ask", "where did we have dinner in Lisbon?", "--home", str(app.home.path)])
    assert result.exit_code == 0, result.output
    assert "is empty" in result.stdout and "kith index PATH" in result.stdout


def test_the_daemon_hint_is_one_line_on_a_terminal_only(tmp_path, make_app, monkeypatch):
    import kith.cli.hints as hints

    write_mail(tmp_path / "mail" / "one.eml", "Budget", "The budget for Q3 is approved.", "one@x")
    app = make_app()
    app.indexer.index_paths([str(tmp_path / "mail")])
    home = str(app.home.path)
    piped = CliRunner().invoke(cli, ["search", "budget", "--json", "--home", home])
    assert piped.exit_code == 0 and piped.stderr == ""  # scripts get clean output
    monkeypatch.setattr(hints, "stderr_is_terminal", lambda: True)
    shown = CliRunner().invoke(cli, ["search", "budget", "--home", home])
    assert shown.exit_code == 0, shown.output
    hint = shown.stderr.splitlines()
    assert len(hint) == 1 and "no daemon is running" in hint[0] and "kith daemon start" in hint[0]
    assert "Budget" in shown.stdout


# ------------------------------------------------------------------ --json and plain output
def test_forget_sources_and_intents_approve_take_json(tmp_path, make_app):
    write_mail(tmp_path / "mail" / "one.eml", "Budget", "The budget for Q3 is approved.", "one@x")
    write_mail(tmp_path / "mail" / "two.eml", "Lunch", "Lunch on Friday?", "two@x")
    app = make_app()
    app.indexer.index_paths([str(tmp_path / "mail")])
    home = str(app.home.path)
    runner = CliRunner()
    doc_id = app.store.db.execute("SELECT id FROM documents WHERE title = 'Budget'").fetchone()[0]
    app.close()

    forgot = runner.invoke(cli, ["forget", doc_id, "--json", "--home", home])
    assert forgot.exit_code == 0, forgot.output
    assert json.loads(forgot.stdout) == {"target": doc_id, "forgotten": 1}

    source = tmp_path / "watched"
    source.mkdir()
    added = json.loads(runner.invoke(cli, ["sources", "add", str(source), "--json", "--home", home]).stdout)
    assert added == {"added": str(source.resolve()), "kind": None, "daemon_notified": False}
    removed = json.loads(runner.invoke(cli, ["sources", "remove", str(source), "--json", "--home", home]).stdout)
    assert removed == {"removed": str(source.resolve()), "daemon_notified": False, "forgotten": 0}
    stopped = json.loads(runner.invoke(cli, ["daemon", "stop", "--json", "--home", home]).stdout)
    assert stopped["stopped"] is False and stopped["running"] is False

    folder = tmp_path / "my-intents"
    folder.mkdir()
    (folder / "loud.py").write_text(
        "from intents import intent, Param, Effect\n\n"
        "@intent(title=\"Shout\", effect=Effect.SEND, phrases=[\"shout {text}\"])\n"
        "def shout(text: Param[str, \"What to shout\"]) -> str:\n"
        "    \"\"\"Shout a message.\"\"\"\n    return text.upper()\n")
    intents_home = tmp_path / "intents-home"
    intents_home.mkdir()
    (intents_home / "kith.toml").write_text(f'[intents]\nfolder = "{folder}"\n')
    listed = runner.invoke(cli, ["intents", "list", "--home", str(intents_home)])
    assert listed.exit_code == 0, listed.output
    # The hidden-intents note is its own line at the end of the listing, on stdout.
    assert re.search(r"\nsummarize_thread .*\n\(\d+ disabled intent\(s\) hidden; see --all\)\n$",
                     listed.stdout), listed.stdout[-200:]
    assert all(line.count("  ") >= 1 or line.startswith("(") for line in listed.stdout.splitlines())
    approved = runner.invoke(cli, ["intents", "approve", "shout", "--json", "--home", str(intents_home)])
    assert approved.exit_code == 0, approved.output
    data = json.loads(approved.stdout)
    assert data["approved"] == "shout" and data["effect"] == "send" and len(data["hash"]) >= 12


def test_show_and_status_print_no_python_reprs(tmp_path, make_app):
    write_mail(tmp_path / "mail" / "one.eml", "Budget", "The budget for Q3 is approved.", "one@x")
    app = make_app()
    app.indexer.index_paths([str(tmp_path / "mail")])
    home = str(app.home.path)
    doc_id = app.store.db.execute("SELECT id FROM documents").fetchone()[0]
    runner = CliRunner()
    shown = runner.invoke(cli, ["show", doc_id, "--home", home])
    status = runner.invoke(cli, ["status", "--home", home])
    assert shown.exit_code == 0 and status.exit_code == 0, shown.output + status.output
    for text in (shown.stdout, status.stdout):
        assert not re.search(r"\{'|\['|': |True\b|False\b|None\b", text), text
    assert "participants: maya.okafor@example.com" in shown.stdout
    assert "files: 1 indexed" in status.stdout


# ------------------------------------------------------------------ make demo, make test
def test_the_demo_ends_by_printing_how_to_use_its_home(tmp_path, monkeypatch, capsys):
    sys.path.insert(0, str(REPO / "samples"))
    try:
        import demo
    finally:
        sys.path.remove(str(REPO / "samples"))
    monkeypatch.setattr(demo, "build_steps", lambda home, data: [])  # the steps themselves: test_samples.py
    home = tmp_path / "demo-home"
    assert demo.main(["--home", str(home), "--data", str(tmp_path)]) == 0
    tail = capsys.readouterr().out.rstrip().splitlines()[-15:]
    assert f"  export KITH_HOME={home.resolve()}" in tail, tail
    assert any("kith search" in line for line in tail)


def test_no_test_prints_past_pytest_capture():
    """Tables such as "35 files 0 docs 35 undet" printed past the capture read like failures in
    `make test`; informational output belongs behind `pytest -s`."""
    sweeps = [REPO / "tests" / name for name in ("test_messages_sweep.py", "test_mail_corpora.py",
                                                 "test_photo_oracle.py")]
    offenders = [f"{path.name}:{n}" for path in sweeps if path.exists()
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if "capsys.disabled(" in line or "capfd.disabled(" in line or "sys.__stdout__" in line]
    assert offenders == []
