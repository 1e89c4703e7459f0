"""`kith daemon start|stop|status|install` and `kith sources add|list|remove`."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import click

from indexer.daemon.client import DaemonError, DaemonUnavailable, call
from indexer.daemon.lock import running_pid
from indexer.daemon.paths import log_path
from indexer.errors import KithError
from kith.cli.common import echo_json, echo_result, home_option, json_option

START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


def _home_path(home: str | None) -> Path:
    from indexer.home import KithHome

    return KithHome.resolve(home).path


@click.group("daemon")
def daemon_group() -> None:
    """Run the background indexer that watches your sources and answers searches quickly."""


@daemon_group.command("start")
@click.option("--foreground", is_flag=True, help="Run in this terminal (logs to stderr too) until stopped.")
@home_option
@json_option
def start_cmd(foreground: bool, home: str | None, as_json: bool) -> None:
    """Start the daemon for this home (one per home)."""
    path = _home_path(home)
    pid = running_pid(path)
    if pid:
        raise KithError(f"a kith daemon is already running for {path} (pid {pid}); stop it with `kith daemon stop`")
    if foreground:
        from indexer.daemon.runner import Daemon

        sys.exit(Daemon(path, foreground=True).run())
    out_file = path / "logs" / "daemon.out"
    out_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(os.open(out_file, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "indexer.daemon.runner", "--home", str(path), "--quiet"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            detail = out_file.read_text(errors="replace").strip().splitlines()
            message = next((line for line in reversed(detail) if line.strip()), f"exit code {proc.returncode}")
            raise KithError(f"the daemon did not start: {message.removeprefix('kith: error: ')}")
        try:
            call(path, "ping", timeout=2)
            echo_result(as_json, {"started": True, "pid": proc.pid, "home": str(path), "log": str(log_path(path))},
                        f"kith daemon started for {path} (pid {proc.pid}); log: {log_path(path)}")
            return
        except (DaemonUnavailable, DaemonError):
            time.sleep(0.1)
    raise KithError(f"the daemon (pid {proc.pid}) did not answer within {START_TIMEOUT:.0f} s; see {log_path(path)}")


@daemon_group.command("stop")
@home_option
@json_option
def stop_cmd(home: str | None, as_json: bool) -> None:
    """Stop the daemon for this home (it finishes the file in progress)."""
    path = _home_path(home)
    pid = running_pid(path)
    if not pid:
        echo_result(as_json, {"stopped": False, "running": False, "home": str(path)},
                    f"no kith daemon is running for {path}")
        return
    try:
        call(path, "shutdown", timeout=5)
    except (DaemonUnavailable, DaemonError):
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and running_pid(path):
        time.sleep(0.1)
    if running_pid(path):
        os.kill(pid, 9)  # safe: every file is committed atomically and the next start resumes
        echo_result(as_json, {"stopped": True, "killed": True, "pid": pid, "home": str(path)},
                    f"the daemon (pid {pid}) did not stop within {STOP_TIMEOUT:.0f} s and was killed")
        return
    echo_result(as_json, {"stopped": True, "killed": False, "pid": pid, "home": str(path)},
                f"kith daemon stopped (pid {pid})")


@daemon_group.command("status")
@home_option
@json_option
def status_cmd(home: str | None, as_json: bool) -> None:
    """Queue length, the file being indexed, documents per second, last error, last commit."""
    path = _home_path(home)
    pid = running_pid(path)
    status: dict = {"running": False, "home": str(path), "pid": pid}
    if pid:
        try:
            status = call(path, "status", timeout=10)
        except (DaemonUnavailable, DaemonError) as exc:
            status |= {"running": True, "state": "starting or unresponsive", "detail": str(exc)}
    if as_json:
        echo_json(status)
        return
    if not status["running"]:
        click.echo(f"no kith daemon is running for {path}")
        return
    click.echo(f"kith daemon pid {status.get('pid')} for {status.get('home', path)}: {status.get('state')}")
    if "queue_length" not in status:
        return
    if status.get("paused"):
        click.echo(f"  paused: {status['paused']}")
    click.echo(f"  queue: {status['queue_length']}   now: {status.get('current_file') or '-'}")
    click.echo(f"  documents: {status['documents']}   vectors: {status['vectors']}   "
               f"rate: {status['docs_per_second']} docs/s   last commit: {status.get('last_commit') or '-'}")
    error = status.get("last_error")
    click.echo(f"  last error: {error['path']}: {error['error']}" if error else "  last error: -")
    click.echo(f"  sources: {', '.join(s['path'] for s in status['sources']) or 'none (kith sources add PATH)'}")
    click.echo(f"  log: {status['log_file']}")


@daemon_group.command("install")
@home_option
@click.option("--platform", "platform_name", hidden=True, help="linux or darwin (default: this machine)")
@click.option("--target-dir", type=click.Path(file_okay=False), hidden=True)
def install_cmd(home: str | None, platform_name: str | None, target_dir: str | None) -> None:
    """Write a systemd user unit (Linux) or launchd agent (macOS) for this home; does not enable it."""
    from indexer.daemon.service_files import install

    path, hint = install(_home_path(home), platform_name, Path(target_dir) if target_dir else None)
    click.echo(f"wrote {path}\nto enable it:\n{hint}")


# ---------------------------------------------------------------- sources
@click.group("sources")
def sources_group() -> None:
    """Folders and files the daemon watches and keeps indexed."""


def _notify_daemon(path: Path) -> bool:
    if not running_pid(path):
        return False
    try:
        call(path, "reload_sources", timeout=5)
        return True
    except (DaemonUnavailable, DaemonError):
        return False


@sources_group.command("add")
@click.argument("path", type=click.Path(exists=True))
@click.option("--kind", help="Only use readers of this kind (mail, message, photo, contact, event, note).")
@home_option
@json_option
def sources_add(path: str, kind: str | None, home: str | None, as_json: bool) -> None:
    """Watch PATH (a folder or a file) and keep it indexed."""
    from indexer import kinds
    from indexer.store import Store

    if kind and kind not in kinds.known():
        raise KithError(f"unknown kind {kind!r}: choose one of {', '.join(kinds.known())}")
    source = str(Path(path).expanduser().resolve())
    home_path = _home_path(home)
    if source == str(home_path) or source.startswith(str(home_path) + "/") or str(home_path).startswith(source + "/"):
        if str(home_path).startswith(source + "/"):
            click.echo(f"note: the kith home {home_path} is inside this source; it is never indexed", err=True)
        else:
            raise KithError("the kith home directory cannot be a source")
    store = Store.open(home_path)
    try:
        store.add_source(source, kind)
    finally:
        store.close()
    daemon = _notify_daemon(home_path)
    echo_result(as_json, {"added": source, "kind": kind, "daemon_notified": daemon},
                f"added {source}; the daemon is indexing it now" if daemon else
                f"added {source}; start the daemon to index and watch it: kith daemon start")


@sources_group.command("list")
@home_option
@json_option
def sources_list(home: str | None, as_json: bool) -> None:
    """List the watched sources."""
    from indexer.store import Store

    store = Store.open(_home_path(home))
    try:
        rows = store.source_listing()
    finally:
        store.close()
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no sources yet: kith sources add PATH")
    for row in rows:
        click.echo(f"{row['path']}  kind={row['kind'] or 'auto'}  files={row['files']}  "
                   f"last scanned={row['last_scanned'] or 'never'}")


@sources_group.command("remove")
@click.argument("path")
@home_option
@json_option
def sources_remove(path: str, home: str | None, as_json: bool) -> None:
    """Stop watching PATH and forget its documents."""
    from indexer.store import Store

    source = str(Path(path).expanduser().resolve())
    home_path = _home_path(home)
    store = Store.open(home_path)
    try:
        removed = store.remove_source(source)
    finally:
        store.close()
    if not removed:
        raise KithError(f"{source} is not a source (see `kith sources list`)")
    if _notify_daemon(home_path):
        echo_result(as_json, {"removed": source, "daemon_notified": True, "forgotten": None},
                    f"removed {source}; the daemon is forgetting its documents")
        return
    from indexer.app import KithApp

    app = KithApp(home_path)
    try:
        forgotten = app.indexer.forget(source)
    finally:
        app.close()
    echo_result(as_json, {"removed": source, "daemon_notified": False, "forgotten": forgotten},
                f"removed {source} and forgot {forgotten} document(s)")
