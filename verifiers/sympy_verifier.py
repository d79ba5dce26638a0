"""Ground truth by sympy: the task states the problem formally (from parsed values, never from model text), sympy
computes the answer, and each answer is compared with it by value."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, NamedTuple

import sympy

from selfplay.deadline import DeadlineExceeded, WorkerError, call_with_deadline, keep_idle
from selfplay.tasks.base import Task
from selfplay.types import Problem, Verdict, VerdictStatus
from verifiers.base import Verifier, answer_keys

# A statement of sums, products and reciprocals of numbers is computed in this process when it is at most this
# big, whatever the limits (fixed, so that the bound holds for every setting): at most 64 numbers of at most 100
# digits give a result of at most 6,400 digits, tens of milliseconds at worst. Anything else goes to the
# worker.
INLINE_MAX_NODES = 64
INLINE_MAX_DIGITS = 100
# Ground truths remembered across verifier instances: the loop judges a problem, then measures it again for the
# metrics, and a proposer repeats its problems. Keyed by the formal statement (and the time and memory limits),
# so any task stating it shares it.
TRUTH_CACHE_SIZE = 4096
Outcome = tuple[VerdictStatus, str | None, str]
_TRUTHS: OrderedDict[Hashable, Outcome] = OrderedDict()
# The same truths by task object and problem text, found without building the statement.
_BY_TEXT: OrderedDict[Hashable, tuple[Task, Outcome]] = OrderedDict()
_TRUTHS_LOCK = threading.Lock()


class _InWorker(NamedTuple):
    """A statement whose truth is to be computed in the worker process, and its cache key."""

    statement: Any
    key: Hashable


def _store(key: Hashable, outcome: Outcome) -> None:
    with _TRUTHS_LOCK:
        _TRUTHS[key] = outcome
        while len(_TRUTHS) > TRUTH_CACHE_SIZE:
            _TRUTHS.popitem(last=False)


def _recall(seen: Hashable, task: Task) -> Outcome | None:
    with _TRUTHS_LOCK:
        entry = _BY_TEXT.get(seen)
        if entry is None or entry[0] is not task:
            return None
        _BY_TEXT.move_to_end(seen)
        return entry[1]


def _remember(seen: Hashable, task: Task, outcome: Outcome) -> None:
    with _TRUTHS_LOCK:
        _BY_TEXT[seen] = (task, outcome)
        while len(_BY_TEXT) > TRUTH_CACHE_SIZE:
            _BY_TEXT.popitem(last=False)


@dataclass
class SympyVerifier(Verifier):
    """Ground truth by sympy: reward 1 for an answer equal to it in value, else 0 (unparsable answers too).

    The truth is computed under limits, whatever the task's `formal` returns: a statement with more than
    `max_statement_nodes` nodes or a number of more than `max_statement_digits` digits is `invalid` at once; a
    computation that takes longer than `timeout_seconds` is a `timeout` verdict, from any thread.

    How the time limit holds: a small statement made only of sums, products and reciprocals of rational numbers
    (all of arithmetic) is computed here, because its cost is bounded by its size (`INLINE_MAX_NODES` numbers of
    `INLINE_MAX_DIGITS` digits at most: tens of milliseconds at worst). Everything else (equations to solve, powers,
    functions, bigger statements) is computed in a worker process (selfplay/deadline.py) that is killed at the
    deadline, within `memory_mb`. Truths, timeouts included, are remembered per statement, so judging a problem
    again costs no computation.

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
        if not 0 < self.timeout_seconds <= 3600:
            raise ValueError(f"verifier.options.timeout_seconds must be in (0, 3600], got {self.timeout_seconds}")
        if self.memory_mb < 256:
            raise ValueError(f"verifier.options.memory_mb must be at least 256, got {self.memory_mb}")
        if self.max_statement_nodes < 1 or self.max_statement_digits < 1 or self.workers < 1:
            raise ValueError("verifier.options.max_statement_nodes, max_statement_digits and workers must be at "
                             "least 1")

    def truth(self, task: Task, problem: Problem) -> str | None:
        """The correct answer, or None if the task cannot state the problem formally, the statement is over the
        limits, or it has no unique answer. An expression is evaluated (`403`, `-3/2`); equations are solved for
        their unknowns (`x=3, y=-2`, in name order). Raises TimeoutError when the computation runs out of time."""
        status, label, reason = self.compute(task, problem)
        if status == "timeout":
            raise TimeoutError(reason)
        return label

    def compute(self, task: Task, problem: Problem) -> Outcome:
        """(status, truth, reason): ("ok", truth, ""), ("invalid", None, why) or ("timeout", None, why)."""
        seen = self._seen(task, problem)
        outcome = _recall(seen, task)
        if outcome is None:
            outcome = self._prepare(task, problem)
            if isinstance(outcome, _InWorker):
                outcome = self._in_worker(outcome)
            _remember(seen, task, outcome)
        return outcome

    def judge_batch(self, task: Task, groups: Sequence[tuple[Problem, Sequence[str | None]]]) -> list[Verdict]:
        """`judge` on each group; the new problems whose truths need the worker process (equations, powers, big
        statements) are computed at once, `workers` at a time, each in its own worker."""
        waiting: dict[Hashable, _InWorker] = {}
        for problem, _ in groups:
            seen = self._seen(task, problem)
            if seen in waiting or _recall(seen, task) is not None:
                continue
            outcome = self._prepare(task, problem)
            if isinstance(outcome, _InWorker) and self.workers > 1:
                waiting[seen] = outcome
            else:
                _remember(seen, task, self._in_worker(outcome) if isinstance(outcome, _InWorker) else outcome)
        if waiting:
            keep_idle(self.workers)
            with ThreadPoolExecutor(min(self.workers, len(waiting))) as pool:
                for seen, outcome in zip(waiting, pool.map(self._in_worker, waiting.values())):
                    _remember(seen, task, outcome)
        return [self.judge(task, problem, answers) for problem, answers in groups]

    def _seen(self, task: Task, problem: Problem) -> Hashable:
        """A problem met again (scored, then trained on, then measured; or proposed again) is found by its text
        and features before its statement is even built: building and hashing sympy objects is most of the cost of
        a cached truth. The task object is kept with the entry and must be the same one."""
        return (id(task), problem.key, self.timeout_seconds, self.memory_mb, self.max_statement_nodes,
                self.max_statement_digits)

    def _prepare(self, task: Task, problem: Problem) -> Outcome | _InWorker:
        """The outcome, if known from the statement or computed here; else the statement for the worker."""
        statement = task.formal(problem)
        if statement is None:
            return "invalid", None, "no formal ground truth for this problem"
        parts = list(statement) if isinstance(statement, (list, tuple)) else [statement]
        if not parts or not all(isinstance(part, sympy.Basic) for part in parts):
            return "invalid", None, "the formal statement is not a sympy object or a list of them"
        problem_with, cheap = inspect_statement(parts, self.max_statement_nodes, self.max_statement_digits)
        if problem_with is not None:
            return "invalid", None, problem_with
        key = (tuple(parts) if isinstance(statement, (list, tuple)) else statement, self.timeout_seconds,
               self.memory_mb)
        with _TRUTHS_LOCK:
            if key in _TRUTHS:
                _TRUTHS.move_to_end(key)
                return _TRUTHS[key]
        if not cheap:
            return _InWorker(statement, key)
        try:
            label = cheap_truth(statement)
            outcome = ("ok", label, "") if label is not None else ("invalid", None, "no unique answer")
        except Exception as error:  # noqa: BLE001 - e.g. a result too long to write out
            outcome = ("invalid", None, f"{type(error).__name__}: {error}"[:200])
        _store(key, outcome)
        return outcome

    def _in_worker(self, job: _InWorker) -> Outcome:
        try:
            label = call_with_deadline(compute_truth, (job.statement,), self.timeout_seconds, self.memory_mb)
            outcome = ("ok", label, "") if label is not None else ("invalid", None, "no unique answer")
        except DeadlineExceeded:
            outcome = ("timeout", None, f"computing the truth took over {self.timeout_seconds:g} s")
        except WorkerError as error:
            outcome = ("invalid", None, str(error))
        _store(job.key, outcome)
        return outcome

    def judge(self, task: Task, problem: Problem, answers: Sequence[str | None]) -> Verdict:
        status, label, reason = self.compute(task, problem)
        truth_key = task.answer_key(label)
        if status == "ok" and truth_key is None:
            status, reason = "invalid", "the truth is not an answer the task can read"
        if status != "ok":
            return Verdict([None] * len(answers), label=None, status=status, diagnostics={"reason": reason})
        rewards = [1.0 if key == truth_key else 0.0 for key in answer_keys(task, answers)]
        return Verdict(rewards, label=label, diagnostics={"truth": label})


