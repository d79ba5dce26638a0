"""LoRA through PEFT: one frozen base model, a proposer adapter and a solver adapter (or one shared adapter)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

import selfplay.loading as loading
from selfplay.config import load_config
from selfplay.errors import ConfigError
from selfplay.loop import train
from selfplay.rundir import RunDir
from tests.conftest import adam_moves, learning_signals

# Majority vote and operands of at most 2 digits, as in test_loop's separate-weights test: the proposer writes a
# mix of valid and invalid problems and the solver's answers disagree, so both roles' rewards almost always vary
# and GRPO moves both adapters (whether it must is read from the records: `adam_moves`).
ROLES_MOVE = ["task.options.max_digits=2", "verifier.name=majority", "evaluation.max_difficulty=2"]


def adapter(folder: Path) -> dict[str, torch.Tensor]:
    [weights] = list(folder.glob("*/adapter_model.safetensors"))
    return load_file(weights)


def keep_models(monkeypatch) -> list:
    kept = []
    build = loading.load_lora_agents

    def keeping(*args, **kwargs):
        models = build(*args, **kwargs)
        kept.append(models)
        return models

    monkeypatch.setattr(loading, "load_lora_agents", keeping)
    return kept


def test_each_role_trains_its_own_adapter_and_the_base_stays_frozen(tiny_overrides, monkeypatch):
    kept = keep_models(monkeypatch)
    config = load_config(None, [*tiny_overrides, *ROLES_MOVE, "model.lora.enabled=true", "proposer.beta=0",
                                "model.shared=false", "run.save_every=1", "schedule.steps=4"])
    run_dir = RunDir.create(config.run.output_dir)
    summary = train(config, run_dir, progress=False)
    [(proposer, solver, _)] = kept
    peft_model = solver.model
    assert proposer.model is peft_model and (proposer.adapter, solver.adapter) == ("proposer", "solver")

    # The base: every non-LoRA weight equals the warm-started model it was loaded from.
    base = AutoModelForCausalLM.from_pretrained(summary["warm_start"]["cache"]).state_dict()
    frozen = {name.replace("base_model.model.", "").replace(".base_layer", ""): value
              for name, value in peft_model.state_dict().items() if "lora_" not in name}
    assert set(base) <= set(frozen)
    assert all(torch.equal(base[name], frozen[name]) for name in base)

    # The adapters: the proposer's moves only on its training steps (2 and 4), the solver's on any step, each
    # exactly when AdamW must move it (from the first step whose group rewards differ).
    moved = {}
    for role in ("proposer", "solver"):
        weights = [adapter(run_dir.checkpoint_dir(step) / role) for step in (1, 2, 3, 4)]
        moved[role] = [any(not torch.equal(a[k], b[k]) for k in a) for a, b in zip(weights, weights[1:])]  # steps 2-4
        assert moved[role] == adam_moves(learning_signals(run_dir.path, role, 4))[1:], role
    assert not moved["proposer"][1]  # step 3: no proposer phase


def test_one_shared_adapter_serves_both_roles(tiny_overrides, monkeypatch):
    kept = keep_models(monkeypatch)
    config = load_config(None, [*tiny_overrides, *ROLES_MOVE, "model.lora.enabled=true", "proposer.beta=0",
                                "model.shared=true"])
    run_dir = RunDir.create(config.run.output_dir)
    train(config, run_dir, progress=False)
    [(proposer, solver, _)] = kept
    assert proposer.adapter == solver.adapter == "shared"
    assert list(solver.model.peft_config) == ["shared"]
    assert (run_dir.checkpoint_dir(4) / "model" / "shared" / "adapter_model.safetensors").is_file()


def trainable_memory(model: torch.nn.Module, adam_states: int = 2) -> int:
    """Bytes of weights, plus gradients and Adam's two moments for every trainable weight."""
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    trainable = sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)
    return total + trainable * (1 + adam_states)


def test_two_adapters_cost_about_one_model_not_two():
    # Memory of what training keeps (weights, gradients, Adam moments), counted from the tensors: LoRA mode (one
    # frozen base, two adapters) against two separate full models. A width-256 model, so the base dominates.
    from peft import LoraConfig, get_peft_model

    from agents import LanguageModel
    from agents.tiny import TinyModelConfig

    tiny = TinyModelConfig(layers=4, width=256, heads=4, max_length=128)
    separate = [LanguageModel.load("builtin:tiny", "off", "auto", tiny).model for _ in range(2)]
    full = sum(trainable_memory(model) for model in separate)
    base = LanguageModel.load("builtin:tiny", "off", "auto", tiny).model
    lora = LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", task_type="CAUSAL_LM")
    peft_model = get_peft_model(base, lora, adapter_name="proposer")
    peft_model.add_adapter("solver", lora)
    adapters = 0
    for name in ("proposer", "solver"):  # each role trains with its own adapter active
        peft_model.set_adapter(name)
        adapters += sum(p.numel() * p.element_size() for p in peft_model.parameters() if p.requires_grad) * 3
    shared = sum(p.numel() * p.element_size() for p in peft_model.parameters()) + adapters
    print(f"separate full models: {full / 2**20:.1f} MiB; one base + two LoRA adapters: {shared / 2**20:.1f} MiB")
    assert shared < 0.3 * full  # two full models with Adam: 2 x 4 copies of the weights; LoRA: about one


@pytest.mark.parametrize("overrides, message", [
    (["model.lora.enabled=true", "model.warm_start.steps=0"], "needs a base model on disk"),
    (["model.lora.enabled=true", "model.lora.r=0"], "r >= 1"),
    (["model.lora.enabled=true", "method.name=sft"], "method.name=selfplay only"),
    (["model.lora.enabled=true"], r"proposer.beta > 0 \(a KL penalty\) does not work"),  # the default's KL penalty
    (["model.lora.enabled=true", "proposer.beta=0", "solver.beta=0.04"], "set solver.beta=0"),
])
def test_lora_settings_are_checked(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, overrides)
