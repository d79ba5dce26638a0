"""No judgement: every answer gets the same reward. The control for self-training without an independent check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from selfplay.tasks.base import Task
from selfplay.types import Problem, Verdict
from verifiers.base import Verifier


@dataclass
class NoVerifier(Verifier):
    """No judgement: every answer gets the same reward (the self-distillation control).

    Every answer, parsable or not, gets `reward`. Under GRPO equal rewards mean zero advantage, so the solver
    gets no signal; that is the point of the control.

    >>> NoVerifier().judge(None, None, ["1", None]).rewards
    [1.0, 1.0]
    """

    reward: float = 1.0

    name: ClassVar[str] = "none"

    def judge(self, task: Task, problem: Problem, answers: Sequence[str | None]) -> Verdict:
        return Verdict([self.reward] * len(answers), label=None, diagnostics={})
