"""What a task supplies to self-play: the topic prompt, problem parsing, answer extraction and comparison, and,
where it can, a formal statement of each problem from which sympy computes the ground truth (`Task.truth`)."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Hashable
from collections.abc import Sequence
from typing import Any, ClassVar

from selfplay.truth import Outcome, find, find_batch
from selfplay.types import Problem


class Task(ABC):
    """A domain the proposer writes problems in. Subclasses are dataclasses whose fields are the task's options.

    Parsing methods read untrusted model text: they return None for anything they cannot handle, never raise.
    """

    name: ClassVar[str]
    # What a solver template may write the problem as; it must use one of them.
    problem_placeholders: ClassVar[tuple[str, ...]] = ("{problem}",)

    def check_template(self, template: str) -> None:
        """A solver template must say where the problem goes."""
        if not any(placeholder in template for placeholder in self.problem_placeholders):
            slots = " or ".join(map(repr, self.problem_placeholders))
            raise ValueError(f"task.options.solver_template must contain {slots}")

    def check_shared_options(self) -> None:
        """The options every built-in task has: the solver template, and how much of a completion is read."""
        if not 100 <= self.max_text_chars <= 1_000_000:
            raise ValueError(f"task.options.max_text_chars must be between 100 and 1000000, got {self.max_text_chars}")
        self.check_template(self.solver_template)

    @abstractmethod
    def proposer_prompt(self) -> str:
        """The topic prompt the proposer completes with one problem."""

    @abstractmethod
    def parse_problem(self, completion: str) -> Problem | None:
        """The problem in a proposer completion, or None if it states no valid problem."""

    @abstractmethod
    def solver_prompt(self, problem: Problem) -> str:
        """The prompt the solver completes with an answer."""

    @abstractmethod
    def extract_answer(self, completion: str) -> str | None:
        """The final answer in a solver completion, or None if it gave none."""

    @abstractmethod
    def answer_key(self, answer: str | None) -> Hashable | None:
        """A value that two answers share exactly when they mean the same thing (`403` and `403.0`); None if the
        answer does not parse."""

    def formal(self, problem: Problem) -> Any | None:
        """The problem as a sympy object built from parsed values (never from model text), or None if this task
        cannot state it formally. `truth` (and the `sympy` verifier) computes the ground truth from it."""
        return None

    def truth(self, problem: Problem) -> str | None:
        """The problem's correct answer: computed by sympy from `formal` within the default limits
        (selfplay/truth.py), else `reference_answer` where the task has one without sympy, else None (no formal
        statement and no reference, or a statement sympy finds invalid, with no unique answer, or cannot compute
        before its deadline). Never raises for a problem: where a truth is needed, a None is the caller's to
        report.

        A problem's truth is computed once and remembered (by task object and problem, and by formal statement),
        so the verifier, the records, the metrics and evaluation all see the same one without computing it again.

        >>> from selfplay.tasks import ArithmeticTask, CodingTask
        >>> task = ArithmeticTask()
        >>> task.truth(task.parse_problem("400+3"))
        '403'
        >>> CodingTask().truth(CodingTask().make_problem("Print 1.", [["", "1"]], reference="print(1)"))
        'print(1)'
        """
        try:
            outcome = find(self, problem)
        except Exception:  # noqa: BLE001 - a `formal` that raises states nothing: sympy has no truth for it
            outcome = ("invalid", None, "formal() raised")
        return self._answer(problem, outcome)

    def truths(self, problems: Sequence[Problem]) -> list[str | None]:
        """`truth` of each problem, computed as a batch: the new ones that need a worker process (equations,
        powers) are computed in parallel, each in its own worker."""
        try:
            outcomes = find_batch(self, problems)
        except Exception:  # noqa: BLE001 - a `formal` that raises for some problem: each on its own, that one None
            return [self.truth(problem) for problem in problems]
        return [self._answer(problem, outcome) for problem, outcome in zip(problems, outcomes)]

    def _answer(self, problem: Problem, outcome: Outcome) -> str | None:
        status, label, _ = outcome
        return label if status == "ok" else self.reference_answer(problem)

    def format_answer(self, answer: str) -> str:
        """How the solver is taught to write `answer` in a completion (used by the warm start)."""
        return f"<answer>{answer}</answer>"

    def teaching_completion(self, problem: Problem, truth: str, rng: random.Random) -> str:
        """What the solver is taught to write for `problem`, whose true answer is `truth` (the warm start and
        `sft` teach it): by default the answer alone, as `format_answer` writes it. A task may teach a worked
        solution instead; `rng` draws any variation in it."""
        return self.format_answer(truth)

    def sample_problem(self, rng: random.Random, difficulty: int) -> Problem:
        """A random problem of the given difficulty, for warm starts and evaluation sets."""
        raise NotImplementedError(f"task {self.name!r} cannot generate problems")

    def difficulty(self, problem: Problem) -> int:
        """The difficulty level of a problem, on the same scale as `sample_problem`."""
        return 0

    def proposal_text(self, problem: Problem) -> str:
        """What a proposer completion stating this problem looks like (used by the warm start)."""
        return problem.text

    def reference_answer(self, problem: Problem) -> str | None:
        """A known correct answer where the task has one without sympy (`truth` falls back on it)."""
        return None

    def closeness(self, answer: str | None, label: str) -> float | None:
        """How near an answer is to the label, from 0 (nothing in common, or unreadable) to 1 (the same answer),
        for the solver's partial credit (`solver_reward.partial_credit`); None if this task has no such measure."""
        return None

    def plausible(self, problem: Problem, answer: str | None) -> bool:
        """Whether an answer could be right, told from its form alone, without solving the problem (a sum of two
        3-digit numbers has 3 or 4 digits): the self-improving transformers' length filter, for label-free
        verifiers. True wherever the task cannot tell."""
        return True

    def is_correct(self, problem: Problem, answer: str | None, truth: str | None) -> bool:
        """Whether an answer is right, for evaluation: by default, equal in value to the ground truth."""
        key = self.answer_key(answer)
        return key is not None and key == self.answer_key(truth)
