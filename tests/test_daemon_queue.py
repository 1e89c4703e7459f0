"""The debounce/back-off queue and the PID lock, without a running daemon."""
from __future__ import annotations

import pytest

from indexer.daemon.changes import ChangeQueue
from indexer.daemon.lock import DaemonAlreadyRunning, DaemonLock, running_pid


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_of_events_becomes_one_index_after_debounce():
    clock = Clock()
    queue = ChangeQueue(debounce=0.5, min_interval=5, max_interval=60, clock=clock)
    for _ in range(10):
        queue.changed("/m/a")
        clock.now += 0.1
    assert queue.get(0) is None  # last event 0.1 s ago: still settling
    clock.now += 0.5
    op = queue.get(0)
    assert (op.action, op.path) == ("index", "/m/a")
    assert queue.get(0) is None


def test_file_that_keeps_changing_backs_off_up_to_max_interval():
    clock = Clock()
    queue = ChangeQueue(debounce=0.5, min_interval=5, max_interval=20, clock=clock)
    waits = []
    for _ in range(5):
        queue.changed("/m/busy")
        start = clock.now
        while (op := queue.get(0)) is None:
            clock.now += 0.25
        waits.append(clock.now - start)
        queue.done(op.path)
    assert waits[0] <= 0.75  # first change: only the debounce
    assert 4.5 <= waits[1] <= 5.5  # then at most once per 5 s...
    assert waits[-1] == pytest.approx(20, abs=0.5)  # ...backing off to the maximum


def test_moves_and_deletes_run_in_order_and_pending_work_follows_the_move():
    clock = Clock()
    queue = ChangeQueue(debounce=0.5, clock=clock)
    queue.changed("/m/new/x")
    queue.moved("/m/new/x", "/m/cur/x:2,S")
    queue.changed("/m/gone")
    queue.deleted("/m/gone")
    queue.backlog(["/m/old"])
    assert [queue.get(0).action for _ in range(2)] == ["move", "delete"]
    assert queue.get(0).path == "/m/old"  # backlog runs while live work settles
    clock.now += 1
    op = queue.get(0)
    assert (op.action, op.path, op.live) == ("index", "/m/cur/x:2,S", True)
    assert len(queue) == 0


def test_lock_refuses_second_holder_and_frees_on_release(tmp_path):
    first = DaemonLock(tmp_path).acquire()
    try:
        assert running_pid(tmp_path) is not None
        with pytest.raises(DaemonAlreadyRunning, match="already running"):
            DaemonLock(tmp_path).acquire()
    finally:
        first.release()
    assert running_pid(tmp_path) is None
    (tmp_path / "daemon.lock").write_text("4242424\n")
    taken = DaemonLock(tmp_path).acquire()
    assert taken.stale_pid == 4242424
    taken.release()
