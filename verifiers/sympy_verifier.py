"""Ground truth by sympy: the task states the problem formally (from parsed values, never from model text), sympy
computes the answer, and each answer is compared with it by value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import sympy

from selfplay.tasks.base import Task
from selfplay.types import Problem, Verdict
from verifiers.base import Verifier


@dataclass
class SympyVerifier(Verifier):
    """Ground truth by sympy: reward 1 for an answer equal to it in value, else 0 (unparsable answers too).

    >>> from selfplay.tasks import ArithmeticTask
    >>> task = ArithmeticTask()
    >>> verdict = SympyVerifier().judge(task, task.parse_problem("400+3"), ["403", "0403", "403.0", "404", None])
    >>> verdict.label, verdict.rewards
    ('403', [1.0, 1.0, 1.0, 0.0, 0.0])
    """

    name: ClassVar[str] = "sympy"

    def truth(self, task: Task, problem: Problem) -> str | None:
        """The correct answer, or None if the task cannot state the problem formally or it has no unique answer.
        An expression is evaluated (`403`, `-3/2`); equations are solved for their unknowns (`x=3, y=-2`, in name
        order)."""
        statement = task.formal(problem)
        if statement is None:
            return None
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

    def judge(self, task: Task, problem: Problem, answers: Sequence[str | None]) -> Verdict:
        label = self.truth(task, problem)
        truth_key = task.answer_key(label)
        if truth_key is None:
            return Verdict([None] * len(answers), label=None, status="invalid",
                           diagnostics={"reason": "no formal ground truth for this problem"})
        rewards = [1.0 if task.answer_key(answer) == truth_key else 0.0 for answer in answers]
        return Verdict(rewards, label=label, diagnostics={"truth": label})
