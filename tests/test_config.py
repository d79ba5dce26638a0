"""Tests for selfplay.config (defaults, YAML, overrides, every kind of ConfigError, dump round trip) and
selfplay.names.resolve."""

from __future__ import annotations

import dataclasses

import pytest

from selfplay.config import SelfPlayConfig, dump_config, load_config
from selfplay.errors import ConfigError
from selfplay.names import resolve
from selfplay.tasks import ArithmeticTask
from verifiers import VERIFIERS, MajorityVerifier

# ---------------------------------------------------------------------------------------------------------------
# defaults


def test_defaults_are_the_embedded_run():
    config = load_config()
    assert config.to_dict() == dataclasses.asdict(SelfPlayConfig())


@pytest.mark.parametrize(
    "path, expected",
    [
        # the tiny model on arithmetic, judged by sympy, rewarded by the SQLM band
        ("task.name", "arithmetic"),
        ("task.options.answer_format", "reversed"),
        ("model.name_or_path", "builtin:tiny"),
        ("model.shared", False),
        # the tiny model needs a warm start to do arithmetic at all; the default trains until it half-knows 2-digit sums
        ("model.warm_start.steps", 1500),
        ("model.warm_start.max_difficulty", 2),
        ("model.warm_start.target_accuracy", 0.5),
        ("model.warm_start.check_every", 5),
        ("model.warm_start.check_problems", 1000),
        ("evaluation.per_bucket", 1000),
        ("model.warm_start.lr_scheduler_type", "constant"),
        ("verifier.name", "sympy"),
        ("proposer_reward.name", "sqlm_band"),
        ("proposer_reward.invalid_penalty", -1.0),
        ("proposer_reward.repetition_penalty", 0.0),
        # the schedule: SQLM trains the proposer every 5 steps
        ("schedule.steps", 500),
        ("schedule.proposer_every", 1),
        ("schedule.replay_share", 0.25),
        # the GRPO role sections
        ("solver.learning_rate", 3e-4),
        ("solver.per_device_train_batch_size", 512),
        ("proposer.learning_rate", 1e-4),
        ("proposer.beta", 0.1),
        ("solver.num_generations", 8),
        ("solver.max_completion_length", 10),
        ("proposer.max_completion_length", 12),
        ("run.output_dir", None),
        ("run.seed", 0),
    ],
)
def test_default_values(path, expected):
    value = load_config().to_dict()
    for key in path.split("."):
        value = value[key]
    assert value == expected


def test_default_grpo_configs():
    config = load_config()
    solver = config.grpo_config("solver", "out")
    assert solver.learning_rate == 3e-4
    assert solver.num_generations == 8
    assert solver.output_dir == "out"
    # the framework defaults apply to every role
    assert solver.save_strategy == "no"
    assert config.grpo_config("proposer", "out").max_completion_length == 12


@pytest.mark.parametrize("seed", [0, 7])
def test_every_trl_seed_derives_from_the_run_seed(seed):
    # each role its own stream (TRL reseeds torch with it when the role's trainer is made); the methods' SFT
    # trainer takes the solver's
    config = load_config(overrides=[f"run.seed={seed}"])
    assert config.grpo_config("solver", "out").seed == seed
    assert config.grpo_config("proposer", "out").seed == seed + 1
    assert config.sft_config("out").seed == seed
    assert config.grpo_config("solver", "out").data_seed is None  # batches ordered by the seed above


def test_fine_tuning_methods_train_with_the_solvers_settings_unless_told():
    # a 3B solver at 1e-6 in bf16 with checkpointing: `method.name=filtered` fine-tunes the same way, not at a
    # tiny model's constant
    solver = ["solver.learning_rate=1e-6", "solver.weight_decay=0.01", "solver.activation_checkpointing=true",
              "solver.lr_scheduler_type=cosine"]
    sft = load_config(overrides=solver).sft_config("out")
    assert (sft.learning_rate, sft.weight_decay, sft.lr_scheduler_type.value) == (1e-6, 0.01, "cosine")
    assert sft.activation_checkpointing is True
    assert load_config(overrides=[*solver, "method.sft.learning_rate=3e-5"]).sft_config("out").learning_rate == 3e-5
    # the embedded default's solver learns at 3e-4, and so do its fine-tuning methods
    assert load_config().sft_config("out").learning_rate == 3e-4


