"""RoleTrainer: TRL's GRPOTrainer trained one phase at a time on the samples the loop hands it, with one optimizer
and one schedule per run. This file also covers every place trainer.py touches a TRL, transformers or accelerate
internal (marked there): if a TRL release moves one, a test here fails."""

from __future__ import annotations

import gc
import logging
import types

import pytest
import torch

from agents import LanguageModel, Sampling, TinyModelConfig
from selfplay.config import load_config
from selfplay.trainer import GivenRewards, Group, RoleTrainer, optimizer_steps_per_phase
from selfplay.types import Sample


def grpo_args(tmp_path, role: str, *overrides: str):
    config = load_config(None, [f"{role}.per_device_train_batch_size=8", f"{role}.num_generations=4",
                                f"{role}.max_completion_length=4", *overrides])
    return config.grpo_config(role, tmp_path / role)


@pytest.fixture
def model():
    torch.manual_seed(0)
    return LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))


def groups(model: LanguageModel, count: int, rewards=lambda text: float(len(text)), size: int = 4) -> list[Group]:
    """`count` groups of `size` samples of the model, one prompt each, rewarded by `rewards(text)`."""
    prompts = [f"{i}+{i}=" for i in range(count)]
    sampled = model.sample(prompts, size, Sampling(4))
    return [Group(prompt, group, [rewards(sample.text) for sample in group])
            for prompt, group in zip(prompts, sampled)]


@pytest.fixture
def seen(monkeypatch) -> list[dict]:
    """What TRL hands the reward function at each scoring: completions, rewards and the rows' group indices."""
    calls: list[dict] = []
    call = GivenRewards.__call__

    def recording(self, prompts, completions, given_reward, **kwargs):
        calls.append({"completions": completions, "rewards": list(given_reward), "group": kwargs["group"]})
        return call(self, prompts, completions, given_reward, **kwargs)

    monkeypatch.setattr(GivenRewards, "__call__", recording)
    return calls


def test_a_phase_trains_on_the_given_samples_and_takes_its_optimizer_steps(tmp_path, model, seen, monkeypatch):
    # two optimizer steps per generation batch: the batch is scored once, then used twice
    args = grpo_args(tmp_path, "solver", "solver.steps_per_generation=2")
    assert optimizer_steps_per_phase(args) == 2
    trainer = RoleTrainer("solver", model.model, args, model.tokenizer, total_optimizer_steps=6)
    assert trainer.prompts_per_phase == 4  # 8 completions x 2 steps / 4 per prompt
    for phase in range(3):
        batch = groups(model, 4, rewards=lambda text: float(len(text) + phase))
        trainer._buffered_inputs = "stale"  # TRL internal: a batch left from the last phase is never used again
        with monkeypatch.context() as patch:
            patch.setattr(model.model, "generate", None)  # TRL must not sample: it trains on `batch`
            logs = trainer.train_phase(batch)
        assert len(seen) == phase + 1  # scored once per phase
        assert "solver/trl/loss" in logs and "solver/trl/reward" in logs
        call = seen[-1]
        # every completion TRL scores is one of the given samples, with its own reward, in its own group, and each
        # group is scored whole: TRL's groups are the loop's groups
        texts = {(g, s.text): r for g, group in enumerate(batch) for s, r in zip(group.samples, group.rewards)}
        for text, reward, group in zip(call["completions"], call["rewards"], call["group"]):
            assert texts[(group, text)] == reward
        for start in range(0, len(call["group"]), 4):
            assert len(set(call["group"][start : start + 4])) == 1
        assert sorted(call["group"]) == sorted(g for g in range(4) for _ in range(4))
        assert trainer._last_loaded_step == 0  # TRL internal: no weights sent to vLLM while training
    assert trainer.lr_scheduler.last_epoch == 6


def test_rollout_hands_each_process_its_rows_members(tmp_path, model):
    # TRL spreads a generation batch over the processes in order, and a group may straddle two: the row at global
    # position p is member p % num_generations of its group. Three groups of 4 over 2 processes: process 1 holds
    # positions 6-11, the last two members of group 1 and all of group 2.
    trainer = RoleTrainer("solver", model.model, grpo_args(tmp_path, "solver"), model.tokenizer,
                          total_optimizer_steps=1)
    batch = groups(model, 3, rewards=lambda text: None)
    batch = [Group(g.prompt, g.samples, [10.0 * i + member for member in range(4)]) for i, g in enumerate(batch)]
    trainer.groups = batch
    trainer.rows = [{"group": 1}] * 2 + [{"group": 2}] * 4
    trainer.accelerator = types.SimpleNamespace(process_index=1)
    out = trainer.rollout([], trainer)
    assert out["given_reward"] == [12.0, 13.0, 20.0, 21.0, 22.0, 23.0]
    assert out["completion_ids"][0] == list(batch[1].samples[2].completion_ids)
    assert out["prompt_ids"][2] == list(batch[2].samples[0].prompt_ids)


