"""Turning completions into rewards: the solver's answers through the verifier, the proposer's problems through
the solver and the verifier. The two callables here are the reward functions TRL's GRPOTrainer calls."""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
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


# Calls of a verifier that ran past its time limit and still run, abandoned in their threads (Python cannot stop
# a thread). Past this many, that verifier is not called again until one of them returns: each would hold a
# thread (and maybe a CPU) for good.
MAX_ABANDONED_CALLS = 4
_ABANDONED: dict[int, list[threading.Thread]] = {}  # by id() of the verifier, which its running threads keep alive
_LOCK = threading.Lock()


class VerifierTimeout(TimeoutError):
    """A verifier's call gave no result within its time limit."""


def judge_group(verifier: Verifier, task: Task, problem: Problem, attempts: list[Attempt]) -> Verdict:
    """The verifier's verdict, or an `invalid` one if the verifier raised or broke its contract (`checked`), or a
    `timeout` one if it took longer than its `time_limit_seconds`: a verifier bug on a strange answer must not stop
    training. The error is logged and counted (`diagnostics["error"]`)."""
    answers = [attempt.answer for attempt in attempts]
    try:
        verdict = within_time_limit(verifier, verifier.judge, task, problem, answers)
        return checked(verdict, len(attempts))
    except VerifierTimeout as error:
        logger.warning("verifier %s timed out on problem %r: %s", type(verifier).__name__, problem.text[:80], error)
        return timed_out(len(attempts), str(error))
    except Exception as error:  # noqa: BLE001 - any verifier failure becomes an ordinary verdict
        logger.warning("verifier %s failed on problem %r: %s", type(verifier).__name__, problem.text[:80], error)
        return Verdict([None] * len(attempts), None, "invalid", {"error": f"{type(error).__name__}: {error}"[:200]})


def judge_groups(verifier: Verifier, task: Task, problems: Sequence[Problem], groups: Sequence[list[Attempt]],
                 ) -> list[Verdict]:
    """`judge_group` on every problem and its attempts, handed to the verifier together (`judge_batch`: a
    verifier may check them in parallel, within `time_limit_seconds` per group). If the batch call raises or
    returns the wrong number of verdicts, or a verdict breaks the contract, those groups are judged one by one
    instead. If it runs out of time, every group of the batch is a `timeout` verdict."""
    if not problems:
        return []
    try:
        verdicts = within_time_limit(verifier, verifier.judge_batch, task,
                                     [(p, [a.answer for a in group]) for p, group in zip(problems, groups)],
                                     groups=len(problems))
        if not isinstance(verdicts, (list, tuple)) or len(verdicts) != len(problems):
            raise ValueError(f"returned {_count(verdicts)} verdicts for {len(problems)} groups")
    except VerifierTimeout as error:
        logger.warning("verifier %s timed out on a batch of %d groups: %s", type(verifier).__name__, len(problems),
                       error)
        return [timed_out(len(group), str(error)) for group in groups]
    except Exception as error:  # noqa: BLE001 - any failure falls back to the guarded path
        logger.warning("verifier %s failed on a batch of %d groups: %s", type(verifier).__name__, len(problems),
                       error)
        verdicts = [None] * len(problems)
    results = []
    for problem, group, verdict in zip(problems, groups, verdicts):
        try:
            results.append(checked(verdict, len(group)))
        except Exception:  # noqa: BLE001 - a verdict that breaks the contract is judged again, alone
            results.append(judge_group(verifier, task, problem, group))
    return results


def checked(verdict: Any, answers: int) -> Verdict:
    """The verdict, with its rewards as plain floats, if it keeps the verifier's contract: a Verdict with one
    reward per answer, each a finite number or None (True and False are 1.0 and 0.0: a reward that is a match);
    a label that is a string or None; a known status; diagnostics in a dict. Else ValueError saying what is wrong:
    a string, NaN or infinity must never reach TRL's advantages.

    >>> checked(Verdict([1, True, None, 0.5], label="7"), 4).rewards
    [1.0, 1.0, None, 0.5]
    >>> checked(Verdict([1.0, float("nan")], label="7"), 2)
    Traceback (most recent call last):
    ...
    ValueError: reward 1 is nan: rewards must be finite numbers or None
    >>> checked(Verdict(["1.0"], label="7"), 1)
    Traceback (most recent call last):
    ...
    ValueError: reward 0 is '1.0' (str): rewards must be finite numbers or None
    """
    if not isinstance(verdict, Verdict):
        raise ValueError(f"returned {type(verdict).__name__}, not a Verdict")
    if not isinstance(verdict.rewards, (list, tuple)):
        raise ValueError(f"rewards must be a list, got {type(verdict.rewards).__name__}")
    if len(verdict.rewards) != answers:
        raise ValueError(f"returned {len(verdict.rewards)} rewards for {answers} answers")
    rewards = [None if reward is None else _finite_reward(index, reward)
               for index, reward in enumerate(verdict.rewards)]
    if verdict.label is not None and not isinstance(verdict.label, str):
        raise ValueError(f"label must be a string or None, got {type(verdict.label).__name__}")
    if verdict.status not in ("ok", "invalid", "timeout"):
        raise ValueError(f"status must be 'ok', 'invalid' or 'timeout', got {_short(verdict.status)}")
    if not isinstance(verdict.diagnostics, dict):
        raise ValueError(f"diagnostics must be a dict, got {type(verdict.diagnostics).__name__}")
    if type(verdict.rewards) is list and all(type(reward) is float or reward is None for reward in verdict.rewards):
        return verdict  # the common case: nothing to convert
    return dataclasses.replace(verdict, rewards=rewards)