# ---------------------------------------------------------------------------------------------------------------
# Task options: the tiny model's prompts only where the tiny model is


def test_the_embedded_default_keeps_the_tiny_prompts():
    options = load_config().task.options
    assert options["topic_prompt"] == "P:" and options["solver_template"] == "{problem}="
    # a variant of the embedded default that names no task keeps them, with its own changes
    assert load_config(overrides=["task.options.max_digits=4"]).task.options["topic_prompt"] == "P:"


@pytest.mark.parametrize("naming", [
    ["task.name=arithmetic"],                               # the same task, named
    ["task.name=arithmetic", "task.options.max_digits=3"],  # named with options but no prompts
    ["model.name_or_path=Qwen/Qwen2.5-3B-Instruct"],        # a hub model under a config that names no task
    ["model.name_or_path=Qwen/Qwen2.5-3B-Instruct", "task.options.answer_format=tagged"],
])
def test_a_named_task_or_a_hub_model_gets_the_instruction_prompts(naming):
    options = load_config(overrides=naming).task.options
    assert "topic_prompt" not in options and "solver_template" not in options  # the task's own defaults
    assert "answer_format" not in options or options["answer_format"] == "tagged"  # what was set is kept
    assert "max_digits" not in options or options["max_digits"] == 3


def test_a_local_model_folder_keeps_the_embedded_options(tmp_path):
    # a folder may hold a saved tiny model, as the tests' own do
    assert load_config(overrides=[f"model.name_or_path={tmp_path}"]).task.options["topic_prompt"] == "P:"


def test_a_file_naming_the_task_then_an_override_keeps_the_files_options(tmp_path):
    path = _write(tmp_path, "task:\n  name: arithmetic\n  options: {topic_prompt: 'Q:'}\n")
    assert load_config(path, ["task.name=arithmetic"]).task.options == {"topic_prompt": "Q:"}


# ---------------------------------------------------------------------------------------------------------------
# YAML files and overrides


def _write(tmp_path, text, name="config.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_yaml_file(tmp_path):
    path = _write(tmp_path, """
schedule:
  steps: 7
verifier:
  name: majority
  options: {ties: no_label}
solver:
  learning_rate: 1e-4      # YAML 1.1 reads this as a string
  num_generations: 4
task:
  options:
    ops: "+-"
""")
    config = load_config(path)
    assert config.schedule.steps == 7
    # keys not in the file keep their defaults, at every level
    assert config.schedule.proposer_every == 1
    assert config.solver["max_completion_length"] == 10
    assert config.task.options["answer_format"] == "reversed"
    assert config.task.options["ops"] == "+-"
    assert config.verifier.name == "majority" and config.verifier.options == {"ties": "no_label"}
    grpo = config.grpo_config("solver", tmp_path)
    assert grpo.learning_rate == 1e-4 and isinstance(grpo.learning_rate, float)
    assert grpo.num_generations == 4


@pytest.mark.parametrize(
    "text",
    [
        # an empty file is the defaults
        "",
        # so is a file of comments
        "# nothing here\n",
    ],
)
def test_empty_yaml_is_defaults(tmp_path, text):
    assert load_config(_write(tmp_path, text)).to_dict() == dataclasses.asdict(SelfPlayConfig())


def test_overrides_apply_after_the_file(tmp_path):
    path = _write(tmp_path, "schedule:\n  steps: 7\n")
    assert load_config(path, ["schedule.steps=9"]).schedule.steps == 9


@pytest.mark.parametrize(
    "override, path, expected",
    [
        # an int
        ("schedule.steps=3", "schedule.steps", 3),
        # the literal "never" in an int-or-"never" field
        ("schedule.proposer_every=never", "schedule.proposer_every", "never"),
        ("schedule.proposer_every=2", "schedule.proposer_every", 2),
        # `1e-3` (a string to YAML 1.1) read as a float in a float field
        ("model.warm_start.learning_rate=1e-3", "model.warm_start.learning_rate", 1e-3),
        # an int given for a float field becomes a float
        ("proposer_reward.invalid_penalty=-2", "proposer_reward.invalid_penalty", -2.0),
        # a negative exponent without a dot
        ("proposer_reward.invalid_penalty=-1e-1", "proposer_reward.invalid_penalty", -0.1),
        # bools
        ("model.shared=false", "model.shared", False),
        # None for an optional field, and a string for it
        ("run.output_dir=null", "run.output_dir", None),
        ("run.output_dir=runs/x", "run.output_dir", "runs/x"),
        # a literal choice (quoted: see test_on_off_literals_unquoted for the unquoted spelling)
        ("model.chat_template='off'", "model.chat_template", "off"),
        ("model.chat_template=auto", "model.chat_template", "auto"),
        # options of the selected task, verifier and reward
        ("task.options.max_digits=4", "task.options.max_digits", 4),
        ("proposer_reward.options.low=1", "proposer_reward.options.low", 1),
        # a new GRPO key
        ("solver.top_p=0.9", "solver.top_p", 0.9),
        # a value containing '='
        ("task.options.solver_template={problem}==", "task.options.solver_template", "{problem}=="),
    ],
)
def test_overrides(override, path, expected):
    value = load_config(overrides=[override]).to_dict()
    for key in path.split("."):
        value = value[key]
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "value",
    [
        # the documented choices of model.chat_template that YAML 1.1 reads as booleans
        "off",
        "on",
    ],
)
@pytest.mark.parametrize(
    "source",
    [
        # as a command-line override
        "override",
        # in a YAML file
        "file",
    ],
)
def test_on_off_literals_unquoted(tmp_path, source, value):
    if source == "override":
        config = load_config(overrides=[f"model.chat_template={value}"])
    else:
        config = load_config(_write(tmp_path, f"model:\n  chat_template: {value}\n"))
    assert config.model.chat_template == value