def inspect_statement(parts: list[sympy.Basic], max_nodes: int, max_digits: int) -> tuple[str | None, bool]:
    """(what is over the limits or None, whether the statement is cheap: small, and only sums, products and
    reciprocals of rational numbers). The walk uses its own stack (no recursion) and stops at the node limit.

    >>> inspect_statement([sympy.Add(2, 3, evaluate=False)], 10, 3)
    (None, True)
    >>> inspect_statement([sympy.Integer(10**5)], 10, 3)
    ('a number of more than 3 digits', False)
    >>> inspect_statement([sympy.Pow(2, 10, evaluate=False)], 2, 3)
    ('more than 2 nodes', False)
    >>> inspect_statement([sympy.Pow(2, 10, evaluate=False)], 10, 3)
    (None, False)
    """
    limit, inline_limit = 10**max_digits, 10**INLINE_MAX_DIGITS
    stack: list[Any] = list(parts)
    nodes, cheap = 0, True
    while stack:
        node = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            return f"more than {max_nodes} nodes", False
        cheap = cheap and nodes <= INLINE_MAX_NODES
        if isinstance(node, sympy.Rational):
            if abs(node.p) >= limit or node.q >= limit:
                return f"a number of more than {max_digits} digits", False
            cheap = cheap and abs(node.p) < inline_limit and node.q < inline_limit
        elif isinstance(node, sympy.Pow):
            cheap = cheap and node.exp == -1
        elif not isinstance(node, (sympy.Add, sympy.Mul)):
            cheap = False
        stack.extend(getattr(node, "args", ()))
    return None, cheap


