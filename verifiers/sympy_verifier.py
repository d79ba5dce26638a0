"""Ground truth by sympy: the task states the problem formally (from parsed values, never from model text), sympy
computes the answer (selfplay/truth.py, once per problem), and each answer is compared with it by value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from selfplay.tasks.base import Task
from selfplay.truth import Outcome, TruthLimits, find, find_batch
from selfplay.types import Problem, Verdict
from verifiers.base import Verifier, answer_keys


@dataclass
class SympyVerifier(Verifier):
    """Ground truth by sympy: reward 1 for an answer equal to it in value, else 0 (unparsable answers too).

    The truth is computed under limits, whatever the task's `formal` returns: a statement with more than
    `max_statement_nodes` nodes or a number of more than `max_statement_digits` digits is `invalid` at once; a
    computation that takes longer than `timeout_seconds` is a `timeout` verdict, from any thread.

    How the time limit holds: a small statement made only of sums, products and reciprocals of rational numbers
    (all of arithmetic) is computed here, because its cost is bounded by its size; everything else is computed in
    a worker process that is killed at the deadline, within `memory_mb` (selfplay/truth.py). Truths, timeouts
    included, are remembered per problem and per statement, and shared with `Task.truth` (the records, the
    metrics, evaluation), so judging a problem again, or measuring it, costs no computation.

    >>> from selfplay.tasks import ArithmeticTask
    >>> task = ArithmeticTask()
    >>> verdict = SympyVerifier().judge(task, task.parse_problem("400+3"), ["403", "0403", "403.0", "404", None])
    >>> verdict.label, verdict.rewards
    ('403', [1.0, 1.0, 1.0, 0.0, 0.0])
    """

    # Wall-clock seconds to compute one problem's truth; past it the verdict is "timeout".
    timeout_seconds: float = 1.0
    # Address space of the worker process computing a truth, in MB (the interpreter with sympy takes about 60).
    memory_mb: int = 1024
    # Nodes (numbers, symbols, operations) in a formal statement; a bigger one is "invalid".
    max_statement_nodes: int = 200
    # Digits of any number (numerator or denominator) in a formal statement; a longer one is "invalid".
    max_statement_digits: int = 100
    # Truths computed at once by `judge_batch`, each in its own worker process (arithmetic never needs one).
    workers: int = 2

    name: ClassVar[str] = "sympy"

    def __post_init__(self) -> None:
        try:
            self.limits()
        except ValueError as error:
            raise ValueError(f"verifier.options.{error}") from None

    def limits(self) -> TruthLimits:
        """The options as selfplay/truth.py takes them."""
        return TruthLimits(self.timeout_seconds, self.memory_mb, self.max_statement_nodes, self.max_statement_digits,
                           self.workers)

    def truth(self, task: Task, problem: Problem) -> str | None:
        """The correct answer under this verifier's limits, or None if the task cannot state the problem formally,
        the statement is over the limits, or it has no unique answer. Raises TimeoutError when the computation runs
        out of time. (Kept for callers of old; `task.truth(problem)` is the one to use, and never raises.)"""
        status, label, reason = self.compute(task, problem)
        if status == "timeout":
            raise TimeoutError(reason)
        return label

    def compute(self, task: Task, problem: Problem) -> Outcome:
        """(status, truth, reason): ("ok", truth, ""), ("invalid", None, why) or ("timeout", None, why)."""
        return find(task, problem, self.limits())

    def judge_batch(self, task: Task, groups: Sequence[tuple[Problem, Sequence[str | None]]]) -> list[Verdict]:
        """`judge` on each group; the new problems whose truths need the worker process (equations, powers, big
        statements) are computed at once, `workers` at a time, each in its own worker."""
        outcomes = find_batch(task, [problem for problem, _ in groups], self.limits())
        return [self._verdict(task, outcome, answers) for outcome, (_, answers) in zip(outcomes, groups)]

    def judge(self, task: Task, problem: Problem, answers: Sequence[str | None]) -> Verdict:
        return self._verdict(task, self.compute(task, problem), answers)

    @staticmethod
    def _verdict(task: Task, outcome: Outcome, answers: Sequence[str | None]) -> Verdict:
        status, label, reason = outcome
        truth_key = task.answer_key(label)
        if status == "ok" and truth_key is None:
            status, reason = "invalid", "the truth is not an answer the task can read"
        if status != "ok":
            return Verdict([None] * len(answers), label=None, status=status, diagnostics={"reason": reason})
        rewards = [1.0 if key == truth_key else 0.0 for key in answer_keys(task, answers)]
        return Verdict(rewards, label=label, diagnostics={"truth": label})
