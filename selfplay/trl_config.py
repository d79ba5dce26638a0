"""TRL's config classes from the run config's role sections: each role's `GRPOConfig`, the fine-tuning methods'
`SFTConfig`, every key checked against TRL's fields and every value against its type; and the checks of TRL settings
that TRL would trip over only later, in training: groups split across processes, and vLLM settings that fail only
when a trainer is built.

Only TRL's public config fields are read here (its private attributes are `trainer.py`'s). The ranges the role
sections' values must lie in are `config.py`'s (`TRL_RULES`), with the project's other bounds.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from selfplay.errors import ConfigError
from selfplay.yamlconfig import check_type

# Settings every role gets unless its section says otherwise: one optimizer step per phase, logs every step and
# no checkpoints or progress bars of TRL's own (the self-play loop writes those).
_ROLE_FRAMEWORK_DEFAULTS: dict[str, Any] = {
    "logging_steps": 1,
    "save_strategy": "no",
    "report_to": "none",
    "disable_tqdm": True,
    "activation_checkpointing": False,  # tiny models; and it would turn the KV cache off in generation
}


def grpo_settings(section: dict[str, Any]) -> dict[str, Any]:
    """The settings a role's GRPOConfig is built from, as they stand before GRPOConfig's `__post_init__` resolves
    them: the section's, else the framework's (above), else TRL's defaults."""
    return {**_grpo_defaults(), **_ROLE_FRAMEWORK_DEFAULTS, **section}


def _grpo_defaults() -> dict[str, Any]:
    """TRL GRPOConfig's field defaults, before its `__post_init__` resolves them."""
    from trl import GRPOConfig

    return {item.name: item.default for item in dataclasses.fields(GRPOConfig)
            if item.default is not dataclasses.MISSING}


def check_role_section(role: str, section: dict[str, Any]) -> dict[str, Any]:
    """A role's GRPO section with every key checked against GRPOConfig's fields and every value against its type
    (numbers YAML left as strings, like `1e-4`, become numbers)."""
    return check_fields(role, section, "GRPOConfig")


def check_fields(prefix: str, section: dict[str, Any], config_class: Literal["GRPOConfig", "SFTConfig"],
                 ) -> dict[str, Any]:
    """`section` with every key checked against the fields of TRL's `config_class` and every value against its
    type."""
    import trl

    hints = typing.get_type_hints(getattr(trl, config_class))
    checked = {}
    for key, value in section.items():
        if key not in hints:
            raise ConfigError(f"unknown key {prefix}.{key} (not a TRL {config_class} field)")
        checked[key] = check_type(value, hints[key], f"{prefix}.{key}")
    return checked


def build_grpo_config(role: str, section: dict[str, Any], output_dir: str | Path):
    settings = check_role_section(role, {**_ROLE_FRAMEWORK_DEFAULTS, **section})
    return _trl_config("GRPOConfig", role, {**settings, "output_dir": str(output_dir)})


def build_sft_config(section: dict[str, Any], output_dir: str | Path):
    settings = {**_ROLE_FRAMEWORK_DEFAULTS, **section, "output_dir": str(output_dir)}
    return _trl_config("SFTConfig", "method.sft", settings)


def _trl_config(config_class: Literal["GRPOConfig", "SFTConfig"], name: str, settings: dict[str, Any]):
    """TRL's `config_class` from checked settings, on the CPU when there is no GPU; its own complaints about a
    combination become one-line config errors naming the section."""
    import torch
    import trl

    if not torch.cuda.is_available():
        settings.setdefault("use_cpu", True)
        settings.setdefault("bf16", False)
    try:
        return getattr(trl, config_class)(**settings)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"invalid {name} settings: {str(error).strip().splitlines()[0]}") from None


