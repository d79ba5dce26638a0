"""The run configuration: small typed dataclasses, loaded from YAML plus `dotted.key=value` overrides.

The defaults *are* the embedded default run (the tiny model on arithmetic, on a CPU); `configs/default.yaml` is
the same thing written out. Each role's RL settings are TRL `GRPOConfig` fields, not re-declared here
(`trl_config.py` builds them). Every key is checked: an unknown key or a value of the wrong type is a `ConfigError`
that names it (`yamlconfig.py`), a value out of its range too (`RULES`), and each section's checks across its
fields sit beside it.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from agents.tiny import TinyModelConfig, build_char_tokenizer
from selfplay.components import make_proposer_reward, make_task, make_verifier
from selfplay.errors import ConfigError
from selfplay.evaluation import EvalConfig
from selfplay.instruments import DEFAULT_MARKERS
from selfplay.trl_config import (build_grpo_config, build_sft_config, check_fields, check_one_engine,
                                 check_role_section, check_vllm, check_vllm_servers, check_whole_groups, grpo_settings)
from selfplay.yamlconfig import Rule, build_dataclass, merge, numbers, read_override, read_yaml, text

# ---------------------------------------------------------------------------------------------------------------
# The schema


# The embedded default's task options: the tiny character model's (`TaskConfig.options` says why).
TINY_ARITHMETIC_OPTIONS: dict[str, Any] = {
    "ops": "+",
    "max_digits": 6,
    "max_operations": 1,
    "answer_format": "reversed",
    "topic_prompt": "P:",
    "solver_template": "{problem}=",
}


@dataclass
class TaskConfig:
    # A built-in task (`selfplay list`) or an import path 'package.module:ClassName'.
    name: str = "arithmetic"
    # The task's own options: the fields of its dataclass, whose defaults are written for instruction models
    # (SQLM Table 6 prompts, `<answer>` tags). These, the embedded default's, suit the tiny character model: a bare
    # prompt and answers written with reversed digits, which a 2-layer model learns far more easily (RESEARCH.md
    # §4). They apply only while no config names a task and the model is not a hub id (`load_config`).
    options: dict[str, Any] = field(default_factory=lambda: dict(TINY_ARITHMETIC_OPTIONS))


@dataclass
class WarmStartConfig:
    # Supervised steps on generated problems before self-play, at most (0: none). It stands in for pretraining,
    # so only a model that cannot do the task at all (`builtin:tiny`) needs it. With a target (below), training
    # stops when the target is met; reaching this limit first is said in one line, in the summary and the report.
    steps: int = 1500
    # Steps of a warm start that teaches only the proposer (separate weights): writing a problem down is learned
    # far sooner than solving one (README, Results: its valid share and difficulty mix after this many steps).
    proposer_steps: int = 300
    # Difficulty range (operand digits for arithmetic) of the solver's supervised examples.
    min_difficulty: int = 1
    max_difficulty: int = 2
    # The proposer is shown problems up to this difficulty, so self-play can choose harder ones than the solver saw.
    proposer_max_difficulty: int = 4
    # With shared weights, about this share of examples teach the proposer's format (one in round(1/share));
    # the rest teach solving.
    proposer_share: float = 0.25
    batch_size: int = 128
    learning_rate: float = 3e-3
    # The learning-rate schedule (a transformers scheduler name, per stage), after a warm-up of `warmup_steps`.
    lr_scheduler_type: str = "constant"
    warmup_steps: int = 0
    # AdamW's second-moment decay: 0.98 rather than PyTorch's 0.999, the usual choice for small transformers.
    adam_beta2: float = 0.98
    # Checks, and the model the warm start ends with, use an exponential moving average of the weights with this
    # decay (about the last 1 / (1 - decay) steps), not the last step's weights: at a constant learning rate a
    # tiny model's accuracy swings by tens of points from one step to the next; the average does not. None: off.
    average_decay: float | None = 0.98
    # Every this many steps the solver's greedy accuracy per difficulty is measured on a check set of
    # `check_problems` problems per difficulty, drawn apart from the held-out evaluation sets (0: never). Near
    # the target a tiny model's accuracy rises by 4 to 11 points in 10 steps, and 200 problems read an accuracy
    # of 50% to within about 3.5 points (one standard error): checking every 5 steps on 1000 problems keeps the
    # overshoot and the reading's error each to a few points (README, Results).
    check_every: int = 5
    check_problems: int = 1000
    # Teach one difficulty at a time: `min_difficulty` alone until its check accuracy reaches `learned_accuracy`,
    # then the next one added, and so on. Taught together, difficulties are learned in an order and at paces that
    # differ from seed to seed; one at a time, each starts from the same place (README, Results).
    curriculum: bool = True
    learned_accuracy: float = 0.95
    # Stop once `max_difficulty` reaches this check accuracy (None: no target, train all `steps`). A measured
    # target, not a step count, gives the same starting point on every seed and machine: where a tiny model
    # leaves its loss plateau depends on both. 0.5 leaves the solver half-knowing its hardest difficulty, where
    # self-play has the most to teach.
    target_accuracy: float | None = 0.5
    # Warm-started models are cached here by a hash of everything that shapes them; a second run reuses them.
    cache_dir: str = ".cache/selfplay/warm_start"
    # Share of the solver's examples shown with the true answer as a hint (`method.hint_template`), so that a
    # model too small to reason learns what a hint is before `rationalize` asks it to use one (0: never).
    hint_share: float = 0.0

    def check(self) -> None:
        """The difficulties' order, and a target that needs checks (each value's range is `RULES`')."""
        if self.steps and not (self.min_difficulty <= self.max_difficulty <= self.proposer_max_difficulty):
            raise ConfigError("model.warm_start needs 1 <= min_difficulty <= max_difficulty <= proposer_max_difficulty")
        if self.target_accuracy is not None and not self.check_every:
            raise ConfigError("model.warm_start.target_accuracy needs checks: set model.warm_start.check_every, or "
                              "target_accuracy=null")


