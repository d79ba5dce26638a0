"""vLLM generation through TRL, run with a stand-in for TRL's engine (vLLM needs a GPU): one engine when both roles
train one model, each role sampling with its own settings and the weights pushed at the start of every phase;
two engines when the roles train two models."""

from __future__ import annotations

import sys
import types

import pytest
import torch
import trl.trainer.grpo_trainer

import selfplay.trl_config
from selfplay.config import load_config
from selfplay.loop import train
from selfplay.rundir import RunDir

# Each role samples differently, so a call shows whose settings the engine used.
SETTINGS = {"proposer": {"temperature": 0.9, "max_completion_length": 10},
            "solver": {"temperature": 0.7, "max_completion_length": 12}}
BOTH_ON = ["proposer.use_vllm=true", "solver.use_vllm=true", "proposer.temperature=0.9", "solver.temperature=0.7",
           "proposer.max_completion_length=10", "solver.max_completion_length=12"]
# tiny_overrides: 4 steps, the proposer trained on steps 2 and 4. Each step the proposer writes its problems and
# the solver answers them, each through its role's engine; both trainers train on those samples and TRL
# generates nothing of its own.
PHASES = ["proposer", "solver"] * 4


class StandInEngine:
    """Takes the place of TRL's `VLLMGeneration`: built by GRPOTrainer with the same arguments, and, like the real
    engine, samples from the weights it was last sent with the sampling settings it holds when `generate` is
    called. It samples with transformers from a copy of the model made at `sync_weights`, so an engine that was not
    sent a phase's weights generates with stale ones, as vLLM would."""

    built: list[StandInEngine] = []

    def __init__(self, model, accelerator, processing_class, **settings):
        self.model, self.tokenizer = model, processing_class
        vars(self).update(settings)
        self.weights = None
        self.events: list[tuple[str, dict]] = []
        StandInEngine.built.append(self)

    def sync_weights(self) -> None:
        self.weights = {name: value.detach().clone() for name, value in self.model.state_dict().items()}
        self.events.append(("sync", {}))

    def generate(self, prompts, images, num_generations, profiler=None):
        self.events.append(("generate", {"temperature": self.temperature,
                                         "max_completion_length": self.max_completion_length,
                                         "stale": self._stale()}))
        completions, logprobs = [], []
        eos = self.tokenizer.eos_token_id
        with torch.no_grad():
            for ids in prompts:
                out = self.model.generate(torch.tensor([ids]), do_sample=True, temperature=self.temperature,
                                          top_k=0, max_new_tokens=self.max_completion_length, pad_token_id=eos,
                                          output_scores=True, return_dict_in_generate=True)
                scores = self.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)[0]
                tokens = out.sequences[0, len(ids):].tolist()
                if eos in tokens:
                    tokens = tokens[:tokens.index(eos) + 1]
                completions.append(tokens)
                logprobs.append([[value] for value in scores[:len(tokens)].tolist()])
        return prompts, completions, logprobs, None

    def _stale(self) -> bool:
        """Whether the model has moved since the weights were last sent."""
        now = self.model.state_dict()
        return self.weights is None or any(not torch.equal(now[name], value) for name, value in self.weights.items())


@pytest.fixture
def engines(monkeypatch) -> list[StandInEngine]:
    monkeypatch.setitem(sys.modules, "vllm", types.ModuleType("vllm"))  # config checks: installed
    monkeypatch.setattr(selfplay.trl_config, "_cuda_available", lambda: True)  # ... and a GPU to run on
    monkeypatch.setattr(trl.trainer.grpo_trainer, "VLLMGeneration", StandInEngine)
    monkeypatch.setattr(StandInEngine, "built", [])
    return StandInEngine.built


def run(overrides: list[str]) -> dict:
    config = load_config(None, overrides)
    return train(config, RunDir.create(config.run.output_dir), progress=False)


def calls(engine: StandInEngine) -> list[dict]:
    return [event for kind, event in engine.events if kind == "generate"]


def test_shared_weights_share_one_engine(tiny_overrides, engines):
    summary = run([*tiny_overrides, *BOTH_ON])
    assert summary["steps"] == 4
    [engine] = engines
    assert calls(engine) == [{**SETTINGS[role], "stale": False} for role in PHASES]
    # the weights are sent before each sampling pass, once, and never while TRL trains
    assert [kind for kind, _ in engine.events] == ["sync", "generate"] * 8
    # between calls the engine holds the settings it was built with: the solver's (its trainer is made first)
    assert (engine.temperature, engine.max_completion_length) == (0.7, 12)


def test_lora_adapters_on_one_base_share_one_engine(tiny_overrides, engines):
    run([*tiny_overrides, *BOTH_ON, "model.lora.enabled=true", "proposer.beta=0", "model.shared=false"])
    [engine] = engines
    assert calls(engine) == [{**SETTINGS[role], "stale": False} for role in PHASES]


def test_separate_weights_get_an_engine_each(tiny_overrides, engines):
    run([*tiny_overrides, *BOTH_ON, "model.shared=false"])
    solver_engine, proposer_engine = engines
    assert solver_engine.model is not proposer_engine.model
    assert calls(solver_engine) == [{**SETTINGS["solver"], "stale": False}] * 4
    assert calls(proposer_engine) == [{**SETTINGS["proposer"], "stale": False}] * 4


def test_the_engines_log_probabilities_reach_trl(tiny_overrides, engines, tmp_path):
    # The samples the engine drew carry its log-probabilities to TRL, which corrects for any gap between the
    # engine's weights and the trained ones (vLLM's importance sampling). The stand-in samples from the same
    # weights at the role's temperature, so the ratio is 1 up to float error.
    from selfplay.rundir import read_metrics

    run([*tiny_overrides, *BOTH_ON, "model.shared=false"])
    metrics = [m for m in read_metrics(tmp_path / "run") if m["step"] > 0]
    ratios = [m["solver/trl/sampling/importance_sampling_ratio/mean"] for m in metrics]
    assert len(ratios) == 4 and all(abs(ratio - 1) < 1e-3 for ratio in ratios), ratios


def test_one_role_on_vllm(tiny_overrides, engines):
    # the proposer generates with transformers; only the solver's trainer builds an engine
    run([*tiny_overrides, "solver.use_vllm=true"])
    [engine] = engines
    assert len(calls(engine)) == 4


def test_rlvr_samples_through_the_solvers_engine(tiny_overrides, engines, tmp_path):
    # without a proposer the solver still samples what it trains on through its trainer's engine, and the
    # engine's log-probabilities reach TRL (before, rlvr sampled with transformers and TRL's importance
    # sampling met no log-probabilities at all)
    from selfplay.rundir import read_metrics

    run([*tiny_overrides, "method.name=rlvr", "solver.use_vllm=true", "schedule.steps=2"])
    [engine] = engines
    assert len(calls(engine)) == 2 and all(not call["stale"] for call in calls(engine))
    ratios = [m["solver/trl/sampling/importance_sampling_ratio/mean"] for m in read_metrics(tmp_path / "run")
              if m["step"] > 0]
    assert len(ratios) == 2 and all(abs(ratio - 1) < 1e-3 for ratio in ratios), ratios
