"""The self-play loop, top to bottom.

Each step has two phases. In the proposer phase the proposer writes a batch of problems; every `proposer_every`
steps it is also trained on them with GRPO, each problem rewarded by how the solver does on it. In the solver
phase the solver answers a batch of those problems several times and is trained with GRPO on the verifier's
rewards. Both phases are TRL `GRPOTrainer`s (see trainer.py); this file only decides what each one sees.
"""

from __future__ import annotations

import functools
import gc
import os
import random
import resource
import time
import warnings
from pathlib import Path
from typing import Any, TypeVar

from tqdm.auto import tqdm
from transformers import set_seed

from agents import LanguageModel, Proposer, Sampling, Solver
from selfplay.components import make_proposer_reward, make_task, make_verifier
from selfplay.config import SelfPlayConfig, dump_config, one_model
from selfplay.distributed import gather, is_main, process_index, processes, sharded, wait_for_everyone
from selfplay.errors import ConfigError
from selfplay.evaluation import evaluate, load_eval_set
from selfplay.judging import ProposerReward, SolverReward, answers_sampled
from selfplay.instruments import instrument_metrics
from selfplay.metrics import (curriculum, eval_metrics, precision_by_bucket, proposer_metrics, records,
                              solver_metrics)
from selfplay.cache import publish_folder
from selfplay.replay import Replay
from selfplay.resume import STATE_FILE, capture_state, latest_state, load_weights, random_state, restore_state
from selfplay.rundir import RunDir, load_problems, read_metrics
from selfplay.tasks.base import Task
from selfplay.trainer import RoleTrainer, optimizer_steps_per_phase, phase_dataset
from selfplay.types import Judged, Proposal
from verifiers.base import Verifier

T = TypeVar("T")
from selfplay.warmstart import WARM_START_FILE, warm_start


