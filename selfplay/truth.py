"""The ground truth of a problem, found once: sympy computes it from the task's formal statement of the problem
(built from parsed values, never from model text), under limits of size, time and memory, and the outcome is
remembered, so that the verifier, the records, the metrics and evaluation all read the same truth without computing
it again.

Tasks reach it through `Task.truth` and `Task.truths` (the default limits, the answer or None); the `sympy`
verifier through `find` and `find_batch` (its own limits, the full outcome). An outcome is (status, truth, reason):
("ok", truth, ""), ("invalid", None, why) or ("timeout", None, why).

How the time limit holds: a small statement made only of sums, products and reciprocals of rational numbers (all of
arithmetic) is computed in this process, because its cost is bounded by its size (`INLINE_MAX_NODES` numbers of
`INLINE_MAX_DIGITS` digits at most: tens of milliseconds at worst). Everything else (equations to solve, powers,
functions, bigger statements) is computed in a worker process (selfplay/deadline.py) that is killed at the deadline,
within `memory_mb`. Outcomes, timeouts included, are remembered.

This module takes the task duck-typed (it calls `task.formal(problem)` only) and never imports selfplay.tasks: the
tasks import it.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NamedTuple

import sympy

from selfplay.deadline import DeadlineExceeded, WorkerError, call_with_deadline, keep_idle
from selfplay.types import Problem, VerdictStatus

if TYPE_CHECKING:
    from selfplay.tasks.base import Task

# A statement of sums, products and reciprocals of numbers is computed in this process when it is at most this
# big, whatever the limits (fixed, so that the bound holds for every setting): at most 64 numbers of at most 100
# digits give a result of at most 6,400 digits, tens of milliseconds at worst. Anything else goes to the
# worker.
INLINE_MAX_NODES = 64
INLINE_MAX_DIGITS = 100
# Ground truths remembered across callers: the loop judges a problem, then measures it again for the metrics and
# the records, and a proposer repeats its problems. Keyed by the formal statement (and the time and memory limits),
# so any task stating it shares it.
TRUTH_CACHE_SIZE = 4096
Outcome = tuple[VerdictStatus, str | None, str]
_TRUTHS: OrderedDict[Hashable, Outcome] = OrderedDict()
# The same truths by task object and problem text, found without building the statement.
_BY_TEXT: OrderedDict[Hashable, tuple[Any, Outcome]] = OrderedDict()
_TRUTHS_LOCK = threading.Lock()


@dataclass(frozen=True)
class TruthLimits:
    """What computing one truth may cost. The `sympy` verifier's options; `Task.truth` uses the defaults."""

    # Wall-clock seconds to compute one problem's truth; past it the outcome is "timeout".
    timeout_seconds: float = 1.0
    # Address space of the worker process computing a truth, in MB (the interpreter with sympy takes about 60).
    memory_mb: int = 1024
    # Nodes (numbers, symbols, operations) in a formal statement; a bigger one is "invalid".
    max_statement_nodes: int = 200
    # Digits of any number (numerator or denominator) in a formal statement; a longer one is "invalid".
    max_statement_digits: int = 100
    # Truths computed at once by `find_batch`, each in its own worker process (arithmetic never needs one).
    workers: int = 2

    def __post_init__(self) -> None:
        if not 0 < self.timeout_seconds <= 3600:
            raise ValueError(f"timeout_seconds must be in (0, 3600], got {self.timeout_seconds}")
        if self.memory_mb < 256:
            raise ValueError(f"memory_mb must be at least 256, got {self.memory_mb}")
        for name in ("max_statement_nodes", "max_statement_digits", "workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")


DEFAULT_LIMITS = TruthLimits()


def find(task: Task, problem: Problem, limits: TruthLimits = DEFAULT_LIMITS) -> Outcome:
    """The outcome for one problem: remembered, or computed now (in a worker process where it needs one).

    >>> from selfplay.tasks import ArithmeticTask
    >>> task = ArithmeticTask()
    >>> find(task, task.parse_problem("400+3"))
    ('ok', '403', '')
    """
    seen = _seen(task, problem, limits)
    outcome = _recall(seen, task)
    if outcome is None:
        outcome = _prepare(task, problem, limits)
        if isinstance(outcome, _InWorker):
            outcome = _in_worker(outcome, limits)
        _remember(seen, task, outcome)
    return outcome


