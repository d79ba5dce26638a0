"""Calls under a deadline in a worker process: results, errors, the time limit from any thread, the memory limit,
and no worker left behind."""

from __future__ import annotations

import math
import os
import signal
import threading
import time

import pytest

from selfplay import deadline
from selfplay.deadline import DeadlineExceeded, WorkerError, call_with_deadline

# 3 to the power 10^8: about a minute of integer arithmetic on 20 MB numbers, far past every deadline here.
SLOW = (pow, (3, 10**8))
# A call under a 0.5 s deadline must end within this many seconds: the deadline plus a wide margin for a loaded
# machine (measured: 0.50 to 0.62 s on a 2-core EPYC with other work running), far short of SLOW's minute.
DEADLINE_BOUND = 0.5 + 5.0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def warm_worker_pid() -> int:
    """The process id of the worker the next call will use (one is started if none is idle)."""
    call_with_deadline(abs, (-1,), seconds=5.0)
    return deadline._IDLE[-1].process.pid



@pytest.mark.parametrize("function, args, expected", [
    # a built-in function, and one from a module the worker imports first
    (pow, (2, 10), 1024),
    (math.comb, (10, 3), 120),
    # big results come back whole
    (pow, (2, 1000), 2**1000),
])
def test_results_come_back(function, args, expected):
    assert call_with_deadline(function, args, seconds=5.0) == expected


@pytest.mark.parametrize("function, args, message", [
    # an exception inside the call names its type; the worker survives it
    (math.factorial, (-1,), "ValueError: factorial() not defined for negative values"),
    (int, ("x",), "ValueError: invalid literal for int() with base 10: 'x'"),
    # something that cannot be sent to the worker at all
    (print, (lambda: 0,), "cannot send the call"),
])
def test_errors_become_worker_errors(function, args, message):
    with pytest.raises(WorkerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_with_deadline(function, args, seconds=5.0)
    assert call_with_deadline(pow, (3, 3), seconds=5.0) == 27


def test_the_deadline_kills_the_worker():
    pid = warm_worker_pid()
    start = time.perf_counter()
    with pytest.raises(DeadlineExceeded):
        call_with_deadline(*SLOW, seconds=0.5)
    assert time.perf_counter() - start < DEADLINE_BOUND
    assert not alive(pid)  # the runaway computation is gone, not left running
    assert call_with_deadline(pow, (2, 3), seconds=5.0) == 8  # and the next call gets a fresh worker


def test_the_deadline_holds_in_another_thread():
    outcome = []

    def run():
        start = time.perf_counter()
        try:
            call_with_deadline(*SLOW, seconds=0.5)
        except DeadlineExceeded:
            outcome.append(time.perf_counter() - start)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    [seconds] = outcome
    assert seconds < DEADLINE_BOUND


def test_calls_from_several_threads_get_their_own_results():
    results: dict[int, list[int]] = {}

    def run(number):
        results[number] = [call_with_deadline(pow, (number, 2), seconds=5.0) for _ in range(20)]

    threads = [threading.Thread(target=run, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {number: [number**2] * 20 for number in range(4)}
    assert len(deadline._IDLE) <= deadline._KEEP  # extra workers were closed


def test_keep_idle_keeps_as_many_workers_as_calls_made_at_once(monkeypatch):
    monkeypatch.setattr(deadline, "_KEEP", deadline.MAX_IDLE)
    deadline.keep_idle(3)
    workers = [deadline._take() for _ in range(4)]  # four calls in flight
    for worker in workers:
        deadline._give_back(worker)
    assert len(deadline._IDLE) == 3  # the fourth was closed
    deadline.keep_idle(1)  # never fewer than before
    assert deadline._KEEP == 3
    deadline.shutdown()


def test_memory_limit_is_an_error_and_the_worker_survives():
    pid = warm_worker_pid()
    with pytest.raises(WorkerError, match="MemoryError"):
        call_with_deadline(bytearray, (2 * 2**30,), seconds=5.0, memory_mb=256)
    assert alive(pid)
    assert call_with_deadline(len, ([1, 2],), seconds=5.0) == 2


def test_a_worker_that_died_idle_is_replaced():
    pid = warm_worker_pid()
    os.kill(pid, signal.SIGKILL)
    deadline._IDLE[-1].process.wait()
    assert call_with_deadline(pow, (2, 5), seconds=5.0) == 32


def test_a_worker_that_dies_mid_call_is_an_error():
    with pytest.raises(WorkerError, match="died"):
        call_with_deadline(os._exit, (3,), seconds=5.0)


def test_shutdown_leaves_no_worker():
    pids = [warm_worker_pid()]
    call_with_deadline(pow, (2, 2), seconds=5.0)
    pids += [worker.process.pid for worker in deadline._WORKERS]
    deadline.shutdown()
    assert not deadline._WORKERS and not any(alive(pid) for pid in pids)
    assert call_with_deadline(pow, (2, 4), seconds=5.0) == 16  # later calls start new workers


@pytest.mark.parametrize("seconds", [0, -1.0])
def test_a_deadline_must_be_positive(seconds):
    with pytest.raises(ValueError, match="positive"):
        call_with_deadline(pow, (2, 2), seconds=seconds)
