"""Scale-out settings, checked without a GPU or vLLM (docs/SCALING.md): whole groups on every process, vLLM
settings checked when the config loads, and the shipped accelerate configs read by accelerate's own code."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

import selfplay.trl_config
from selfplay.config import load_config
from selfplay.errors import ConfigError
from selfplay.trl_config import check_whole_groups

ROOT = Path(__file__).parents[1]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))
ACCELERATE = ROOT / "configs" / "accelerate"


def config_error(overrides: list[str]) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(overrides=overrides)
    message = str(info.value)
    assert "\n" not in message  # the CLI prints it as one line
    return message



# ---------------------------------------------------------------------------------------------------------------
# whole groups: per_device_train_batch_size x steps_per_generation must be a multiple of num_generations


@pytest.mark.parametrize(
    "overrides",
    [
        # 64 x 1 = 64 completions, 8 groups of 8 (the embedded default)
        [],
        # steps_per_generation defaults to gradient_accumulation_steps, as in TRL: 4 x 2 = 8
        ["solver.per_device_train_batch_size=4", "solver.gradient_accumulation_steps=2"],
        # 4 x 2 = 8 completions: one group per process, split over two optimizer steps
        ["solver.per_device_train_batch_size=4", "solver.steps_per_generation=2"],
        # 12 x 2 = 24: three groups, though neither factor is a multiple of 8
        ["proposer.per_device_train_batch_size=12", "proposer.steps_per_generation=2"],
        # generation_batch_size instead: on one process it is the whole product (16 = 2 groups)
        ["solver.per_device_train_batch_size=8", "solver.generation_batch_size=16"],
    ],
)
def test_whole_groups_load(overrides):
    load_config(overrides=overrides)


@pytest.mark.parametrize(
    "overrides, fragments",
    [
        # 4 x 1 = 4: half a group per process
        (["solver.per_device_train_batch_size=4"],
         ["solver:", "per_device_train_batch_size (4)", "steps_per_generation (1)", "num_generations (8)",
          "solver.per_device_train_batch_size to a multiple of 8 (e.g. 8)",
          "or solver.steps_per_generation to a multiple of 2"]),
        # 6 x 2 = 12: one and a half groups
        (["proposer.per_device_train_batch_size=6", "proposer.steps_per_generation=2"],
         ["proposer:", "(6) x steps_per_generation (2) = 12", "num_generations (8)", "(e.g. 8)",
          "proposer.steps_per_generation to a multiple of 4"]),
        # gradient accumulation stands in for steps_per_generation: 12 x 1 with 8 answers per problem
        (["solver.per_device_train_batch_size=12"],
         ["(12) x steps_per_generation (1)", "(e.g. 16)", "steps_per_generation to a multiple of 2"]),
        # the group size is the culprit: 64 is no multiple of 7
        (["solver.per_device_train_batch_size=64", "solver.num_generations=7"],
         ["num_generations (7)", "multiple of 7 (e.g. 70)", "steps_per_generation to a multiple of 7"]),
    ],
)
def test_split_groups_are_config_errors(overrides, fragments):
    message = config_error(overrides)
    for fragment in fragments:
        assert fragment in message


def test_split_groups_with_a_generation_batch_over_several_processes():
    # What the built GRPOConfig holds on 2 processes with generation_batch_size 8, per_device_train_batch_size 4,
    # num_generations 8: TRL accepts it (8 is a multiple of 8), but each process gets 4 x 1 = half a group.
    resolved = {"per_device_train_batch_size": 4, "steps_per_generation": 1, "num_generations": 8,
                "generation_batch_size": 8, "gradient_accumulation_steps": 1}
    with pytest.raises(ConfigError, match=r"per_device_train_batch_size \(4\) x steps_per_generation \(1\)"):
        check_whole_groups("solver", resolved)
    # before TRL resolves it, a generation_batch_size alone cannot be judged: it is split over the processes
    check_whole_groups("solver", {**resolved, "steps_per_generation": None})


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_hand_every_process_whole_groups(path):
    config = load_config(path)
    for role in ("proposer", "solver"):
        args = config.grpo_config(role, "unused")
        assert args.per_device_train_batch_size * args.steps_per_generation % args.num_generations == 0


def test_the_test_fixture_hands_every_process_whole_groups(tiny_overrides):
    config = load_config(overrides=tiny_overrides)
    for role in ("proposer", "solver"):
        args = config.grpo_config(role, "unused")
        assert args.per_device_train_batch_size * args.steps_per_generation % args.num_generations == 0


# ---------------------------------------------------------------------------------------------------------------
# vLLM through TRL (`use_vllm`, `vllm_mode`, `vllm_server_*`), checked when the config loads


@pytest.fixture
def vllm_installed(monkeypatch):
    """Pretend vLLM is importable (it is not installed here): a stand-in module, never used."""
    monkeypatch.setitem(sys.modules, "vllm", types.ModuleType("vllm"))


@pytest.fixture
def gpu(monkeypatch):
    monkeypatch.setattr(selfplay.trl_config, "_cuda_available", lambda: True)


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(selfplay.trl_config, "_cuda_available", lambda: False)


def test_without_vllm_nothing_is_probed(monkeypatch):
    # use_vllm off (the default): neither vLLM nor CUDA is looked for
    def fail():
        raise AssertionError("probed with use_vllm off")

    monkeypatch.setattr(selfplay.trl_config, "_vllm_installed", fail)
    monkeypatch.setattr(selfplay.trl_config, "_cuda_available", fail)
    load_config()


def test_use_vllm_without_the_package(monkeypatch):
    monkeypatch.setattr(selfplay.trl_config, "_vllm_installed", lambda: False)
    message = config_error(["solver.use_vllm=true"])
    assert message == ("solver.use_vllm is true but the vllm package is not installed: pip install -e '.[vllm]', "
                       "or set solver.use_vllm=false")


def test_the_stand_in_module_counts_as_installed(vllm_installed):
    assert selfplay.trl_config._vllm_installed()


@pytest.mark.parametrize("use_vllm", ["true", "false"])
def test_unknown_vllm_mode(use_vllm, vllm_installed, gpu):
    # a typo is caught even while vLLM is off: it would bite the day use_vllm is turned on
    message = config_error([f"proposer.use_vllm={use_vllm}", "proposer.vllm_mode=colocated"])
    assert message == "proposer.vllm_mode must be 'colocate' or 'server', got 'colocated'"


@pytest.mark.parametrize(
    "mode, reason",
    [
        # colocate: vLLM runs inside the training processes, on their GPUs
        ("colocate", "vLLM runs on the training GPUs in colocate mode"),
        # server: generation is remote, but TRL pushes the weights to the server over NCCL from a CUDA device
        ("server", "in server mode TRL still sends the trained weights to the server over NCCL from a GPU"),
    ],
)
def test_use_vllm_without_a_gpu(mode, reason, vllm_installed, no_gpu):
    message = config_error(["solver.use_vllm=true", f"solver.vllm_mode={mode}"])
    assert message.startswith("solver.use_vllm needs a GPU and torch sees none: ")
    assert reason in message and "set solver.use_vllm=false" in message


@pytest.mark.parametrize("mode", ["colocate", "server"])
def test_use_vllm_with_a_gpu_loads(mode, vllm_installed, gpu):
    config = load_config(overrides=["solver.use_vllm=true", f"solver.vllm_mode={mode}",
                                    "solver.vllm_gpu_memory_utilization=0.4"])
    args = config.grpo_config("solver", "unused")
    assert (args.use_vllm, args.vllm_mode, args.vllm_gpu_memory_utilization) == (True, mode, 0.4)


BOTH_SERVED = ["proposer.use_vllm=true", "proposer.vllm_mode=server", "solver.use_vllm=true", "solver.vllm_mode=server"]


@pytest.mark.parametrize(
    "overrides, server",
    [
        # TRL's defaults on both sides: 0.0.0.0:8000
        ([], "localhost:8000"),
        # the same machine by another name
        (["solver.vllm_server_host=127.0.0.1"], "localhost:8000"),
        # a base URL wins over host and port, as in TRL
        (["proposer.vllm_server_port=8001", "proposer.vllm_server_base_url=http://gpu-node-3:8002",
          "solver.vllm_server_host=gpu-node-3", "solver.vllm_server_port=8002"], "gpu-node-3:8002"),
    ],
)
def test_separate_models_on_one_vllm_server(overrides, server, vllm_installed, gpu):
    message = config_error(["model.shared=false", *BOTH_SERVED, *overrides])
    assert message.startswith(f"proposer and solver both use the vLLM server at {server}, but with model.shared=false")
    assert "one vLLM server serves one model" in message and "solver.vllm_server_port" in message


@pytest.mark.parametrize(
    "overrides",
    [
        # separate weights, two servers
        ["model.shared=false", "solver.vllm_server_port=8001"],
        ["model.shared=false", "proposer.vllm_server_host=node-a", "solver.vllm_server_host=node-b"],
        ["model.shared=false", "solver.vllm_server_base_url=http://localhost:8001"],
        # shared weights: one model, one server
        ["model.shared=true"],
        # adapters on one base: one model, one server
        ["model.shared=false", "model.lora.enabled=true", "proposer.beta=0"],
        # the proposer never trains, so its trainer (and its server) is never made
        ["model.shared=false", "schedule.proposer_every=never"],
        ["model.shared=false", "method.name=rlvr"],
    ],
)
def test_vllm_servers_that_load(overrides, vllm_installed, gpu):
    load_config(overrides=[*BOTH_SERVED, *overrides])


BOTH_COLOCATED = ["proposer.use_vllm=true", "solver.use_vllm=true"]


@pytest.mark.parametrize(
    "overrides, field, values",
    [
        (["proposer.vllm_gpu_memory_utilization=0.5", "solver.vllm_gpu_memory_utilization=0.4"],
         "vllm_gpu_memory_utilization", "(0.5 and 0.4)"),
        (["solver.vllm_mode=server"], "vllm_mode", "('colocate' and 'server')"),
        (["proposer.vllm_mode=server", "solver.vllm_mode=server", "solver.vllm_server_port=8001"],
         "vllm_server_base_url (or vllm_server_host, vllm_server_port)", "('localhost:8000' and 'localhost:8001')"),
    ],
)
def test_one_model_needs_one_engine_setting(overrides, field, values, vllm_installed, gpu):
    # shared weights: the solver's trainer builds the engine and the proposer's uses it, so both must agree on it
    message = config_error(["model.shared=true", *BOTH_COLOCATED, *overrides])
    assert message == (f"the proposer and the solver train one model and so share one vLLM engine, but their {field} "
                       f"differ {values}: set them alike")


def test_one_role_served_one_colocated_loads(vllm_installed, gpu):
    load_config(overrides=["model.shared=false", "proposer.use_vllm=true", "proposer.vllm_mode=server",
                           "solver.use_vllm=true", "solver.vllm_mode=colocate"])


# ---------------------------------------------------------------------------------------------------------------
# the shipped accelerate configs, read by accelerate itself


def launch(name: str, monkeypatch) -> tuple[object, dict[str, str]]:
    """What `accelerate launch --config_file configs/accelerate/<name>.yaml -m selfplay.cli train ...` would do,
    short of starting processes: the config as accelerate reads it, and the environment each process starts with
    (from which each process's Accelerator builds its DeepSpeed or FSDP plugin)."""
    from accelerate.commands.config.config_args import load_config_from_file
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

    path = str(ACCELERATE / f"{name}.yaml")
    loaded = load_config_from_file(path)
    args = launch_command_parser().parse_args(["--config_file", path, "-m", "selfplay.cli", "train", "x.yaml"])
    args, defaults, mixed_precision_from_config = _validate_launch_command(args)
    if args.use_deepspeed:  # as accelerate's launch_command does before deepspeed_launcher
        fields = list(defaults.deepspeed_config) + (["mixed_precision"] if mixed_precision_from_config else [])
        args.deepspeed_fields_from_accelerate_config = ",".join(fields)
        _, env = prepare_deepspeed_cmd_env(args)
    else:
        env = prepare_multi_gpu_env(args)
    assert args.module and args.training_script == "selfplay.cli"
    for key, value in env.items():
        if key.startswith(("ACCELERATE_", "FSDP_")):
            monkeypatch.setenv(key, value)
    return loaded, env


def test_the_shipped_accelerate_configs():
    assert {path.name for path in ACCELERATE.glob("*.yaml")} == {
        "multi_gpu.yaml", "deepspeed_zero2.yaml", "deepspeed_zero3.yaml", "fsdp.yaml"}


@pytest.mark.parametrize("name", ["multi_gpu", "deepspeed_zero2", "deepspeed_zero3", "fsdp"])
def test_accelerate_config_keys_are_accelerates(name):
    from accelerate.commands.config.config_args import ClusterConfig, load_config_from_file
    from accelerate.commands.launch import launch_command_parser

    # the loader rejects unknown top-level keys; nested ones become `accelerate launch` options, or are ignored
    loaded = load_config_from_file(str(ACCELERATE / f"{name}.yaml"))
    assert isinstance(loaded, ClusterConfig)
    options = {action.dest for action in launch_command_parser()._actions}
    assert set(loaded.deepspeed_config) | set(loaded.fsdp_config) <= options
    # one node of 4 GPUs in bf16, as the sqlm_* configs assume
    assert (loaded.num_machines, loaded.num_processes, loaded.mixed_precision, loaded.use_cpu) == (1, 4, "bf16", False)


def test_multi_gpu_is_ddp(monkeypatch):
    from accelerate.utils import DistributedType

    loaded, env = launch("multi_gpu", monkeypatch)
    assert loaded.distributed_type == DistributedType.MULTI_GPU
    assert "ACCELERATE_USE_DEEPSPEED" not in env and "ACCELERATE_USE_FSDP" not in env
    assert env["ACCELERATE_MIXED_PRECISION"] == "bf16"


@pytest.mark.parametrize("name, stage", [("deepspeed_zero2", 2), ("deepspeed_zero3", 3)])
def test_deepspeed_zero_stage(name, stage, monkeypatch):
    from accelerate.utils import DeepSpeedPlugin, DistributedType

    loaded, env = launch(name, monkeypatch)
    assert loaded.distributed_type == DistributedType.DEEPSPEED and loaded.deepspeed_config["zero_stage"] == stage
    assert env["ACCELERATE_USE_DEEPSPEED"] == "true"
    plugin = DeepSpeedPlugin()  # what each process builds from its environment (deepspeed itself is not needed)
    zero = plugin.deepspeed_config["zero_optimization"]
    assert zero["stage"] == stage and zero["offload_optimizer"]["device"] == "none"
    # batch sizes and accumulation are left to the Trainer, i.e. to the role's GRPOConfig
    assert plugin.deepspeed_config["gradient_accumulation_steps"] == "auto"
    assert plugin.deepspeed_config["train_micro_batch_size_per_gpu"] == "auto"
    # ZeRO-3 gathers the sharded weights into 16-bit ones when a checkpoint is saved
    assert zero["stage3_gather_16bit_weights_on_model_save"] is (stage == 3)


def test_fsdp_is_fsdp2_sharding_each_block(monkeypatch):
    from accelerate.utils import DistributedType, FullyShardedDataParallelPlugin

    loaded, env = launch("fsdp", monkeypatch)
    assert loaded.distributed_type == DistributedType.FSDP
    assert env["ACCELERATE_USE_FSDP"] == "true"
    plugin = FullyShardedDataParallelPlugin()  # what each process builds from its environment
    assert plugin.fsdp_version == 2 and plugin.reshard_after_forward is True
    assert plugin.auto_wrap_policy.__name__ == "transformer_auto_wrap_policy"
    assert plugin.state_dict_type.name == "FULL_STATE_DICT" and plugin.cpu_ram_efficient_loading


def test_the_cli_runs_as_a_module(tmp_path):
    # `accelerate launch ... -m selfplay.cli train CONFIG` runs `python -m selfplay.cli` in each process
    command = [sys.executable, "-m", "selfplay.cli", "train", str(ROOT / "configs" / "sqlm_qwen2.5-3b_arithmetic.yaml"),
               "--dry-run", f"run.output_dir={tmp_path / 'run'}", f"evaluation.cache_dir={tmp_path / 'eval'}"]
    done = subprocess.run(command, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "the config is valid" in done.stdout
