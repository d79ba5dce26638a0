"""The hostile corpus (tests/hostile_corpus.py) through `selfplay verify`, for every built-in verifier: each case
gets exactly one clean verdict within the time bound, with no traceback and no memory blow-up; and the `sympy`
verifier's time limit on a problem that really takes long, from the main thread and from another thread."""

from __future__ import annotations

import io
import json
import resource
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
import sympy

from selfplay.cli import main
from selfplay.deadline import DeadlineExceeded
from selfplay.tasks import TASKS, ArithmeticTask
from tests.hostile_corpus import FAMILIES, READ_AS, REWARDED, cases, coding_cases
from verifiers import VERIFIERS, SympyVerifier

# Every case answers within this many seconds: a bound on blow-ups, not a speed figure (benchmarks/ has those).
# Measured on a 2-core EPYC with other work running: the slowest case 0.11 s (algebra under sympy), the `code`
# verifier's stopped by its own limits (CODE_OPTIONS) in at most about 0.6 s with a 0.5 s wall limit; the quadratic
# patterns the corpus once found took 8 to 60 s.
TIME_BOUND = 5.0
# Peak memory (RSS) may grow by at most this much over a whole corpus: its megabyte texts are a few MB each.
MEMORY_BOUND_MB = 100
# The sandbox's limits for the `code` verifier's runs here, so that a busy loop or a sleep fits the time bound too
# (a few seconds under it), while an ordinary program (about 0.07 s with the interpreter's start) is never cut.
CODE_OPTIONS = ["verifier.options.wall_seconds=2", "verifier.options.cpu_seconds=1"]
# A deadline must be kept within its limit plus this margin. Measured on a 2-core EPYC with other work running: the
# limit plus 0.5 to 0.8 s (the worker's start and its import of sympy are part of the time measured here, though
# not of the deadline); the computations take a minute without it.
DEADLINE_MARGIN = 5.0


def run_verify(monkeypatch, capsys, line: str, args: list[str]) -> tuple[int, list[str], str, float]:
    """One input line through `selfplay verify` in this process: exit code, output lines, stderr, seconds."""
    with monkeypatch.context() as patch:  # undone at once: monkeypatch would otherwise keep every old stdin
        patch.setattr("sys.stdin", io.StringIO(line + "\n"))
        start = time.perf_counter()
        code = main(["verify", *args])
        seconds = time.perf_counter() - start
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err, seconds


def check_corpus(monkeypatch, capsys, corpus: list[tuple[str, str, str]], args: list[str]) -> list[dict]:
    """Run every case, collect every broken promise (all at once, so one failure names them all), return the
    results."""
    # warm-up on an ordinary problem: imports (torch among them) and the start of the sympy worker are not part of
    # any case's time or of the memory the corpus may add
    run_verify(monkeypatch, capsys, next(line for _, role, line in corpus if role == "answers"), args)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    failures, results = [], []
    for family, role, line in corpus:
        code, out, err, seconds = run_verify(monkeypatch, capsys, line, args)
        where = f"{family}/{role} {line[:60]!r}"
        if len(out) != 1:
            failures.append(f"{where}: {len(out)} output lines")
            continue
        result = json.loads(out[0])
        answers = json.loads(line).get("answers", []) if code == 0 else []
        if result["status"] not in ("ok", "invalid", "timeout"):
            failures.append(f"{where}: status {result['status']!r}")
        if code == 0 and len(result["rewards"]) != len(answers):
            failures.append(f"{where}: {len(result['rewards'])} rewards for {len(answers)} answers")
        if not all(r is None or (isinstance(r, float) and 0.0 <= r <= 1.0) for r in result["rewards"]):
            failures.append(f"{where}: rewards {result['rewards']!r}")
        if "Traceback" in err or code not in (0, 2):
            failures.append(f"{where}: exit code {code}, stderr {err[-300:]!r}")
        if seconds > TIME_BOUND:
            failures.append(f"{where}: {seconds:.2f} s")
        results.append(dict(result, family=family, role=role, line=line))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_kb) / 1024
    if grown_mb > MEMORY_BOUND_MB:
        failures.append(f"peak memory grew by {grown_mb:.0f} MB over the corpus")
    assert not failures, f"{len(failures)} broken cases:\n" + "\n".join(failures[:20])
    return results


def test_the_corpus_is_big_enough():
    # the issue asks for at least 300 hostile inputs; every family is used for both tasks, in both roles
    sizes = Counter(family for family, _, _ in cases("arithmetic"))
    assert sum(sizes.values()) >= 300
    assert set(sizes) == set(FAMILIES) and all(size >= 4 for size in sizes.values())
    assert len(coding_cases()) >= 20


