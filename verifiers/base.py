"""The verifier protocol: judge the whole group of answers to one problem at once (a vote needs the group)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from selfplay.tasks.base import Task
from selfplay.types import Problem, Verdict


class Verifier(ABC):
    """Turns the answers to one problem into rewards.

    `answers` are the final answers the task extracted from the solver's completions, None where a completion had
    none. A verifier must not raise on any answer: model output is untrusted, a bad answer is an ordinary outcome.
    Options are the dataclass fields of a subclass, set from the config's `verifier.options`.
    """

    name: ClassVar[str]

    @abstractmethod
    def judge(self, task: Task, problem: Problem, answers: Sequence[str | None]) -> Verdict:
        """One reward (or None: cannot judge) per answer, the label believed, and diagnostics."""
