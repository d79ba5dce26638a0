"""The warm start: supervised training (TRL's SFTTrainer) on problems the task generates, with their true answers.

It stands in for pretraining when the model starts from nothing (`builtin:tiny`): the solver is shown an easy
range of problems, the proposer a wider one, so self-play has something to build on.

A tiny model's training is chaotic: its loss sits on a plateau and leaves it at a step that depends on the seed
and on the CPU's float kernels, so a fixed number of steps gives a different model on every machine. So the
solver's warm start is steered by measurement instead. Every `check_every` steps its greedy accuracy per
difficulty is measured on a check set of its own (drawn apart from the held-out evaluation sets), on an average of
its recent weights (the last step's weights swing by tens of points at a constant learning rate). With
`curriculum`, it is taught one difficulty at a time: the easiest alone until learned (`learned_accuracy`), then the
next one added, and so on; training stops once the hardest reaches `target_accuracy`, or at the step limit, which
is then said loudly. What happened (steps per stage, the checks, whether the target was met) is the warm start's
record, kept in the run's summary. The result is cached on disk under a hash of everything that shapes it, with its
record, so the next run with the same settings loads both instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import random
import tempfile
from dataclasses import asdict, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from datasets import Dataset
from transformers import TrainerCallback
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from agents.model import LanguageModel
from selfplay.cache import publish_folder
from selfplay.config import WarmStartConfig
from selfplay.distributed import from_main, is_main, wait_for_everyone
from selfplay.errors import ConfigError
from selfplay.evaluation import EvalConfig, bucket_name, evaluate, generate_eval_set
from selfplay.tasks.base import Task
from selfplay.types import Problem

ROLES = ("proposer", "solver")
# What a warm start did: beside a cached model (its own record), and in a run directory (the run's, as soon as the
# warm start is done; summary.json holds it too).
WARM_START_FILE = "warm_start.json"
CHECK_SET_SEED = 10_000  # the warm start's check set; evaluation's held-out sets use evaluation.seed (1234)
logger = logging.getLogger(__name__)


def warm_start_examples(task: Task, model: LanguageModel, config: WarmStartConfig, roles: tuple[str, ...],
                        count: int, seed: int, hint_template: str | None = None) -> Dataset:
    """`count` prompt/completion pairs: proposer examples (topic prompt -> a problem of difficulty up to
    `proposer_max_difficulty`) and solver examples (a problem in the warm-start range -> its true answer, as
    `task.teaching_completion` writes it), a
    `hint_share` of them with the answer also given as a hint in the prompt (`hint_template`). Every solver
    example needs its problem's truth (`task.truth`): a problem without one is a ConfigError."""
    rng = random.Random(seed)
    proposer_every = max(1, round(1 / config.proposer_share)) if config.proposer_share > 0 else 0
    drawn = []  # (role, problem, hinted), in the order drawn; the solver's truths are then computed at once
    for index in range(count):
        if len(roles) == 1:
            role = roles[0]
        else:  # one proposer example every `proposer_every`: writing a problem is far easier than solving one
            role = "proposer" if proposer_every and index % proposer_every == 0 else "solver"
        if role == "proposer":
            drawn.append((role, task.sample_problem(rng, rng.randint(1, config.proposer_max_difficulty)), False))
        else:
            problem = task.sample_problem(rng, rng.randint(config.min_difficulty, config.max_difficulty))
            drawn.append((role, problem, bool(hint_template) and rng.random() < config.hint_share))
    truths = iter(task.truths([problem for role, problem, _ in drawn if role == "solver"]))
    prompts, completions = [], []
    for role, problem, hinted in drawn:
        if role == "proposer":
            prompt, completion = task.proposer_prompt(), task.proposal_text(problem)
        else:
            answer = next(truths)
            if answer is None:
                raise ConfigError(f"the warm start needs the truth of every problem it teaches, and task "
                                  f"{task.name!r} has none for {problem.text[:80]!r}")
            prompt, completion = task.solver_prompt(problem), task.teaching_completion(problem, answer, rng)
            if hinted and hint_template:
                prompt = hinted_prompt(hint_template, prompt, answer, task)
        prompts.append(model.training_prompt(prompt))
        completions.append(completion if not model.use_chat_template else [{"role": "assistant",
                                                                             "content": completion}])
    return Dataset.from_dict({"prompt": prompts, "completion": completions})


def hinted_prompt(template: str, prompt: str, truth: str, task: Task) -> str:
    """The solver's prompt with the true answer shown as a hint (`method.hint_template`)."""
    return template.replace("{answer}", task.format_answer(truth)).replace("{truth}", truth).replace("{prompt}", prompt)


