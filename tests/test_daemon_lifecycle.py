"""`kith daemon start/stop/status/install` and `kith sources` as real processes: one daemon per home,
stale locks taken over, service files written (not enabled), searches through the socket."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from indexer.daemon.client import try_daemon_search
from bench.daemon_harness import make_home, wait_for, write_mail
from indexer.daemon.lock import running_pid

KITH = [str(Path(sys.executable).with_name("kith"))]


def kith(*args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*KITH, *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def check_confirmation_through_daemon(home: Path) -> None:
    """`kith ask` served by the daemon: a side effect waits for the person, an approval is bound to
    the exact call, a refusal or no answer writes nothing, --yes writes the VTODO."""
    from indexer.daemon.client import call
    from kith.cli.ask_flow import converse

    reminders = home / "reminders.ics"
    ask = ["ask", "--json", "remind me to call Bob tomorrow at 9", "--now", "2026-11-23T09:00:00+00:00",
           "--home", str(home)]
    waiting = json.loads(kith(*ask).stdout)  # stdin is not a terminal: nobody to ask
    assert waiting["engine"]["embeddings"] == "daemon"
    [pending] = waiting["intent_calls"]
    assert pending["name"] == "create_reminder" and pending["status"] == "needs_confirmation"
    assert not reminders.exists()

    request = {"question": "remind me to call Bob tomorrow at 9", "now": "2026-11-23T09:00:00+00:00"}
    other = call(home, "ask", dict(request, approved=["not-this-call"]))
    assert other["intent_calls"][0]["status"] == "needs_confirmation" and not reminders.exists()
    seen: list[dict] = []
    declined = converse(lambda params: call(home, "ask", params), request, interactive=True,
                        ask=lambda asked: seen.append(asked) or False)
    assert seen and seen[0]["fingerprint"] == pending["confirmation"]["fingerprint"]
    assert declined["intent_calls"][0]["status"] == "refused" and not reminders.exists()
    approved = converse(lambda params: call(home, "ask", params), request, interactive=True, ask=lambda asked: True)
    assert approved["intent_calls"][0]["status"] == "done" and approved["intent_calls"][0]["confirmed_by"] == "cli-prompt"
    assert reminders.read_text().count("BEGIN:VTODO") == 1
    done = json.loads(kith(*ask, "--yes").stdout)
    assert done["intent_calls"][0]["status"] == "done" and done["intent_calls"][0]["confirmed_by"] == "--yes"
    assert reminders.read_text().count("BEGIN:VTODO") == 2


def test_no_daemon_fallback_install_and_sources(tmp_path):
    home = make_home(tmp_path / "home")
    started = time.monotonic()
    assert try_daemon_search(home, {"query": "anything"}) is None
    assert time.monotonic() - started < 0.5
    status = json.loads(kith("daemon", "status", "--json", "--home", str(home)).stdout)
    assert status["running"] is False

    unit_dir, agent_dir = tmp_path / "systemd", tmp_path / "agents"
    out = kith("daemon", "install", "--home", str(home), "--platform", "linux", "--target-dir", str(unit_dir)).stdout
    unit = next(unit_dir.glob("kith-daemon-*.service")).read_text()
    assert f"--home {home}" in unit and "indexer.daemon.runner" in unit and "IOSchedulingClass=idle" in unit
    assert "systemctl --user enable" in out
    kith("daemon", "install", "--home", str(home), "--platform", "darwin", "--target-dir", str(agent_dir))
    assert str(home) in next(agent_dir.glob("org.kith.kith-daemon-*.plist")).read_text()

    folder = tmp_path / "notes"
    folder.mkdir()
    kith("sources", "add", str(folder), "--kind", "mail", "--home", str(home))
    listed = json.loads(kith("sources", "list", "--json", "--home", str(home)).stdout)
    assert [(s["path"], s["kind"]) for s in listed] == [(str(folder.resolve()), "mail")]
    bad = kith("sources", "add", str(folder), "--kind", "bogus", "--home", str(home), check=False)
    assert bad.returncode == 1 and "unknown kind" in bad.stderr
    kith("sources", "remove", str(folder), "--home", str(home))
    assert json.loads(kith("sources", "list", "--json", "--home", str(home)).stdout) == []


def test_start_status_second_refused_search_stop(tmp_path):
    home = make_home(tmp_path / "home")
    source = tmp_path / "mail"
    write_mail(source / "cur" / "one.eml", "Dentist appointment", "The dentist moved it to Friday.", "one@x")
    kith("sources", "add", str(source), "--home", str(home))
    (home / "daemon.lock").write_text("999999\n")  # left behind by a process that no longer exists

    started = json.loads(kith("daemon", "start", "--json", "--home", str(home)).stdout)
    try:
        pid = running_pid(home)
        assert pid and pid != 999999
        assert started["started"] and started["pid"] == pid and started["home"] == str(home.resolve())
        log = (home / "logs" / "daemon.log").read_text()
        assert "stale" in log and "999999" in log
        socket_file = home / "daemon.sock"
        assert socket_file.exists() and (socket_file.stat().st_mode & 0o777) == 0o600

        again = kith("daemon", "start", "--home", str(home), check=False)
        assert again.returncode == 1 and "already running" in again.stderr
        direct = subprocess.run([sys.executable, "-m", "indexer.daemon.runner", "--home", str(home)],
                                capture_output=True, text=True, timeout=120)
        assert direct.returncode == 1 and "already running" in direct.stderr and str(pid) in direct.stderr

        def indexed() -> list:
            return try_daemon_search(home, {"query": "dentist", "mode": "bm25"}) or []

        wait_for(indexed, 60, "the source to be indexed")
        hits = json.loads(kith("search", "--json", "dentist", "--home", str(home)).stdout)
        assert hits and hits[0]["title"] == "Dentist appointment"
        # The daemon-backed `kith search` fast path loads no click, numpy, torch or FAISS.
        probe = subprocess.run(
            [sys.executable, "-c",
             "import sys; sys.argv = ['kith', 'search', 'dentist', '--home', sys.argv[1]]\n"
             "from kith.cli.entry import fast_search\n"
             "code = fast_search(sys.argv[2:])\n"
             "heavy = [m for m in ('click', 'numpy', 'torch', 'faiss', 'rich') if m in sys.modules]\n"
             "print('CODE', code, 'HEAVY', heavy)", str(home)],
            capture_output=True, text=True, timeout=60)
        assert "Dentist appointment" in probe.stdout and "CODE 0 HEAVY []" in probe.stdout, probe.stdout
        # `kith ask` borrows the daemon's warm model for every embedding: torch is never imported.
        asked = subprocess.run(
            [sys.executable, "-c",
             "import sys\nfrom kith.cli.main import cli\n"
             "try:\n    cli(['ask', '--json', 'when did the dentist move it?', '--home', sys.argv[1]])\n"
             "except SystemExit as done:\n    assert not done.code, done.code\n"
             "print('LOADED', [m for m in ('torch', 'sentence_transformers') if m in sys.modules], file=sys.stderr)",
             str(home)], capture_output=True, text=True, timeout=120)
        assert "LOADED []" in asked.stderr, asked.stderr
        answer = json.loads(asked.stdout)
        assert answer["engine"]["embeddings"] == "daemon"
        assert answer["citations"] and answer["citations"][0]["title"] == "Dentist appointment"
        check_confirmation_through_daemon(home)
        bad = kith("search", "dentist", "--since", "nonsense", "--home", str(home), check=False)
        assert bad.returncode == 1 and "cannot understand date" in bad.stderr
        status = json.loads(kith("daemon", "status", "--json", "--home", str(home)).stdout)
        # the mail, plus the two reminders kith itself wrote (its own writes are indexed, issue 10)
        assert status["running"] and status["pid"] == pid and status["documents"] == 1 + 2
        for key in ("queue_length", "current_file", "docs_per_second", "last_error", "last_commit"):
            assert key in status
        human = kith("daemon", "status", "--home", str(home)).stdout
        assert "queue:" in human and "last commit:" in human

        removed = json.loads(kith("sources", "remove", str(source), "--json", "--home", str(home)).stdout)
        assert removed == {"removed": str(source.resolve()), "daemon_notified": True, "forgotten": None}
        # The mail of the removed source is forgotten; the two reminders kith wrote into its home stay.
        wait_for(lambda: json.loads(kith("daemon", "status", "--json", "--home", str(home)).stdout)["documents"] == 2,
                 30, "documents of the removed source to be forgotten")
        hits = json.loads(kith("search", "dentist", "--json", "--home", str(home)).stdout)
        assert all("Dentist" not in (hit.get("title") or "") for hit in hits), hits
        reminders = json.loads(kith("search", "call Bob", "--json", "--home", str(home)).stdout)
        assert [hit["title"] for hit in reminders[:2]] == ["call Bob", "call Bob"], reminders
    finally:
        stopped = kith("daemon", "stop", "--json", "--home", str(home), check=False)
    assert json.loads(stopped.stdout) == {"stopped": True, "killed": False, "pid": pid, "home": str(home.resolve())}
    assert running_pid(home) is None
    again = json.loads(kith("daemon", "stop", "--json", "--home", str(home)).stdout)
    assert again["stopped"] is False and again["running"] is False
    assert not (home / "daemon.sock").exists()
    assert "no kith daemon is running" in kith("daemon", "status", "--home", str(home)).stdout
    assert os.path.exists(home / "logs" / "daemon.log")
