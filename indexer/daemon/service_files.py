"""`kith daemon install`: a systemd user unit (Linux) or a launchd agent plist (macOS) for one home.

The files are written, never enabled: the command prints how to enable them.
"""
from __future__ import annotations

import hashlib
import os
import plistlib
import sys
from pathlib import Path


def service_name(home: Path) -> str:
    digest = hashlib.sha1(str(home).encode()).hexdigest()[:8]
    return f"kith-daemon-{digest}"


def daemon_command(home: Path) -> list[str]:
    return [sys.executable, "-m", "indexer.daemon.runner", "--home", str(home)]


def systemd_unit(home: Path) -> str:
    command = " ".join(_quote(part) for part in daemon_command(home))
    return f"""[Unit]
Description=kith background indexer for {home}
After=default.target

[Service]
Type=simple
ExecStart={command}
Restart=on-failure
RestartSec=10
Nice=10
IOSchedulingClass=idle
Environment=HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

[Install]
WantedBy=default.target
"""


def _quote(part: str) -> str:
    return f'"{part}"' if any(c in part for c in ' \t"\\') else part


def launchd_plist(home: Path, label: str) -> bytes:
    log_dir = home / "logs"
    return plistlib.dumps({
        "Label": label,
        "ProgramArguments": daemon_command(home),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ProcessType": "Background",
        "LowPriorityIO": True,
        "Nice": 10,
        "EnvironmentVariables": {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        "StandardOutPath": str(log_dir / "launchd.out.log"),
        "StandardErrorPath": str(log_dir / "launchd.err.log"),
    })


def install(home: Path, platform: str | None = None, target_dir: Path | None = None) -> tuple[Path, str]:
    """Write the service file; returns its path and the instructions to enable it."""
    platform = platform or sys.platform
    name = service_name(home)
    if platform.startswith("linux"):
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        directory = target_dir or base / "systemd" / "user"
        path = directory / f"{name}.service"
        _write(path, systemd_unit(home).encode())
        hint = (f"systemctl --user daemon-reload\nsystemctl --user enable --now {name}.service\n"
                f"(logs: journalctl --user -u {name} and {home / 'logs' / 'daemon.log'})")
    elif platform == "darwin":
        label = f"org.kith.{name}"
        directory = target_dir or Path.home() / "Library" / "LaunchAgents"
        path = directory / f"{label}.plist"
        _write(path, launchd_plist(home, label))
        hint = f"launchctl bootstrap gui/$(id -u) {path}\n(stop: launchctl bootout gui/$(id -u) {path})"
    else:
        from indexer.errors import KithError

        raise KithError(f"no service manager support for platform {platform!r}; run `kith daemon start` instead")
    return path, hint


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