@dataclass
class LoraSettings:
    # LoRA adapters through PEFT: one frozen base model, each role training its own adapter (one adapter for both
    # roles when `model.shared` is true), so two trainable roles cost about one model's memory.
    enabled: bool = False
    r: int = 8
    alpha: int = 16
    dropout: float = 0.0
    # PEFT's target_modules: "all-linear" (every linear layer but the output one), or a list of module names.
    target_modules: str | list[str] = "all-linear"


@dataclass
class ModelConfig:
    # A hub id, a local folder written by `save_pretrained`, or 'builtin:tiny'.
    name_or_path: str = "builtin:tiny"
    # True: one model plays both roles (SQLM). False: a separate solver model (R-Zero), by default a second copy.
    # The embedded default keeps them apart: with shared weights the proposer's updates disturb the tiny solver.
    shared: bool = False
    # The solver's own model when `shared` is False; None means a copy of `name_or_path`.
    solver_name_or_path: str | None = None
    # "auto": use the tokenizer's chat template if it has one; "on": require one; "off": plain text prompts.
    # (YAML reads a bare on/off as true/false; those are accepted and mean the same.)
    chat_template: Literal["auto", "on", "off"] | bool = "auto"
    # Weights' dtype when loading ("auto" keeps the checkpoint's).
    dtype: str = "auto"
    # Architecture of 'builtin:tiny'.
    tiny: TinyModelConfig = field(default_factory=TinyModelConfig)
    warm_start: WarmStartConfig = field(default_factory=WarmStartConfig)
    lora: LoraSettings = field(default_factory=LoraSettings)
    # Sequences per transformers generate call (the loop's sampling without vLLM, and evaluation). A step's
    # answers on the embedded default (about 80 problems x 8) fit in one call; on a GPU, as many as fit in its
    # memory next to training.
    generation_batch: int = 1024

    def check(self) -> None:
        """Normalises the chat template YAML spells loosely (a bare on/off reads as true/false)."""
        if isinstance(self.chat_template, bool):
            self.chat_template = "on" if self.chat_template else "off"
        try:  # the words of the tiny model's vocabulary, checked where they are used
            build_char_tokenizer(self.tiny.words)
        except ValueError as error:
            raise ConfigError(str(error)) from None


def check_lora(config: SelfPlayConfig) -> None:
    """LoRA's needs, across the sections: peft, one base model for both roles, selfplay, no KL penalty."""
    lora = config.model.lora
    if importlib.util.find_spec("peft") is None:
        raise ConfigError("model.lora.enabled needs the peft package: pip install -e '.[peft]'")
    if lora.r < 1 or lora.alpha <= 0 or not 0 <= lora.dropout < 1:
        raise ConfigError(f"model.lora needs r >= 1, alpha > 0 and 0 <= dropout < 1, got model.lora.r={lora.r}, "
                          f"model.lora.alpha={lora.alpha} and model.lora.dropout={lora.dropout}")
    if config.model.solver_name_or_path not in (None, config.model.name_or_path):
        raise ConfigError("with model.lora.enabled both roles share one base model: drop model.solver_name_or_path")
    if config.model.name_or_path == "builtin:tiny" and not config.model.warm_start.steps:
        raise ConfigError("model.lora.enabled needs a base model on disk: a warm start, or a model folder or hub id")
    if config.method.name != "selfplay":
        raise ConfigError("model.lora.enabled works with method.name=selfplay only, for now")
    for role in ("proposer", "solver"):
        if float(getattr(config, role).get("beta", 0) or 0) > 0:
            raise ConfigError(f"{role}.beta > 0 (a KL penalty) does not work with model.lora.enabled yet: TRL's "
                              f"reference model expects one adapter named 'default'; set {role}.beta=0")