@pytest.mark.parametrize(
    "override, role, field, expected",
    [
        # `1e-4` reaches TRL as a float, not a string
        ("solver.learning_rate=1e-4", "solver", "learning_rate", 1e-4),
        ("proposer.learning_rate=3e-5", "proposer", "learning_rate", 3e-5),
        # a plain value
        ("solver.temperature=0.7", "solver", "temperature", 0.7),
    ],
)
def test_grpo_overrides(override, role, field, expected):
    value = getattr(load_config(overrides=[override]).grpo_config(role, "out"), field)
    assert value == pytest.approx(expected) and isinstance(value, float)


def test_majority_verifier_options():
    config = load_config(overrides=["verifier.name=majority", "verifier.options.ties=no_label"])
    assert config.verifier.options == {"ties": "no_label"}


@pytest.mark.parametrize(
    "overrides",
    [
        # a built-in named by its import path
        ["verifier.name=verifiers.majority:MajorityVerifier"],
        ["task.name=selfplay.tasks.arithmetic:ArithmeticTask"],
        ["proposer_reward.name=selfplay.rewards:Learnability"],
    ],
)
def test_import_path_names_are_accepted(overrides):
    load_config(overrides=overrides)


# ---------------------------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize(
    "overrides, fragments",
    [
        # unknown top-level key, and the valid ones listed
        (["foo.bar=1"], ["'foo'", "schedule"]),
        # unknown nested key
        (["schedule.stepz=3"], ["'schedule.stepz'", "steps"]),
        (["model.warm_start.stepz=3"], ["'model.warm_start.stepz'"]),
        # wrong type: str for int
        (["schedule.steps=abc"], ["'schedule.steps'", "wrong type"]),
        # float for int
        (["schedule.steps=1.5"], ["'schedule.steps'", "wrong type"]),
        # bool for int
        (["schedule.steps=true"], ["'schedule.steps'", "wrong type"]),
        # str for float
        (["proposer_reward.invalid_penalty=abc"], ["'proposer_reward.invalid_penalty'"]),
        # int for bool
        (["model.shared=1"], ["'model.shared'"]),
        # not one of a literal's choices
        (["model.chat_template=maybe"], ["'model.chat_template'", "'auto'"]),
        # neither an int nor "never"
        (["schedule.proposer_every=sometimes"], ["'schedule.proposer_every'"]),
        # a scalar where a section belongs
        (["schedule=3"], ["'schedule'", "section"]),
        # cross-field checks
        (["schedule.proposer_every=0"], ["schedule.proposer_every"]),
        (["schedule.steps=0"], ["schedule.steps"]),
        (["run.shard_every=0"], ["run.shard_every"]),
        (["model.warm_start.steps=10", "model.warm_start.min_difficulty=4"], ["model.warm_start"]),
        # a seed of its own in a role or the methods' SFT section: every seed derives from run.seed
        (["solver.seed=3"], ["solver.seed", "run.seed"]),
        (["proposer.seed=0"], ["proposer.seed", "run.seed"]),
        (["proposer.data_seed=5"], ["proposer.data_seed", "run.seed"]),
        (["method.sft.seed=1"], ["method.sft.seed", "run.seed"]),
        # unknown GRPO key
        (["solver.learning_rat=1e-4"], ["solver.learning_rat"]),
        (["proposer.bogus=1"], ["proposer.bogus"]),
        # wrong GRPO type
        (["solver.learning_rate=abc"], ["'solver.learning_rate'"]),
        (["solver.per_device_train_batch_size=true"], ["'solver.per_device_train_batch_size'"]),
        # bad GRPO combination: num_generations must divide the generation batch (64)
        (["solver.num_generations=7"], ["solver", "num_generations"]),
        (["proposer.num_generations=3"], ["proposer", "num_generations"]),
        # unknown names list the valid ones
        (["verifier.name=oracle"], ["'oracle'", "majority", "none", "sympy"]),
        (["task.name=chess"], ["'chess'", "arithmetic"]),
        (["proposer_reward.name=foo"], ["'foo'", "learnability", "sqlm_band", "uncertainty"]),
        # an import path to something that is not a verifier
        (["verifier.name=selfplay.errors:ConfigError"], ["must be a subclass"]),
        # an import path to a missing module or attribute
        (["task.name=no_such_module_xyz:Task"], ["no_such_module_xyz"]),
        (["task.name=selfplay.tasks:NoSuchTask"], ["NoSuchTask"]),
        # unknown options of the task, the verifier and the reward
        (["task.options.colour=red"], ["'task.options.colour'", "max_digits"]),
        (["verifier.options.ties=no_label"], ["'verifier.options.ties'"]),  # sympy has no options
        (["proposer_reward.options.lo=1"], ["'proposer_reward.options.lo'", "low"]),
        # options of the right name but the wrong type or value
        (["task.options.max_digits=2.5"], ["'task.options.max_digits'"]),
        (["task.options.ops=%"], ["ops"]),
        (["verifier.name=majority", "verifier.options.ties=sometimes"], ["'verifier.options.ties'"]),
        # an override that is not key=value
        (["noequals"], ["'noequals'"]),
        (["=3"], ["'=3'"]),
    ],
)
def test_config_errors(overrides, fragments):
    with pytest.raises(ConfigError) as info:
        load_config(overrides=overrides)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    "text, fragment",
    [
        # unknown top-level key in a file
        ("foo: 1\n", "'foo'"),
        # unknown nested key in a file
        ("schedule:\n  stepz: 3\n", "'schedule.stepz'"),
        # wrong type in a file
        ("schedule:\n  steps: three\n", "'schedule.steps'"),
        # a list at the top, not a mapping
        ("- a\n- b\n", "mapping"),
        # a scalar at the top
        ("just a string\n", "mapping"),
        # invalid YAML
        ("schedule: [1, 2\n", "not valid YAML"),
        ("a: b: c\n", "not valid YAML"),
        # a non-string key
        ("1: 2\n", "must be a string"),
    ],
)
def test_config_file_errors(tmp_path, text, fragment):
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "name",
    [
        # a file that does not exist
        "missing.yaml",
        # a directory is not a config file
        ".",
    ],
)
def test_missing_config_file(tmp_path, name):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / name)


