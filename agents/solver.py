"""The solver: answers each problem several times; the task extracts the final answer from each completion."""

from __future__ import annotations

from agents.model import LanguageModel, Sampling, guarded
from selfplay.tasks.base import Task
from selfplay.types import Attempt, Problem, Sample


class Solver:
    def __init__(self, model: LanguageModel, task: Task, sampling: Sampling | int, temperature: float = 1.0,
                 top_p: float = 1.0):
        self.model, self.task = model, task
        # The solver role's GRPOConfig settings: the distribution TRL trains it on. The older form
        # `Solver(model, task, max_new_tokens, temperature, top_p)` still works, with TRL's defaults for the rest.
        self.sampling = sampling if isinstance(sampling, Sampling) else Sampling(sampling, temperature, top_p)

    def sample(self, prompts: list[str], attempts: int, temperature: float | None = None) -> list[list[str]]:
        """`attempts` completion texts of each prompt text (a prompt of the caller's own, such as a hinted one),
        with the solver's sampling settings (at `temperature` when given: 0 is greedy), in batched calls."""
        return self.model.generate(prompts, attempts, self.sampling.at(temperature))

    def solve(self, problems: list[Problem], attempts: int, temperature: float | None = None) -> list[list[Attempt]]:
        """`attempts` answers to every problem, sampled in one pass (batched), with the solver's settings (at
        `temperature` when given: 0 is greedy). Each answer keeps its sample: at the solver's own settings, these
        answers are what TRL would have sampled, and the solver can be trained on them."""
        if not problems:
            return []
        prompts = [self.task.solver_prompt(problem) for problem in problems]
        return [self.read(group) for group in self.model.sample(prompts, attempts, self.sampling.at(temperature))]

    def read(self, completions: list[Sample] | list[str]) -> list[Attempt]:
        """Each completion with the answer the task extracts from it; a completion repeated in the group (a sure
        solver writes the same one many times) is read once."""
        texts = [c.text if isinstance(c, Sample) else c for c in completions]
        answers = {text: guarded(self.task.extract_answer, text) for text in set(texts)}
        return [Attempt(text, answers[text], c if isinstance(c, Sample) else None)
                for text, c in zip(texts, completions)]