@dataclass
class VerifierConfig:
    # "majority", "sympy", "none", or an import path 'package.module:ClassName'.
    name: str = "sympy"
    # The verifier's own options: the fields of its dataclass.
    options: dict[str, Any] = field(default_factory=dict)
    # Wall-clock seconds the verifier may take to judge one group of answers (a phase's N groups, handed over
    # together, get N times this); past it they are `timeout` verdicts and training goes on. Generous: the
    # built-ins bound their own work (sympy: 1 s per truth; code: 8 programs that all hang take about 100 s).
    # None: no limit, and the verifier runs in the calling thread (one that sets signal handlers needs that).
    time_limit_seconds: float | None = 120.0


@dataclass
class ProposerRewardConfig:
    # "sqlm_band", "uncertainty", "learnability", or an import path.
    name: str = "sqlm_band"
    # The reward's own options (`low`, `high` for sqlm_band).
    options: dict[str, Any] = field(default_factory=dict)
    # Reward of a completion that states no valid problem (R-Zero uses -1 for malformed output).
    invalid_penalty: float = -1.0
    # Subtracted, times the share of the *other* problems of the batch in a problem's near-duplicate cluster
    # (0 turns it off).
    repetition_penalty: float = 0.0
    # Character-trigram Jaccard similarity at which two problems count as near-duplicates.
    repetition_threshold: float = 0.8


@dataclass
class SolverRewardConfig:
    # Partial credit for a wrong answer: this weight times the task's closeness of the answer to the verdict's
    # label (arithmetic: the share of the label's digits it has in their places; `Task.closeness`), so a group
    # whose answers are all wrong still shows which came nearer, and a problem past the solver's reach still
    # teaches it. 0 turns it off. It changes only the solver's training reward: the verifier's rewards, which the
    # proposer's reward, the metrics and the records see, stay as judged.
    partial_credit: float = 0.0


@dataclass
class ScheduleConfig:
    # Self-play steps. Each step: proposer phase, then solver phase.
    steps: int = 500
    # The proposer is trained every this many steps; "never" freezes it. SQLM found 5 best for 3B models; the
    # embedded default's tiny proposer trains every step, or it follows the solver too slowly for a 500-step run.
    proposer_every: int | Literal["never"] = 1
    # Rehearsal (replay.py): this share of each solver phase's problems is drawn from problems the solver solved
    # before, kept per difficulty level (the last `replay_size` of each), so what the proposer stops asking is
    # not forgotten. 0 turns it off.
    replay_share: float = 0.25
    replay_size: int = 500


METHODS = ("selfplay", "self_distill", "filtered", "rlvr", "sft", "rationalize")

# The solver's settings the fine-tuning methods' SFTConfig takes unless `method.sft` sets them: how it optimizes,
# its precision and memory settings, its launch, so `method.name=filtered` on a 3B model trains as its GRPO does.
_SFT_FROM_SOLVER = (
    "learning_rate", "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_steps", "warmup_ratio", "weight_decay",
    "max_grad_norm", "optim", "optim_args", "adam_beta1", "adam_beta2", "adam_epsilon",
    "bf16", "fp16", "tf32", "gradient_checkpointing", "gradient_checkpointing_kwargs", "activation_checkpointing",
    "deepspeed", "fsdp", "fsdp_config", "torch_compile",
)


