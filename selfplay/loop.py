"""The self-play loop, top to bottom.

Each step is one pass. The proposer writes problems and the task parses them; the solver answers each distinct
problem N times (one sampling pass, together with a few problems replayed from earlier steps); the verifier judges
each group of answers once, and the problem's ground truth goes on the record beside its verdict. From those
verdicts come both rewards: the proposer's for each problem it wrote (how the solver did on it), the solver's for
each answer. Then both roles learn from these same samples with GRPO: the proposer every `proposer_every` steps,
the solver every step. TRL's GRPOTrainer is the engine of each update (trainer.py); this file owns the data.
"""

from __future__ import annotations

import gc
import random
import time
import warnings
from typing import Any

from tqdm.auto import tqdm
from transformers import set_seed

from agents import LanguageModel, Proposer, Sampling, Solver
from selfplay.components import make_proposer_reward, make_task, make_verifier
from selfplay.config import SelfPlayConfig, dump_config, one_model
from selfplay.distributed import gather, my_share, processes
from selfplay.errors import ConfigError
from selfplay.judging import judge, score_proposals, solver_groups
from selfplay.loading import (anchor_on_disk, load_agents, sampling_through, seat_committee,
                              set_generation_batch)
from selfplay.methods import METHODS
from selfplay.names import resolve
from selfplay.metrics import proposer_metrics, records
from selfplay.rundir import RunDir
from selfplay.session import Session
from selfplay.tasks.base import Task
from selfplay.trainer import Group, RoleTrainer, optimizer_steps_per_phase
from selfplay.replay import draw
from selfplay.types import Judged, Problem, Proposal
from selfplay.warmstart import WARM_START_FILE
from verifiers.base import Verifier

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
    method = resolve("method", config.method.name, {"selfplay": train_selfplay, **METHODS})
    return method(config, run_dir, task, verifier, progress, started, resume)