def test_samples_that_could_not_be_judged_do_not_dilute_the_loss(tmp_path, model):
    # Two phases from the same weights on the same two judged samples, next to two unjudged ones (reward None):
    # one token long in the first phase, four in the second. TRL's loss is normalised by the tokens it counts, so
    # the updates are the same only if the unjudged samples count for nothing. With those samples judged 0
    # instead, the update differs (the test can fail).
    args = grpo_args(tmp_path, "solver", "solver.per_device_train_batch_size=4", "solver.learning_rate=0.01")
    start = {name: value.clone() for name, value in model.model.state_dict().items()}
    judged = groups(model, 1, size=2)[0]
    prompt_ids = judged.samples[0].prompt_ids
    short = [Sample("a", prompt_ids, (40,)), Sample("b", prompt_ids, (41,))]
    long = [Sample("abcd", prompt_ids, (40, 41, 42, 43)), Sample("efgh", prompt_ids, (44, 45, 46, 47))]
    moved = []
    for extra, reward in ((short, None), (long, None), (long, 0.0)):
        model.model.load_state_dict(start)
        trainer = RoleTrainer("solver", model.model, args, model.tokenizer, total_optimizer_steps=1)
        trainer.train_phase([Group(judged.prompt, judged.samples + extra, [1.0, 0.0, reward, reward])])
        moved.append({name: value - start[name] for name, value in model.model.state_dict().items()})
    assert all(torch.allclose(moved[0][name], moved[1][name], atol=1e-7) for name in start)
    assert not all(torch.allclose(moved[1][name], moved[2][name], atol=1e-7) for name in start)


def test_a_phase_with_every_sample_judged_trains_as_with_a_mask_of_ones(tmp_path, model, monkeypatch):
    # rollout hands TRL a loss mask only when some sample could not be judged; without one TRL must count every
    # completion token, exactly as a mask of ones would
    args = grpo_args(tmp_path, "solver", "solver.per_device_train_batch_size=4", "solver.learning_rate=0.01")
    start = {name: value.clone() for name, value in model.model.state_dict().items()}
    sampled = groups(model, 1)[0]
    batch = [Group(sampled.prompt, sampled.samples, [1.0, 0.0, 0.5, 0.25])]
    rollout = RoleTrainer.rollout
    moved, handed = [], []
    for with_ones in (False, True):
        def recorded(self, prompts, trainer, with_ones=with_ones):
            out = rollout(self, prompts, trainer)
            if with_ones:
                out["env_mask"] = [[1] * len(ids) for ids in out["completion_ids"]]
            handed.append("env_mask" in out)
            return out

        monkeypatch.setattr(RoleTrainer, "rollout", recorded)
        model.model.load_state_dict(start)
        trainer = RoleTrainer("solver", model.model, args, model.tokenizer, total_optimizer_steps=1)
        trainer.train_phase(batch)
        moved.append({name: value - start[name] for name, value in model.model.state_dict().items()})
    assert handed == [False, True]
    assert any(moved[0][name].abs().max() > 0 for name in start)  # it trained
    assert all(torch.allclose(moved[0][name], moved[1][name], atol=1e-7) for name in start)


def test_unjudged_samples_do_not_make_trl_warn(tmp_path, model, caplog):
    # A reward of None is how the loop says "not judged"; TRL would log a warning naming the sample for each batch
    # that has one (its logger is filtered in trainer.py). Other warnings of that logger still pass.
    args = grpo_args(tmp_path, "solver", "solver.per_device_train_batch_size=4")
    trainer = RoleTrainer("solver", model.model, args, model.tokenizer, total_optimizer_steps=1)
    judged = groups(model, 1)[0]
    with caplog.at_level(logging.WARNING, logger="trl"):
        trainer.train_phase([Group(judged.prompt, judged.samples, [1.0, 0.0, None, None])])
        logging.getLogger("trl.trainer.grpo_trainer").warning("something else")
    assert [record.getMessage() for record in caplog.records if record.name.startswith("trl")] == ["something else"]


