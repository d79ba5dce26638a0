"""Majority vote: the most common answer is taken as the label; answers that agree with it get reward 1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from agents.model import guarded
from selfplay.tasks.base import Task
from selfplay.types import Problem, Verdict
from verifiers.base import Verifier, answer_keys

MAX_COMMITTEE = 8


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
    >>> judge(["8", "7", "7", "9"], min_share=0.75).rewards  # 2 of 4 agree: not enough to believe
    [0.0, 0.0, 0.0, 0.0]
    """

    ties: Literal["first", "no_label"] = "first"
    # The least share of the answers that must agree before their answer is believed (R-Zero keeps questions on
    # which the vote is neither unanimous nor split; the self-improving transformers keep only confident labels).
    # Below it there is no label and every answer gets 0: the group teaches the solver nothing, and the proposer
    # is paid as for a problem nobody solved. 0: any plurality is believed.
    min_share: float = 0.0
    # Only answers of a plausible form vote (`Task.plausible`: a sum of two 3-digit numbers has 3 or 4 digits, as
    # the self-improving transformers' length filter); the others get 0 and count in the share's denominator.
    plausible_only: bool = False
    # Agreement across separately trained models (the self-improving transformers' vote across separately seeded
    # models): this many other models, the solver's model warm-started under other seeds, answer each problem
    # greedily, and the majority's answer stands only if at least `committee_agree` of them (0: all) give it too.
    # One model's samples share its mistakes (a confident wrong majority); separately trained models less so.
    # The run seats the members (selfplay/loading.py: seat_committee); they train only in rounds (below).
    committee: int = 0
    committee_agree: int = 0
    # True: the committee's own answer is the label wherever `committee_agree` of its members (0: all) give it,
    # whether or not most of the solver's answers do; the solver's answers that give it are rewarded. Then the
    # solver's majority decides nothing (`min_share` must be 0), and the problems it gets wrong are labelled too:
    # with the committee only checking the solver's majority, a weakness of the solver's goes unlabelled and feeds
    # itself (README, "Label-free self-play", generic kernels).
    committee_labels: bool = False
    # With `committee_labels`: the solver's most common answer (first seen on a tie) is one more vote beside the
    # members', so with two members a label stands where two of the three voters give it. Where the members
    # disagree, the solver's majority decides between them; alone it never makes a label (it needs
    # `committee_agree` votes, at least 2 with this on).
    solver_votes: bool = False
    # Rounds (the self-improving transformers' retraining on their own filtered labels): every this many steps,
    # each member is fine-tuned on the problems labelled since the last round, `committee_round_steps` optimizer
    # steps at `committee_learning_rate`, with the warm start's batch size (selfplay/committee.py). 0: the members
    # never train.
    committee_rounds: int = 0
    committee_round_steps: int = 100
    committee_learning_rate: float = 3e-4

    name: ClassVar[str] = "majority"

    def __post_init__(self) -> None:
        if not isinstance(self.plausible_only, bool):
            raise ValueError(f"verifier.options.plausible_only must be true or false, got {self.plausible_only!r}")
        if isinstance(self.min_share, bool) or not isinstance(self.min_share, (int, float)) or \
                not 0 <= self.min_share <= 1:
            raise ValueError(f"verifier.options.min_share must be a share between 0 and 1, got {self.min_share!r}")
        for option, most in (("committee", MAX_COMMITTEE), ("committee_agree", self.committee)):
            value = getattr(self, option)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
                raise ValueError(f"verifier.options.{option} must be a whole number from 0 to {most}, got {value!r}")
        if not isinstance(self.committee_labels, bool):
            raise ValueError(f"verifier.options.committee_labels must be true or false, got {self.committee_labels!r}")
        if self.committee_labels and (not self.committee or self.min_share):
            raise ValueError("verifier.options.committee_labels needs a committee (committee >= 1) and min_share 0: "
                             "the committee's answer is the label, not the solver's majority")
        if not isinstance(self.solver_votes, bool):
            raise ValueError(f"verifier.options.solver_votes must be true or false, got {self.solver_votes!r}")
        if self.solver_votes and (not self.committee_labels or self.needed_votes < 2):
            raise ValueError("verifier.options.solver_votes needs committee_labels and at least 2 agreeing votes "
                             "(committee_agree >= 2, or 0 with a committee of 2 or more): the solver's vote alone "
                             "is no label")
        for option in ("committee_rounds", "committee_round_steps"):
            value = getattr(self, option)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
                raise ValueError(f"verifier.options.{option} must be a whole number from 0 to 1000000, got {value!r}")
        rate = self.committee_learning_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < 1:
            raise ValueError(f"verifier.options.committee_learning_rate must be a number between 0 and 1, got {rate!r}")
        if self.committee_rounds and (not self.committee or not self.committee_round_steps):
            raise ValueError("verifier.options.committee_rounds needs a committee (committee >= 1) and "
                             "committee_round_steps >= 1: the rounds train its members")
        self._members: list[Any] = []
        self._sampling: Any = None

    @property
    def needed_votes(self) -> int:
        """How many committee votes a label needs: `committee_agree`, or the whole committee when that is 0."""
        return self.committee_agree or self.committee

    def seat(self, members: Sequence[Any], sampling: Any) -> None:
        """The committee: models (agents.LanguageModel) that answer each problem with `sampling`."""
        if len(members) != self.committee:
            raise ValueError(f"the committee has {self.committee} seats, got {len(members)} models")
        self._members, self._sampling = list(members), sampling

    def judge_batch(self, task: Task, groups: Sequence[tuple[Problem, Sequence[str | None]]]) -> list[Verdict]:
        """Each group judged as `judge` would; the committee answers all the problems in one batch."""
        votes = self._committee_answers(task, [problem for problem, _ in groups])
        return [self._judge(task, problem, answers, keys)
                for (problem, answers), keys in zip(groups, votes)]

    def judge(self, task: Task, problem: Problem, answers: Sequence[str | None]) -> Verdict:
        return self._judge(task, problem, answers, self._committee_answers(task, [problem])[0])

    def _committee_answers(self, task: Task, problems: Sequence[Problem | None],
                           ) -> list[list[tuple[str | None, Hashable | None]]]:
        """Per problem, each committee member's answer and its value (none without a committee)."""
        if not self.committee:
            return [[] for _ in problems]
        if len(self._members) != self.committee:
            raise RuntimeError("verifier.options.committee needs its models, which a training run seats "
                               "(selfplay train); they are not available here")
        prompts = [task.solver_prompt(problem) for problem in problems if problem is not None]
        replies = [[guarded(task.extract_answer, texts[0]) for texts in member.generate(prompts, 1, self._sampling)]
                   for member in self._members] if prompts else []
        pairs = iter(zip(*(list(zip(answers, answer_keys(task, answers))) for answers in replies)))
        return [list(next(pairs)) if problem is not None else [(None, None)] * self.committee for problem in problems]

    def _judge(self, task: Task, problem: Problem, answers: Sequence[str | None],
               committee: Sequence[tuple[str | None, Hashable | None]]) -> Verdict:
        keys = answer_keys(task, answers)
        if self.plausible_only and problem is not None:
            def plausible(answer: str | None) -> bool:
                return bool(task.plausible(problem, answer))

            # an answer the check cannot read (a user's task may raise on one) does not vote
            judged = {answer: bool(guarded(plausible, answer)) for answer in set(answers)}
            keys = [key if key is None or judged[answer] else None for key, answer in zip(keys, answers)]
        if self.committee_labels:
            return self._committee_label(answers, keys, committee)
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
        if diagnostics["majority_share"] < self.min_share:
            return Verdict([0.0] * len(answers), label=None, diagnostics=diagnostics)
        if self.committee:
            diagnostics["committee_agreed"] = sum(key == winner for _, key in committee)
            if diagnostics["committee_agreed"] < self.needed_votes:
                return Verdict([0.0] * len(answers), label=None, diagnostics=diagnostics)
        label = next(answer for answer, key in zip(answers, keys) if key == winner)
        return Verdict([1.0 if key == winner else 0.0 for key in keys], label=label, diagnostics=diagnostics)

    def _committee_label(self, answers: Sequence[str | None], keys: list[Hashable | None],
                         committee: Sequence[tuple[str | None, Hashable | None]]) -> Verdict:
        """`committee_labels`: the answer most voters give stands if enough of them give it. The voters are the
        members, and with `solver_votes` the solver's most common answer."""
        voters = [(answer, key) for answer, key in committee if key is not None]
        if self.solver_votes:
            solver_counts = Counter(key for key in keys if key is not None)
            if solver_counts:
                top = solver_counts.most_common(1)[0][0]  # first seen among the tied
                voters.append(next((answer, key) for answer, key in zip(answers, keys) if key == top))
        counts = Counter(key for _, key in voters)
        diagnostics: dict[str, Any] = {"parsed": sum(key is not None for key in keys), "committee_agreed": 0}
        if not counts:
            return Verdict([0.0] * len(answers), label=None, diagnostics=diagnostics)
        winner, agreed = counts.most_common(1)[0]
        diagnostics["committee_agreed"] = agreed
        diagnostics["majority_share"] = sum(key == winner for key in keys) / len(answers) if answers else 0.0
        if agreed < self.needed_votes:
            return Verdict([0.0] * len(answers), label=None, diagnostics=diagnostics)
        label = next(answer for answer, key in voters if key == winner)
        return Verdict([1.0 if key == winner else 0.0 for key in keys], label=label, diagnostics=diagnostics)