@dataclass
class MethodConfig:
    # How the solver learns (methods.py): "selfplay" (a proposer writes the problems), "rlvr" (GRPO with the
    # verifier on a fixed problem set), "self_distill" (fine-tune on its own answers), "filtered" (only on
    # answers the verifier accepts), "sft" (on the true answers), "rationalize" (on answers it wrote while
    # shown the true answer as a hint, trained without the hint).
    # Or a user's own method by import path, 'package.module:function' (methods.py says how it is called).
    name: str = "selfplay"
    # The fixed problem set of the methods without a proposer: this many distinct problems, generated once by
    # the task from `seed`, with difficulty in [min_difficulty, max_difficulty] (the range the proposer starts
    # from in the embedded default).
    problems: int = 2000
    min_difficulty: int = 1
    max_difficulty: int = 4
    # A data-set seed, fixed across runs on purpose and not derived from run.seed: every method and every run
    # seed draws its problems from the same set (run.seed still chooses which, and in what order).
    seed: int = 99
    # `filtered` and `rationalize` keep an answer when its reward is at least this.
    accept_reward: float = 1.0
    # What the `rationalize` teacher sees: {prompt} is the solver's prompt, {truth} the true answer and
    # {answer} the true answer written as the solver writes answers.
    hint_template: str = "{prompt}\nHint: the correct answer is {truth}. Show the reasoning that leads to it."
    # TRL SFTConfig fields for the fine-tuning methods (any SFTConfig field but the seeds, which come from run.seed).
    # Unset fields follow the solver's section (`_SFT_FROM_SOLVER`), then TRL's defaults.
    sft: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        """The method's name, the problem set's size and difficulties (before `RULES`, to say all three at once),
        and the hint template's fields."""
        if self.name not in METHODS and ":" not in self.name:
            raise ConfigError(f"method.name must be one of {', '.join(METHODS)}, or an import path "
                              f"'package.module:function'; got {self.name!r}")
        if self.problems < 1 or not 1 <= self.min_difficulty <= self.max_difficulty:
            raise ConfigError(f"method needs problems >= 1 and 1 <= min_difficulty <= max_difficulty, got "
                              f"method.problems={self.problems}, method.min_difficulty={self.min_difficulty} and "
                              f"method.max_difficulty={self.max_difficulty}")
        if "{prompt}" not in self.hint_template or not ("{answer}" in self.hint_template
                                                         or "{truth}" in self.hint_template):
            raise ConfigError("method.hint_template must contain {prompt} and {answer} or {truth}")


@dataclass
class InstrumentsConfig:
    # Epistemic markers counted in the solver's answers (instruments.py), matched as whole words, any case.
    markers: list[str] = field(default_factory=lambda: list(DEFAULT_MARKERS))

    def check(self) -> None:
        if not all(isinstance(marker, str) and marker.strip() for marker in self.markers):
            raise ConfigError("instruments.markers must be a list of non-empty strings")


@dataclass
class ExperimentConfig:
    # The methods `selfplay experiment` runs, one after the other, on otherwise identical settings.
    methods: list[str] = field(default_factory=lambda: list(METHODS))
    # Each method once per seed (`run.seed`), in OUTPUT/<method>/seed-<seed>; the comparison then gives each
    # method's median and range over them. Empty: once, under run.seed, in OUTPUT/<method>.
    seeds: list[int] = field(default_factory=list)

    def check(self) -> None:
        unknown = [name for name in self.methods if name not in METHODS]
        if unknown or not self.methods:
            raise ConfigError(f"experiment.methods must name some of {', '.join(METHODS)}; got {unknown or 'none'}")
        if len(set(self.methods)) != len(self.methods):
            raise ConfigError(f"experiment.methods names a method twice: {self.methods}")
        if any(isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED
               for seed in self.seeds) or len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f"experiment.seeds must be distinct whole numbers from 0 to {MAX_SEED}, got "
                              f"{self.seeds}")


@dataclass
class RunConfig:
    # The run directory; None: runs/<date>-<time>. It must not exist or be empty.
    output_dir: str | None = None
    # The seed of every random stream of the run: model initialisation, warm start, LoRA adapters, the loop's
    # draws, and each role's TRL seed (`role_seed`), so runs with different seeds are independent replicates.
    # (`method.seed` and `evaluation.seed` choose data sets, fixed across runs on purpose.)
    seed: int = 0
    # Save a checkpoint every this many steps (0: only at the end); a killed run resumes from the last one
    # (`selfplay train --resume RUN_DIR`).
    save_every: int = 100
    # Write buffered problem records to a new Parquet shard every this many steps.
    shard_every: int = 10


# GRPO settings every role of the embedded default starts from: 8 prompts x 8 samples per step, lr 1e-4 constant,
# no KL (RESEARCH §4). The solver and the proposer each change some of them (below; why: README, Results).
_TINY_ROLE_DEFAULTS: dict[str, Any] = {
    "learning_rate": 1e-4,
    "lr_scheduler_type": "constant",
    "per_device_train_batch_size": 64,
    "num_generations": 8,
    "temperature": 1.0,
    "beta": 0.0,
    "max_grad_norm": 1.0,
}