def _finite_reward(index: int, reward: Any) -> float:
    value = None
    if not isinstance(reward, (str, bytes)) and hasattr(type(reward), "__float__"):  # numpy and torch scalars too
        try:
            value = float(reward)
        except Exception:  # noqa: BLE001 - a tensor of many values, a __float__ that raises: not a reward
            value = None
    if value is None:
        raise ValueError(f"reward {index} is {_short(reward)} ({type(reward).__name__}): rewards must be finite "
                         "numbers or None")
    if not math.isfinite(value):
        raise ValueError(f"reward {index} is {value}: rewards must be finite numbers or None")
    return value


def _short(value: Any) -> str:
    try:
        return repr(value)[:40]
    except Exception:  # noqa: BLE001 - a user's object whose repr raises
        return f"a {type(value).__name__}"


def _count(verdicts: Any) -> str:
    try:
        return str(len(verdicts))
    except Exception:  # noqa: BLE001 - not a sized object at all
        return f"a {type(verdicts).__name__}"


def timed_out(answers: int, reason: str) -> Verdict:
    return Verdict([None] * answers, None, "timeout", {"reason": reason})


def within_time_limit(verifier: Verifier, method: Callable[..., Any], *args: Any, groups: int = 1) -> Any:
    """`method(*args)` within the verifier's `time_limit_seconds` per group, or VerifierTimeout.

    The call runs in a fresh daemon thread that the caller waits for; past the limit the caller stops waiting and
    the thread is abandoned (it finishes, or not, on its own; at most `MAX_ABANDONED_CALLS` per verifier). A thread,
    not a process: a verifier is any Python object (it may hold a model), so it cannot be sent elsewhere. Starting
    the thread costs tens of microseconds, once per batch of groups. With no limit (None) the call runs here.
    """
    limit = getattr(verifier, "time_limit_seconds", None)
    if limit is None:
        return method(*args)
    with _LOCK:
        running = [thread for thread in _ABANDONED.pop(id(verifier), []) if thread.is_alive()]
        if running:
            _ABANDONED[id(verifier)] = running
        if len(running) >= MAX_ABANDONED_CALLS:
            raise VerifierTimeout(f"not called: {len(running)} earlier calls that ran out of time still run")
    outcome: list[Any] = []

    def call() -> None:
        try:
            outcome.append((True, method(*args)))
        except BaseException as error:  # noqa: BLE001 - handed to the caller, raised there
            outcome.append((False, error))

    seconds = limit * max(groups, 1)
    thread = threading.Thread(target=call, name=f"verifier-{type(verifier).__name__}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        with _LOCK:
            _ABANDONED.setdefault(id(verifier), []).append(thread)
        raise VerifierTimeout(f"no verdict within {seconds:g} s (verifier.time_limit_seconds={limit:g} per group)")
    succeeded, value = outcome[0]
    if not succeeded:
        raise value
    return value


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
        value = None if value is None else _proposer_reward(reward, value)
        value = settings.invalid_penalty if value is None else value
        if shares is not None:
            value -= settings.repetition_penalty * shares[index]
        proposals.append(Proposal(text, problem, result, value))
    return proposals


def _proposer_reward(reward: Callable[[Verdict], float | None], value: Any) -> float | None:
    """A proposer reward's value as a finite float; a string, NaN or infinity (a user's reward gone wrong) is
    logged and read as no reward, so the problem gets the invalid penalty instead."""
    try:
        return _finite_reward(0, value)
    except ValueError as error:
        logger.warning("proposer reward %s: %s", getattr(reward, "__qualname__", type(reward).__name__), error)
        return None


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
