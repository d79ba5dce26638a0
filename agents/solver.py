"""The solver: answers each problem several times; the task extracts the final answer from each completion."""

from __future__ import annotations

from agents.model import LanguageModel, guarded
from selfplay.tasks.base import Task
from selfplay.types import Attempt, Problem


class Solver:
    def __init__(self, model: LanguageModel, task: Task, max_new_tokens: int, temperature: float, top_p: float):
        self.model, self.task = model, task
        self.max_new_tokens, self.temperature, self.top_p = max_new_tokens, temperature, top_p

    def training_prompt(self, problem: Problem) -> str | list[dict[str, str]]:
        return self.model.training_prompt(self.task.solver_prompt(problem))

    def solve(self, problems: list[Problem], attempts: int, temperature: float | None = None) -> list[list[Attempt]]:
        """`attempts` answers to every problem, all sampled in batched calls."""
        completions = self.model.generate(
            [self.task.solver_prompt(problem) for problem in problems],
            attempts,
            self.max_new_tokens,
            self.temperature if temperature is None else temperature,
            self.top_p,
        )
        return [self.read(group) for group in completions]

    def read(self, completions: list[str]) -> list[Attempt]:
        """Each completion with the answer the task extracts from it; a completion repeated in the group (a sure
        solver writes the same one many times) is read once."""
        answers = {text: guarded(self.task.extract_answer, text) for text in set(completions)}
        return [Attempt(completion, answers[completion]) for completion in completions]
