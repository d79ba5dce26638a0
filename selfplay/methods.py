"""The methods self-play is compared with, trained on the same task, model, budget and evaluation.

Self-play (loop.py) has a proposer write the problems. The methods here have none: each step they draw the same
number of problems from a fixed set the task generates once, let the solver answer each one as many times as
self-play would, and learn from those answers in their own way:

    rlvr          GRPO with the verifier's rewards (self-play's solver phase, on fixed problems)
    self_distill  supervised fine-tuning on every answer it sampled, unfiltered
    filtered      supervised fine-tuning only on the answers the verifier accepts (STaR, ReST-EM, expert
                  iteration, the self-improving transformers' filtered self-labelling)
    sft           supervised fine-tuning on the true answers: the upper reference, it sees the labels
    rationalize   STaR's rationalization: the model answers again while shown the true answer as a hint, and
                  is fine-tuned, without the hint, on those of its hinted answers that are right

Every method takes the same optimizer steps (one update per step, as the solver phase of self-play with the
default settings) and samples the same answers, which are judged, recorded and measured (instruments.py)
whether or not the method trains on them; `summary.json` records the budget each one used.
"""

from __future__ import annotations

import gc
import random
import time
from typing import Any

from tqdm.auto import tqdm

from agents import LanguageModel, Solver
from agents.model import guarded
from selfplay.config import SelfPlayConfig
from selfplay.distributed import gather, my_share
from selfplay.errors import ConfigError
from selfplay.judging import judge_problems, solver_groups
from selfplay.loading import (anchor_on_disk, load_agents, sampling_through, seat_committee,
                              set_generation_batch)
from selfplay.metrics import records
from selfplay.replay import draw
from selfplay.rundir import RunDir
from selfplay.session import Session
from selfplay.tasks.base import Task
from selfplay.trainer import PhaseSFTTrainer, RoleTrainer, optimizer_steps_per_phase, phase_dataset
from selfplay.types import Judged, Problem
from selfplay.warmstart import WARM_START_FILE, hinted_prompt
from verifiers.base import Verifier


def problem_set(task: Task, config: SelfPlayConfig) -> list[Problem]:
    """The fixed problems of the methods without a proposer: `method.problems` distinct problems, difficulties
    spread evenly over the configured range, generated from `method.seed` (the same set for every method)."""
    settings = config.method
    rng = random.Random(settings.seed)
    levels = range(settings.min_difficulty, settings.max_difficulty + 1)
    problems: dict[str, Problem] = {}
    for attempt in range(settings.problems * 20):  # small ranges run out of distinct problems: stop trying
        if len(problems) == settings.problems:
            break
        try:
            problem = task.sample_problem(rng, levels[attempt % len(levels)])
        except (ValueError, NotImplementedError) as error:
            raise ConfigError(f"method {settings.name!r} needs problems the task generates: {error}") from None
        problems.setdefault(problem.text, problem)
    return list(problems.values())


