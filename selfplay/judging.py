"""Turning samples into rewards: each group of the solver's answers judged once by the verifier (guarded: a
verifier that raises, breaks its contract or runs out of time gives an ordinary verdict), and each proposed problem
rewarded by the verdict on the solver's answers to it."""

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
from selfplay.types import Attempt, Group, Judged, Problem, Proposal, Verdict
from verifiers.base import Verifier

logger = logging.getLogger(__name__)


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


def judge(verifier: Verifier, task: Task, problems: Sequence[Problem], groups: Sequence[list[Attempt]],
          ) -> list[Judged]:
    """Each problem's group of attempts judged once (`judge_groups`), with the problem's ground truth on the
    record (`Task.truths`: found once, and where the verifier needs it too, it finds it known)."""
    if len(groups) != len(problems):
        raise ValueError(f"{len(problems)} problems and {len(groups)} groups of attempts: one group per problem")
    truths = task.truths(list(problems)) if problems else []
    verdicts = judge_groups(verifier, task, problems, groups)
    return [Judged(*row) for row in zip(problems, groups, verdicts, truths, strict=True)]


def judge_problems(problems: list[Problem], solver: Solver, verifier: Verifier, task: Task, attempts: int,
                   temperature: float | None = None) -> list[Judged]:
    """Solve every problem `attempts` times (one batched pass; at the solver's temperature unless `temperature`
    is given) and judge each group once."""
    return judge(verifier, task, problems, solver.solve(problems, attempts, temperature))


def score_proposals(proposals: Sequence[Proposal], judged: dict[tuple[str, str], Judged],
                    reward: Callable[[Verdict], float | None], settings: ProposerRewardConfig) -> list[Proposal]:
    """Each proposal with the solver's judged answers to its problem (`judged`, by problem key: copies of one
    problem share one) and its reward. Invalid problems, and problems the verifier could not judge, get
    `settings.invalid_penalty`; with a repetition penalty, near-copies of other proposals lose a share."""
    texts = [p.problem.text if p.problem else p.completion for p in proposals]
    shares = repetition_shares(texts, settings.repetition_threshold) if settings.repetition_penalty else None
    scored = []
    for index, proposal in enumerate(proposals):
        result = None if proposal.problem is None else judged[proposal.problem.key]
        value = None
        if result is not None and result.verdict.status == "ok":
            value = guarded(reward, result.verdict)
            value = None if value is None else _proposer_reward(reward, value)
        if value is None:  # exactly the invalid penalty, no repetition penalty on top
            value = settings.invalid_penalty
        elif shares is not None:
            value -= settings.repetition_penalty * shares[index]
        scored.append(dataclasses.replace(proposal, judged=result, reward=value))
    return scored


def _proposer_reward(reward: Callable[[Verdict], float | None], value: Any) -> float | None:
    """A proposer reward's value as a finite float; a string, NaN or infinity (a user's reward gone wrong) is
    logged and read as no reward, so the problem gets the invalid penalty instead."""
    try:
        return _finite_reward(0, value)
    except ValueError as error:
        logger.warning("proposer reward %s: %s", getattr(reward, "__qualname__", type(reward).__name__), error)
        return None


def solver_groups(solver: Solver, batch: Sequence[Judged], partial_credit: float = 0.0) -> list[Group]:
    """The solver's GRPO groups for a phase's judged problems: each problem's answers and the verifier's rewards
    for them, with `partial_credit` (`credited`). A problem drawn again to fill the phase (fewer problems than its
    groups) is trained on once: its copies carry reward None, which leaves them out of the loss, so the same
    samples never count twice."""
    seen: set[tuple[str, str]] = set()
    groups = []
    for item in batch:
        prompt = solver.model.training_prompt(solver.task.solver_prompt(item.problem))
        rewards = credited(solver.task, item, partial_credit) if item.problem.key not in seen else \
            [None] * len(item.attempts)
        groups.append(Group(prompt, [attempt.sample for attempt in item.attempts], rewards))
        seen.add(item.problem.key)
    return groups


def credited(task: Task, item: Judged, partial_credit: float) -> list[float | None]:
    """The verifier's rewards, each raised to `partial_credit` times the answer's closeness to the verdict's label
    where that is more (`Task.closeness`; a verdict without a label, or a reward that is None, is left as it is).

    >>> from selfplay.tasks import ArithmeticTask
    >>> attempts = [Attempt(text, text) for text in ("579", "589", "12")]
    >>> item = Judged(Problem("123+456"), attempts, Verdict([1.0, 0.0, None], label="579"))
    >>> credited(ArithmeticTask(), item, 0.5)
    [1.0, 0.3333333333333333, None]
    """
    rewards = list(item.verdict.rewards)
    label = item.verdict.label
    if not partial_credit or label is None:
        return rewards

    def closeness(answer: str | None) -> float:
        value = task.closeness(answer, label)
        return min(1.0, max(0.0, float(value))) if value is not None and math.isfinite(value) else 0.0

    answers = [attempt.answer for attempt in item.attempts]
    near = {answer: guarded(closeness, answer) or 0.0 for answer in set(answers)}  # each distinct answer once
    return [reward if reward is None or reward >= 1 else max(reward, partial_credit * near[answer])
            for reward, answer in zip(rewards, answers)]