class Session:
    """What a run of any method shares: the task and verifier, the held-out evaluation (at the start, every
    `evaluation.every` steps and at the end), the per-step log and problem records, checkpoints and the summary.
    A method's loop (here for self-play, methods.py for the others) decides only what is trained on."""

    def __init__(self, config: SelfPlayConfig, run_dir: RunDir, solver_model: LanguageModel, task: Task,
                 verifier: Verifier, started: float):
        self.config, self.run_dir, self.task, self.verifier = config, run_dir, task, verifier
        self.started = started  # when the run began, warm start included
        self.budget = {"optimizer_steps": 0, "sampled_answers": 0, "trained_examples": 0}
        solver_args = config.grpo_config("solver", "unused")
        self.solver = Solver(solver_model, task, Sampling.of(solver_args))
        eval_set = load_eval_set(task, config.evaluation)
        eval_tokens = config.evaluation.max_new_tokens or solver_args.max_completion_length
        self.evaluate_solver = functools.partial(evaluate, solver_model, task, eval_set, eval_tokens,
                                                 config.evaluation.k, config.evaluation.temperature,
                                                 sampling=self.solver.sampling)
        self.evaluations: dict[int, dict[str, Any]] = {}
        self.last: dict[str, Any] = {}
        self.models: tuple[LanguageModel | None, LanguageModel] = (None, solver_model)
        self.rng, self.trainers = random.Random(), {}
        self.replay = Replay(task, config.schedule.replay_size)  # the self-play loop's rehearsal (replay.py)

    def begin(self, models: tuple[LanguageModel | None, LanguageModel], rng: random.Random, trainers: dict[str, Any],
              resume: bool) -> int:
        """Start the run, or resume it from its last checkpoint; returns the last step already done. A fresh run
        evaluates the solver (step 0) and saves its starting state, so a run killed at any moment can resume."""
        self.models, self.rng, self.trainers = models, rng, trainers
        if resume and sharded():
            raise ConfigError("--resume does not work under DeepSpeed or FSDP yet: they split the optimizer state "
                              "over the processes and a checkpoint holds the main process's only")
        found = latest_state(self.run_dir) if resume else None
        if found is None:
            if resume:  # killed before its first state was saved: start over
                self.run_dir.roll_back(-1, 0)
            self.evaluate(0, {"step": 0})
            self.save(0, weights=False)  # the starting weights are where load_agents found them
            return 0
        folder, state = found
        if state["step"] > 0:
            for name, model in checkpoint_models(self.config, *models).items():
                load_weights(model, folder / name)
        counters = restore_state(state, rng, trainers, process_index())
        self.evaluations, self.budget, self.last = counters["evaluations"], counters["budget"], counters["last"]
        self.replay.restore(counters.get("replay", {}))
        self.started -= counters["elapsed"]  # wall time counts every session of the run
        self.run_dir.roll_back(state["step"], state["shards"])
        return state["step"]

    def evaluate(self, step: int, metrics: dict[str, Any]) -> None:
        """Held-out evaluation of the solver, added to `metrics` (by the main process; the others go on)."""
        if is_main():
            self.evaluations[step] = self.evaluate_solver()
            metrics.update(eval_metrics(self.evaluations[step]))
            if step == 0:
                self.run_dir.log_metrics(metrics)

    def save(self, step: int, weights: bool = True) -> None:
        """A checkpoint a run can resume from: records flushed first, then the weights and the training state."""
        generators = gather([random_state(self.rng)])  # every process's: each samples from its own
        if not is_main():
            return
        self.run_dir.flush_records()
        if sharded():  # the optimizer state is split over the processes: no resuming, and the weights are saved
            return     # at the end only (saving sharded weights from one process has not been run; SCALING.md)
        state = capture_state(step, generators, self.trainers, self.run_dir.shard_count,
                              {"evaluations": self.evaluations, "budget": self.budget, "last": self.last,
                               "elapsed": time.time() - self.started, "replay": self.replay.state()})
        save_checkpoint(self.run_dir, step, self.config, *(self.models if weights else (None, None)), state=state)

    def solver_step_metrics(self, judged: list[Judged]) -> tuple[dict[str, float], list[str | None]]:
        """The solver's metrics and instruments for the problems it answered this step, and their truths."""
        truths = self.task.truths([item.problem for item in judged])
        metrics = solver_metrics(self.task, judged, truths)
        metrics.update(instrument_metrics([[a.completion for a in item.attempts] for item in judged],
                                          [[a.answer for a in item.attempts] for item in judged],
                                          [item.problem.text for item in judged], self.config.instruments.markers))
        return metrics, truths

    def end_step(self, step: int, metrics: dict[str, Any], step_started: float, rows: list[dict[str, Any]],
                 reporter: Any) -> None:
        """Evaluate when due, then log the step's metrics, keep its records and save a checkpoint when due."""
        config = self.config
        if step == config.schedule.steps or (config.evaluation.every and step % config.evaluation.every == 0):
            self.evaluate(step, metrics)
        metrics["time/step_seconds"] = time.time() - step_started
        self.run_dir.log_metrics(metrics)
        reporter.report({k: v for k, v in metrics.items() if "/trl/" not in k and k != "step"}, step)
        self.run_dir.add_records(rows)
        self.last = metrics
        if step % config.run.shard_every == 0:
            self.run_dir.flush_records()
        if config.run.save_every and step % config.run.save_every == 0 and step != config.schedule.steps:
            self.save(step)

    def finish(self, warm: dict[str, Any]) -> dict[str, Any]:
        """Save the last checkpoint and write the summary (the main process; the others return an empty one)."""
        if not is_main():
            return {}
        self.run_dir.flush_records()
        steps = self.config.schedule.steps
        save_checkpoint(self.run_dir, steps, self.config, *self.models)
        spans = curriculum(read_metrics(self.run_dir.path))
        solver_rows = load_problems(self.run_dir.path).filter(lambda row: row["role"] == "solver").to_list()
        summary = {
            "method": self.config.method.name,
            "steps": steps,
            "wall_seconds": time.time() - self.started,
            "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "warm_start": warm,
            "budget": self.budget,
            "evaluation": {"start": self.evaluations[0], "end": self.evaluations[steps], "history": self.evaluations},
            "curriculum": spans,
            "verifier_by_bucket": precision_by_bucket(self.task, solver_rows, spans),
            "final_metrics": self.last,
        }
        self.run_dir.write_json("summary.json", summary)
        return summary


