"""Calling a function under a wall-clock deadline that holds in any thread: the call runs in a worker process,
which is killed when time runs out.

Signal-based timeouts (SIGALRM) work only in the main thread and cannot stop a long C call anyway (a huge integer
power never returns to the interpreter loop), so the deadline is kept from outside: the caller waits for the
worker's reply at most `seconds` and kills the worker if none comes. Nothing of a runaway computation survives.

Workers are plain `python -c` subprocesses, not `multiprocessing` ones: nothing is forked from a process that may
hold a model and many threads, and the caller's `__main__` is never imported again. Each serves one call at a time
over a pair of pipes. A worker is started on first use and kept for the next call (at most `MAX_IDLE` wait idle,
or more after `keep_idle`); it is killed at a deadline, and all are killed when this process exits. Start-up and
the import of the function's module are not counted against the deadline, only the call itself.

Inside the worker each call also runs under an address-space limit (`memory_mb`, RLIMIT_AS: an allocation past it
is a MemoryError, reported as an error) and a CPU-time limit a little above the deadline (RLIMIT_CPU), so a
runaway ends even if the caller dies before it can kill the worker.

    >>> call_with_deadline(pow, (2, 10), seconds=5.0)
    1024
"""

from __future__ import annotations

import atexit
import json
import os
import pickle
import resource
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

# Idle workers kept for later calls; calls from more threads at once start more, closed when they finish.
MAX_IDLE = 2
# Seconds a new worker may take to start and import the function's module (not part of any deadline).
STARTUP_SECONDS = 60.0
# Errors reported by the worker are cut to this many characters.
MAX_ERROR_CHARS = 200

# The worker's whole program: put the caller's import path first, then serve calls on the two pipes.
_BOOT = ("import json, sys; sys.path[:0] = json.loads(sys.argv[3]); "
         "from selfplay.deadline import serve; serve(int(sys.argv[1]), int(sys.argv[2]))")


class DeadlineExceeded(TimeoutError):
    """The call did not return within its deadline; its worker was killed."""


class WorkerError(RuntimeError):
    """The call raised inside the worker (the message names the exception), or the worker died or did not start."""


def call_with_deadline(function: Callable[..., Any], args: Sequence[Any] = (), seconds: float = 1.0,
                       memory_mb: int = 1024) -> Any:
    """`function(*args)` computed in a worker process within `seconds` of wall time and `memory_mb` of address
    space. Raises DeadlineExceeded when time runs out and WorkerError for anything else that goes wrong; safe to
    call from any thread. `function` must be importable by its module and name (a module-level function), and its
    arguments and result must pickle."""
    if not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds!r}")
    worker = _take()
    try:
        status, value = worker.call(function, tuple(args), seconds, memory_mb)
    except BaseException:
        worker.kill()  # timed out, died, or interrupted mid-call: its state is unknown
        raise
    _give_back(worker)
    if status != "ok":
        raise WorkerError(value)
    return value


class _Worker:
    """One worker process and the caller's ends of its pipes."""

    def __init__(self) -> None:
        to_worker, from_worker = os.pipe(), os.pipe()  # (read, write) each; not inherited by other children
        paths = [path or os.getcwd() for path in sys.path]
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(to_worker[0]), str(from_worker[1]), json.dumps(paths)],
                pass_fds=(to_worker[0], from_worker[1]), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)  # its own session: Ctrl-C is the caller's
        except OSError as error:
            for fd in (*to_worker, *from_worker):
                os.close(fd)
            raise WorkerError(f"could not start a worker: {error}") from None
        os.close(to_worker[0])
        os.close(from_worker[1])
        self.requests = Connection(to_worker[1], readable=False)
        self.replies = Connection(from_worker[0], writable=False)
        self.imported: set[str] = set()

    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, function: Callable[..., Any], args: tuple[Any, ...], seconds: float, memory_mb: int,
             ) -> tuple[str, Any]:
        module = function.__module__
        if module not in self.imported:  # start-up and imports happen here, outside the deadline
            self._send(("import", module))
            status, value = self._reply(STARTUP_SECONDS, "start")
            if status != "ok":
                raise WorkerError(value)
            self.imported.add(module)
        # The call itself travels pickled inside the message, so that unpickling it (which may compute: sympy
        # evaluates expressions as it rebuilds them) happens in the worker under the limits.
        self._send(("call", seconds, memory_mb, _dumps((function, args))))
        return self._reply(seconds, "call")

    def _send(self, message: tuple[Any, ...]) -> None:
        payload = _dumps(message)
        try:
            self.requests.send_bytes(payload)
        except OSError as error:
            raise WorkerError(f"the worker is gone: {error}") from None

    def _reply(self, seconds: float, what: str) -> tuple[str, Any]:
        try:
            ready = self.replies.poll(seconds)
        except OSError as error:  # closed by shutdown() from another thread
            raise WorkerError(f"the worker is gone: {error}") from None
        if not ready:
            if what == "call":
                raise DeadlineExceeded(f"no result within {seconds:g} s")
            raise WorkerError(f"the worker did not {what} within {seconds:g} s")
        try:
            payload = self.replies.recv_bytes()
        except (EOFError, OSError):
            code = self.process.wait()
            raise WorkerError(f"the worker died (exit status {code})") from None
        try:
            return pickle.loads(payload)
        except Exception as error:  # noqa: BLE001 - a result this process cannot rebuild
            raise WorkerError(f"cannot read the result: {type(error).__name__}: {error}"[:MAX_ERROR_CHARS]) from None

    def kill(self) -> None:
        with _LOCK:
            _WORKERS.discard(self)
        for connection in (self.requests, self.replies):
            connection.close()
        try:
            self.process.kill()
        except OSError:
            pass
        self.process.wait()


