"""Diagnostic verifiers for the label-free runs (README, "Label-free self-play"): which of the committee's label
errors costs the solver its gain. Not label-free, and not for training anything but this question.

Each is the majority verifier with its committee (`configs/climb_majority.yaml`) and one correction made from the
ground truth (`Task.truth`):

- `OnlyRightLabels`: a label the truth contradicts is withdrawn (no label: the group carries no reward, as when
  the committee disagrees). The labels the solver learns from are then all right; as many problems go unlabelled
  as before, plus the wrongly labelled ones.
- `TruthWhereUnlabelled`: where the committee gives no label, the truth is the label. The wrong labels stay; every
  problem is labelled.

With both corrections the labels are the truth's: `verifier.name=sympy` (the ceiling the README reports). Run as
a user's verifier, from the project root:

    python -m selfplay.cli train configs/climb_majority.yaml \
        verifier.name=benchmarks.oracle_labels:OnlyRightLabels run.seed=1 ...
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from selfplay.tasks.base import Task
from selfplay.types import Problem, Verdict
from verifiers.base import answer_keys
from verifiers.majority import MajorityVerifier


@dataclass
class OnlyRightLabels(MajorityVerifier):
    """The committee's labels, less those the truth contradicts (here without a committee: the majority's).

    >>> from selfplay.tasks import ArithmeticTask
    >>> task, judge = ArithmeticTask(), OnlyRightLabels().judge
    >>> [(verdict.label, verdict.rewards) for verdict in (judge(task, task.parse_problem("2+3"), ["5", "5", "6"]),
    ...                                                   judge(task, task.parse_problem("2+3"), ["6", "6", "5"]))]
    [('5', [1.0, 1.0, 0.0]), (None, [0.0, 0.0, 0.0])]
    """

    name: ClassVar[str] = "only_right_labels"

    def _judge(self, task: Task, problem: Problem, answers: Sequence[str | None],
               committee: Sequence[tuple[str | None, Hashable | None]]) -> Verdict:
        verdict = super()._judge(task, problem, answers, committee)
        if verdict.label is None or task.is_correct(problem, verdict.label, task.truth(problem)):
            return verdict
        return Verdict([0.0] * len(answers), label=None, diagnostics={**verdict.diagnostics, "withdrawn": True})


@dataclass
class TruthWhereUnlabelled(MajorityVerifier):
    """The committee's labels, and the truth where it gives none (here without a committee: the majority's; a
    majority share of 1/2 at least, or no label).

    >>> from selfplay.tasks import ArithmeticTask
    >>> task, judge = ArithmeticTask(), TruthWhereUnlabelled(min_share=0.5).judge
    >>> [(verdict.label, verdict.rewards) for verdict in (judge(task, task.parse_problem("2+3"), ["6", "6", "5"]),
    ...                                                   judge(task, task.parse_problem("2+3"), ["6", "7", "5"]))]
    [('6', [1.0, 1.0, 0.0]), ('5', [0.0, 0.0, 1.0])]
    """

    name: ClassVar[str] = "truth_where_unlabelled"

    def _judge(self, task: Task, problem: Problem, answers: Sequence[str | None],
               committee: Sequence[tuple[str | None, Hashable | None]]) -> Verdict:
        verdict = super()._judge(task, problem, answers, committee)
        truth = task.truth(problem) if verdict.label is None else None
        if truth is None:
            return verdict
        key = task.answer_key(truth)
        rewards = [1.0 if answer_key == key else 0.0 for answer_key in answer_keys(task, answers)]
        return Verdict(rewards, label=truth, diagnostics={**verdict.diagnostics, "filled": True})
