"""The solver: answers each problem several times; the task extracts the final answer from each completion."""

from __future__ import annotations

from agents.model import LanguageModel, Sampling, guarded
from selfplay.tasks.base import Task
from selfplay.types import Attempt, Problem


class Solver:
    def __init__(self, model: LanguageModel, task: Task, sampling: Sampling | int, temperature: float = 1.0,
                 top_p: float = 1.0):
        self.model, self.task = model, task
        # The solver role's GRPOConfig settings, which TRL samples its training answers with. The older form
        # `Solver(model, task, max_new_tokens, temperature, top_p)` still works, with TRL's defaults for the rest.
        self.sampling = sampling if isinstance(sampling, Sampling) else Sampling(sampling, temperature, top_p)

    def training_prompt(self, problem: Problem) -> str | list[dict[str, str]]:
        return self.model.training_prompt(self.task.solver_prompt(problem))

    def sample(self, prompts: list[str], attempts: int, temperature: float | None = None) -> list[list[str]]:
        """`attempts` completions of each prompt text, with the solver's sampling settings (at `temperature` when
        given: 0 is greedy), all in batched calls."""
        return self.model.generate(prompts, attempts, self.sampling.at(temperature))

    def solve(self, problems: list[Problem], attempts: int, temperature: float | None = None) -> list[list[Attempt]]:
        """`attempts` answers to every problem (at `temperature` when given), all sampled in batched calls."""
        completions = self.sample([self.task.solver_prompt(problem) for problem in problems], attempts, temperature)
        return [self.read(group) for group in completions]

    def read(self, completions: list[str]) -> list[Attempt]:
        """Each completion with the answer the task extracts from it; a completion repeated in the group (a sure
        solver writes the same one many times) is read once."""
        answers = {text: guarded(self.task.extract_answer, text) for text in set(completions)}
        return [Attempt(completion, answers[completion]) for completion in completions]
