"""The verifier protocol: judge the whole group of answers to one problem at once (a vote needs the group)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from typing import ClassVar

from selfplay.tasks.base import Task
from selfplay.types import Problem, Verdict


class Verifier(ABC):
    """Turns the answers to one problem into rewards.

    `answers` are the final answers the task extracted from the solver's completions, None where a completion had
    none. A verifier must not raise on any answer: model output is untrusted, a bad answer is an ordinary outcome.
    Options are the dataclass fields of a subclass, set from the config's `verifier.options`.

    What comes back is checked where it is used (selfplay/judging.py): one reward per answer, each a finite number
    (True and False count as 1.0 and 0.0) or None; a label that is a string or None. Anything else, an exception,
    or a call that runs past `time_limit_seconds` makes the group's verdict `invalid` (or `timeout`) with the
    reason in its diagnostics; training goes on.
    """

    name: ClassVar[str]
    # Seconds one group may take to judge (None: no limit); the config's `verifier.time_limit_seconds`, which
    # `make_verifier` sets on the instance. A verifier built by hand gets this default.
    time_limit_seconds: ClassVar[float | None] = 120.0

    @abstractmethod
    def judge(self, task: Task, problem: Problem, answers: Sequence[str | None]) -> Verdict:
        """One reward (or None: cannot judge) per answer, the label believed, and diagnostics."""

    def judge_batch(self, task: Task, groups: Sequence[tuple[Problem, Sequence[str | None]]]) -> list[Verdict]:
        """`judge` on each (problem, answers) group, in order: the loop hands over a phase's groups at once. A
        verifier that can check them faster together (in parallel processes, or a reward model in one batch)
        overrides this; its verdicts must be the ones `judge` would give."""
        return [self.judge(task, problem, answers) for problem, answers in groups]


def answer_keys(task: Task, answers: Sequence[str | None]) -> list[Hashable | None]:
    """`task.answer_key` of each answer, each distinct answer read once: a group of sampled answers repeats
    itself, the more so as the solver grows sure.

    >>> from selfplay.tasks import ArithmeticTask
    >>> answer_keys(ArithmeticTask(), ["403", "403", "403.0", None])
    [Fraction(403, 1), Fraction(403, 1), Fraction(403, 1), None]
    """
    keys = {answer: task.answer_key(answer) for answer in set(answers)}
    return [keys[answer] for answer in answers]
