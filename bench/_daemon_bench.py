"""Shared setup for the daemon benchmarks: command-line options, a cached Maildir home built from
the Enron subset, and a daemon started on it and stopped afterwards."""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.daemon_harness import DaemonProcess

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ENRON = REPO.parent / "shared" / "corpora" / "mail-enron-maildir-subset" / "data" / "maildir"
KITH = str(Path(sys.executable).with_name("kith"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def cpu_info() -> dict[str, Any]:
    """The CPU model, core count and the SIMD flags that decide onnxruntime/torch kernels."""
    import os
    import platform

    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    wanted = ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "f16c")
    return {"model": model, "cores": os.cpu_count(), "flags": [f for f in wanted if f in flags],
            "load_avg": [round(x, 2) for x in os.getloadavg()]}


def build_maildir(root: Path, messages: int) -> Path:
    """Replicate Enron messages with fresh Message-IDs into ``root/cur`` (cached by count)."""
    maildir = root / "maildir"
    marker = root / f".built-{messages}"
    if marker.exists():
        return maildir
    if not ENRON.exists():
        sys.exit("../shared/corpora/mail-enron-maildir-subset is missing")
    shutil.rmtree(maildir, ignore_errors=True)
    (maildir / "cur").mkdir(parents=True)
    (maildir / "new").mkdir()
    (maildir / "tmp").mkdir()
    originals = sorted(p for p in ENRON.rglob("*") if p.is_file())
    for number in range(messages):
        raw = originals[number % len(originals)].read_bytes()
        copy = number // len(originals)
        if copy:
            raw = re.sub(rb"(?im)^Message-ID:\s*<([^>]*)>", lambda m: b"Message-ID: <c%d.%s>" % (copy, m.group(1)),
                         raw, count=1)
        (maildir / "cur" / f"{number:06d}.eml").write_bytes(raw)
    marker.touch()
    return maildir


def build_home(root: Path, messages: int) -> tuple[Path, Path]:
    """An indexed home over a replicated Maildir, built once with `kith index` and reused."""
    root.mkdir(parents=True, exist_ok=True)
    maildir = build_maildir(root, messages)
    home = root / f"home-{messages}"
    if not (home / f".indexed").exists():
        subprocess.run([KITH, "index", str(maildir), "--home", str(home), "--json"], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([KITH, "sources", "add", str(maildir), "--home", str(home)], check=True)
        (home / ".indexed").touch()
    (home / "kith.toml").write_text("[daemon]\ndebounce = 0.2\n")
    return home, maildir


def parse_args(messages: int, **options: float) -> argparse.Namespace:
    """``--messages`` (default ``messages``) and ``--root``, plus one ``--name`` per keyword option
    (underscores become dashes; the default's type is the option's type)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=messages)
    for name, default in options.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    parser.add_argument("--root", default="/tmp/kith-bench")
    return parser.parse_args()


@contextmanager
def running_daemon(home: Path) -> Iterator[tuple[DaemonProcess, dict[str, Any]]]:
    """Start the daemon on ``home``, wait until it is idle, yield it with its status, then stop it."""
    from bench.daemon_harness import DaemonProcess  # after REPO is on sys.path

    daemon = DaemonProcess(home).start(timeout=600)
    try:
        yield daemon, daemon.idle(timeout=3600)
    finally:
        daemon.stop()
