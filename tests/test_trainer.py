"""RoleTrainer: TRL's GRPOTrainer trained one phase at a time, with one optimizer and one schedule per run."""

from __future__ import annotations

import pytest
from datasets import Dataset

from agents import LanguageModel, TinyModelConfig
from selfplay.config import load_config
from selfplay.trainer import RoleTrainer, optimizer_steps_per_phase


class CountingReward:
    """Rewards completion length; counts how often TRL asks (once per generation batch)."""

    __name__ = "length"

    def __init__(self):
        self.calls = 0

    def __call__(self, prompts, completions, **_):
        self.calls += 1
        return [float(len(c)) for c in completions]


def grpo_args(tmp_path, role: str, *overrides: str):
    config = load_config(None, [f"{role}.per_device_train_batch_size=8", f"{role}.num_generations=4",
                                f"{role}.max_completion_length=4", *overrides])
    return config.grpo_config(role, tmp_path / role)


def prompts(count: int) -> Dataset:
    return Dataset.from_dict({"prompt": [f"{i}+{i}=" for i in range(count)]})


@pytest.fixture
def model():
    return LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))


def test_each_phase_generates_once_and_takes_its_optimizer_steps(tmp_path, model):
    # two optimizer steps per generation batch: the batch is generated (and rewarded) once, then used twice
    args = grpo_args(tmp_path, "solver", "solver.steps_per_generation=2")
    assert optimizer_steps_per_phase(args) == 2
    reward = CountingReward()
    trainer = RoleTrainer("solver", model.model, reward, args, model.tokenizer, total_optimizer_steps=6)
    assert trainer.prompts_per_phase == 4  # 8 completions x 2 steps / 4 per prompt
    for phase in range(3):
        trainer._last_loaded_step = 0  # as TRL leaves it after sending weights to vLLM at a phase's step 0
        logs = trainer.train_phase(prompts(4))
        assert trainer._last_loaded_step == -1  # so vLLM gets this phase's weights next time (TRL compares steps)
        assert reward.calls == phase + 1
        assert "solver/trl/loss" in logs and "solver/trl/reward" in logs
    assert trainer.lr_scheduler.last_epoch == 6


def test_schedule_spans_all_phases(tmp_path, model):
    args = grpo_args(tmp_path, "solver", "solver.lr_scheduler_type=linear", "solver.learning_rate=0.01")
    trainer = RoleTrainer("solver", model.model, CountingReward(), args, model.tokenizer, total_optimizer_steps=4)
    rates = [trainer.train_phase(prompts(2))["solver/trl/learning_rate"] for _ in range(4)]
    assert rates == pytest.approx([0.01, 0.0075, 0.005, 0.0025])  # one decay over 4 steps, never restarted
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.0)


def test_shared_weights_share_one_optimizer_and_schedule(tmp_path, model):
    solver = RoleTrainer("solver", model.model, CountingReward(), grpo_args(tmp_path, "solver"), model.tokenizer,
                         total_optimizer_steps=3)
    # no KL penalty: TRL's reference copy is loaded from the model's folder, which the loop writes and this
    # in-memory model has not
    args = grpo_args(tmp_path, "proposer", "proposer.beta=0")
    proposer = RoleTrainer("proposer", model.model, CountingReward(), args, model.tokenizer, total_optimizer_steps=1,
                           share_optimizer_with=solver)
    assert proposer.lr_scheduler is solver.lr_scheduler
    solver.train_phase(prompts(2))
    proposer.train_phase(prompts(2))
    solver.train_phase(prompts(2))
    assert solver.lr_scheduler.last_epoch == 3  # both roles' steps counted on one schedule
    underlying = {id(getattr(t.optimizer, "optimizer", t.optimizer)) for t in (solver, proposer)}
    assert len(underlying) == 1  # one Adam state for the one model


def test_a_phase_needs_exactly_one_generation_batch_of_prompts(tmp_path, model):
    trainer = RoleTrainer("solver", model.model, CountingReward(), grpo_args(tmp_path, "solver"), model.tokenizer,
                          total_optimizer_steps=1)
    with pytest.raises(ValueError, match="exactly 2 prompts"):
        trainer.train_phase(prompts(3))