def train_method(config: SelfPlayConfig, run_dir: RunDir, task: Task, verifier: Verifier, progress: bool,
                 started: float, resume: bool = False) -> dict[str, Any]:
    """Train the solver with `config.method.name` (anything but self-play) for `schedule.steps` steps."""
    method = config.method.name
    rng = random.Random(config.run.seed)
    problems_pool = problem_set(task, config)
    _, solver_model, warm = load_agents(config, task, with_proposer=False, progress=progress)
    run_dir.write_json(WARM_START_FILE, warm)  # what the warm start did, for the report while the run goes on
    _, solver_model = anchor_on_disk(run_dir, config, None, solver_model)
    set_generation_batch(config, solver_model)
    session = Session(config, run_dir, solver_model, task, verifier, started)
    session.committee = seat_committee(config, run_dir, task, verifier, session.solver.sampling, progress)
    solver = session.solver
    solver_args = config.grpo_config("solver", run_dir.path / "trl" / "solver")
    attempts = solver_args.num_generations
    count = solver_args.generation_batch_size // attempts  # problems per step, as in self-play's solver phase
    steps = config.schedule.steps
    tensorboard_dir = str(run_dir.path / "tensorboard")
    if method == "rlvr":
        trainer: RoleTrainer | PhaseSFTTrainer = RoleTrainer(
            "solver", solver_model.model, solver_args, solver_model.tokenizer,
            total_optimizer_steps=steps * optimizer_steps_per_phase(solver_args), tensorboard_dir=tensorboard_dir,
            reward_name="verifier")
        solver = Solver(sampling_through(solver_model, trainer), task, solver.sampling)  # through its vLLM engine
    else:
        trainer = PhaseSFTTrainer("solver", solver_model.model, config.sft_config(run_dir.path / "trl" / "solver"),
                                  solver_model.tokenizer, total_optimizer_steps=steps, tensorboard_dir=tensorboard_dir)
    done = session.begin((None, solver_model), rng, {"solver": trainer}, resume)
    gc.collect()
    gc.freeze()

    budget = session.budget
    bar = tqdm(range(done + 1, steps + 1), desc=method, unit="step", disable=not progress, initial=done, total=steps)
    for step in bar:
        step_started = time.time()
        metrics: dict[str, Any] = {"step": step}
        problems = draw(rng, problems_pool, count)
        # each process answers its share of the problems; every process learns from all of them
        mine, own = my_share(problems)
        judged = gather(judge_problems(mine, solver, verifier, task, attempts)[:own])
        if session.committee is not None:  # a committee that learns: every few steps, on what it labelled
            metrics.update(session.committee.after_step(step, judged))
        if method == "rlvr":  # GRPO on these answers and the verifier's rewards, as self-play's solver
            groups = solver_groups(solver, judged, config.solver_reward.partial_credit)
            metrics.update(trainer.train_phase(groups, step))
            budget["optimizer_steps"] += trainer.optimizer_steps_per_phase
            budget["trained_examples"] += sum(reward is not None for group in groups for reward in group.rewards)
        else:
            examples = fine_tuning_examples(method, judged, task, solver, config, attempts, budget, rng)
            metrics["method/kept_examples"] = float(len(examples))
            if examples:  # `filtered` may keep nothing from a step: then it takes no step
                metrics.update(trainer.train_phase(phase_dataset({
                    "prompt": [solver_model.training_prompt(prompt) for prompt, _ in examples],
                    "completion": [completion_message(solver_model, text) for _, text in examples]}), step))
                budget["optimizer_steps"] += trainer.optimizer_steps_per_phase
                budget["trained_examples"] += len(examples)
        budget["sampled_answers"] += count * attempts
        metrics.update(session.solver_step_metrics(judged))
        session.end_step(step, metrics, step_started, records(step, task, [], False, judged), trainer)
        bar.set_postfix({key.split("/")[-1]: f"{metrics[key]:.2f}" for key in
                         ("solver/accuracy", "solver/reward_mean") if key in metrics})
    gc.unfreeze()
    return session.finish(warm)


# The methods besides self-play (loop.py), by the name a config gives (`method.name`). A user's own method is named
# by import path, 'package.module:function', and is called as these are:
# (config, run_dir, task, verifier, progress, started, resume) -> the run's summary.
METHODS = {name: train_method for name in ("rlvr", "self_distill", "filtered", "sft", "rationalize")}


def fine_tuning_examples(method: str, judged: list[Judged], task: Task, solver: Solver, config: SelfPlayConfig,
                         attempts: int, budget: dict[str, int], rng: random.Random) -> list[tuple[str, str]]:
    """The (prompt, completion) pairs a fine-tuning method learns from this step (`sft`: what the warm start
    teaches, `task.teaching_completion`, drawn with `rng`)."""
    accept = config.method.accept_reward
    if method == "self_distill":
        return [(task.solver_prompt(item.problem), attempt.completion) for item in judged for attempt in item.attempts]
    if method == "filtered":
        return [(task.solver_prompt(item.problem), attempt.completion) for item in judged
                for attempt, reward in zip(item.attempts, item.verdict.rewards)
                if reward is not None and reward >= accept]
    truths = [item.truth for item in judged]
    unknown = next((item.problem.text for item in judged if item.truth is None), None)
    if unknown is not None:  # these methods teach the truth: never "None"
        raise ConfigError(f"method {method!r} needs the truth of every problem, and task {task.name!r} has none for "
                          f"{unknown[:80]!r}")
    if method == "sft":
        return [(task.solver_prompt(item.problem), task.teaching_completion(item.problem, truth, rng))
                for item, truth in zip(judged, truths) if truth is not None]
    if method == "rationalize":
        labelled = [(item.problem, truth) for item, truth in zip(judged, truths) if truth is not None]
        budget["sampled_answers"] += len(labelled) * attempts
        mine, own = my_share(labelled)  # each process asks the hinted teacher about its share
        hinted = [hinted_prompt(config.method.hint_template, task.solver_prompt(problem), truth, task)
                  for problem, truth in mine]
        teacher = solver.sample(hinted, attempts)[:own]
        return gather([(task.solver_prompt(problem), attempt.completion)
                       for (problem, truth), group in zip(mine, teacher) for attempt in solver.read(group)
                       if guarded(lambda answer: task.is_correct(problem, answer, truth), attempt.answer)])
    raise ConfigError(f"unknown method {method!r}")


def completion_message(model: LanguageModel, text: str) -> str | list[dict[str, str]]:
    """A completion as TRL's SFTTrainer expects it next to the prompt: conversational when prompts are."""
    return [{"role": "assistant", "content": text}] if model.use_chat_template else text