def find_batch(task: Task, problems: Sequence[Problem], limits: TruthLimits = DEFAULT_LIMITS) -> list[Outcome]:
    """`find` on each problem, in order; the new ones whose truths need the worker process (equations, powers, big
    statements) are computed at once, `limits.workers` at a time, each in its own worker."""
    keys = [_seen(task, problem, limits) for problem in problems]
    found: dict[Hashable, Outcome] = {}
    waiting: dict[Hashable, _InWorker] = {}
    for seen, problem in zip(keys, problems):
        if seen in found or seen in waiting:
            continue
        outcome = _recall(seen, task)
        if outcome is None:
            prepared = _prepare(task, problem, limits)
            if isinstance(prepared, _InWorker) and limits.workers > 1:
                waiting[seen] = prepared
                continue
            outcome = _in_worker(prepared, limits) if isinstance(prepared, _InWorker) else prepared
            _remember(seen, task, outcome)
        found[seen] = outcome
    if waiting:
        keep_idle(limits.workers)
        with ThreadPoolExecutor(min(limits.workers, len(waiting))) as pool:
            computed = pool.map(functools.partial(_in_worker, limits=limits), waiting.values())
            for seen, outcome in zip(waiting, computed):
                _remember(seen, task, outcome)
                found[seen] = outcome
    return [found[seen] for seen in keys]


class _InWorker(NamedTuple):
    """A statement whose truth is to be computed in the worker process, and its cache key."""

    statement: Any
    key: Hashable


def _seen(task: Task, problem: Problem, limits: TruthLimits) -> Hashable:
    """A problem met again (scored, then trained on, then measured; or proposed again) is found by its text and
    features before its statement is even built: building and hashing sympy objects is most of the cost of a
    cached truth. The task object is kept with the entry and must be the same one. (`workers` changes how a truth
    is computed, not what it is.)"""
    return (id(task), problem.key, limits.timeout_seconds, limits.memory_mb, limits.max_statement_nodes,
            limits.max_statement_digits)


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


def _prepare(task: Task, problem: Problem, limits: TruthLimits) -> Outcome | _InWorker:
    """The outcome, if known from the statement or computed here; else the statement for the worker."""
    statement = task.formal(problem)
    if statement is None:
        return "invalid", None, "no formal ground truth for this problem"
    parts = list(statement) if isinstance(statement, (list, tuple)) else [statement]
    if not parts or not all(isinstance(part, sympy.Basic) for part in parts):
        return "invalid", None, "the formal statement is not a sympy object or a list of them"
    problem_with, cheap = inspect_statement(parts, limits.max_statement_nodes, limits.max_statement_digits)
    if problem_with is not None:
        return "invalid", None, problem_with
    key = (tuple(parts) if isinstance(statement, (list, tuple)) else statement, limits.timeout_seconds,
           limits.memory_mb)
    with _TRUTHS_LOCK:
        if key in _TRUTHS:
            _TRUTHS.move_to_end(key)
            return _TRUTHS[key]
    if not cheap:
        return _InWorker(statement, key)
    try:
        label = cheap_truth(statement)
        outcome: Outcome = ("ok", label, "") if label is not None else ("invalid", None, "no unique answer")
    except Exception as error:  # noqa: BLE001 - e.g. a result too long to write out
        outcome = ("invalid", None, f"{type(error).__name__}: {error}"[:200])
    _store(key, outcome)
    return outcome


def _in_worker(job: _InWorker, limits: TruthLimits) -> Outcome:
    try:
        label = call_with_deadline(compute_truth, (job.statement,), limits.timeout_seconds, limits.memory_mb)
        outcome: Outcome = ("ok", label, "") if label is not None else ("invalid", None, "no unique answer")
    except DeadlineExceeded:
        outcome = ("timeout", None, f"computing the truth took over {limits.timeout_seconds:g} s")
    except WorkerError as error:
        outcome = ("invalid", None, str(error))
    _store(job.key, outcome)
    return outcome


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