def _dumps(value: Any) -> bytes:
    try:
        return pickle.dumps(value)
    except Exception as error:  # noqa: BLE001 - pickle raises several types for what it cannot pickle
        raise WorkerError(f"cannot send the call: {type(error).__name__}: {error}"[:MAX_ERROR_CHARS]) from None


_LOCK = threading.Lock()
_IDLE: list[_Worker] = []
_KEEP = MAX_IDLE  # idle workers kept (keep_idle)
_WORKERS: set[_Worker] = set()  # every live worker, idle or busy, so that none outlives this process


def _take() -> _Worker:
    with _LOCK:
        while _IDLE:
            worker = _IDLE.pop()
            if worker.alive():
                return worker
            _WORKERS.discard(worker)
    worker = _Worker()
    with _LOCK:
        _WORKERS.add(worker)
    return worker


def keep_idle(count: int) -> None:
    """Keep up to `count` idle workers from now on (never fewer than `MAX_IDLE`): a caller about to make that
    many calls at once, again and again, would otherwise start and kill workers on every round."""
    global _KEEP
    with _LOCK:
        _KEEP = max(_KEEP, count)


def _give_back(worker: _Worker) -> None:
    with _LOCK:
        if len(_IDLE) < _KEEP:
            _IDLE.append(worker)
            return
    worker.kill()


@atexit.register
def shutdown() -> None:
    """Kill every worker now (at exit, and in tests). Later calls start new ones."""
    with _LOCK:
        workers = list(_WORKERS)
        _IDLE.clear()
    for worker in workers:
        worker.kill()


def _forget_after_fork() -> None:
    # A forked child must not share its parent's workers: close its copies of the pipes and start afresh.
    global _LOCK
    _LOCK = threading.Lock()
    for worker in list(_WORKERS):
        for connection in (worker.requests, worker.replies):
            try:
                connection.close()
            except OSError:
                pass
    _WORKERS.clear()
    _IDLE.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def serve(read_fd: int, write_fd: int) -> None:
    """The worker's loop: answer each request until the caller closes the pipe. Runs in the worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, replies = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    _, memory_hard = resource.getrlimit(resource.RLIMIT_AS)
    while True:
        try:
            payload = requests.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            message = pickle.loads(payload)
            if message[0] == "import":
                __import__(message[1])
                reply: tuple[str, Any] = ("ok", None)
            else:
                _, seconds, memory_mb, call = message
                usage = resource.getrusage(resource.RUSAGE_SELF)
                cpu_limit = int(usage.ru_utime + usage.ru_stime + seconds) + 2
                resource.setrlimit(resource.RLIMIT_CPU, (_within(cpu_limit, cpu_hard), cpu_hard))
                resource.setrlimit(resource.RLIMIT_AS, (_within(memory_mb * 2**20, memory_hard), memory_hard))
                function, args = pickle.loads(call)
                reply = ("ok", function(*args))
            payload = pickle.dumps(reply)
        except BaseException as error:  # noqa: BLE001 - every failure of the call is reported, not raised
            payload = pickle.dumps(("error", f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]))
        replies.send_bytes(payload)


def _within(value: int, hard: int) -> int:
    return value if hard == resource.RLIM_INFINITY else min(value, hard)