def warm_start_key(fingerprint: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True, default=str).encode()).hexdigest()[:16]


def warm_start(model: LanguageModel, task: Task, config: WarmStartConfig, roles: tuple[str, ...], seed: int,
               fingerprint: dict[str, Any], hint_template: str | None = None, progress: bool = True,
               ) -> tuple[LanguageModel, dict[str, Any]]:
    """The warm-started model (from the cache when it holds one) and a record of what was done: the settings,
    the steps used, the solver's check-set accuracy at each check and at the end, and whether the target was met
    (`target_met`; None when there is no target). `progress`: a progress bar while it trains."""
    hint_template = hint_template if config.hint_share and "solver" in roles else None
    # Options added later are left out while at their defaults (they change nothing then), so that caches
    # made before they existed stay valid: `teach` and the slips (issue #19), and hint_share below.
    defaults = {field.name: field.default for field in fields(task)} if is_dataclass(task) else {}
    task_options = {key: value for key, value in vars(task).items()
                    if key not in ("teach", "slip_share", "slip_marker") or value != defaults.get(key)}
    shaped_by = {"fingerprint": fingerprint, "warm_start": {**asdict(config), "cache_dir": None}, "roles": roles,
                 "seed": seed, "task": {"name": task.name, **task_options}}
    if hint_template:
        shaped_by["hint_template"] = hint_template
    else:
        shaped_by["warm_start"].pop("hint_share")
    key = warm_start_key(shaped_by)
    folder = Path(config.cache_dir) / key
    cached = (folder / WARM_START_FILE).is_file()
    if cached:
        outcome = json.loads((folder / WARM_START_FILE).read_text())
    else:  # with several processes, all train it (data-parallel) and the main one saves it
        outcome = _train(model, task, config, roles, seed, hint_template, progress)
        if is_main():
            def write(staging: str) -> None:
                model.save(staging)
                Path(staging, WARM_START_FILE).write_text(json.dumps(outcome, indent=1))

            publish_folder(folder, write)
    wait_for_everyone()
    record = {**asdict(config), "roles": list(roles), "seed": seed, "cache": str(folder), "cached": cached, **outcome}
    if record["target_met"] is False:
        logger.warning(miss_line(record))
    # Always load it back from the folder: the run then starts from exactly what is cached, and the model knows
    # its path (TRL reloads a reference model from there when beta > 0).
    return LanguageModel.load(str(folder), "on" if model.use_chat_template else "off"), record


