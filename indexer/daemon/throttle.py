"""Keep the daemon polite: low CPU and IO priority, a CPU budget, a free-disk-space floor."""
from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from pathlib import Path

import psutil

log = logging.getLogger("kith.daemon")


def lower_priority(niceness: int = 10) -> list[str]:
    """nice + idle IO class (Linux) for this process; children inherit both. Returns what was applied."""
    applied = []
    try:
        os.nice(niceness)
        applied.append(f"nice +{niceness}")
    except OSError as exc:
        log.info("cannot lower CPU priority: %s", exc)
    if sys.platform.startswith("linux") and hasattr(psutil, "IOPRIO_CLASS_IDLE"):
        try:
            psutil.Process().ionice(psutil.IOPRIO_CLASS_IDLE)
            applied.append("ionice idle")
        except (psutil.Error, OSError) as exc:
            log.info("cannot set the idle IO class: %s", exc)
    return applied


def cpu_seconds(proc: psutil.Process, *, recursive: bool = False) -> float:
    """User + system CPU seconds of ``proc`` and its children (all descendants when ``recursive``).

    A child that exits while being measured is skipped.
    """
    total = 0.0
    for p in [proc, *proc.children(recursive=recursive)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


class CpuBudget:
    """Pace the indexing loop so this process and its reader child use at most ``cores`` CPU cores.

    After each unit of work, if the CPU time spent in the current window exceeds ``cores`` times
    the wall time, sleep until the ratio is back within budget. Windows restart every 10 s.
    """

    WINDOW = 10.0

    def __init__(self, cores: float = 1.0) -> None:
        self.cores = cores
        self._me = psutil.Process()
        self._start_wall = time.monotonic()
        self._start_cpu = self._cpu()

    def _cpu(self) -> float:
        return cpu_seconds(self._me)

    def pace(self) -> float:
        """Sleep if over budget; returns the seconds slept."""
        if self.cores <= 0:
            return 0.0
        now = time.monotonic()
        cpu = self._cpu() - self._start_cpu
        wall = now - self._start_wall
        slept = 0.0
        allowed_wall = cpu / self.cores
        if allowed_wall > wall:
            slept = min(allowed_wall - wall, 5.0)
            time.sleep(slept)
        if wall > self.WINDOW:
            self._start_wall, self._start_cpu = time.monotonic(), self._cpu()
        return slept


def free_disk_mb(path: Path) -> float:
    return shutil.disk_usage(path).free / (1024 * 1024)
