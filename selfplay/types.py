"""The records passed between the phases of self-play, defined in one place.

A proposer completion becomes a `Problem` (or nothing, when it does not parse); the solver answers it several
times, each answer an `Attempt`; a verifier turns the group of attempts into a `Verdict`.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any, Literal

VerdictStatus = Literal["ok", "invalid", "timeout"]


@dataclass(frozen=True)
class Problem:
    """A problem the proposer wrote, after the task parsed it.

    `text` is the canonical statement shown to the solver; `features` are task-specific facts used for metrics
    and difficulty buckets (operand digits, number of carries, ...), plain JSON values only.
    """

    text: str
    features: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def key(self) -> tuple[str, str]:
        """What makes two problems the same problem: their text and their features (a coding problem's tests
        are features, not text). Worked out once per problem: a problem is not changed once made.

        >>> Problem("2+3", {"left": 2}).key == Problem("2+3", {"left": 2}).key != Problem("2+3", {}).key
        True
        """
        return self.text, json.dumps(self.features, sort_keys=True, default=str)


@dataclass(frozen=True)
class Sample:
    """One sampled completion as the model wrote it: the text, and the tokens the trainer computes its loss on (the
    prompt's and the completion's, up to and including the end-of-sequence token when there was one), with the
    sampler's log-probability of each completion token where the sampler reports them (vLLM), else None."""

    text: str
    prompt_ids: tuple[int, ...]
    completion_ids: tuple[int, ...]
    logprobs: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Attempt:
    """One solver answer: the raw completion and the final answer extracted from it (None if there was none), and
    the sample it came from when the solver may be trained on it."""

    completion: str
    answer: str | None
    sample: Sample | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Verdict:
    """A verifier's judgement of the whole group of attempts at one problem.

    rewards:     one per attempt; None means the verifier cannot judge that attempt.
    label:       the answer the verifier believed correct (majority answer, ground truth), or None.
    status:      "ok"; "invalid" when the problem cannot be judged at all; "timeout" when judging ran out of time.
    diagnostics: why, as plain JSON values (majority share, the ground truth, counts...).
    """

    rewards: list[float | None]
    label: str | None
    status: VerdictStatus = "ok"
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def solve_rate(self) -> float | None:
        """Mean reward over the attempts that could be judged; None if none could.

        >>> Verdict([1.0, 0.0, None, 1.0], label="7").solve_rate
        0.6666666666666666
        >>> Verdict([None, None], label=None, status="invalid").solve_rate is None
        True
        """
        judged = [r for r in self.rewards if r is not None]
        return sum(judged) / len(judged) if judged else None


@dataclass(frozen=True)
class Judged:
    """A problem, the solver's attempts at it, the verifier's verdict on them, and the problem's ground truth where
    the task knows it (`Task.truth`, found once; None otherwise), which the metrics measure the verdict against."""

    problem: Problem
    attempts: list[Attempt]
    verdict: Verdict
    truth: str | None = None


@dataclass(frozen=True)
class Proposal:
    """One proposer completion: the problem in it (None if invalid), how the solver did on it (`judged`), the
    reward it earned, and the sample it came from when the proposer may be trained on it."""

    completion: str
    problem: Problem | None
    judged: Judged | None = None
    reward: float | None = None
    sample: Sample | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Group:
    """One GRPO group to train on: the prompt (as a TRL dataset holds it: text, or a conversation), the samples that
    answer it, and each sample's reward; None where it could not be judged, and such a sample is left out of the
    loss altogether (it neither pulls the group's baseline nor dilutes the others' share of the loss)."""

    prompt: str | list[dict[str, str]]
    samples: list[Sample]
    rewards: list[float | None]
