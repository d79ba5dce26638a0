"""How long past its limit each time limit lets a runaway computation go, on this machine.

    python benchmarks/time_limits.py              # 5 repeats of each
    python benchmarks/time_limits.py --repeats 10

The tests bound these waits by the limit plus 5 seconds, so that they pass on a slow or busy machine; this prints
what the overshoot actually is here: the median, min and max of (time taken - limit) over the repeats, for

- `call_with_deadline`: a computation in the worker process, killed at its deadline (0.5 s);
- `sympy`: the verifier's truth for a problem whose formal statement takes a minute (limit 1 s);
- the sandbox's wall clock: a program that sleeps (wall limit 1 s);
- the sandbox's CPU clock: a busy loop (CPU limit 1 s; RLIMIT_CPU sends SIGXCPU, then SIGKILL a second later).

The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass
from typing import Callable

import sympy

from selfplay.deadline import DeadlineExceeded, call_with_deadline
from selfplay.sandbox import SandboxLimits, run_program
from selfplay.tasks.arithmetic import ArithmeticTask
from verifiers.sympy_verifier import SympyVerifier


@dataclass
class _SlowTask(ArithmeticTask):
    """Arithmetic whose formal statement is 3 to the power 10^8 + `extra`: a minute of integer arithmetic."""

    extra: int = 0

    def formal(self, problem):
        return sympy.Pow(3, 10**8 + self.extra, evaluate=False)


def _deadline(repeat: int) -> None:
    try:
        call_with_deadline(pow, (3, 10**8 + repeat), seconds=0.5)
    except DeadlineExceeded:
        return
    raise AssertionError("the computation finished before its deadline")


def _sympy(repeat: int) -> None:
    task = _SlowTask(extra=repeat)  # a new problem each time: a timed-out truth is remembered
    verdict = SympyVerifier(timeout_seconds=1.0).judge(task, task.parse_problem("1+2"), ["3"])
    assert verdict.status == "timeout", verdict.status


def _sandbox(code: str, limits: SandboxLimits) -> Callable[[int], None]:
    def run(repeat: int) -> None:
        result = run_program(code, "", limits)
        assert result.timed_out, result
    return run


CASES: dict[str, tuple[float, Callable[[int], None]]] = {
    "call_with_deadline (0.5 s)": (0.5, _deadline),
    "sympy truth (1 s)": (1.0, _sympy),
    "sandbox wall clock, sleeping (1 s)": (1.0, _sandbox("import time\ntime.sleep(100)",
                                                         SandboxLimits(wall_seconds=1.0, cpu_seconds=10))),
    "sandbox CPU clock, busy loop (1 s)": (1.0, _sandbox("while True: pass",
                                                         SandboxLimits(cpu_seconds=1, wall_seconds=30.0))),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    _deadline(-1)  # start the worker process and import what it needs, untimed
    figures = {}
    print(f"{'limit':<38} {'overshoot, s: median [min, max]':>34}")
    for name, (limit, case) in CASES.items():
        overshoots = []
        for repeat in range(args.repeats):
            start = time.perf_counter()
            case(repeat)
            overshoots.append(time.perf_counter() - start - limit)
        figures[name] = overshoots
        print(f"{name:<38} {statistics.median(overshoots):>14.2f} [{min(overshoots):.2f}, {max(overshoots):.2f}]")
    print(json.dumps({"benchmark": "time_limits", "overshoot_seconds": figures}))


if __name__ == "__main__":
    main()