def cheap_truth(statement: Any) -> str | None:
    """`compute_truth` of a statement `inspect_statement` found cheap. A single expression of sums, products and
    reciprocals of rational numbers is evaluated exactly with Python's fractions, the value sympy's `doit` gives
    (tested) at a fraction of its cost; a division by zero is left to sympy, as is a list of statements.

    >>> cheap_truth(sympy.Add(sympy.Integer(400), sympy.Pow(sympy.Integer(-2), -1, evaluate=False), evaluate=False))
    '799/2'
    """
    if isinstance(statement, sympy.Basic):
        try:
            value = _rational_value(statement)
            return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
        except ZeroDivisionError:
            pass
    return compute_truth(statement)


def _rational_value(node: sympy.Basic) -> Fraction:
    if isinstance(node, sympy.Rational):
        return Fraction(int(node.p), int(node.q))
    if isinstance(node, sympy.Add):
        return sum((_rational_value(term) for term in node.args), Fraction(0))
    if isinstance(node, sympy.Mul):
        return math.prod((_rational_value(factor) for factor in node.args), start=Fraction(1))
    if isinstance(node, sympy.Pow) and node.exp == -1:
        return 1 / _rational_value(node.base)
    raise ValueError(f"not a cheap statement: {type(node).__name__}")


def compute_truth(statement: Any) -> str | None:
    """The truth of a formal statement: an expression evaluated (`403`, `-3/2`), or equations solved for their
    unknowns (`x=3, y=-2`, in name order); None if there is no single rational answer. Runs in a worker process
    for statements that may be slow (module-level, so that it pickles by name)."""
    if isinstance(statement, (list, tuple, sympy.Equality)):
        equations = list(statement) if isinstance(statement, (list, tuple)) else [statement]
        unknowns = sorted(set().union(*(equation.free_symbols for equation in equations)), key=str)
        solutions = sympy.solve(equations, unknowns, dict=True)
        if len(solutions) != 1 or set(solutions[0]) != set(unknowns):
            return None
        values = solutions[0]
        if not all(values[u].is_Rational for u in unknowns):
            return None
        return ", ".join(f"{u}={values[u]}" for u in unknowns)
    value = statement.doit() if isinstance(statement, sympy.Basic) else None
    if value is None or not value.is_number:
        return None
    return str(value)
