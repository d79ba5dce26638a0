"""Checkpoints, and resuming a run that was killed: checkpoints carry the training state, and the run directory
is rolled back to the last one.

A checkpoint (`checkpoints/step-N/`) holds the models and `state.pt`: each trainer's optimizer and learning-rate
schedule, every random generator the run draws from, and the run's own counters (evaluations so far, budget, the
number of problem shards written). It is written into a staging folder and renamed into place, so a folder named
`step-N` is always complete; records are flushed to a shard just before, so every record of a step up to N is on
disk. `selfplay train --resume RUN_DIR` loads the last checkpoint and rolls the directory back to it: metric lines
and shards written after it, and later (partial) checkpoints, are removed, so no step is lost or counted twice.

`state.pt` is read with `torch.load(weights_only=True)`: a run directory from elsewhere cannot run code through it.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from transformers import AutoModelForCausalLM

from agents import LanguageModel
from selfplay.cache import publish_folder
from selfplay.errors import ConfigError
from selfplay.rundir import RunDir
from selfplay.trainer import restore_trainer_state, trainer_state

if TYPE_CHECKING:
    from selfplay.config import SelfPlayConfig

STATE_FILE = "state.pt"
ADAPTER_FILE = "adapter_model.safetensors"
_CHECKPOINT = re.compile(r"step-(\d{6})")


def random_state(rng: random.Random) -> dict[str, Any]:
    """This process's random generators: the loop's own `rng`, Python's, NumPy's, torch's (and CUDA's)."""
    numpy_state = np.random.get_state()
    return {
        "loop": rng.getstate(),
        "python": random.getstate(),
        "numpy": [numpy_state[0], numpy_state[1].tolist(), *numpy_state[2:]],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def capture_state(step: int, generators: list[dict[str, Any]], trainers: dict[str, Any], shards: int,
                  counters: dict[str, Any]) -> dict[str, Any]:
    """Everything besides the weights that the run needs to go on exactly from step `step`: `generators` holds
    every process's `random_state`, in process order (TRL seeds each process differently)."""
    return {
        "step": step,
        "shards": shards,
        "rng": generators,
        "trainers": {name: trainer_state(trainer) for name, trainer in trainers.items() if trainer is not None},
        "counters": counters,
    }


def restore_state(state: dict[str, Any], rng: random.Random, trainers: dict[str, Any], process: int = 0,
                  ) -> dict[str, Any]:
    """Put the optimizers, schedules and random generators of process number `process` back as `capture_state`
    found them; returns the run's counters. A process the checkpoint has no generators for (a run resumed on
    more processes than it was started on) keeps its own, seeded by TRL; the loop's `rng`, the same on every
    process, is restored everywhere."""
    for name, trainer in trainers.items():
        if trainer is not None:
            restore_trainer_state(trainer, state["trainers"][name])
    saved = state["rng"]
    if isinstance(saved, dict):  # written before checkpoints held every process's generators
        saved = [saved]
    rng.setstate(_tuples(saved[0]["loop"]))
    if process < len(saved):
        _set_generators(saved[process])
    return state["counters"]


