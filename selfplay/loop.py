"""The self-play loop, top to bottom.

Each step has two phases. In the proposer phase the proposer writes a batch of problems; every `proposer_every`
steps it is also trained on them with GRPO, each problem rewarded by how the solver does on it. In the solver
phase the solver answers a batch of those problems several times and is trained with GRPO on the verifier's
rewards. Both phases are TRL `GRPOTrainer`s (see trainer.py); this file only decides what each one sees.
"""

from __future__ import annotations

import functools
import gc
import random
import resource
import time
import warnings
from typing import Any

from datasets import Dataset
from tqdm.auto import tqdm
from transformers import set_seed

from agents import LanguageModel, Proposer, Solver
from selfplay.components import make_proposer_reward, make_task, make_verifier
from selfplay.config import SelfPlayConfig, dump_config
from selfplay.errors import ConfigError
from selfplay.evaluation import evaluate, load_eval_set
from selfplay.judging import ProposerReward, SolverReward
from selfplay.metrics import (curriculum, eval_metrics, ground_truth, precision_by_bucket, proposer_metrics, records,
                              solver_metrics)
from selfplay.rundir import RunDir, load_problems, read_metrics
from selfplay.tasks.base import Task
from selfplay.trainer import RoleTrainer, optimizer_steps_per_phase
from selfplay.types import Proposal
from selfplay.warmstart import warm_start


def train(config: SelfPlayConfig, run_dir: RunDir, progress: bool = True) -> dict[str, Any]:
    """Run self-play as configured, writing everything to `run_dir`. Returns the run's summary."""
    started = time.time()
    quiet_libraries()
    set_seed(config.run.seed)
    rng = random.Random(config.run.seed)
    task = make_task(config.task)
    verifier = make_verifier(config.verifier)
    proposer_score = make_proposer_reward(config.proposer_reward)
    run_dir.write_text("config.yaml", dump_config(config))

    proposer_model, solver_model, warm = load_agents(config, task)
    proposer_model, solver_model = anchor_on_disk(run_dir, config, proposer_model, solver_model)
    proposer_args = config.grpo_config("proposer", run_dir.path / "trl" / "proposer")
    solver_args = config.grpo_config("solver", run_dir.path / "trl" / "solver")
    proposer = Proposer(proposer_model, task, proposer_args.max_completion_length, proposer_args.temperature,
                        proposer_args.top_p)
    solver = Solver(solver_model, task, solver_args.max_completion_length, solver_args.temperature,
                    solver_args.top_p)
    attempts = solver_args.num_generations  # the solver answers every problem this many times, in both phases
    proposals_per_step = proposer_args.generation_batch_size
    eval_set = load_eval_set(task, config.evaluation)
    eval_tokens = config.evaluation.max_new_tokens or solver_args.max_completion_length
    evaluate_solver = functools.partial(evaluate, solver_model, task, eval_set, eval_tokens, config.evaluation.k,
                                        config.evaluation.temperature)
    evaluations = {0: evaluate_solver()}  # the starting point
    run_dir.log_metrics({"step": 0, **eval_metrics(evaluations[0])})

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
                                 tensorboard_dir=tensorboard_dir)
    proposer_trainer = None
    if proposer_steps:
        proposer_trainer = RoleTrainer("proposer", proposer_model.model, proposer_reward, proposer_args,
                                       proposer_model.tokenizer, total_optimizer_steps=proposer_total,
                                       share_optimizer_with=solver_trainer if config.model.shared else None,
                                       tensorboard_dir=tensorboard_dir)
    gc.collect()
    gc.freeze()  # everything built so far lives all run: keep it out of the collections TRL triggers each phase

    bar = tqdm(range(1, steps + 1), desc="self-play", unit="step", disable=not progress)
    last: dict[str, float] = {}
    for step in bar:
        step_started = time.time()
        metrics: dict[str, Any] = {"step": step}

        # proposer phase
        proposer_trained = trains_proposer(config, step)
        if proposer_trained:
            prompts = [proposer.training_prompt()] * proposer_trainer.prompts_per_phase
            metrics.update(proposer_trainer.train_phase(Dataset.from_dict({"prompt": prompts}), step))
            proposals = proposer_reward.take()
        else:
            completions = proposer.propose(proposals_per_step)
            proposals = [Proposal(text, problem) for text, problem in zip(completions, proposer.parse(completions))]
        metrics.update(proposer_metrics(task, proposals, proposer_trained))
        metrics["time/proposer_seconds"] = time.time() - step_started

        # solver phase
        solver_started = time.time()
        valid = [proposal.problem for proposal in proposals if proposal.problem is not None]
        judged = []
        if valid:
            count = solver_trainer.prompts_per_phase
            problems = rng.sample(valid, count) if len(valid) >= count else rng.choices(valid, k=count)
            solver_reward.problems = problems
            dataset = Dataset.from_dict({"prompt": [solver.training_prompt(p) for p in problems],
                                         "problem_index": list(range(count))})
            metrics.update(solver_trainer.train_phase(dataset, step))
            judged = solver_reward.take()
        truths = [ground_truth(task, item.problem) for item in judged]
        metrics.update(solver_metrics(task, judged, truths))
        metrics["solver/skipped"] = float(not valid)  # no valid problem: nothing for the solver this step
        metrics["time/solver_seconds"] = time.time() - solver_started

        # evaluate (held-out, greedy), now and then
        if step == steps or (config.evaluation.every and step % config.evaluation.every == 0):
            evaluations[step] = evaluate_solver()
            metrics.update(eval_metrics(evaluations[step]))
        metrics["time/step_seconds"] = time.time() - step_started

        # record
        run_dir.log_metrics(metrics)
        solver_trainer.report({k: v for k, v in metrics.items() if "/trl/" not in k and k != "step"}, step)
        run_dir.add_records(records(step, task, proposals, proposer_trained, judged, truths))
        if step % config.run.shard_every == 0:
            run_dir.flush_records()
        if config.run.save_every and step % config.run.save_every == 0 and step != steps:
            save_checkpoint(run_dir, step, config, proposer_model, solver_model)
        last = metrics
        bar.set_postfix({key.split("/")[-1]: f"{last[key]:.2f}" for key in
                         ("proposer/valid_rate", "proposer/difficulty_mean", "solver/reward_mean") if key in last})

    gc.unfreeze()
    run_dir.flush_records()
    save_checkpoint(run_dir, steps, config, proposer_model, solver_model)
    spans = curriculum(read_metrics(run_dir.path))
    solver_rows = load_problems(run_dir.path).filter(lambda row: row["role"] == "solver").to_list()
    summary = {
        "steps": steps,
        "wall_seconds": time.time() - started,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "warm_start": warm,
        "evaluation": {"start": evaluations[0], "end": evaluations[steps], "history": evaluations},
        "curriculum": spans,
        "verifier_by_bucket": precision_by_bucket(task, solver_rows, spans),
        "final_metrics": last,
    }
    run_dir.write_json("summary.json", summary)
    return summary


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
        "evaluation_problems": {bucket: eval_set["bucket"].count(bucket) for bucket in dict.fromkeys(eval_set["bucket"])},
    }


