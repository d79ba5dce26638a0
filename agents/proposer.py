"""The proposer: completes the task's topic prompt with a problem, which the task then parses."""

from __future__ import annotations

from agents.model import LanguageModel, Sampling, guarded
from selfplay.tasks.base import Task
from selfplay.types import Problem


class Proposer:
    def __init__(self, model: LanguageModel, task: Task, sampling: Sampling):
        self.model, self.task = model, task
        self.sampling = sampling  # the proposer role's GRPOConfig settings, which TRL samples its training batches with

    def training_prompt(self) -> str | list[dict[str, str]]:
        return self.model.training_prompt(self.task.proposer_prompt())

    def propose(self, count: int) -> list[str]:
        """`count` sampled proposer completions (parse them with `parse`)."""
        [completions] = self.model.generate([self.task.proposer_prompt()], count, self.sampling)
        return completions

    def parse(self, completions: list[str]) -> list[Problem | None]:
        """The problem in each completion, None where there is no valid one (an ordinary outcome, counted)."""
        return [guarded(self.task.parse_problem, completion) for completion in completions]