# Each role's TRL seed (`seed` of its GRPOConfig, the solver's also of the methods' SFTConfig) is run.seed plus
# this: TRL seeds torch, numpy and Python with it when the role's trainer is made, and orders its batches by it.
# The offsets keep the two roles' streams apart. A role section may not set a seed (`check_trl_sections`).
ROLE_SEED_OFFSETS = {"solver": 0, "proposer": 1}
_SEED_FIELDS = ("seed", "data_seed")


@dataclass
class SelfPlayConfig:
    task: TaskConfig = field(default_factory=TaskConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    verifier: VerifierConfig = field(default_factory=VerifierConfig)
    proposer_reward: ProposerRewardConfig = field(default_factory=ProposerRewardConfig)
    solver_reward: SolverRewardConfig = field(default_factory=SolverRewardConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    # TRL GRPOConfig fields for each role (any GRPOConfig field; `output_dir` is set by the run, the seeds come from
    # run.seed).
    # The proposer keeps a KL penalty to its warm start: without it, it narrows to a niche of easy forms (a 2-digit
    # number plus a 1-digit one) and the solver, trained on nothing else, loses the general case.
    proposer: dict[str, Any] = field(default_factory=lambda: {**_TINY_ROLE_DEFAULTS, "beta": 0.1,
                                                              "max_completion_length": 12})
    # The solver: 64 problems x 8 answers per step at 3e-4, so GRPO moves it within the run (8 problems at 1e-4
    # moved 2-digit sums by +5 points in 300 steps; 32 left one seed's gain at +8).
    solver: dict[str, Any] = field(default_factory=lambda: {**_TINY_ROLE_DEFAULTS, "learning_rate": 3e-4,
                                                            "per_device_train_batch_size": 512,
                                                            "max_completion_length": 10})
    evaluation: EvalConfig = field(default_factory=EvalConfig)
    method: MethodConfig = field(default_factory=MethodConfig)
    instruments: InstrumentsConfig = field(default_factory=InstrumentsConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def role_seed(self, role: Literal["proposer", "solver"]) -> int:
        """The TRL seed of one role, derived from run.seed (`ROLE_SEED_OFFSETS`)."""
        return self.run.seed + ROLE_SEED_OFFSETS[role]

    def grpo_config(self, role: Literal["proposer", "solver"], output_dir: str | Path):
        """The TRL GRPOConfig of one role, with the framework's defaults under the config's section."""
        return build_grpo_config(role, {**getattr(self, role), "seed": self.role_seed(role)}, output_dir)

    def sft_config(self, output_dir: str | Path):
        """The TRL SFTConfig of the fine-tuning methods: `method.sft`, else the solver's own settings
        (`_SFT_FROM_SOLVER`); one batch holds every answer of one step; the solver's seed."""
        solver = self.grpo_config("solver", "unused")
        inherited = {key: getattr(solver, key) if key == "learning_rate" else self.solver[key]
                     for key in _SFT_FROM_SOLVER if key in self.solver or key == "learning_rate"}
        return build_sft_config({**inherited, **self.method.sft,
                                 "per_device_train_batch_size": solver.generation_batch_size,
                                 "seed": self.role_seed("solver")}, output_dir)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def one_model(config: SelfPlayConfig) -> bool:
    """Whether both roles generate from one model object: shared weights, or LoRA adapters on one base. With
    vLLM on in both roles they then share one engine."""
    return config.model.shared or config.model.lora.enabled


# ---------------------------------------------------------------------------------------------------------------
# Ranges: what each value may be, checked before anything is written or allocated

# Upper bounds far above anything this project runs (the shipped configs' largest: 1500 warm-start steps, 3072
# tokens, 1024 sequences per generate call): past them a value is a slip of the keyboard (`steps=1e9`), refused
# before a loop runs for days or an allocation fails.
MAX_STEPS = 1_000_000      # steps of a schedule or a warm start; steps between checks, evaluations, saves
MAX_BATCH = 65_536         # sequences in one batch or one generate call
MAX_GROUP = 1_024          # answers to one problem: a GRPO group, evaluation's k
MAX_PROBLEMS = 100_000     # problems in one generated set: an evaluation set, a check set, a method's problems
MAX_TOKENS = 1_048_576     # tokens of one sequence: the longest context windows there are
MAX_DIFFICULTY = 100       # a task's difficulty level (operand digits for arithmetic)
MAX_SEED = 2**32 - 2       # numpy takes seeds below 2**32, and the proposer's is run.seed + 1


def _is_dtype(value: Any) -> bool:
    import torch

    return value == "auto" or (isinstance(value, str) and isinstance(getattr(torch, value, None), torch.dtype))


def _is_scheduler(value: Any) -> bool:
    from transformers import SchedulerType

    return value in {item.value for item in SchedulerType}


POSITIVE = numbers(0, above=True)  # learning rates, temperatures
SHARE = numbers(0, 1)
SEED = numbers(0, MAX_SEED)
DIFFICULTY = numbers(1, MAX_DIFFICULTY)

# Every value of the config's own sections that has a range or a form, by dotted key (`check_ranges`). Types are
# checked before (`build_dataclass`): an int field holds an int here, a float field a finite float. The order
# between values (min_difficulty <= max_difficulty) is `check`'s.
RULES: dict[str, Rule] = {
    "model.name_or_path": text("path or hub id"),
    "model.solver_name_or_path": text("path or hub id"),
    "model.dtype": Rule("'auto' or a torch dtype such as 'bfloat16'", _is_dtype),
    # The built-in model is built from scratch in this process: 48 x 1024 is already GPT-2 medium's size.
    "model.tiny.layers": numbers(1, 48),
    "model.tiny.width": numbers(2, 1024),
    "model.tiny.heads": numbers(1, 64),
    "model.tiny.max_length": numbers(1, 65_536),
    "model.generation_batch": numbers(1, MAX_BATCH),
    "model.warm_start.steps": numbers(0, MAX_STEPS),
    "model.warm_start.proposer_steps": numbers(0, MAX_STEPS),
    "model.warm_start.min_difficulty": DIFFICULTY,
    "model.warm_start.max_difficulty": DIFFICULTY,
    "model.warm_start.proposer_max_difficulty": DIFFICULTY,
    "model.warm_start.proposer_share": SHARE,
    "model.warm_start.batch_size": numbers(1, MAX_BATCH),
    "model.warm_start.learning_rate": POSITIVE,
    "model.warm_start.lr_scheduler_type": Rule("a transformers scheduler name such as 'constant' or 'cosine'",
                                               _is_scheduler),
    "model.warm_start.warmup_steps": numbers(0, MAX_STEPS),
    "model.warm_start.adam_beta2": numbers(0, 1, above=True, below=True),
    "model.warm_start.average_decay": numbers(0, 1, below=True),
    "model.warm_start.check_every": numbers(0, MAX_STEPS),
    "model.warm_start.check_problems": numbers(1, MAX_PROBLEMS),
    "model.warm_start.learned_accuracy": numbers(0, 1, above=True),
    "model.warm_start.target_accuracy": numbers(0, 1, above=True),
    "model.warm_start.cache_dir": text(),
    "model.warm_start.hint_share": SHARE,
    "proposer_reward.repetition_penalty": numbers(0),
    "proposer_reward.repetition_threshold": numbers(0, 1, above=True),
    "solver_reward.partial_credit": numbers(0, 1),
    # Greedy answers would all agree: every problem would look solved or unsolved, never in between.
    "schedule.steps": numbers(1, MAX_STEPS),
    "schedule.proposer_every": numbers(1, MAX_STEPS, literal="never"),
    "schedule.replay_share": numbers(0, 1, below=True),  # the rest of each solver phase are new problems
    "schedule.replay_size": numbers(1, MAX_PROBLEMS),
    "evaluation.every": numbers(0, MAX_STEPS),
    "evaluation.per_bucket": numbers(1, MAX_PROBLEMS),
    "evaluation.problems": text("set name or path"),
    "evaluation.min_difficulty": DIFFICULTY,
    "evaluation.max_difficulty": DIFFICULTY,
    "evaluation.seed": SEED,
    "evaluation.cache_dir": text(),
    "evaluation.max_new_tokens": numbers(1, MAX_TOKENS),
    "evaluation.k": numbers(0, MAX_GROUP),
    "evaluation.temperature": POSITIVE,
    "method.problems": numbers(1, MAX_PROBLEMS),
    "method.min_difficulty": DIFFICULTY,
    "method.max_difficulty": DIFFICULTY,
    "method.seed": SEED,
    "run.output_dir": text(),
    "run.seed": SEED,
    "run.save_every": numbers(0, MAX_STEPS),
    "run.shard_every": numbers(1, MAX_STEPS),
}

# The TRL fields of the role sections (and of `method.sft`, where they are SFTConfig fields too) whose bad values
# TRL accepts, or trips over later with a traceback (a group of 0 divides by zero). Checked on the section over
# TRL's defaults, before TRL builds it.
TRL_RULES: dict[str, Rule] = {
    "learning_rate": POSITIVE,
    "temperature": POSITIVE,  # TRL divides the logits by it
    "top_p": numbers(0, 1, above=True),
    "top_k": numbers(0),  # 0: off
    "min_p": SHARE,
    "repetition_penalty": POSITIVE,
    "num_generations": numbers(2, MAX_GROUP, none=False),  # one answer has no group to be compared with
    "num_generations_eval": numbers(1, MAX_GROUP),
    "max_completion_length": numbers(1, MAX_TOKENS, none=False),
    "max_length": numbers(1, MAX_TOKENS),
    "per_device_train_batch_size": numbers(1, MAX_BATCH),
    "gradient_accumulation_steps": numbers(1, MAX_BATCH),
    "steps_per_generation": numbers(1, MAX_BATCH),
    "generation_batch_size": numbers(1, MAX_BATCH),
    "num_iterations": numbers(1, 1_000),
    "beta": numbers(0),
    "epsilon": POSITIVE,
    "epsilon_high": POSITIVE,
    "delta": POSITIVE,
    "max_grad_norm": numbers(0),  # 0: no clipping
    "weight_decay": numbers(0),
    "warmup_steps": numbers(0, MAX_STEPS),
    "adam_beta1": numbers(0, 1, below=True),
    "adam_beta2": numbers(0, 1, below=True),
    "adam_epsilon": POSITIVE,
    "top_entropy_quantile": SHARE,
    "vllm_gpu_memory_utilization": numbers(0, 1, above=True),
    "vllm_tensor_parallel_size": numbers(1, 1_024),
    "vllm_server_port": numbers(1, 65_535),
    "vllm_max_model_length": numbers(1, MAX_TOKENS),
}


def check_ranges(config: SelfPlayConfig) -> None:
    """Every value of `RULES` against its rule, then the tiny model's shape and the evaluation set's size."""
    for key, rule in RULES.items():
        value = config
        for name in key.split("."):
            value = getattr(value, name)
        rule.check(key, value)
    tiny = config.model.tiny
    if tiny.width % tiny.heads or (tiny.width // tiny.heads) % 2:
        # Each head takes width / heads dimensions, and rotary positions turn them in pairs.
        raise ConfigError(f"model.tiny.width must be a multiple of model.tiny.heads with an even head size "
                          f"(width / heads), got width {tiny.width} and heads {tiny.heads}")
    evaluation = config.evaluation
    problems = (evaluation.max_difficulty - evaluation.min_difficulty + 1) * evaluation.per_bucket
    if evaluation.problems == "buckets" and problems > MAX_PROBLEMS:
        raise ConfigError(f"evaluation.per_bucket x buckets (min_difficulty to max_difficulty) must be at most "
                          f"{MAX_PROBLEMS} problems, got {evaluation.per_bucket} x "
                          f"{evaluation.max_difficulty - evaluation.min_difficulty + 1}")


def check_trl_ranges(prefix: str, settings: dict[str, Any]) -> None:
    """The values of `settings` (TRL config fields, already type-checked) that `TRL_RULES` names."""
    for key, rule in TRL_RULES.items():
        if key in settings:
            rule.check(f"{prefix}.{key}", settings[key])


# ---------------------------------------------------------------------------------------------------------------
# Loading and checking

# The sections whose keys are not the config's own but those of the object they configure (a task's options, TRL's
# GRPOConfig and SFTConfig fields): merged as given, checked when that object is built.
FREE_FORM_SECTIONS = ("options", "proposer", "solver", "sft")


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> SelfPlayConfig:
    """The defaults, updated by the YAML file at `path`, then by `dotted.key=value` overrides; fully checked.

    The embedded default's task options are the tiny model's (`P:` as the topic prompt). A file or override that
    names a task starts from that task's own options, written for instruction models; so does a hub model
    (`Qwen/...`) under a config that names no task. A local model folder keeps them: it may hold a tiny model.
    """
    data = dataclasses.asdict(SelfPlayConfig())
    updates = []
    if path is not None:
        path = Path(path)
        loaded = read_yaml(path)
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {path} must hold a mapping of sections, not {type(loaded).__name__}")
        updates.append(loaded)
    updates += [read_override(override) for override in overrides]
    embedded_task, options_set = True, {}  # whether the task options are still the embedded default's
    for update in updates:
        _removed_keys(update)
        task = update.get("task")
        if embedded_task and isinstance(task, dict):
            if "name" in task:
                data["task"]["options"], embedded_task = {}, False
            elif isinstance(task.get("options"), dict):
                options_set.update(task["options"])
        _renamed_sections_lose_options(data, update)
        merge(data, update, FREE_FORM_SECTIONS)
    if embedded_task and _hub_id(data["model"]["name_or_path"]):
        data["task"]["options"] = options_set
    config = build_dataclass(SelfPlayConfig, data, prefix="")
    check(config)
    return config


# Keys that were options once, and why they are gone: a config (or an old run's config.yaml) that sets one is told.
REMOVED_KEYS = {
    ("proposer_reward", "solver_temperature"):
        "the solver's answers that score a problem are now its training samples, drawn at solver.temperature "
        "(one pass per step); set solver.temperature instead",
}


def _removed_keys(update: dict[str, Any]) -> None:
    for (section, key), why in REMOVED_KEYS.items():
        if isinstance(update.get(section), dict) and key in update[section]:
            raise ConfigError(f"{section}.{key} was removed: {why}")


def dump_config(config: SelfPlayConfig) -> str:
    return yaml.safe_dump(config.to_dict(), sort_keys=False)


def _renamed_sections_lose_options(data: dict[str, Any], update: dict[str, Any]) -> None:
    """Options belong to the class they configure: naming another task, verifier or reward drops the options set
    so far (the embedded default's arithmetic options mean nothing to `algebra`)."""
    for section in ("task", "verifier", "proposer_reward"):
        new = update.get(section)
        if isinstance(new, dict) and "name" in new and new["name"] != data[section]["name"]:
            data[section]["options"] = {}


def _hub_id(name_or_path: Any) -> bool:
    """Whether a model name can only mean a hub model: not the built-in tiny model, not a local folder."""
    return isinstance(name_or_path, str) and name_or_path != "builtin:tiny" and not Path(name_or_path).exists()


def check(config: SelfPlayConfig) -> None:
    """Each section's checks, then the checks across sections, each error saying what to change; and the task, the
    verifier and the proposer reward built once, so their options are checked too. Normalises values YAML spells
    loosely."""
    config.model.check()
    config.method.check()
    check_ranges(config)
    config.evaluation.check()
    config.model.warm_start.check()
    check_trl_sections(config)
    if config.model.lora.enabled:
        check_lora(config)
    config.experiment.check()
    config.instruments.check()
    task = make_task(config.task)
    if config.solver_reward.partial_credit and task.closeness("0", "0") is None:
        raise ConfigError(f"solver_reward.partial_credit needs a task that can say how near a wrong answer is "
                          f"(Task.closeness), and {config.task.name!r} cannot; set it to 0")
    verifier = make_verifier(config.verifier)
    if getattr(verifier, "committee", 0) and (not config.model.warm_start.steps or config.model.lora.enabled):
        raise ConfigError("verifier.options.committee needs separately trained models: a warm start "
                          "(model.warm_start.steps > 0) and no LoRA")
    make_proposer_reward(config.proposer_reward)


def check_trl_sections(config: SelfPlayConfig) -> None:
    """The sections of TRL fields (each role's, `method.sft`): no seeds of their own, every key and value checked,
    the values' ranges, and TRL's configs built from them, with the vLLM engines they ask for. Checked values
    replace the sections' (numbers YAML left as strings become numbers)."""
    for name, section in (("proposer", config.proposer), ("solver", config.solver), ("method.sft", config.method.sft)):
        for key in _SEED_FIELDS:
            if key in section:
                raise ConfigError(f"{name}.{key} cannot be set: every seed of a run derives from run.seed (the "
                                  f"solver's is run.seed, the proposer's run.seed + 1); set run.seed instead")
    built = {}
    for role in ("proposer", "solver"):
        setattr(config, role, check_role_section(role, getattr(config, role)))
        settings = grpo_settings(getattr(config, role))
        check_trl_ranges(role, settings)
        # Before TRL's own check, which on one process says the same thing with less to go on.
        check_whole_groups(role, settings)
        built[role] = config.grpo_config(role, output_dir="unused")  # raises ConfigError on a bad combination
        # Again on the built config: TRL has resolved `generation_batch_size` into steps for the processes launched.
        check_whole_groups(role, vars(built[role]))
        if built[role].generation_batch_size > MAX_BATCH:
            raise ConfigError(f"{role}.per_device_train_batch_size x steps_per_generation must be at most "
                              f"{MAX_BATCH} completions per generation, got {built[role].generation_batch_size}")
        check_vllm(role, built[role])
    proposer_trains = config.method.name == "selfplay" and config.schedule.proposer_every != "never"
    if proposer_trains and one_model(config):
        check_one_engine(built["proposer"], built["solver"])
    elif proposer_trains:
        check_vllm_servers(built["proposer"], built["solver"])
    config.method.sft = check_fields("method.sft", config.method.sft, "SFTConfig")
    check_trl_ranges("method.sft", config.method.sft)
    config.sft_config("unused")  # raises ConfigError on a bad combination