# ---------------------------------------------------------------------------------------------------------------
# dump_config


@pytest.mark.parametrize(
    "overrides",
    [
        # the defaults
        [],
        # changed values in every kind of section, including "never", None and a float-from-string
        ["schedule.proposer_every=never", "run.output_dir=runs/x", "model.warm_start.learning_rate=1e-3",
         "verifier.name=majority", "verifier.options.ties=no_label", "solver.learning_rate=1e-4",
         "proposer_reward.options.low=1", "task.options.ops=+-*", "model.chat_template='off'"],
    ],
)
def test_dump_round_trips(tmp_path, overrides):
    config = load_config(overrides=overrides)
    path = _write(tmp_path, dump_config(config), name="dumped.yaml")
    assert load_config(path).to_dict() == config.to_dict()


def test_dump_reflects_changes(tmp_path):
    # the dump is not just the defaults: a changed value survives it
    path = _write(tmp_path, dump_config(load_config(overrides=["schedule.steps=11"])))
    assert load_config(path).schedule.steps == 11


# ---------------------------------------------------------------------------------------------------------------
# names.resolve


@pytest.mark.parametrize(
    "name, builtins, expected",
    [
        # a built-in by name
        ("majority", VERIFIERS, MajorityVerifier),
        # a class by import path
        ("selfplay.errors:ConfigError", {}, ConfigError),
        ("selfplay.tasks.arithmetic:ArithmeticTask", {}, ArithmeticTask),
        # a built-in name wins over import-path parsing
        ("x:y", {"x:y": int}, int),
    ],
)
def test_resolve(name, builtins, expected):
    assert resolve("thing", name, builtins) is expected