def test_schedule_spans_all_phases(tmp_path, model):
    args = grpo_args(tmp_path, "solver", "solver.lr_scheduler_type=linear", "solver.learning_rate=0.01")
    trainer = RoleTrainer("solver", model.model, args, model.tokenizer, total_optimizer_steps=4)
    rates = [trainer.train_phase(groups(model, 2))["solver/trl/learning_rate"] for _ in range(4)]
    assert rates == pytest.approx([0.01, 0.0075, 0.005, 0.0025])  # one decay over 4 steps, never restarted
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.0)


def test_shared_weights_share_one_optimizer_and_schedule(tmp_path, model):
    solver = RoleTrainer("solver", model.model, grpo_args(tmp_path, "solver"), model.tokenizer,
                         total_optimizer_steps=3)
    # no KL penalty: TRL's reference copy is loaded from the model's folder, which the loop writes and this
    # in-memory model has not
    args = grpo_args(tmp_path, "proposer", "proposer.beta=0")
    proposer = RoleTrainer("proposer", model.model, args, model.tokenizer, total_optimizer_steps=1,
                           share_optimizer_with=solver)
    assert proposer.lr_scheduler is solver.lr_scheduler
    solver.train_phase(groups(model, 2))
    proposer.train_phase(groups(model, 2))
    solver.train_phase(groups(model, 2))
    assert solver.lr_scheduler.last_epoch == 3  # both roles' steps counted on one schedule
    underlying = {id(getattr(t.optimizer, "optimizer", t.optimizer)) for t in (solver, proposer)}
    assert len(underlying) == 1  # one Adam state for the one model


def test_a_phase_needs_exactly_one_generation_batch_of_whole_groups(tmp_path, model):
    trainer = RoleTrainer("solver", model.model, grpo_args(tmp_path, "solver"), model.tokenizer,
                          total_optimizer_steps=1)
    with pytest.raises(ValueError, match="exactly 2 groups"):
        trainer.train_phase(groups(model, 3))
    with pytest.raises(ValueError, match="every group needs 4 samples"):
        trainer.train_phase(groups(model, 2, size=3))


def test_a_phase_leaves_garbage_collection_to_python(tmp_path, model, monkeypatch):
    # accelerate internal: transformers' train() frees memory with a full gc.collect(), twice a step here; the
    # trainer keeps the freeing and drops the collection (trainer._free_memory_without_collecting)
    trainer = RoleTrainer("solver", model.model, grpo_args(tmp_path, "solver"), model.tokenizer,
                          total_optimizer_steps=1)
    batch = groups(model, 2)
    collections = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args) or 0)
    trainer.train_phase(batch)
    assert collections == []


def test_a_trainers_state_goes_back_as_it_was(tmp_path, model):
    # transformers internal: TRL's SFTTrainer counts the tokens it trained on across train() calls; a resumed run
    # must count on from there, next to the optimizer and schedule
    from datasets import Dataset

    from selfplay.trainer import PhaseSFTTrainer, restore_trainer_state, trainer_state

    config = load_config(None, ["method.name=sft"])
    args = config.sft_config(tmp_path / "sft")
    examples = Dataset.from_dict({"prompt": ["1+1=", "2+2="], "completion": ["2", "4"]})
    first = PhaseSFTTrainer("solver", model.model, args, model.tokenizer, total_optimizer_steps=4)
    first.train_phase(examples)
    saved = trainer_state(first)
    assert saved["tokens"] > 0
    second = PhaseSFTTrainer("solver", model.model, args, model.tokenizer, total_optimizer_steps=4)
    restore_trainer_state(second, saved)
    assert second._total_train_tokens == saved["tokens"]
    assert second.lr_scheduler.state_dict() == first.lr_scheduler.state_dict()
    assert second.optimizer.state_dict()["state"].keys() == first.optimizer.state_dict()["state"].keys()