def train_selfplay(config: SelfPlayConfig, run_dir: RunDir, task: Task, verifier: Verifier, progress: bool,
                   started: float, resume: bool = False) -> dict[str, Any]:
    """Asymmetric self-play: each step, one pass of propose, answer, judge, and both roles' updates."""
    rng = random.Random(config.run.seed)
    proposer_score = make_proposer_reward(config.proposer_reward)
    proposer_model, solver_model, warm = load_agents(config, task, progress=progress)
    run_dir.write_json(WARM_START_FILE, warm)  # what the warm start did, for the report while the run goes on
    proposer_model, solver_model = anchor_on_disk(run_dir, config, proposer_model, solver_model)
    set_generation_batch(config, proposer_model, solver_model)
    # Every TRL config is built before the trainers: building one resets accelerate's state, which a trainer uses.
    proposer_sampling = Sampling.of(config.grpo_config("proposer", "unused"))
    session = Session(config, run_dir, solver_model, task, verifier, started)
    session.committee = seat_committee(config, run_dir, task, verifier, session.solver.sampling, progress)
    proposer_trainer, solver_trainer = role_trainers(config, run_dir, proposer_model, solver_model)
    proposer = Proposer(sampling_through(proposer_model, proposer_trainer), task, proposer_sampling)
    solver = Solver(sampling_through(solver_model, solver_trainer), task, session.solver.sampling)
    replay, budget = session.replay, session.budget
    attempts = solver_trainer.num_generations  # answers per problem: the solver's GRPO group
    groups_per_phase = solver_trainer.prompts_per_phase  # problems the solver trains on per step
    steps = config.schedule.steps
    done = session.begin((proposer_model, solver_model), rng,
                         {"proposer": proposer_trainer, "solver": solver_trainer}, resume)
    gc.collect()
    gc.freeze()  # everything built so far lives all run: keep it out of the collections TRL triggers each phase

    bar = tqdm(range(done + 1, steps + 1), desc="self-play", unit="step", disable=not progress, initial=done,
               total=steps)
    for step in bar:
        step_started = time.time()
        metrics: dict[str, Any] = {"step": step}
        proposer_trains = trains_proposer(config, step)

        # The proposer writes problems: a whole batch of GRPO groups when it trains on them, else only as many as
        # the solver uses beside the replayed ones (at least one group is left to fresh problems, however high
        # `replay_share`). Each process writes its share; the task parses each one.
        replayed = replay.draw(rng, min(round(groups_per_phase * config.schedule.replay_share), groups_per_phase - 1))
        wanted = proposer_trainer.completions_per_phase if proposer_trains else groups_per_phase - len(replayed)
        proposals = gather(proposer.write(-(-wanted // processes())))
        fresh = distinct(proposal.problem for proposal in proposals)
        fresh_keys = {problem.key for problem in fresh}
        replayed = [p for p in distinct(replayed) if p.key not in fresh_keys] if fresh else []

        # The solver answers each problem `attempts` times, in one pass; the verifier judges each group once.
        # Each process answers and judges its share of the problems (the same number on each: `my_share`).
        mine, own = my_share(fresh + replayed)
        judged = gather(judge(verifier, task, mine, solver.solve(mine, attempts))[:own])
        by_key = {item.problem.key: item for item in judged}
        if session.committee is not None:  # a committee that learns: every few steps, on what it labelled
            metrics.update(session.committee.after_step(step, judged))

        # The proposer's reward for each problem, from the verdict on the solver's answers to it.
        proposals = score_proposals(proposals, by_key, proposer_score, config.proposer_reward)
        metrics.update(proposer_metrics(task, proposals, proposer_trains))
        metrics["time/sampling_seconds"] = time.time() - step_started  # writing, answering, judging

        # Both roles learn from these same samples: the proposer from its completions and their rewards, the
        # solver from its answers (one GRPO group per problem) and the verifier's rewards. The solver trains on a
        # fixed number of groups: the fresh ones (a random subset, or repeats that carry no weight when there are
        # fewer) and the replayed ones. With shared weights the solver's samples were drawn before the proposer's
        # update.
        update_started = time.time()
        if proposer_trains:
            metrics.update(proposer_trainer.train_phase(
                proposer_groups(proposer, proposals, proposer_trainer.num_generations), step))
            budget["optimizer_steps"] += proposer_trainer.optimizer_steps_per_phase
        solver_batch: list[Judged] = []
        if fresh:
            fresh_judged = [by_key[problem.key] for problem in fresh]
            solver_batch = draw(rng, fresh_judged, groups_per_phase - len(replayed))
            solver_batch += [by_key[problem.key] for problem in replayed]
            groups = solver_groups(solver, solver_batch, config.solver_reward.partial_credit)
            metrics.update(solver_trainer.train_phase(groups, step))
            replay.add(judged)
            budget["optimizer_steps"] += solver_trainer.optimizer_steps_per_phase
            budget["trained_examples"] += sum(reward is not None for group in groups for reward in group.rewards)
        budget["sampled_answers"] += len(judged) * attempts
        metrics.update(session.solver_step_metrics(judged))
        metrics["solver/skipped"] = float(not fresh)  # no valid problem: nothing for the solver this step
        metrics["time/update_seconds"] = time.time() - update_started

        trained = {item.problem.key for item in solver_batch}
        session.end_step(step, metrics, step_started, records(step, task, proposals, proposer_trains, judged,
                                                               trained), solver_trainer)
        bar.set_postfix({key.split("/")[-1]: f"{metrics[key]:.2f}" for key in
                         ("proposer/valid_rate", "proposer/difficulty_mean", "solver/reward_mean") if key in metrics})

    gc.unfreeze()
    return session.finish(warm)


def distinct(problems: Any) -> list[Problem]:
    """The problems that are not None, each once (by `Problem.key`), in order."""
    return list({problem.key: problem for problem in problems if problem is not None}.values())


def proposer_groups(proposer: Proposer, proposals: list[Proposal], size: int) -> list[Group]:
    """The proposer's GRPO groups: its completions of the one topic prompt, in runs of `size`, with their rewards."""
    prompt = proposer.model.training_prompt(proposer.task.proposer_prompt())
    return [Group(prompt, [p.sample for p in proposals[i : i + size]], [p.reward for p in proposals[i : i + size]])
            for i in range(0, len(proposals), size)]


def role_trainers(config: SelfPlayConfig, run_dir: RunDir, proposer_model: LanguageModel,
                  solver_model: LanguageModel) -> tuple[RoleTrainer | None, RoleTrainer]:
    """One TRL trainer per role, made once (the proposer's only if it ever trains). With shared weights they share
    one optimizer and one learning-rate schedule over both roles' steps, and with vLLM, one engine."""
    proposer_args = config.grpo_config("proposer", run_dir.path / "trl" / "proposer")
    solver_args = config.grpo_config("solver", run_dir.path / "trl" / "solver")
    steps = config.schedule.steps
    proposer_total = optimizer_steps_per_phase(proposer_args) * sum(trains_proposer(config, step)
                                                                      for step in range(1, steps + 1))
    solver_total = optimizer_steps_per_phase(solver_args) * steps
    tensorboard_dir = str(run_dir.path / "tensorboard")
    solver_trainer = RoleTrainer("solver", solver_model.model, solver_args, solver_model.tokenizer,
                                 total_optimizer_steps=solver_total + (proposer_total if config.model.shared else 0),
                                 tensorboard_dir=tensorboard_dir, adapter=solver_model.adapter,
                                 reward_name="verifier")
    if not proposer_total:
        return None, solver_trainer
    proposer_trainer = RoleTrainer("proposer", proposer_model.model, proposer_args, proposer_model.tokenizer,
                                   total_optimizer_steps=proposer_total,
                                   share_optimizer_with=solver_trainer if config.model.shared else None,
                                   tensorboard_dir=tensorboard_dir, adapter=proposer_model.adapter,
                                   share_engine_with=solver_trainer if one_model(config) else None)
    return proposer_trainer, solver_trainer


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


def trains_proposer(config: SelfPlayConfig, step: int) -> bool:
    every = config.schedule.proposer_every
    return every != "never" and step % every == 0
