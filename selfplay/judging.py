"""Turning completions into rewards: the solver's answers through the verifier, the proposer's problems through
the solver and the verifier. The two callables here are the reward functions TRL's GRPOTrainer calls."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from agents.model import guarded
from agents.solver import Solver
from selfplay.config import ProposerRewardConfig
from selfplay.rewards import repetition_shares
from selfplay.tasks.base import Task
from selfplay.types import Attempt, Judged, Problem, Proposal, Verdict
from verifiers.base import Verifier

logger = logging.getLogger(__name__)


def completion_text(completion: str | list[dict[str, str]]) -> str:
    """TRL hands conversational completions as a list of messages; the text is the assistant's content."""
    if isinstance(completion, str):
        return completion
    return "".join(message.get("content", "") for message in completion)


def judge_group(verifier: Verifier, task: Task, problem: Problem, attempts: list[Attempt]) -> Verdict:
    """The verifier's verdict, or an `invalid` one if the verifier raised or broke its contract: a verifier bug
    on a strange answer must not stop training. The error is logged and counted (`diagnostics["error"]`)."""
    try:
        verdict = verifier.judge(task, problem, [attempt.answer for attempt in attempts])
        if len(verdict.rewards) != len(attempts):
            raise ValueError(f"returned {len(verdict.rewards)} rewards for {len(attempts)} answers")
        return verdict
    except Exception as error:  # noqa: BLE001 - any verifier failure becomes an ordinary verdict
        logger.warning("verifier %s failed on problem %r: %s", type(verifier).__name__, problem.text[:80], error)
        return Verdict([None] * len(attempts), None, "invalid", {"error": f"{type(error).__name__}: {error}"[:200]})


def judge_groups(verifier: Verifier, task: Task, problems: Sequence[Problem], groups: Sequence[list[Attempt]],
                 ) -> list[Verdict]:
    """`judge_group` on every problem and its attempts, handed to the verifier together (`judge_batch`: a
    verifier may check them in parallel). If the batch call raises or returns the wrong number of verdicts, or
    a verdict has the wrong number of rewards, those groups are judged one by one instead."""
    try:
        verdicts = verifier.judge_batch(task, [(p, [a.answer for a in group]) for p, group in zip(problems, groups)])
        if len(verdicts) != len(problems):
            raise ValueError(f"returned {len(verdicts)} verdicts for {len(problems)} groups")
    except Exception as error:  # noqa: BLE001 - any failure falls back to the guarded path
        logger.warning("verifier %s failed on a batch of %d groups: %s", type(verifier).__name__, len(problems),
                       error)
        verdicts = [None] * len(problems)
    return [verdict if _fits(verdict, group) else judge_group(verifier, task, problem, group)
            for problem, group, verdict in zip(problems, groups, verdicts)]


def _fits(verdict: Any, group: list[Attempt]) -> bool:
    """Whether a verifier's verdict is one: a Verdict with one reward per answer."""
    return (isinstance(verdict, Verdict) and isinstance(verdict.rewards, (list, tuple))
            and len(verdict.rewards) == len(group))


def judge_problems(problems: list[Problem], solver: Solver, verifier: Verifier, task: Task, attempts: int,
                   temperature: float | None = None) -> list[Judged]:
    """Solve every problem `attempts` times (batched; at the solver's temperature unless `temperature` is given)
    and judge each group."""
    answers = solver.solve(problems, attempts, temperature) if problems else []
    verdicts = judge_groups(verifier, task, problems, answers)
    return [Judged(p, group, verdict) for p, group, verdict in zip(problems, answers, verdicts)]