def check_whole_groups(role: str, settings: dict[str, Any]) -> None:
    """Each process must be handed whole groups of `num_generations` completions: TRL calls the reward function on
    a process's own `per_device_train_batch_size * steps_per_generation` completions (the group's completions are
    consecutive), so a product that is not a multiple splits a group across processes and the majority vote sees
    only part of it. `settings` are GRPOConfig fields; `steps_per_generation` defaults as TRL's does.

    >>> check_whole_groups("solver", {"per_device_train_batch_size": 12, "steps_per_generation": 2,
    ...                               "num_generations": 8})  # 24 completions: three whole groups
    """
    per_device, steps, generations = (settings["per_device_train_batch_size"], settings["steps_per_generation"],
                                      settings["num_generations"])
    if steps is None:
        if settings["generation_batch_size"] is not None:
            return  # split over the processes by TRL; checked again on the built config
        steps = settings["gradient_accumulation_steps"]
    if not isinstance(generations, int) or generations < 1:
        return  # TRL's own check names it
    completions = per_device * steps
    if completions % generations:
        per_device_fix = -(-per_device // generations) * generations
        steps_factor = generations // math.gcd(per_device, generations)  # the product is whole iff steps are k x this
        raise ConfigError(
            f"{role}: per_device_train_batch_size ({per_device}) x steps_per_generation ({steps}) = {completions} "
            f"completions per process is not a multiple of num_generations ({generations}), so a process would score "
            f"part of a group; set {role}.per_device_train_batch_size to a multiple of {generations} "
            f"(e.g. {per_device_fix}) or {role}.steps_per_generation to a multiple of {steps_factor}")


# Names by which a trainer reaches a vLLM server on its own machine; TRL's default host is 0.0.0.0.
_LOCAL_HOSTS = ("0.0.0.0", "localhost", "127.0.0.1", "::", "::1")


def check_vllm(role: str, args: Any) -> None:
    """A role's vLLM settings (TRL `use_vllm`, `vllm_mode`) that would otherwise fail only when its trainer is built.
    Nothing is imported unless `use_vllm` is on."""
    if args.vllm_mode not in ("colocate", "server"):
        raise ConfigError(f"{role}.vllm_mode must be 'colocate' or 'server', got {args.vllm_mode!r}")
    if not args.use_vllm:
        return
    if not _vllm_installed():
        raise ConfigError(f"{role}.use_vllm is true but the vllm package is not installed: pip install -e '.[vllm]', "
                          f"or set {role}.use_vllm=false")
    if not _cuda_available():
        if args.vllm_mode == "colocate":
            raise ConfigError(f"{role}.use_vllm needs a GPU and torch sees none: vLLM runs on the training GPUs in "
                              f"colocate mode; set {role}.use_vllm=false to generate with transformers")
        raise ConfigError(f"{role}.use_vllm needs a GPU and torch sees none: in server mode TRL still sends the "
                          f"trained weights to the server over NCCL from a GPU; set {role}.use_vllm=false to "
                          f"generate with transformers")


# The settings of the engine itself (where it runs, how much GPU memory it takes); sampling may differ per role.
_ENGINE_FIELDS = ("vllm_mode", "vllm_tensor_parallel_size", "vllm_gpu_memory_utilization", "vllm_max_model_length",
                  "vllm_enable_sleep_mode", "vllm_model_impl")


def check_one_engine(proposer: Any, solver: Any) -> None:
    """With one model for both roles, both generate with one vLLM engine (built from the solver's settings), so
    where and how that engine runs must be set alike for both."""
    if not (proposer.use_vllm and solver.use_vllm):
        return
    settings = [(name, getattr(proposer, name), getattr(solver, name)) for name in _ENGINE_FIELDS]
    if proposer.vllm_mode == "server":
        settings.append(("vllm_server_base_url (or vllm_server_host, vllm_server_port)", vllm_server(proposer),
                         vllm_server(solver)))
    for name, proposer_value, solver_value in settings:
        if proposer_value != solver_value:
            raise ConfigError(f"the proposer and the solver train one model and so share one vLLM engine, but their "
                              f"{name} differ ({proposer_value!r} and {solver_value!r}): set them alike")


def check_vllm_servers(proposer: Any, solver: Any) -> None:
    """With separate weights (`model.shared: false`) the two roles train two models, and one vLLM server serves
    one model: in server mode they need two servers."""
    if not all(args.use_vllm and args.vllm_mode == "server" for args in (proposer, solver)):
        return
    server = vllm_server(proposer)
    if server == vllm_server(solver):
        raise ConfigError(
            f"proposer and solver both use the vLLM server at {server}, but with model.shared=false they train two "
            f"models and one vLLM server serves one model: start a second server for the solver's model and point "
            f"solver.vllm_server_port (or solver.vllm_server_host, solver.vllm_server_base_url) at it")


def vllm_server(args: Any) -> str:
    """The `host:port` of the vLLM server a role's trainer talks to, its own machine's aliases made one, as TRL
    reads the fields: `vllm_server_base_url` if given, else `vllm_server_host` and `vllm_server_port`.

    >>> vllm_server(types.SimpleNamespace(vllm_server_base_url="http://127.0.0.1:8000/", vllm_server_host="x",
    ...                                   vllm_server_port=1))
    'localhost:8000'
    """
    if args.vllm_server_base_url:
        url = urlsplit(args.vllm_server_base_url)
        host, port = url.hostname or "", url.port or (443 if url.scheme == "https" else 80)
    else:
        host, port = args.vllm_server_host, args.vllm_server_port
    return f"{'localhost' if host in _LOCAL_HOSTS else host}:{port}"


def _vllm_installed() -> bool:
    """Whether `import vllm` would succeed, without importing it (that takes seconds)."""
    return "vllm" in sys.modules or importlib.util.find_spec("vllm") is not None


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()
