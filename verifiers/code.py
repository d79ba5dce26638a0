"""Running programs against the problem's tests: each answer is Python source; its reward is the share of tests it
passes, run in the sandbox (selfplay/sandbox.py)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar

from selfplay.sandbox import RunResult, SandboxLimits, isolation_problem, run_program, seccomp_problem
from selfplay.tasks.base import Task
from selfplay.types import Problem, Verdict
from verifiers.base import Verifier

# Programs remembered per verifier: enough for the groups of a few steps, small enough not to matter in memory.
CACHE_SIZE = 512
# Diagnostics are summaries: a failure is cut to this many characters.
MAX_ERROR_CHARS = 120
# How programs may be run: only in their own namespaces (bubblewrap), or in the weaker in-process sandbox when
# this machine cannot give namespaces.
ISOLATION_MODES = ("required", "best_effort")
# Notes already printed by this process: the seccomp layer being off is said once, not per verifier built.
_SAID: set[str] = set()


@dataclass(frozen=True)
class ProgramScore:
    """How one program did on a problem's tests: tests passed, tests that ran out of time, the first failure."""

    passed: int
    timeouts: int
    error: str | None


@dataclass
class CodeVerifier(Verifier):
    """Reward = the share of the problem's tests a program passes, as SQLM rewards the solver on coding.

    The tests are `problem.features["tests"]`, `[input, expected_output]` string pairs (the first `max_tests` of
    them). Each answer is a program; it runs once per test in the sandbox, the test's input on stdin, and passes
    when it exits with status 0 in time and its stdout equals the expected output up to whitespace at line ends
    and blank lines around the text. No program (None), a program over `max_code_chars`, a crash, a syntax error,
    a timeout or a blocked operation all count as failing. A problem without tests cannot be judged: every reward
    None, status "invalid". There is no label (the tests are the truth). The proposer's reward is computed
    elsewhere from these rewards: with the SQLM band, from the mean pass rate (`Verdict.solve_rate`).

    Identical programs run once (a small cache keyed by program and tests); distinct ones run `workers` tests at
    a time, each test in its own process, across all the groups of a batch (`judge_batch`). Results keep the
    order of the answers.

    Programs run isolated by the kernel (selfplay/sandbox.py): where this machine cannot isolate them (no
    bubblewrap, namespaces refused), the verifier refuses to be built, saying why, unless `isolation` is
    "best_effort", which runs them with the in-process sandbox only and warns on stderr each time it is built.
    Where only the seccomp filter is missing (no libseccomp), programs run isolated without it and one line on
    stderr says so, once per process.
    """

    # CPU seconds, wall-clock seconds and memory (MB) for one test run.
    cpu_seconds: int = 2
    wall_seconds: float = 5.0
    memory_mb: int = 256
    # Tests run per program; a problem's extra tests are ignored (they cost time, one process each).
    max_tests: int = 10
    # Longer programs are not run: reward 0.
    max_code_chars: int = 20_000
    # Test runs at once, each a separate process.
    workers: int = 4
    # "required": programs run only in their own namespaces, and the verifier refuses to start where the machine
    # cannot give them. "best_effort": there, run them anyway with the audit hook, the rlimits and a network
    # namespace only, which a hostile program can get past (docs/THREAT_MODEL.md); a warning says so each time.
    isolation: str = "required"

    name: ClassVar[str] = "code"

    _cache: dict[tuple[str, tuple[tuple[str, str], ...]], ProgramScore] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_tests < 1 or self.max_code_chars < 1 or self.workers < 1:
            raise ValueError("verifier.options max_tests, max_code_chars and workers must be at least 1")
        _ = self.limits  # SandboxLimits checks the time and memory options now, naming a bad one
        if self.isolation not in ISOLATION_MODES:
            raise ValueError(f"verifier.options.isolation must be one of {', '.join(ISOLATION_MODES)}, "
                             f"got {self.isolation!r}")
        problem = isolation_problem()
        if problem is not None and self.isolation == "required":
            raise ValueError(f"cannot isolate model-written programs on this machine: {problem}; install "
                             "bubblewrap, or set verifier.options.isolation: best_effort to run them without it")
        if problem is not None:
            print(f"selfplay: warning: the code verifier runs model-written programs WITHOUT kernel isolation "
                  f"({problem}); a hostile program can escape (isolation: best_effort)", file=sys.stderr)
        elif (seccomp := seccomp_problem()) is not None and seccomp not in _SAID:
            # Still "required"-grade: the namespaces and the unprivileged user hold without the filter, which
            # narrows the kernel a program can reach (docs/THREAT_MODEL.md).
            _SAID.add(seccomp)
            print(f"selfplay: note: the code verifier's seccomp layer is off ({seccomp}); programs still run in "
                  "bubblewrap's namespaces as an unprivileged user", file=sys.stderr)

    @property
    def isolated(self) -> bool:
        """Whether programs run in their own namespaces: always under "required", where possible otherwise."""
        return isolation_problem() is None

    @property
    def limits(self) -> SandboxLimits:
        return SandboxLimits(cpu_seconds=self.cpu_seconds, wall_seconds=self.wall_seconds, memory_mb=self.memory_mb)

    def judge(self, task: Task, problem: Problem, answers: Sequence[str | None]) -> Verdict:
        return self.judge_batch(task, [(problem, answers)])[0]

    def judge_batch(self, task: Task, groups: Sequence[tuple[Problem, Sequence[str | None]]]) -> list[Verdict]:
        """`judge` on each group; the new programs of all the groups run in one pool, `workers` tests at a time."""
        tests = [read_tests(problem.features.get("tests") if problem is not None else None, self.max_tests)
                 for problem, _ in groups]
        scores = self.score_programs([(answers, given) for (_, answers), given in zip(groups, tests) if given])
        return [self._verdict(answers, given, scores) for (_, answers), given in zip(groups, tests)]

    def _verdict(self, answers: Sequence[str | None], tests: tuple[tuple[str, str], ...] | None,
                 scores: dict[tuple[str, tuple[tuple[str, str], ...]], ProgramScore]) -> Verdict:
        if not tests:
            return Verdict([None] * len(answers), label=None, status="invalid",
                           diagnostics={"reason": "the problem has no valid [input, expected_output] tests"})
        found = [scores.get((p, tests)) or ProgramScore(0, 0, "no program" if p is None else
                                                       f"program over {self.max_code_chars} characters")
                 for p in answers]
        return Verdict([score.passed / len(tests) for score in found], label=None, diagnostics={
            "tests": len(tests),
            "passed": [score.passed for score in found],
            "timeouts": [score.timeouts for score in found],
            "errors": [score.error for score in found],
        })

    def score_programs(self, groups: Sequence[tuple[Sequence[str | None], tuple[tuple[str, str], ...]]],
                       ) -> dict[tuple[str, tuple[tuple[str, str], ...]], ProgramScore]:
        """The score of every runnable (program, tests) pair in `groups`; each distinct pair not already in the
        cache runs once."""
        wanted = list(dict.fromkeys((p, tests) for programs, tests in groups for p in programs
                                    if p is not None and len(p) <= self.max_code_chars))
        scores = {pair: self._cache[pair] for pair in wanted if pair in self._cache}
        pending = [pair for pair in wanted if pair not in scores]
        runs = [(program, given) for program, tests in pending for given, _ in tests]
        if runs:
            limits = self.limits
            # Each worker thread only waits on its own process; map keeps the order of `runs`.
            with ThreadPoolExecutor(min(self.workers, len(runs))) as pool:
                isolated = self.isolated
                results = iter(pool.map(lambda run: run_program(run[0], stdin_text(run[1]), limits, isolated),
                                        runs))
            for pair in pending:
                tests = pair[1]
                scores[pair] = score_runs([next(results) for _ in tests], tests)
                self._remember(pair, scores[pair])
        return scores

    def _remember(self, key: tuple[str, tuple[tuple[str, str], ...]], score: ProgramScore) -> None:
        self._cache[key] = score
        while len(self._cache) > CACHE_SIZE:
            del self._cache[next(iter(self._cache))]  # the oldest first