def quiet_libraries() -> None:
    """The run has one progress bar: the libraries' own bars for each shard and checkpoint are turned off."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    # TRL's generation helper still asks for a renamed transformers property; the warning is TRL's to fix.
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)


def trains_proposer(config: SelfPlayConfig, step: int) -> bool:
    every = config.schedule.proposer_every
    return every != "never" and step % every == 0


def load_agents(config: SelfPlayConfig, task: Task) -> tuple[LanguageModel, LanguageModel, dict[str, Any]]:
    """The proposer's and the solver's models (one object when weights are shared), warm-started if configured."""
    settings = config.model
    proposer_model = LanguageModel.load(settings.name_or_path, settings.chat_template, settings.dtype, settings.tiny)
    if settings.shared:
        solver_model = proposer_model
    else:
        set_seed(config.run.seed + 1)  # a separately initialised solver when both start from builtin:tiny
        solver_model = LanguageModel.load(settings.solver_name_or_path or settings.name_or_path,
                                          settings.chat_template, settings.dtype, settings.tiny)
    if not settings.warm_start.steps:
        return proposer_model, solver_model, {"steps": 0}
    fingerprint = {"model": settings.name_or_path, "tiny": vars(settings.tiny), "dtype": settings.dtype,
                   "chat": proposer_model.use_chat_template}  # examples are formatted differently with a template
    if settings.shared:
        model, warm = warm_start(proposer_model, task, settings.warm_start, ("proposer", "solver"),
                                 config.run.seed, fingerprint)
        return model, model, warm
    fingerprint["solver_model"] = settings.solver_name_or_path
    proposer_model, proposer_warm = warm_start(proposer_model, task, settings.warm_start, ("proposer",),
                                               config.run.seed, fingerprint)
    solver_model, solver_warm = warm_start(solver_model, task, settings.warm_start, ("solver",),
                                           config.run.seed + 1, fingerprint)
    return proposer_model, solver_model, {"proposer": proposer_warm, "solver": solver_warm}


def anchor_on_disk(run_dir: RunDir, config: SelfPlayConfig, proposer_model: LanguageModel,
                   solver_model: LanguageModel) -> tuple[LanguageModel, LanguageModel]:
    """A model built in memory (builtin:tiny without a warm start) is saved as the run's step-0 checkpoint and
    loaded back from it: the starting weights are kept, and TRL can reload a reference model from that path
    when beta > 0."""
    if proposer_model.model.config._name_or_path and solver_model.model.config._name_or_path:
        return proposer_model, solver_model
    save_checkpoint(run_dir, 0, config, proposer_model, solver_model)
    folder = run_dir.checkpoint_dir(0)
    if config.model.shared:
        model = LanguageModel.load(str(folder / "model"), "on" if proposer_model.use_chat_template else "off")
        return model, model
    return (LanguageModel.load(str(folder / "proposer"), "on" if proposer_model.use_chat_template else "off"),
            LanguageModel.load(str(folder / "solver"), "on" if solver_model.use_chat_template else "off"))


def save_checkpoint(run_dir: RunDir, step: int, config: SelfPlayConfig, proposer_model: LanguageModel,
                    solver_model: LanguageModel) -> None:
    folder = run_dir.checkpoint_dir(step)
    if config.model.shared:
        proposer_model.save(folder / "model")
    else:
        proposer_model.save(folder / "proposer")
        solver_model.save(folder / "solver")
