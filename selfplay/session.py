"""The run recorder every method shares: held-out evaluations, the per-step log and problem records,
checkpoints to resume from, and the summary at the end."""

from __future__ import annotations

import functools
import random
import resource
import time
from typing import Any

from agents import LanguageModel, Sampling, Solver
from selfplay.committee import CommitteeRounds, member_name
from selfplay.config import SelfPlayConfig
from selfplay.distributed import gather, is_main, process_index, sharded
from selfplay.errors import ConfigError
from selfplay.evaluation import evaluate, load_eval_set
from selfplay.instruments import instrument_metrics
from selfplay.metrics import curriculum, eval_metrics, precision_by_bucket, solver_metrics, vote_calibration
from selfplay.replay import Replay
from selfplay.resume import (capture_state, checkpoint_models, latest_state, load_weights, random_state,
                             restore_state, save_checkpoint)
from selfplay.rundir import RunDir, load_problems, read_metrics
from selfplay.tasks.base import Task
from selfplay.types import Judged
from verifiers.base import Verifier


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
                                                 sampling=self.solver.sampling, markers=config.instruments.markers)
        self.evaluations: dict[int, dict[str, Any]] = {}
        self.last: dict[str, Any] = {}
        self.models: tuple[LanguageModel | None, LanguageModel] = (None, solver_model)
        self.rng, self.trainers = random.Random(), {}
        self.replay = Replay(task, config.schedule.replay_size)  # the self-play loop's rehearsal (replay.py)
        self.committee: CommitteeRounds | None = None  # a learning committee's rounds (committee.py), if any

    def begin(self, models: tuple[LanguageModel | None, LanguageModel], rng: random.Random, trainers: dict[str, Any],
              resume: bool) -> int:
        """Start the run, or resume it from its last checkpoint; returns the last step already done. A fresh run
        evaluates the solver (step 0) and saves its starting state, so a run killed at any moment can resume."""
        members = self.committee_members()
        if self.committee is not None:
            trainers = {**trainers, **{name: self.committee.trainers[index] for index, name in enumerate(members)}}
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
            for name, model in {**checkpoint_models(self.config, *models), **members}.items():
                load_weights(model, folder / name)
        counters = restore_state(state, rng, trainers, process_index())
        if self.committee is not None:
            self.committee.restore(counters.get("committee", []))
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
                               "elapsed": time.time() - self.started, "replay": self.replay.state(),
                               "committee": self.committee.state() if self.committee is not None else []})
        save_checkpoint(self.run_dir, step, self.config, *(self.models if weights else (None, None)), state=state,
                        others=self.committee_members() if weights else None)

    def committee_members(self) -> dict[str, LanguageModel]:
        """A learning committee's members by checkpoint folder name (none when the committee does not learn)."""
        if self.committee is None:
            return {}
        return {member_name(index): member for index, member in enumerate(self.committee.members)}

    def solver_step_metrics(self, judged: list[Judged]) -> dict[str, float]:
        """The solver's metrics and instruments for the problems it answered this step."""
        metrics = solver_metrics(self.task, judged, self.config.instruments.markers)
        metrics.update(instrument_metrics([[a.completion for a in item.attempts] for item in judged],
                                          [[a.answer for a in item.attempts] for item in judged],
                                          [item.problem.text for item in judged], self.config.instruments.markers))
        return metrics

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
        save_checkpoint(self.run_dir, steps, self.config, *self.models, others=self.committee_members())
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
            # agreement against correctness over the first span (the warm start's calibration) and the whole run
            "vote_calibration": {"first_span": vote_calibration(self.task, solver_rows, spans[0]["last_step"])
                                 if spans else {}, "run": vote_calibration(self.task, solver_rows)},
            "final_metrics": self.last,
        }
        self.run_dir.write_json("summary.json", summary)
        return summary