def read_tests(value: Any, max_tests: int) -> tuple[tuple[str, str], ...] | None:
    """The first `max_tests` tests as a hashable tuple of (input, expected) pairs; None unless `value` is a
    non-empty list of two-string pairs (features are plain JSON; a tuple is accepted too).

    >>> read_tests([["1 2", "3"], ["4", "4"]], 1)
    (('1 2', '3'),)
    >>> read_tests([["1 2"]], 5) is None, read_tests([], 5) is None
    (True, True)
    """
    if not isinstance(value, (list, tuple)) or not value:
        return None
    if not all(isinstance(t, (list, tuple)) and len(t) == 2 and all(isinstance(s, str) for s in t) for t in value):
        return None
    return tuple((given, expected) for given, expected in value[:max_tests])


def stdin_text(given: str) -> str:
    """A test's input as a program reads it: ending in a newline, so `input()` and `readline()[:-1]` agree."""
    return given if given.endswith("\n") else given + "\n"


def normalize_output(text: str) -> str:
    """Output as compared: whitespace at the end of each line and blank lines before and after are dropped.

    >>> normalize_output("\\n 3 4  \\r\\n5\\n\\n") == normalize_output(" 3 4\\n5")
    True
    >>> normalize_output("3 4") == normalize_output("3  4")
    False
    """
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def score_runs(results: Sequence[RunResult], tests: Sequence[tuple[str, str]]) -> ProgramScore:
    """Tests passed, timeouts and the first failure, over one program's runs (one per test, in order)."""
    passed, timeouts, first_error = 0, 0, None
    for number, (result, (_, expected)) in enumerate(zip(results, tests), start=1):
        failure = run_failure(result, expected)
        passed += failure is None
        timeouts += result.timed_out
        if failure is not None and first_error is None:
            first_error = f"test {number}: {failure}"[:MAX_ERROR_CHARS]
    return ProgramScore(passed, timeouts, first_error)


def run_failure(result: RunResult, expected: str) -> str | None:
    """Why a run fails its test, in a few words (the last line of a traceback for a crash); None if it passes."""
    if result.error is not None:
        return result.error
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        return lines[-1].strip() if lines else f"exit status {result.returncode}"
    if normalize_output(result.stdout) != normalize_output(expected):
        return "wrong output"
    return None