def train(config: SelfPlayConfig, run_dir: RunDir, progress: bool = True, resume: bool = False) -> dict[str, Any]:
    """Run the configured method (self-play by default), writing everything to `run_dir`; with `resume`, continue
    the run in `run_dir` from its last checkpoint. Returns the summary."""
    started = time.time()
    quiet_libraries()
    set_seed(config.run.seed)
    task = make_task(config.task)
    verifier = make_verifier(config.verifier)
    if not resume:
        run_dir.write_text("config.yaml", dump_config(config))
    if config.method.name != "selfplay":
        from selfplay.methods import train_method

        return train_method(config, run_dir, task, verifier, progress, started, resume)
    return train_selfplay(config, run_dir, task, verifier, progress, started, resume)


def train_selfplay(config: SelfPlayConfig, run_dir: RunDir, task: Task, verifier: Verifier, progress: bool,
                   started: float, resume: bool = False) -> dict[str, Any]:
    """Asymmetric self-play: each step a proposer phase, then a solver phase."""
    rng = random.Random(config.run.seed)
    proposer_score = make_proposer_reward(config.proposer_reward)
    proposer_model, solver_model, warm = load_agents(config, task)
    run_dir.write_json(WARM_START_FILE, warm)  # what the warm start did, for the report while the run goes on
    proposer_model, solver_model = anchor_on_disk(run_dir, config, proposer_model, solver_model)
    set_generation_batch(config, proposer_model, solver_model)
    models = (proposer_model, solver_model)
    proposer_args = config.grpo_config("proposer", run_dir.path / "trl" / "proposer")
    solver_args = config.grpo_config("solver", run_dir.path / "trl" / "solver")
    proposer = Proposer(proposer_model, task, Sampling.of(proposer_args))
    session = Session(config, run_dir, solver_model, task, verifier, started)
    solver, replay = session.solver, session.replay
    attempts = solver_args.num_generations  # the solver answers every problem this many times, in both phases
    proposals_per_step = proposer_args.generation_batch_size

    # One trainer per role, made once. With shared weights they share one optimizer and one LR schedule.
    steps = config.schedule.steps
    proposer_steps = [step for step in range(1, steps + 1) if trains_proposer(config, step)]
    solver_total = steps * optimizer_steps_per_phase(solver_args)
    proposer_total = len(proposer_steps) * optimizer_steps_per_phase(proposer_args)
    solver_reward = SolverReward(task, solver, verifier)
    proposer_reward = ProposerReward(task, solver, verifier, proposer_score, config.proposer_reward, attempts)
    tensorboard_dir = str(run_dir.path / "tensorboard")
    solver_trainer = RoleTrainer("solver", solver_model.model, solver_reward, solver_args, solver_model.tokenizer,
                                 total_optimizer_steps=solver_total + (proposer_total if config.model.shared else 0),
                                 tensorboard_dir=tensorboard_dir, adapter=solver_model.adapter)
    proposer_trainer = None
    if proposer_steps:
        proposer_trainer = RoleTrainer("proposer", proposer_model.model, proposer_reward, proposer_args,
                                       proposer_model.tokenizer, total_optimizer_steps=proposer_total,
                                       share_optimizer_with=solver_trainer if config.model.shared else None,
                                       tensorboard_dir=tensorboard_dir, adapter=proposer_model.adapter,
                                       share_engine_with=solver_trainer if one_model(config) else None)
    done = session.begin(models, rng, {"proposer": proposer_trainer, "solver": solver_trainer}, resume)
    gc.collect()
    gc.freeze()  # everything built so far lives all run: keep it out of the collections TRL triggers each phase

    bar = tqdm(range(done + 1, steps + 1), desc="self-play", unit="step", disable=not progress, initial=done,
               total=steps)
    budget = session.budget
    for step in bar:
        step_started = time.time()
        metrics: dict[str, Any] = {"step": step}

        # proposer phase
        proposer_trained = trains_proposer(config, step)
        if proposer_trained:
            prompts = [proposer.training_prompt()] * proposer_trainer.prompts_per_phase
            metrics.update(proposer_trainer.train_phase(phase_dataset({"prompt": prompts}), step))
            proposals = gather(proposer_reward.take())  # each process scored its share of the completions
            budget["optimizer_steps"] += proposer_trainer.optimizer_steps_per_phase
            budget["sampled_answers"] += answers_sampled(proposals, attempts)
        else:
            completions = proposer.propose(proposals_per_step // processes())  # each process writes its share
            proposals = gather([Proposal(text, problem) for text, problem in
                                zip(completions, proposer.parse(completions))])
        metrics.update(proposer_metrics(task, proposals, proposer_trained))
        metrics["time/proposer_seconds"] = time.time() - step_started

        # solver phase
        solver_started = time.time()
        valid = [proposal.problem for proposal in proposals if proposal.problem is not None]
        judged = []
        if valid:
            count = solver_trainer.prompts_per_phase
            replayed = replay.draw(rng, round(count * config.schedule.replay_share))
            problems = draw(rng, valid, count - len(replayed)) + replayed
            solver_reward.problems = problems
            dataset = phase_dataset({"prompt": [solver.training_prompt(p) for p in problems],
                                         "problem_index": list(range(count))})
            metrics.update(solver_trainer.train_phase(dataset, step))
            judged = gather(solver_reward.take())  # each process judged the groups of its share
            replay.add(judged)
            budget["optimizer_steps"] += solver_trainer.optimizer_steps_per_phase
            budget["sampled_answers"] += count * attempts
            budget["trained_examples"] += count * attempts
        solver_step, truths = session.solver_step_metrics(judged)
        metrics.update(solver_step)
        metrics["solver/skipped"] = float(not valid)  # no valid problem: nothing for the solver this step
        metrics["time/solver_seconds"] = time.time() - solver_started

        session.end_step(step, metrics, step_started, records(step, task, proposals, proposer_trained, judged, truths),
                         solver_trainer)
        bar.set_postfix({key.split("/")[-1]: f"{metrics[key]:.2f}" for key in
                         ("proposer/valid_rate", "proposer/difficulty_mean", "solver/reward_mean") if key in metrics})

    gc.unfreeze()
    return session.finish(warm)


def plan(config: SelfPlayConfig) -> dict[str, Any]:
    """Everything a run would build, except the model weights, checked and described: the `--dry-run`.
    Nothing is written and nothing is downloaded."""
    from pathlib import Path

    from agents.model import BUILTIN_TINY
    from selfplay.evaluation import generate_eval_set

    task = make_task(config.task)
    make_verifier(config.verifier)
    make_proposer_reward(config.proposer_reward)
    roles = {}
    for role in ("proposer", "solver"):
        args = config.grpo_config(role, "unused")
        roles[role] = {
            "prompts_per_phase": args.generation_batch_size // args.num_generations,
            "completions_per_phase": args.generation_batch_size,
            "optimizer_steps_per_phase": optimizer_steps_per_phase(args),
            "learning_rate": args.learning_rate, "beta": args.beta,
            "max_completion_length": args.max_completion_length, "use_vllm": args.use_vllm,
        }
    updates = sum(trains_proposer(config, step) for step in range(1, config.schedule.steps + 1))
    models = {}
    for role, source in (("proposer", config.model.name_or_path),
                         ("solver", config.model.name_or_path if config.model.shared
                          else config.model.solver_name_or_path or config.model.name_or_path)):
        if source == BUILTIN_TINY:
            models[role] = f"{source} (built in-process)"
        elif Path(source).exists():
            if not (Path(source) / "config.json").is_file():
                raise ConfigError(f"model folder {source} has no config.json")
            models[role] = f"{source} (local folder)"
        else:
            models[role] = f"{source} (hub id: not fetched in a dry run)"
    eval_set = generate_eval_set(task, config.evaluation)
    return {
        "task": task.name, "verifier": config.verifier.name, "proposer_reward": config.proposer_reward.name,
        "models": models, "shared_weights": config.model.shared, "warm_start_steps": config.model.warm_start.steps,
        "steps": config.schedule.steps, "proposer_updates": updates, "roles": roles,
        "replayed_per_solver_phase": round(roles["solver"]["prompts_per_phase"] * config.schedule.replay_share),
        "evaluation_problems": {bucket: eval_set["bucket"].count(bucket)
                                for bucket in dict.fromkeys(eval_set["bucket"])},
    }


def quiet_libraries() -> None:
    """The run has one progress bar: the libraries' own bars for each shard and checkpoint are turned off."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    # TRL's generation helper still asks for a renamed transformers property; the warning is TRL's to fix.
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)


def draw(rng: random.Random, pool: list[T], count: int) -> list[T]:
    """`count` items for one phase: distinct when the pool has enough, else drawn with repeats."""
    return rng.sample(pool, count) if len(pool) >= count else rng.choices(pool, k=count)


def trains_proposer(config: SelfPlayConfig, step: int) -> bool:
    every = config.schedule.proposer_every
    return every != "never" and step % every == 0


def load_agents(config: SelfPlayConfig, task: Task, with_proposer: bool = True,
                ) -> tuple[LanguageModel | None, LanguageModel, dict[str, Any]]:
    """The proposer's and the solver's models (one object when weights are shared), warm-started if configured.
    Without `with_proposer` (methods that have no proposer) a separate proposer is not built: None."""
    settings = config.model
    warm_config = settings.warm_start
    hint = config.method.hint_template if warm_config.hint_share else None
    if settings.lora.enabled:
        return load_lora_agents(config, task, hint)
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
    fingerprint = {"model": settings.name_or_path, "tiny": vars(settings.tiny), "dtype": settings.dtype,
                   "chat": solver_model.use_chat_template}  # examples are formatted differently with a template
    if settings.shared:
        model, warm = warm_start(proposer_model, task, warm_config, ("proposer", "solver"), config.run.seed,
                                 fingerprint, hint)
        return model, model, warm
    warm = {}
    fingerprint["solver_model"] = settings.solver_name_or_path
    if proposer_model is not None:
        proposer_model, warm["proposer"] = warm_start(proposer_model, task, warm_config, ("proposer",),
                                                      config.run.seed, fingerprint)
    solver_model, warm["solver"] = warm_start(solver_model, task, warm_config, ("solver",), config.run.seed + 1,
                                              fingerprint, hint)
    return proposer_model, solver_model, warm


def load_lora_agents(config: SelfPlayConfig, task: Task, hint: str | None,
                     ) -> tuple[LanguageModel, LanguageModel, dict[str, Any]]:
    """One base model, warm-started for both roles if configured, then frozen under LoRA adapters: `proposer`
    and `solver`, or one `shared` adapter when `model.shared` is true. Each role gets a view of the same PEFT
    model that generates and trains with its own adapter."""
    from peft import LoraConfig, get_peft_model

    settings = config.model
    base = LanguageModel.load(settings.name_or_path, settings.chat_template, settings.dtype, settings.tiny)
    warm: dict[str, Any] = {"steps": 0}
    if settings.warm_start.steps:
        fingerprint = {"model": settings.name_or_path, "tiny": vars(settings.tiny), "dtype": settings.dtype,
                       "chat": base.use_chat_template}
        base, warm = warm_start(base, task, settings.warm_start, ("proposer", "solver"), config.run.seed,
                                fingerprint, hint)
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
    if all(model.model.config._name_or_path for model in models):
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


def checkpoint_models(config: SelfPlayConfig, proposer_model: LanguageModel | None,
                      solver_model: LanguageModel | None) -> dict[str, LanguageModel]:
    """The models a checkpoint holds, by folder name: `model` (shared weights), else `proposer` and `solver`."""
    if config.model.shared:
        return {"model": solver_model} if solver_model is not None else {}
    return {name: model for name, model in (("proposer", proposer_model), ("solver", solver_model))
            if model is not None}


def save_checkpoint(run_dir: RunDir, step: int, config: SelfPlayConfig, proposer_model: LanguageModel | None,
                    solver_model: LanguageModel | None, state: dict[str, Any] | None = None) -> None:
    """checkpoints/step-N/ with the models (`checkpoint_models`) and, for a run to resume from, the training
    state (resume.py), written beside the folder and renamed into place. A folder that exists already (the
    step-0 anchor) gets the state added, also atomically."""
    import torch

    folder = run_dir.checkpoint_dir(step)

    def write(staging: str) -> None:
        for name, model in checkpoint_models(config, proposer_model, solver_model).items():
            model.save(Path(staging) / name)
        if state is not None:
            torch.save(state, Path(staging) / STATE_FILE)

    if not folder.exists():
        publish_folder(folder, write)
    elif state is not None:
        staging = folder / f".{STATE_FILE}.tmp"
        torch.save(state, staging)
        os.replace(staging, folder / STATE_FILE)