def _set_generators(generators: dict[str, Any]) -> None:
    random.setstate(_tuples(generators["python"]))
    kind, keys, *rest = generators["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), *rest))
    torch.set_rng_state(generators["torch"])
    if generators.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(generators["cuda"])


def _tuples(value: Any) -> Any:
    """`random.setstate` wants the nested tuples `getstate` gave."""
    return tuple(_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


def checkpoints(run_dir: RunDir) -> list[tuple[int, Path]]:
    """The complete checkpoint folders of a run, by step (staging folders, named `.step-...`, are never listed)."""
    if not run_dir.checkpoints_path.is_dir():
        return []
    found = [(int(match[1]), path) for path in run_dir.checkpoints_path.iterdir()
             if path.is_dir() and (match := _CHECKPOINT.fullmatch(path.name))]
    return sorted(found)


def latest_state(run_dir: RunDir) -> tuple[Path, dict[str, Any]] | None:
    """The last checkpoint that carries a training state, and that state; None if there is none yet (the run
    then starts over). A checkpoint that cannot be read is an error, not skipped: something outside the run
    damaged it, and resuming from an older one would silently drop steps."""
    found = checkpoints(run_dir)
    for step, folder in reversed(found):
        if not (folder / STATE_FILE).is_file():
            if step == 0 or step == found[-1][0]:
                continue  # the step-0 anchor of a model built in memory, or the final checkpoint: weights only
            raise ConfigError(f"checkpoint {folder} holds no training state (written by an older version?); "
                              "it cannot be resumed from")
        try:
            state = torch.load(folder / STATE_FILE, weights_only=True)
        except Exception as error:  # noqa: BLE001 - any unreadable state is reported the same way
            raise ConfigError(f"checkpoint {folder} is unreadable ({type(error).__name__}); delete that folder to "
                              "resume from the checkpoint before it") from None
        if not isinstance(state, dict) or state.get("step") != step:
            raise ConfigError(f"checkpoint {folder} holds no valid training state; delete that folder to resume "
                              "from the checkpoint before it")
        return folder, state
    return None


def load_weights(model: LanguageModel, folder: Path) -> None:
    """Load a checkpoint's weights into a model built for this run (it keeps its own `_name_or_path`, so a
    reference model for `beta > 0` is still the run's starting point). A LoRA role's view gets its adapter back;
    the frozen base is rebuilt as the run built it."""
    try:
        if model.adapter is not None:
            from peft import set_peft_model_state_dict
            from safetensors.torch import load_file

            weights = folder / model.adapter / ADAPTER_FILE  # PEFT saves a named adapter into a folder of its name
            result = set_peft_model_state_dict(model.model, load_file(weights), adapter_name=model.adapter)
            missing = [key for key in result.missing_keys if f".{model.adapter}." in key]
            if result.unexpected_keys or missing:
                raise ValueError(f"weights not in this run's adapter {result.unexpected_keys[:2]}, or missing from "
                                 f"the checkpoint {missing[:2]}")
            return
        saved = AutoModelForCausalLM.from_pretrained(folder).state_dict()
        model.model.load_state_dict(saved)
    except Exception as error:  # noqa: BLE001 - a damaged or foreign folder is one error line
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ConfigError(f"checkpoint {folder} does not hold this run's model: {first_line}") from None


def checkpoint_models(config: SelfPlayConfig, proposer_model: LanguageModel | None,
                      solver_model: LanguageModel | None) -> dict[str, LanguageModel]:
    """The models a checkpoint holds, by folder name: `model` (shared weights), else `proposer` and `solver`."""
    if config.model.shared:
        return {"model": solver_model} if solver_model is not None else {}
    return {name: model for name, model in (("proposer", proposer_model), ("solver", solver_model))
            if model is not None}


def save_checkpoint(run_dir: RunDir, step: int, config: SelfPlayConfig, proposer_model: LanguageModel | None,
                    solver_model: LanguageModel | None, state: dict[str, Any] | None = None,
                    others: dict[str, LanguageModel] | None = None) -> None:
    """checkpoints/step-N/ with the models (`checkpoint_models`, and `others` by folder name: a learning
    committee's members) and, for a run to resume from, the training state (resume.py), written beside the folder
    and renamed into place. A folder that exists already (the step-0 anchor) gets the state added, also
    atomically."""
    folder = run_dir.checkpoint_dir(step)

    def write(staging: str) -> None:
        for name, model in {**checkpoint_models(config, proposer_model, solver_model), **(others or {})}.items():
            model.save(Path(staging) / name)
        if state is not None:
            torch.save(state, Path(staging) / STATE_FILE)

    if not folder.exists():
        publish_folder(folder, write)
    elif state is not None:
        staging = folder / f".{STATE_FILE}.tmp"
        torch.save(state, staging)
        os.replace(staging, folder / STATE_FILE)