def warm_start_records(warm: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A run's warm-start record (the summary's `warm_start`) as (role, record) pairs: one record for both roles
    (shared weights, LoRA), or one per role.

    >>> [role for role, _ in warm_start_records({"proposer": {"steps": 9}, "solver": {"steps": 9}})]
    ['proposer', 'solver']
    >>> warm_start_records({"steps": 0})
    [('warm start', {'steps': 0})]
    """
    return [("warm start", warm)] if "steps" in warm else list(warm.items())


def describe(role: str, record: dict[str, Any]) -> str:
    """One line on what a role's warm start did: its steps, stages and targets, the check set's accuracy at the
    end, and where it is cached.

    >>> describe("solver", {"steps": 1500, "steps_used": 530, "min_difficulty": 1, "max_difficulty": 2,
    ...     "stages": [{"difficulty": 1, "target": 0.95, "steps": 220, "met": True},
    ...                {"difficulty": 2, "target": 0.5, "steps": 310, "met": True}],
    ...     "check": {"accuracy": {"1d": 1.0, "2d": 0.52}}, "cached": False, "cache": "c/0f"})
    'solver: 530 supervised steps (at most 1500) on difficulty 1-2; difficulty 1 reached 95% in 220 steps, difficulty 2 reached 50% in 310 steps; check set at the end: 1d 100%, 2d 52%; saved to c/0f'
    """
    if not record.get("steps"):
        return f"{role}: no warm start"
    steps = record.get("steps_used", record["steps"])
    if role == "proposer":
        text = f"{role}: {steps} supervised steps on problems up to difficulty {record['proposer_max_difficulty']}"
    else:
        text = (f"{role}: {steps} supervised steps (at most {record['steps']}) on difficulty "
                f"{record['min_difficulty']}-{record['max_difficulty']}")
    stages = [stage for stage in record.get("stages", []) if stage["target"] is not None]
    if stages:
        text += "; " + ", ".join(
            f"difficulty {stage['difficulty']} {'reached' if stage['met'] else 'MISSED'} {stage['target']:.0%} in "
            f"{stage['steps']} steps" for stage in stages)
    if record.get("check"):
        text += "; check set at the end: " + ", ".join(f"{bucket} {value:.0%}"
                                                         for bucket, value in record["check"]["accuracy"].items())
    return f"{text}; {'loaded from' if record.get('cached') else 'saved to'} {record.get('cache')}"


def miss_line(record: dict[str, Any]) -> str:
    """One line saying that a warm start stopped at its step limit short of its target."""
    stage = next(stage for stage in record["stages"] if not stage["met"])
    reached = record["check"]["accuracy"].get(bucket_name(stage["difficulty"]), 0.0)
    return (f"the warm start missed its target: difficulty {stage['difficulty']} at {reached:.0%} after "
            f"{record['steps_used']} steps (target {stage['target']:.0%}), so self-play starts from a solver that "
            f"cannot yet do what it needs; raise model.warm_start.steps, or lower model.warm_start.target_accuracy")


# A stage draws this many batches of fresh examples and cycles through them: SFTTrainer tokenizes its whole data
# set up front, which for a stage's every step (up to 1500 x 128 examples) took longer than the training itself.
_DISTINCT_BATCHES = 250


def _train(model: LanguageModel, task: Task, config: WarmStartConfig, roles: tuple[str, ...], seed: int,
           hint_template: str | None, progress: bool = True) -> dict[str, Any]:
    """Train `model` in place, stage by stage; returns what happened: steps used, each stage (the hardest
    difficulty taught, its target, its steps, whether it was met), the checks, and whether the target was met."""
    teaches_solver = "solver" in roles
    limit = config.steps if teaches_solver else config.proposer_steps
    average = _Average(model.model, config.average_decay) if config.average_decay else None
    check = _Check(model, task, config, average) if teaches_solver and config.check_every else None
    hardest = config.max_difficulty
    if check is None:  # nothing is measured: one stage of `limit` steps
        stages = [(hardest, None)]
    elif config.curriculum:
        stages = [(level, config.learned_accuracy) for level in range(config.min_difficulty, hardest)]
        stages.append((hardest, config.target_accuracy))
    else:
        stages = [(hardest, config.target_accuracy)]
    used, record = 0, []
    for index, (difficulty, target) in enumerate(stages):
        if used >= limit:
            record.append({"difficulty": difficulty, "target": target, "steps": 0, "met": False})
            continue
        stage_config = replace(config, max_difficulty=difficulty)
        examples = warm_start_examples(task, model, stage_config, roles,
                                       min(limit - used, _DISTINCT_BATCHES) * config.batch_size,
                                       seed + 7919 * index, hint_template)
        watch = _Watch(average, check, difficulty, target, offset=used)
        steps = fine_tune(model, examples, config, limit - used, seed + 7919 * index, watch, progress)
        used += steps
        record.append({"difficulty": difficulty, "target": target, "steps": steps,
                       "met": None if target is None else watch.met})
    if average is not None:
        average.keep()  # the model the run starts from is the average the checks measured
    outcome: dict[str, Any] = {"steps_used": used, "stages": record, "target_met": None, "check": None,
                               "checks": []}
    if check is not None:
        if not check.history or check.history[-1]["step"] != used:
            check.measure(used)  # the model as it ends
        targets = [stage["met"] for stage in record if stage["target"] is not None]
        outcome.update(check=check.history[-1], checks=check.history,
                       target_met=all(targets) if targets else None)
    return outcome


def fine_tune(model: LanguageModel, examples: Dataset, config: WarmStartConfig, steps: int, seed: int,
              watch: TrainerCallback | None = None, progress: bool = True) -> int:
    """At most `steps` optimizer steps on `examples` (prompt/completion rows, cycled) with TRL's SFTTrainer, a
    fresh optimizer, the batch size and optimizer settings of `config`; returns the steps taken. `watch` may stop
    it early (the warm start's checks)."""
    import torch
    from trl import SFTConfig, SFTTrainer

    with tempfile.TemporaryDirectory() as scratch:
        args = SFTConfig(
            output_dir=scratch,
            max_steps=steps,
            per_device_train_batch_size=config.batch_size,
            learning_rate=config.learning_rate,
            lr_scheduler_type=config.lr_scheduler_type,
            warmup_steps=config.warmup_steps,
            adam_beta2=config.adam_beta2,
            logging_steps=steps,  # one line at the end; the progress bar shows the rest
            save_strategy="no",
            report_to="none",
            seed=seed,
            use_cpu=not torch.cuda.is_available(),
            bf16=False,
            activation_checkpointing=False,
            dataloader_drop_last=True,
        )
        trainer = SFTTrainer(model=model.model, args=args, train_dataset=examples, processing_class=model.tokenizer,
                             callbacks=[watch] if watch is not None else None)
        # A progress bar, but no log dicts printed on stdout, which belongs to the run's summary.
        trainer.remove_callback(PrinterCallback)
        trainer.remove_callback(ProgressCallback)
        if progress:
            trainer.add_callback(_BarOnly)
        trainer.train()
        return trainer.state.global_step


class _Average:
    """An exponential moving average of the weights, updated after every optimizer step. A constant learning rate
    leaves a small model's accuracy swinging by tens of points from one step to the next; the average follows the
    same trajectory without the swings, so a check measures where training is, not where the last step threw it."""

    def __init__(self, model: Any, decay: float):
        import torch

        self.decay = decay
        self.parameters = [parameter for parameter in model.parameters() if parameter.requires_grad]
        with torch.no_grad():
            self.average = [parameter.detach().clone() for parameter in self.parameters]

    def update(self) -> None:
        import torch

        with torch.no_grad():
            for average, parameter in zip(self.average, self.parameters):
                average.lerp_(parameter, 1 - self.decay)

    @contextlib.contextmanager
    def in_place(self):
        """The model holds the average inside the block, its own weights again after it."""
        self._swap()
        try:
            yield
        finally:
            self._swap()

    def keep(self) -> None:
        """The model holds the average from now on."""
        self._swap()

    def _swap(self) -> None:
        import torch

        with torch.no_grad():
            for average, parameter in zip(self.average, self.parameters):
                kept = parameter.detach().clone()
                parameter.copy_(average)
                average.copy_(kept)


class _Check:
    """The solver's greedy accuracy per difficulty on a check set (of the averaged weights when there is an
    average), measured by the main process and shared with the others, so that all stop together."""

    def __init__(self, model: LanguageModel, task: Task, config: WarmStartConfig, average: _Average | None):
        self.model, self.task, self.average, self.every = model, task, average, config.check_every
        # Drawn apart from evaluation's held-out sets (another seed), so the stopping rule never sees them; the
        # same set whatever the run's seed, so every run stops on the same measurement.
        settings = EvalConfig(per_bucket=config.check_problems, min_difficulty=config.min_difficulty,
                              max_difficulty=config.max_difficulty, seed=CHECK_SET_SEED)
        self.problems = generate_eval_set(task, settings)
        # room for the longest taught completion: over this many problems, one of the longest with a slip, where the
        # task teaches slips (characters: at least as many as tokens)
        draws = random.Random(CHECK_SET_SEED)
        self.max_new_tokens = 2 + max(
            len(task.teaching_completion(Problem(text, json.loads(features)), truth, draws))
            for text, features, truth in zip(self.problems["problem"], self.problems["features"], self.problems["truth"]))
        self.history: list[dict[str, Any]] = []

    def measure(self, step: int, up_to: int | None = None) -> dict[str, float]:
        """Accuracy per bucket now (the buckets of difficulty `up_to` and below; None: all), kept in `history`
        under the warm start's step `step`."""
        accuracy = None
        if is_main():
            problems = self.problems
            if up_to is not None:  # a stage's checks skip the difficulties it does not teach yet
                names = {bucket_name(level) for level in range(up_to + 1)}
                problems = problems.select([i for i, name in enumerate(problems["bucket"]) if name in names])
            with self.average.in_place() if self.average else contextlib.nullcontext():
                accuracy = evaluate(self.model, self.task, problems, self.max_new_tokens)["accuracy"]
        self.history.append({"step": step, "accuracy": from_main(accuracy)})
        return self.history[-1]["accuracy"]


class _Watch(TrainerCallback):
    """One stage's callback: after every optimizer step, update the average; every `check_every` steps, check,
    and end the stage once `difficulty` reaches `target`."""

    def __init__(self, average: _Average | None, check: _Check | None, difficulty: int, target: float | None,
                 offset: int):
        self.average, self.check, self.target, self.offset = average, check, target, offset
        self.difficulty, self.bucket = difficulty, bucket_name(difficulty)
        self.met = False

    def on_step_end(self, args, state, control, **kwargs):
        if self.average is not None:
            self.average.update()
        if self.check is not None and state.global_step % self.check.every == 0:
            accuracy = self.check.measure(self.offset + state.global_step, self.difficulty)
            if self.target is not None and accuracy.get(self.bucket, 0.0) >= self.target:
                self.met = control.should_training_stop = True
        return control


class _BarOnly(ProgressCallback):
    """transformers' progress bar without its printing of every log dict."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        pass