@pytest.mark.parametrize(
    "name, fragments",
    [
        # a module that does not exist
        ("no_such_module_xyz:Thing", ["cannot import", "'no_such_module_xyz'"]),
        # a module that exists, without the attribute
        ("selfplay.errors:NoSuchThing", ["'NoSuchThing'"]),
        # a bare unknown name lists the built-ins and mentions import paths
        ("nope", ["unknown thing 'nope'", "a, b", "import path"]),
    ],
)
def test_resolve_errors(name, fragments):
    with pytest.raises(ConfigError) as info:
        resolve("thing", name, {"b": 1, "a": 2})
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize("override, message", [
    # each range error names the key, says the range and repeats the value (tests/test_config_checks.py has many)
    ("evaluation.k=-1", "evaluation.k must be from 0 to 1024, got -1"),
    ("evaluation.per_bucket=0", "evaluation.per_bucket must be from 1 to 100000, got 0"),
    ("model.warm_start.proposer_share=1.5", "model.warm_start.proposer_share must be from 0 to 1, got 1.5"),
    ("model.warm_start.batch_size=0", "model.warm_start.batch_size must be from 1 to 65536, got 0"),
    ("model.warm_start.target_accuracy=1.5",
     "model.warm_start.target_accuracy must be above 0 and at most 1, got 1.5"),
    ("model.warm_start.average_decay=1", "model.warm_start.average_decay must be at least 0 and below 1, got 1.0"),
    ("model.warm_start.check_every=-1", "model.warm_start.check_every must be from 0 to 1000000, got -1"),
    ("solver.temperature=0", "solver.temperature must be above 0, got 0.0"),
    ("schedule.proposer_every=0", "schedule.proposer_every must be from 1 to 1000000 or 'never', got 0"),
])
def test_range_checks(override, message):
    with pytest.raises(ConfigError) as info:
        load_config(None, [override])
    assert str(info.value) == message


@pytest.mark.parametrize("value", [
    # the bounds themselves are valid
    "schedule.steps=1", "schedule.steps=1000000", "model.warm_start.steps=0", "evaluation.k=1024",
    "model.warm_start.proposer_share=0", "model.warm_start.proposer_share=1", "model.warm_start.average_decay=0",
    "run.seed=4294967294", "solver.num_generations=2", "solver.beta=0", "solver.max_grad_norm=0",
    "model.tiny.width=8", "model.tiny.heads=1", "model.dtype=bfloat16",
    # an override can still set null where the field allows it
    "run.output_dir=null",
])
def test_values_at_the_bounds_are_accepted(value):
    load_config(None, [value, "solver.per_device_train_batch_size=8", "proposer.per_device_train_batch_size=8"])


def test_an_unreadable_config_file_is_a_config_error(tmp_path, monkeypatch):
    # (a chmod 000 file is readable by root, so the read itself fails here)
    path = _write(tmp_path, "schedule:\n  steps: 3\n")

    def refuse(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(path), "read_bytes", refuse)
    with pytest.raises(ConfigError, match="cannot read config file .*: Permission denied"):
        load_config(path)