@pytest.mark.parametrize("task, verifier", [
    # every built-in verifier but `code` on the two tasks with a formal ground truth
    ("arithmetic", "majority"), ("arithmetic", "sympy"), ("arithmetic", "none"),
    ("algebra", "majority"), ("algebra", "sympy"), ("algebra", "none"),
])
def test_hostile_corpus_through_verify(monkeypatch, capsys, task, verifier):
    results = check_corpus(monkeypatch, capsys, cases(task), ["--task", task, "--verifier", verifier])
    # A hostile text is read as a problem only where the task finds a clean one in it (READ_AS lists them);
    # the lines over the length limit are refused before parsing.
    read = {json.loads(r["line"])["problem"] for r in results if r["role"] == "problem" and r["status"] == "ok"}
    assert read == set(READ_AS[task])
    parse = TASKS[task]().parse_problem
    assert all(parse(text).text == canonical for text, canonical in READ_AS[task].items())
    assert all(r["status"] == "invalid" and "error" in r for r in results if r["family"] == "oversize")
    # Under sympy, a hostile answer earns reward 1 only where it states the right value (REWARDED lists them).
    if verifier == "sympy":
        rewarded = {json.loads(r["line"])["answers"][0] for r in results
                    if r["role"] == "answers" and 1.0 in r["rewards"]}
        assert rewarded == REWARDED[task]


def test_hostile_coding_cases_through_the_code_verifier(monkeypatch, capsys):
    results = check_corpus(monkeypatch, capsys, coding_cases(), ["--task", "coding", "--verifier", "code",
                                                                 *CODE_OPTIONS])
    by_program = {json.loads(r["line"])["answers"][0]: r for r in results if r["role"] == "answers"}
    # the correct program passes both tests; no hostile program passes any
    assert by_program["<answer>print(sum(map(int, input().split())))</answer>"]["rewards"] == [1.0, 1.0, 0.0]
    hostile = [r for program, r in by_program.items() if "print(sum(" not in program]
    assert hostile and all(r["rewards"] == [0.0, 0.0, 0.0] for r in hostile)


@pytest.mark.parametrize("verifier", ["majority", "none"])
def test_hostile_coding_cases_through_the_other_verifiers(monkeypatch, capsys, verifier):
    # the coding task with verifiers that run nothing: its parsers alone face the hostile text
    check_corpus(monkeypatch, capsys, coding_cases(), ["--task", "coding", "--verifier", verifier])


def test_every_builtin_verifier_is_covered():
    assert set(VERIFIERS) == {"majority", "sympy", "none", "code"}


# ---------------------------------------------------------------------------------------------------------------
# the sympy verifier's time limit on a problem that really takes long


@dataclass
class SlowTask(ArithmeticTask):
    """Arithmetic whose formal statement takes a minute to evaluate: 3 to the power 10^8 + `extra`, integer
    arithmetic on numbers of 20 MB (within the worker's memory limit, so only the clock stops it)."""

    extra: int = 0

    def formal(self, problem):
        return sympy.Pow(3, 10**8 + self.extra, evaluate=False)


def timed_judge(task, verifier) -> tuple[str, float]:
    problem = task.parse_problem("1+2")
    start = time.perf_counter()
    verdict = verifier.judge(task, problem, ["3", "4"])
    assert verdict.rewards == [None, None] and verdict.label is None
    return verdict.status, time.perf_counter() - start


def test_sympy_time_limit_in_the_main_thread():
    assert threading.current_thread() is threading.main_thread()
    status, seconds = timed_judge(SlowTask(extra=1), SympyVerifier(timeout_seconds=1.0))
    assert status == "timeout" and seconds < 1.0 + DEADLINE_MARGIN
    # the outcome is remembered: judging the same problem again answers at once (measured: under 0.001 s), not
    # after another second of computing
    status, seconds = timed_judge(SlowTask(extra=1), SympyVerifier(timeout_seconds=1.0))
    assert status == "timeout" and seconds < 0.5


def test_sympy_time_limit_in_another_thread():
    outcome = []
    verifier = SympyVerifier()
    thread = threading.Thread(target=lambda: outcome.append(timed_judge(SlowTask(extra=2), verifier)))
    thread.start()
    thread.join(30)
    [(status, seconds)] = outcome
    assert status == "timeout" and seconds < verifier.timeout_seconds + DEADLINE_MARGIN


def test_sympy_truth_raises_timeout_and_metrics_read_none():
    with pytest.raises(TimeoutError):
        SympyVerifier().truth(SlowTask(extra=3), ArithmeticTask().parse_problem("1+2"))
    assert issubclass(DeadlineExceeded, TimeoutError)
    assert SlowTask(extra=3).truth(ArithmeticTask().parse_problem("1+2")) is None  # remembered, at once


def test_sympy_time_limit_through_verify(monkeypatch, capsys):
    # the same, from the command line, with a user's task named by import path and a shorter limit
    line = json.dumps({"problem": "1+2", "answers": ["3"]})
    run_verify(monkeypatch, capsys, line, ["--task", "arithmetic", "--verifier", "sympy"])  # imports not timed
    code, [out], err, seconds = run_verify(monkeypatch, capsys, line, [
        "--task", "tests.test_hostile:SlowTask", "--verifier", "sympy", "task.options.extra=4",
        "verifier.options.timeout_seconds=0.5"])
    result = json.loads(out)
    assert code == 0 and result["status"] == "timeout" and result["rewards"] == [None]
    assert "0.5 s" in result["diagnostics"]["reason"] and seconds < 0.5 + DEADLINE_MARGIN
