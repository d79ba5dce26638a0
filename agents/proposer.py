"""The proposer: completes the task's topic prompt with a problem, which the task then parses."""

from __future__ import annotations

from agents.model import LanguageModel, Sampling, guarded
from selfplay.tasks.base import Task
from selfplay.types import Problem, Proposal


class Proposer:
    def __init__(self, model: LanguageModel, task: Task, sampling: Sampling):
        self.model, self.task = model, task
        self.sampling = sampling  # the proposer role's GRPOConfig settings: the distribution TRL trains it on

    def write(self, count: int) -> list[Proposal]:
        """`count` completions of the topic prompt, sampled in one pass, each with the problem the task reads in it
        (None where there is no valid one: an ordinary outcome, counted) and the sample it came from."""
        [samples] = self.model.sample([self.task.proposer_prompt()], count, self.sampling)
        problems = self.parse([sample.text for sample in samples])
        return [Proposal(sample.text, problem, sample=sample) for sample, problem in zip(samples, problems)]

    def propose(self, count: int) -> list[str]:
        """`count` sampled proposer completions, text only (parse them with `parse`)."""
        return [proposal.completion for proposal in self.write(count)]

    def parse(self, completions: list[str]) -> list[Problem | None]:
        """The problem in each completion, None where there is no valid one (an ordinary outcome, counted)."""
        return [guarded(self.task.parse_problem, completion) for completion in completions]