def score_proposals(
    completions: Sequence[str],
    task: Task,
    solver: Solver,
    verifier: Verifier,
    reward: Callable[[Verdict], float | None],
    settings: ProposerRewardConfig,
    attempts: int,
) -> list[Proposal]:
    """Parse each completion, have the solver attempt the valid problems, and reward each proposal. Invalid
    problems, and problems the verifier cannot judge, get `settings.invalid_penalty`. Copies of one problem
    share one `Judged` (see `answers_sampled`)."""
    problems = [guarded(task.parse_problem, text) for text in completions]
    # A problem proposed more than once in the batch (the same text and features: a coding problem's tests are
    # features) is answered and judged once; its copies share the result.
    distinct = list({p.key: p for p in problems if p is not None}.values())
    judged = {item.problem.key: item for item in judge_problems(distinct, solver, verifier, task, attempts,
                                                                         settings.solver_temperature)}
    shares = repetition_shares([p.text if p else text for p, text in zip(problems, completions)],
                               settings.repetition_threshold) if settings.repetition_penalty else None
    proposals = []
    for index, (text, problem) in enumerate(zip(completions, problems)):
        if problem is None:
            proposals.append(Proposal(text, None, None, settings.invalid_penalty))
            continue
        result = judged[problem.key]
        value = guarded(reward, result.verdict) if result.verdict.status == "ok" else None
        value = settings.invalid_penalty if value is None else value
        if shares is not None:
            value -= settings.repetition_penalty * shares[index]
        proposals.append(Proposal(text, problem, result, value))
    return proposals


def answers_sampled(proposals: Sequence[Proposal], attempts: int) -> int:
    """The answers the solver sampled to score `proposals`: `attempts` per distinct judged problem (copies of a
    problem in one batch share their `Judged`)."""
    return attempts * len({id(p.judged) for p in proposals if p.judged is not None})


class ProposerReward:
    """The proposer's TRL reward function. Keeps the scored proposals of the last phase for the loop to record."""

    __name__ = "proposer"

    def __init__(self, task: Task, solver: Solver, verifier: Verifier, reward: Callable[[Verdict], float | None],
                 settings: ProposerRewardConfig, attempts: int):
        self.task, self.solver, self.verifier, self.reward = task, solver, verifier, reward
        self.settings, self.attempts = settings, attempts
        self.proposals: list[Proposal] = []

    def __call__(self, prompts: list[Any], completions: list[Any], **_: Any) -> list[float]:
        texts = [completion_text(c) for c in completions]
        proposals = score_proposals(texts, self.task, self.solver, self.verifier, self.reward, self.settings,
                                    self.attempts)
        self.proposals.extend(proposals)
        return [proposal.reward for proposal in proposals]

    def take(self) -> list[Proposal]:
        proposals, self.proposals = self.proposals, []
        return proposals


class SolverReward:
    """The solver's TRL reward function: the verifier's reward for each answer. The completions of one problem
    are grouped by the dataset's `problem_index` column, so a vote always sees its whole group."""

    __name__ = "verifier"

    def __init__(self, task: Task, solver: Solver, verifier: Verifier):
        self.task, self.solver, self.verifier = task, solver, verifier
        self.problems: list[Problem] = []  # the current phase's problems, indexed by `problem_index`
        self.judged: list[Judged] = []

    def __call__(self, prompts: list[Any], completions: list[Any], problem_index: list[int], **_: Any,
                 ) -> list[float | None]:
        groups: dict[int, list[int]] = {}
        for position, index in enumerate(problem_index):
            groups.setdefault(index, []).append(position)
        problems = [self.problems[index] for index in groups]
        attempts = [self.solver.read([completion_text(completions[p]) for p in positions])
                    for positions in groups.values()]
        rewards: list[float | None] = [None] * len(completions)
        verdicts = judge_groups(self.verifier, self.task, problems, attempts)
        for positions, problem, group, verdict in zip(groups.values(), problems, attempts, verdicts):
            for position, value in zip(positions, verdict.rewards):
                rewards[position] = value
            self.judged.append(Judged(problem, group, verdict))
        return rewards

    def take(self) -> list[Judged]:
        judged, self.judged = self.judged, []
        return judged
