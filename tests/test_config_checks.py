"""Every config value is checked before anything is written: a hostile table of bad configs, each through the
command line (`selfplay train ... --dry-run`), each a one-line error naming the key, exit code 2, no traceback
and no run directory."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from selfplay.cli import main
from selfplay.config import RULES
from selfplay.yamlconfig import MAX_CONFIG_BYTES


@dataclass(frozen=True)
class File:
    """A config file's bytes, written to the test's folder and given to `train` before the overrides."""
    content: bytes


# overrides (or a File), the key (or words) the one-line error must name
BAD_CONFIGS = [
    # the tiny model's words, and the taught procedure (issue #19)
    (["model.tiny.words=[<think>, <think>]"], "model.tiny.words"),
    (["model.tiny.words=[<eos>]"], "model.tiny.words"),
    (["task.options.teach=columns"], "answer_format: tagged"),  # the default writes reversed digits
    (["task.options.slip_share=2"], "slip_share"),
    (["experiment.seeds=[1, 1]"], "experiment.seeds"),
    (["experiment.seeds=[-1]"], "experiment.seeds"),
    # schedule: a step count past the bound would hang the dry run's count of proposer updates
    (["schedule.steps=99999999999999999999999"], "schedule.steps"),
    (["schedule.steps=1" + "0" * 400], "schedule.steps"),  # an int too large for a float
    (["schedule.steps=0"], "schedule.steps"),
    (["schedule.steps=-5"], "schedule.steps"),
    (["schedule.steps=.inf"], "schedule.steps"),
    (["schedule.proposer_every=-1"], "schedule.proposer_every"),
    (["schedule.proposer_every=10000001"], "schedule.proposer_every"),
    (["schedule.replay_share=1"], "schedule.replay_share"),
    (["schedule.replay_share=.nan"], "schedule.replay_share"),
    (["schedule.replay_size=0"], "schedule.replay_size"),
    # the GRPO role sections: a group of 0 divided by zero inside TRL, the rest TRL accepted
    (["solver.num_generations=0"], "solver.num_generations"),
    (["solver.num_generations=1"], "solver.num_generations"),
    (["proposer.num_generations=null"], "proposer.num_generations"),
    (["solver.num_generations=100000"], "solver.num_generations"),
    (["solver.learning_rate=-1"], "solver.learning_rate"),
    (["solver.learning_rate=0"], "solver.learning_rate"),
    (["proposer.learning_rate=.inf"], "proposer.learning_rate"),
    (["solver.learning_rate=1e999"], "solver.learning_rate"),  # a string to YAML 1.1, inf to float()
    (["solver.learning_rate=1" + "0" * 400], "solver.learning_rate"),  # an int no float can hold
    (["solver.temperature=.nan"], "solver.temperature"),
    (["solver.temperature=nan"], "solver.temperature"),  # the string "nan"
    (["solver.temperature=0"], "solver.temperature"),
    (["proposer.temperature=-0.5"], "proposer.temperature"),
    (["solver.max_completion_length=-1"], "solver.max_completion_length"),
    (["proposer.max_completion_length=0"], "proposer.max_completion_length"),
    (["solver.max_completion_length=99999999999"], "solver.max_completion_length"),
    (["solver.per_device_train_batch_size=0"], "solver.per_device_train_batch_size"),
    (["solver.per_device_train_batch_size=-8"], "solver.per_device_train_batch_size"),
    (["solver.per_device_train_batch_size=65536", "solver.steps_per_generation=8"],
     "solver.per_device_train_batch_size"),  # each fits; their product, TRL's generation batch, does not
    (["solver.beta=-0.1"], "solver.beta"),
    (["proposer.beta=.nan"], "proposer.beta"),
    (["solver.epsilon=0"], "solver.epsilon"),
    (["solver.epsilon_high=-0.2"], "solver.epsilon_high"),
    (["solver.max_grad_norm=-1"], "solver.max_grad_norm"),
    (["solver.top_p=0"], "solver.top_p"),
    (["solver.top_p=1.5"], "solver.top_p"),
    (["solver.top_k=-1"], "solver.top_k"),
    (["solver.min_p=2"], "solver.min_p"),
    (["solver.repetition_penalty=0"], "solver.repetition_penalty"),
    (["solver.gradient_accumulation_steps=0"], "solver.gradient_accumulation_steps"),
    (["solver.steps_per_generation=0"], "solver.steps_per_generation"),
    (["solver.weight_decay=-0.01"], "solver.weight_decay"),
    (["solver.adam_beta1=1"], "solver.adam_beta1"),
    (["solver.adam_epsilon=0"], "solver.adam_epsilon"),
    (["solver.num_iterations=0"], "solver.num_iterations"),
    (["solver.vllm_gpu_memory_utilization=0"], "solver.vllm_gpu_memory_utilization"),
    (["solver.vllm_server_port=70000"], "solver.vllm_server_port"),
    # the fine-tuning methods' SFTConfig section
    (["method.sft.learning_rate=-1"], "method.sft.learning_rate"),
    (["method.sft.max_grad_norm=.inf"], "method.sft.max_grad_norm"),
    (["method.sft.max_length=0"], "method.sft.max_length"),
    # run
    (["run.save_every=-1"], "run.save_every"),
    (["run.shard_every=0"], "run.shard_every"),
    (["run.output_dir=''"], "run.output_dir"),
    (["run.output_dir=' '"], "run.output_dir"),
    (["run.seed=-1"], "run.seed"),
    (["run.seed=4294967295"], "run.seed"),  # the proposer's seed, one more, would pass numpy's bound
    # the model, its warm start and the tiny architecture
    (["model.warm_start.steps=-10"], "model.warm_start.steps"),
    (["model.warm_start.steps=10000000"], "model.warm_start.steps"),
    (["model.warm_start.proposer_steps=-1"], "model.warm_start.proposer_steps"),
    (["model.warm_start.learning_rate=0"], "model.warm_start.learning_rate"),
    (["model.warm_start.learning_rate=.nan"], "model.warm_start.learning_rate"),
    (["model.warm_start.batch_size=1000000"], "model.warm_start.batch_size"),
    (["model.warm_start.check_problems=0"], "model.warm_start.check_problems"),
    (["model.warm_start.check_every=-5"], "model.warm_start.check_every"),
    (["model.warm_start.warmup_steps=-1"], "model.warm_start.warmup_steps"),
    (["model.warm_start.lr_scheduler_type=bogus"], "model.warm_start.lr_scheduler_type"),
    (["model.warm_start.cache_dir=''"], "model.warm_start.cache_dir"),
    (["model.warm_start.adam_beta2=1"], "model.warm_start.adam_beta2"),
    (["model.warm_start.average_decay=-0.5"], "model.warm_start.average_decay"),
    (["model.warm_start.learned_accuracy=0"], "model.warm_start.learned_accuracy"),
    (["model.warm_start.target_accuracy=.nan"], "model.warm_start.target_accuracy"),
    (["model.warm_start.proposer_share=-0.25"], "model.warm_start.proposer_share"),
    (["model.warm_start.hint_share=-0.1"], "model.warm_start.hint_share"),
    (["model.warm_start.min_difficulty=0"], "model.warm_start.min_difficulty"),
    (["model.warm_start.max_difficulty=1000"], "model.warm_start.max_difficulty"),
    (["model.warm_start.proposer_max_difficulty=1000"], "model.warm_start.proposer_max_difficulty"),
    (["model.tiny.layers=0"], "model.tiny.layers"),
    (["model.tiny.layers=1000"], "model.tiny.layers"),
    (["model.tiny.width=10", "model.tiny.heads=3"], "model.tiny.width"),  # not a multiple
    (["model.tiny.width=12", "model.tiny.heads=4"], "model.tiny.width"),  # heads of 3: rotary needs pairs
    (["model.tiny.heads=0"], "model.tiny.heads"),
    (["model.tiny.width=100000"], "model.tiny.width"),
    (["model.tiny.max_length=0"], "model.tiny.max_length"),
    (["model.generation_batch=0"], "model.generation_batch"),
    (["model.generation_batch=10000000"], "model.generation_batch"),
    (["model.name_or_path=''"], "model.name_or_path"),
    (["model.solver_name_or_path=''"], "model.solver_name_or_path"),
    (["model.dtype=floaty"], "model.dtype"),
    # evaluation
    (["evaluation.temperature=-1"], "evaluation.temperature"),
    (["evaluation.temperature=0"], "evaluation.temperature"),
    (["evaluation.temperature=.inf"], "evaluation.temperature"),
    (["evaluation.per_bucket=0"], "evaluation.per_bucket"),
    (["evaluation.per_bucket=100000"], "evaluation.per_bucket"),  # x 5 buckets
    (["evaluation.k=-1"], "evaluation.k"),
    (["evaluation.k=100000"], "evaluation.k"),
    (["evaluation.every=-1"], "evaluation.every"),
    (["evaluation.max_new_tokens=0"], "evaluation.max_new_tokens"),
    (["evaluation.min_difficulty=0"], "evaluation.min_difficulty"),
    (["evaluation.min_difficulty=4", "evaluation.max_difficulty=2"], "evaluation.min_difficulty"),
    (["evaluation.max_difficulty=1000"], "evaluation.max_difficulty"),
    (["evaluation.seed=-1"], "evaluation.seed"),
    (["evaluation.cache_dir=''"], "evaluation.cache_dir"),
    (["evaluation.problems=''"], "evaluation.problems"),
    # the proposer's reward
    (["proposer_reward.repetition_penalty=-1"], "proposer_reward.repetition_penalty"),
    (["proposer_reward.repetition_threshold=0"], "proposer_reward.repetition_threshold"),
    (["proposer_reward.invalid_penalty=.inf"], "proposer_reward.invalid_penalty"),
    (["proposer_reward.options.low=.nan"], "proposer_reward.options.low"),
    # the solver's partial credit: a weight, and only for a task that can say how near an answer is
    (["solver_reward.partial_credit=1.5"], "solver_reward.partial_credit"),
    (["solver_reward.partial_credit=-0.1"], "solver_reward.partial_credit"),
    (["task.name=coding", "verifier.name=code", "solver_reward.partial_credit=0.5"], "solver_reward.partial_credit"),
    # majority's committee: a size, and separately warm-started models to fill it
    (["verifier.name=majority", "verifier.options.committee=9"], "verifier.options.committee"),
    (["verifier.name=majority", "verifier.options.committee=1", "model.warm_start.steps=0"],
     "verifier.options.committee"),
    # the methods without a proposer, and task options
    (["method.problems=10000000"], "method.problems"),
    (["method.min_difficulty=0"], "method.min_difficulty"),
    (["method.max_difficulty=1000"], "method.max_difficulty"),
    (["method.seed=-1"], "method.seed"),
    (["method.accept_reward=.nan"], "method.accept_reward"),
    (["task.options.max_digits=.inf"], "task.options.max_digits"),
    # an override with nothing after '=' (`run.output_dir=$DIR` with DIR unset) is not a silent null
    (["run.output_dir="], "run.output_dir"),
    # config files: bad values in a file, and files that cannot be read as YAML text at all
    (File(b"schedule:\n  steps: .nan\n"), "schedule.steps"),
    (File(b"solver:\n  temperature: .inf\n"), "solver.temperature"),
    (File(b"model:\n  tiny: {width: 10, heads: 3}\n"), "model.tiny.width"),
    (File(b'evaluation:\n  problems: "a\\0b.jsonl"\n'), "evaluation.problems"),  # a NUL character, escaped
    (File(b'model:\n  name_or_path: "a\\0b"\n'), "model.name_or_path"),
    (File(b"\xff\xfe\x00\x01binary\x80\x81"), "must be UTF-8 text"),
    (File("schedule:\n  steps: 3  # café\n".encode("latin-1")), "must be UTF-8 text"),
    (File(b"schedule: [\x00]\n"), "not valid YAML"),
    (File(b"[" * 5000), "not valid YAML"),  # nested past Python's recursion limit
    (File(b"#" * (MAX_CONFIG_BYTES + 1)), f"must be at most {MAX_CONFIG_BYTES} bytes"),
]


def _arguments(config, tmp_path: Path) -> list[str]:
    if isinstance(config, File):
        path = tmp_path / "config.yaml"
        path.write_bytes(config.content)
        return [str(path)]
    return list(config)


@pytest.mark.parametrize("config, key", BAD_CONFIGS, ids=lambda item: item if isinstance(item, str) else None)
def test_a_bad_config_is_one_line_naming_the_key_and_nothing_is_written(config, key, tmp_path, capsys):
    output = tmp_path / "run"
    # the case's own overrides come last, so a case that sets run.output_dir or a cache folder is what is checked
    code = main(["train", "--dry-run", f"run.output_dir={output}", f"evaluation.cache_dir={tmp_path / 'eval'}",
                 f"model.warm_start.cache_dir={tmp_path / 'warm'}", *_arguments(config, tmp_path)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""  # no plan: the config was refused before it
    assert captured.err.startswith("selfplay: error: ") and captured.err.count("\n") == 1, captured.err
    assert key in captured.err and "Traceback" not in captured.err
    assert not output.exists() and not (tmp_path / "eval").exists() and not (tmp_path / "warm").exists()


def test_the_table_is_large():
    assert len(BAD_CONFIGS) >= 60


def test_every_ruled_key_has_a_bad_value_in_the_table():
    named = {key for _, key in BAD_CONFIGS}
    assert sorted(set(RULES) - named) == []


def test_the_command_exits_2_on_a_binary_config_without_a_traceback(tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(bytes(range(256)))
    repository = Path(__file__).parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repository), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "selfplay.cli", "train", str(path), "--dry-run",
                             f"run.output_dir={tmp_path / 'run'}"], capture_output=True, text=True, timeout=300,
                            cwd=repository, env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"selfplay: error: config file {path} must be UTF-8 text, got "
                                                  "byte 0x80 at offset 128"]
    assert not (tmp_path / "run").exists()
