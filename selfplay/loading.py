"""The models a run starts from: loaded (a hub id, a local folder, or the built-in tiny model), warm-started if
configured, under LoRA adapters if configured, and anchored on disk when built in memory."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from transformers import set_seed

from agents import LanguageModel, Sampling
from selfplay.committee import CommitteeRounds
from selfplay.config import SelfPlayConfig
from selfplay.distributed import is_main, wait_for_everyone
from selfplay.resume import save_checkpoint
from selfplay.rundir import RunDir
from selfplay.tasks.base import Task
from selfplay.warmstart import warm_start
from verifiers.base import Verifier

if TYPE_CHECKING:
    from selfplay.trainer import RoleTrainer


def load_agents(config: SelfPlayConfig, task: Task, with_proposer: bool = True, progress: bool = True,
                ) -> tuple[LanguageModel | None, LanguageModel, dict[str, Any]]:
    """The proposer's and the solver's models (one object when weights are shared), warm-started if configured
    (with a progress bar unless `progress` is false). Without `with_proposer` (methods that have no proposer) a
    separate proposer is not built: None."""
    settings = config.model
    warm_config = settings.warm_start
    hint = config.method.hint_template if warm_config.hint_share else None
    if settings.lora.enabled:
        return load_lora_agents(config, task, hint, progress)
    proposer_model = None
    if settings.shared or with_proposer:
        proposer_model = LanguageModel.load(settings.name_or_path, settings.chat_template, settings.dtype,
                                            settings.tiny)
    if settings.shared:
        solver_model = proposer_model
    else:
        set_seed(config.run.seed + 1)  # a separately initialised solver when both start from builtin:tiny
        solver_model = LanguageModel.load(settings.solver_name_or_path or settings.name_or_path,
                                          settings.chat_template, settings.dtype, settings.tiny)
    if not warm_config.steps:
        return proposer_model, solver_model, {"steps": 0}
    fingerprint = warm_fingerprint(config, solver_model)
    if settings.shared:
        model, warm = warm_start(proposer_model, task, warm_config, ("proposer", "solver"), config.run.seed,
                                 fingerprint, hint, progress)
        return model, model, warm
    warm = {}
    fingerprint["solver_model"] = settings.solver_name_or_path
    if proposer_model is not None:
        proposer_model, warm["proposer"] = warm_start(proposer_model, task, warm_config, ("proposer",),
                                                      config.run.seed, fingerprint, progress=progress)
    solver_model, warm["solver"] = warm_start(solver_model, task, warm_config, ("solver",), config.run.seed + 1,
                                              fingerprint, hint, progress)
    return proposer_model, solver_model, warm


def load_lora_agents(config: SelfPlayConfig, task: Task, hint: str | None, progress: bool = True,
                     ) -> tuple[LanguageModel, LanguageModel, dict[str, Any]]:
    """One base model, warm-started for both roles if configured, then frozen under LoRA adapters: `proposer`
    and `solver`, or one `shared` adapter when `model.shared` is true. Each role gets a view of the same PEFT
    model that generates and trains with its own adapter."""
    from peft import LoraConfig, get_peft_model

    settings = config.model
    base = LanguageModel.load(settings.name_or_path, settings.chat_template, settings.dtype, settings.tiny)
    warm: dict[str, Any] = {"steps": 0}
    if settings.warm_start.steps:
        fingerprint = warm_fingerprint(config, base)
        base, warm = warm_start(base, task, settings.warm_start, ("proposer", "solver"), config.run.seed,
                                fingerprint, hint, progress)
    lora = settings.lora
    adapter = LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                         target_modules=lora.target_modules, task_type="CAUSAL_LM")
    names = ["shared"] if settings.shared else ["proposer", "solver"]
    set_seed(config.run.seed)  # the adapters' initial weights, whether the warm start was trained or loaded
    base.model = get_peft_model(base.model, adapter, adapter_name=names[0])
    for name in names[1:]:
        base.model.add_adapter(name, adapter)
    views = [base.with_adapter(name) for name in names]
    return views[0], views[-1], warm


# Committee members are warm-started under the run's seed plus multiples of this (the solver's own is seed + 1).
COMMITTEE_SEED_STRIDE = 1000
COMMITTEE_FILE = "committee.json"


def seat_committee(config: SelfPlayConfig, run_dir: RunDir, task: Task, verifier: Verifier, sampling: Sampling,
                   progress: bool = True) -> CommitteeRounds | None:
    """A verifier that checks its labels against separately trained models (majority's `committee`, the
    self-improving transformers' vote across separately seeded models) gets them here: the solver's model, each
    warm-started as the solver is but under its own seed (cached like the solver's own warm start), answering
    with the solver's sampling settings at temperature 0. Their warm-start records go to RUN_DIR/committee.json.
    Returns the committee's rounds when its members learn (`committee_rounds`), else None. Call it before the
    role trainers are built (building a TRL config resets accelerate's state, which a trainer uses)."""
    count = getattr(verifier, "committee", 0)
    if not count:
        return None
    settings = config.model  # a warm start and no LoRA: checked with the config (config.py)
    members, records = [], []
    for index in range(1, count + 1):
        seed = config.run.seed + 1 + COMMITTEE_SEED_STRIDE * index
        set_seed(seed)
        model = LanguageModel.load(settings.solver_name_or_path or settings.name_or_path, settings.chat_template,
                                   settings.dtype, settings.tiny)
        fingerprint = {**warm_fingerprint(config, model), "solver_model": settings.solver_name_or_path}
        model, record = warm_start(model, task, settings.warm_start, ("solver",), seed, fingerprint,
                                   progress=progress)
        model.generation_batch = settings.generation_batch
        members.append(model)
        records.append(record)
    verifier.seat(members, sampling.at(0))
    if is_main():
        run_dir.write_json(COMMITTEE_FILE, records)
    every = getattr(verifier, "committee_rounds", 0)
    if not every:
        return None
    return CommitteeRounds(config, run_dir.path, task, members, sampling.at(0), every, verifier.committee_round_steps,
                           verifier.committee_learning_rate)


def warm_fingerprint(config: SelfPlayConfig, model: LanguageModel) -> dict[str, Any]:
    """What, besides the warm-start settings, shapes a warm-started model (part of its cache key)."""
    settings = config.model
    tiny = {key: value for key, value in vars(settings.tiny).items() if key != "words" or value}  # as before words
    return {"model": settings.name_or_path, "tiny": tiny, "dtype": settings.dtype,
            "chat": model.use_chat_template}  # examples are formatted differently with a template


def set_generation_batch(config: SelfPlayConfig, *models: LanguageModel | None) -> None:
    for model in models:
        if model is not None:
            model.generation_batch = config.model.generation_batch


def anchor_on_disk(run_dir: RunDir, config: SelfPlayConfig, proposer_model: LanguageModel | None,
                   solver_model: LanguageModel) -> tuple[LanguageModel | None, LanguageModel]:
    """A model built in memory (builtin:tiny without a warm start) is saved as the run's step-0 checkpoint and
    loaded back from it: the starting weights are kept, and TRL can reload a reference model from that path
    when beta > 0. (No proposer: a method without one.)"""
    models = [model for model in (proposer_model, solver_model) if model is not None]
    if all(model.model.config.name_or_path for model in models):
        return proposer_model, solver_model
    if is_main():
        save_checkpoint(run_dir, 0, config, proposer_model, solver_model)
    wait_for_everyone()
    folder = run_dir.checkpoint_dir(0)

    def reload(name: str, model: LanguageModel) -> LanguageModel:
        return LanguageModel.load(str(folder / name), "on" if model.use_chat_template else "off")

    if config.model.shared:
        model = reload("model", solver_model)
        return model, model
    return (None if proposer_model is None else reload("proposer", proposer_model)), reload("solver", solver_model)


def sampling_through(model: LanguageModel, trainer: RoleTrainer | None) -> LanguageModel:
    """The role's own view of its model (with shared weights both roles hold one model), sampling through the role
    trainer's vLLM engine when it has one, so the loop samples what TRL's settings describe."""
    view = copy.copy(model)
    view.engine = trainer.sampler() if trainer is not None else None
    return view