def test_the_fast_padding_gives_what_trls_padding_gives():
    # TRL internal: GRPOTrainer pads through `trl.trainer.grpo_trainer.pad`, which trainer.py replaces
    import trl.trainer.grpo_trainer
    from trl.trainer.utils import pad

    from selfplay.trainer import pad_rows

    assert trl.trainer.grpo_trainer.pad is pad_rows
    generator = torch.Generator().manual_seed(0)
    lengths = [3, 1, 7, 0, 7, 2, 5]  # an empty row too
    rows = {
        "ids": [torch.randint(0, 50, (n,), generator=generator) for n in lengths],
        "mask": [torch.ones(n, dtype=torch.long) for n in lengths],
        "logprobs": [-torch.rand(n, generator=generator) for n in lengths],
    }
    for name, tensors in rows.items():
        for side in ("left", "right"):
            for multiple in (None, 1, 4, 7, 16):
                expected = pad(tensors, padding_value=9, padding_side=side, pad_to_multiple_of=multiple)
                got = pad_rows(tensors, padding_value=9, padding_side=side, pad_to_multiple_of=multiple)
                assert got.dtype == expected.dtype and torch.equal(got, expected), (name, side, multiple)
    two_dimensional = [torch.ones(2, 3), torch.zeros(1, 2)]  # not rows of ids: TRL's own padding
    assert torch.equal(pad_rows(two_dimensional, 5), pad(two_dimensional, 5))
    mixed = [torch.tensor([1, 2]), torch.tensor([0.5])]  # rows of two dtypes: TRL's (the first row's dtype)
    assert torch.equal(pad_rows(mixed, 7), pad(mixed, 7)) and pad_rows(mixed, 7).dtype == torch.long
    empty = [torch.zeros(0, dtype=torch.long)] * 3
    assert torch.equal(pad_rows(empty, 1, "left", 4), pad(empty, 1, "left", 4))
    with pytest.raises(ValueError, match="padding_side"):
        pad_rows(rows["ids"], padding_side="middle")


def test_the_whole_logits_log_probs_give_what_trls_fused_head_gives():
    # TRL internal: TRL's fused LM head scores tokens through `trl.trainer.utils._ChunkedLogProbFunction`, which
    # trainer.py replaces; values and gradients must be TRL's, and what the whole-logits path does not cover, TRL's
    import trl.trainer.utils
    from trl.kernels import ChunkedLogProbFunction

    from selfplay.trainer import WHOLE_LOGITS_LIMIT, WholeLogitsLogProbs

    assert trl.trainer.utils._ChunkedLogProbFunction is WholeLogitsLogProbs

    def run(function, tokens, vocab, use_bias, temperature, scale, outputs, softcap=None):
        hidden = (torch.randn(tokens, 16, generator=torch.Generator().manual_seed(2)) * 3).requires_grad_()
        weight = torch.randn(vocab, 16, generator=torch.Generator().manual_seed(3)).requires_grad_()
        bias = torch.randn(vocab, generator=torch.Generator().manual_seed(4)).requires_grad_() if use_bias else None
        targets = torch.randint(0, vocab, (tokens,), generator=torch.Generator().manual_seed(5))
        result = function.apply(hidden, weight, bias, targets, temperature, 32768, softcap, scale, outputs)
        log_probs, entropy = result[0], result[1]
        loss = (log_probs * torch.linspace(-1, 1, tokens)).sum()
        if entropy is not None:
            loss = loss + 0.3 * entropy.sum()
        loss.backward()
        grads = [t.grad for t in (hidden, weight, bias) if t is not None]
        return result, grads, log_probs.grad_fn

    def close(want, have):  # float32 rounding of sums in another order: within 1e-5 of the tensor's largest value
        want, have = want.detach(), have.detach()
        return float((want - have).abs().max()) <= 1e-5 * max(1.0, float(want.abs().max()))

    for use_bias, temperature, scale, outputs in [(False, 1.0, 1.0, ("log_probs",)),
                                                  (True, 0.7, 1.0, ("log_probs", "entropy")),
                                                  (False, 1.3, 0.5, ("log_probs", "entropy"))]:
        expected, expected_grads, _ = run(ChunkedLogProbFunction, 40, 30, use_bias, temperature, scale, outputs)
        got, got_grads, grad_fn = run(WholeLogitsLogProbs, 40, 30, use_bias, temperature, scale, outputs)
        assert "ChunkedLogProb" not in type(grad_fn).__name__  # the whole-logits path ran
        for want, have in zip(expected, got):
            assert (want is None) == (have is None)
            if want is not None:
                assert close(want, have), (outputs, want - have)
        assert (got[1] is None) == ("entropy" not in outputs)
        for want, have in zip(expected_grads, got_grads):
            assert close(want, have), (outputs, want - have)
    # TRL's own where the logits would be large, with a softcap, or for outputs beyond these two
    too_many = WHOLE_LOGITS_LIMIT // 30 + 1
    for args in [(too_many, 30, False, 1.0, 1.0, ("log_probs",)),
                 (40, 30, False, 1.0, 1.0, ("log_probs",), 5.0),
                 (40, 30, False, 1.0, 1.0, ("log_probs", "is_top1"))]:
        _, _, grad_fn = run(WholeLogitsLogProbs, *args)
        assert "ChunkedLogProb" in type(grad_fn).__name__, args
