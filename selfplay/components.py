"""Building the task, verifier and proposer reward a config names: a built-in by name or a user's class by import
path, with the config's options checked against the class's dataclass fields."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from selfplay.errors import ConfigError
from selfplay.names import resolve
from selfplay.rewards import PROPOSER_REWARDS
from selfplay.tasks import TASKS
from selfplay.tasks.base import Task
from selfplay.yamlconfig import build_dataclass
from verifiers import VERIFIERS
from verifiers.base import Verifier

# For the type checker only: config.py imports this module (it builds the task, the verifier and the reward once
# to check their options), so importing config.py here would make a cycle.
if TYPE_CHECKING:
    from selfplay.config import ProposerRewardConfig, TaskConfig, VerifierConfig


def make_task(config: TaskConfig) -> Task:
    return _instantiate("task", config.name, TASKS, config.options, "task.options.", Task)


def make_verifier(config: VerifierConfig) -> Verifier:
    """The verifier, with the config's time limit on judging (read by selfplay/judging.py)."""
    limit = config.time_limit_seconds
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 < limit < 1e9):
        raise ConfigError(f"verifier.time_limit_seconds must be a positive number of seconds or null, got {limit!r}")
    verifier = _instantiate("verifier", config.name, VERIFIERS, config.options, "verifier.options.", Verifier)
    object.__setattr__(verifier, "time_limit_seconds", None if limit is None else float(limit))  # frozen ones too
    return verifier


def make_proposer_reward(config: ProposerRewardConfig):
    return _instantiate("proposer reward", config.name, PROPOSER_REWARDS, config.options, "proposer_reward.options.")


def _instantiate(kind: str, name: str, builtins: dict[str, Any], options: dict[str, Any], prefix: str,
                 base: type | None = None) -> Any:
    cls = resolve(kind, name, builtins)
    if base is not None and not (isinstance(cls, type) and issubclass(cls, base)):
        raise ConfigError(f"{kind} {name!r} must be a subclass of {base.__module__}.{base.__name__}")
    try:
        if dataclasses.is_dataclass(cls):
            return build_dataclass(cls, options, prefix)
        return cls(**options)
    except (TypeError, ValueError) as error:
        if isinstance(error, ConfigError):
            raise
        raise ConfigError(f"{kind} {name!r}: {str(error).strip().splitlines()[0]}") from None
