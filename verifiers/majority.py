"""Majority vote: the most common answer is taken as the label; answers that agree with it get reward 1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from selfplay.tasks.base import Task
from selfplay.types import Problem, Verdict
from verifiers.base import Verifier, answer_keys


@dataclass
class MajorityVerifier(Verifier):
    """Majority vote over the answers, grouped by value.

    Answers are grouped by value (the task's `answer_key`, so `403` and `403.0` vote together). An unparsable
    answer never wins and always gets 0.

    Ties between the most common answers: with `ties="first"` the tied answer that appears first among the
    attempts wins (so the outcome depends only on sample order, which is random); with `ties="no_label"` a tie
    gives no label and every answer 0.

    >>> from selfplay.tasks import ArithmeticTask
    >>> judge = lambda answers, **kw: MajorityVerifier(**kw).judge(ArithmeticTask(), None, answers)
    >>> judge(["7", "07", "8", None]).rewards
    [1.0, 1.0, 0.0, 0.0]
    >>> judge(["8", "7", "7", "8"]).label, judge(["8", "7", "7", "8"], ties="no_label").label
    ('8', None)
    """

    ties: Literal["first", "no_label"] = "first"

    name: ClassVar[str] = "majority"

    def judge(self, task: Task, problem: Problem, answers: Sequence[str | None]) -> Verdict:
        keys = answer_keys(task, answers)
        counts = Counter(key for key in keys if key is not None)
        diagnostics = {"parsed": sum(counts.values()), "distinct": len(counts), "tie": False, "majority_share": 0.0}
        if not counts:
            return Verdict([0.0] * len(answers), label=None, diagnostics=diagnostics)
        top = max(counts.values())
        leaders = [key for key in counts if counts[key] == top]  # Counter keeps first-seen order
        diagnostics["tie"] = len(leaders) > 1
        if diagnostics["tie"] and self.ties == "no_label":
            return Verdict([0.0] * len(answers), label=None, diagnostics=diagnostics)
        winner = leaders[0]
        diagnostics["majority_share"] = top / len(answers)
        label = next(answer for answer, key in zip(answers, keys) if key == winner)
        return Verdict([1.0 if key == winner else 0.0 for key in keys], label=label, diagnostics=diagnostics)
