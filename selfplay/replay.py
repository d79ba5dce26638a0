"""Rehearsal: part of each solver phase replays problems the solver has solved before.

The proposer is paid for problems the solver half-knows, so it stops asking what the solver has mastered; GRPO
then trains the solver on harder problems only, and nothing keeps what it knew from drifting (on the embedded
default, 1-digit sums lost up to 21 points while 2-digit sums were learned: README, Results). Replaying old
problems keeps them in the solver's training: while it still solves them every time their advantages are zero and
they cost only their share of the batch; once it starts to slip, they carry the signal that puts it back.
Absolute Zero (Zhao et al. 2025, arXiv 2505.03335) likewise keeps buffers of its past validated tasks.

The buffer holds proposals only, never labels: a replayed problem is judged by the verifier again, like any other.
It keeps, per difficulty level of the task, the last `size` distinct problems of which the solver had at least one
answer rewarded, and a replay draws a difficulty level uniformly first, so the easy problems the proposer asked
only in its first steps are not crowded out by the many it asks later.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from typing import Any, TypeVar

from selfplay.tasks.base import Task
from selfplay.types import Judged, Problem

T = TypeVar("T")


def draw(rng: random.Random, pool: list[T], count: int) -> list[T]:
    """`count` items for one phase: distinct when the pool has enough, else drawn with repeats."""
    return rng.sample(pool, count) if len(pool) >= count else rng.choices(pool, k=count)


class Replay:
    def __init__(self, task: Task, size: int):
        self.task, self.size = task, size
        self.levels: dict[int, OrderedDict[tuple[str, str], Problem]] = {}

    def __len__(self) -> int:
        return sum(len(level) for level in self.levels.values())

    def add(self, judged: list[Judged]) -> None:
        """Keep the problems of which at least one answer earned a positive reward."""
        for item in judged:
            if not any(reward is not None and reward > 0 for reward in item.verdict.rewards):
                continue
            level = self.levels.setdefault(self.task.difficulty(item.problem), OrderedDict())
            level.pop(item.problem.key, None)  # seen again: it becomes the newest
            level[item.problem.key] = item.problem
            while len(level) > self.size:
                level.popitem(last=False)

    def draw(self, rng: random.Random, count: int) -> list[Problem]:
        """`count` problems (fewer if the buffer is empty): a difficulty level, then a problem of that level."""
        levels = [list(level.values()) for _, level in sorted(self.levels.items()) if level] if count > 0 else []
        if not levels:
            return []
        return [rng.choice(rng.choice(levels)) for _ in range(count)]

    def state(self) -> dict[str, Any]:
        return {str(key): [[p.text, p.features] for p in level.values()] for key, level in self.levels.items()}

    def restore(self, state: dict[str, Any]) -> None:
        self.levels = {}
        for key, problems in state.items():
            level = self.levels[int(key)] = OrderedDict()
            for text, features in problems:
                problem = Problem(text, features)
                level[problem.key] = problem
