"""TRL's trainers, trained in short alternating phases on the samples the loop hands them.

The loop samples and judges (loop.py); a role's `RoleTrainer.train_phase(groups)` hands TRL's GRPOTrainer those
very samples and their rewards through TRL's `rollout_func`, and TRL computes the loss and takes the optimizer
steps. This is the one module that knows TRL's, transformers' and accelerate's internals; each place it touches
one is marked `# TRL internal` (or transformers/accelerate) and covered by tests/test_trainer.py.
"""

from __future__ import annotations

import copy
import logging
import types
import uuid
import warnings
from collections import defaultdict
from typing import Any

import accelerate.utils.memory
import torch
import trl.trainer.grpo_trainer
from datasets import Dataset
from datasets.table import InMemoryTable
from transformers import PreTrainedModel, PreTrainedTokenizerBase, Trainer, TrainerCallback
from transformers.integrations import TensorBoardCallback
from transformers.trainer_callback import PrinterCallback
from trl import GRPOConfig, GRPOTrainer, SFTConfig, SFTTrainer
from trl.trainer.utils import pad as _trl_pad  # TRL internal: what GRPOTrainer pads with (see `pad_rows`)
from trl.kernels import ChunkedLogProbFunction  # TRL internal: its fused LM head (see `WholeLogitsLogProbs`)
from trl.kernels.chunked_logprob import _use_triton  # TRL internal: whether that head runs its Triton kernels

from selfplay.errors import ConfigError
from selfplay.types import Group

# TRL's end-of-train() summary keys: per-call timings, not per-step metrics.
_SUMMARY_KEYS = {"train_runtime", "train_samples_per_second", "train_steps_per_second", "train_loss", "total_flos",
                 "epoch"}


def optimizer_steps_per_phase(args: GRPOConfig) -> int:
    """Optimizer steps one phase takes: one generation batch, used `steps_per_generation * num_iterations` times
    in micro-batches, `gradient_accumulation_steps` micro-batches per optimizer step."""
    micro_steps = args.steps_per_generation * args.num_iterations
    if micro_steps % args.gradient_accumulation_steps:
        raise ConfigError(
            "steps_per_generation * num_iterations must be a multiple of gradient_accumulation_steps "
            f"(got {args.steps_per_generation} * {args.num_iterations} and {args.gradient_accumulation_steps})"
        )
    return micro_steps // args.gradient_accumulation_steps


def trainer_state(trainer: Trainer) -> dict[str, Any]:
    """What a checkpoint keeps of a trainer to go on exactly where it was: its optimizer and schedule, and the
    tokens TRL's SFTTrainer has counted across train() calls."""
    return {"optimizer": trainer.optimizer.state_dict(), "scheduler": trainer.lr_scheduler.state_dict(),
            "tokens": getattr(trainer, "_total_train_tokens", None)}  # transformers internal


def restore_trainer_state(trainer: Trainer, saved: dict[str, Any]) -> None:
    """Put back what `trainer_state` kept."""
    trainer.optimizer.load_state_dict(saved["optimizer"])
    trainer.lr_scheduler.load_state_dict(saved["scheduler"])
    if saved.get("tokens") is not None:
        trainer._total_train_tokens = saved["tokens"]  # transformers internal


def phase_dataset(columns: dict[str, list[Any]]) -> Dataset:
    """One phase's rows as an in-memory Dataset. `Dataset.from_dict` would hash every row (through dill) to
    fingerprint a dataset that no cache ever looks up; a random fingerprint is what datasets itself falls back to."""
    return Dataset(InMemoryTable.from_pydict(columns), fingerprint=uuid.uuid4().hex)


def _free_memory_without_collecting(free_memory: Any) -> Any:
    """Transformers' `train()` starts with `accelerator.free_memory()`, which drops the accelerator's references
    and then runs a full `gc.collect()` (accelerate's `clear_device_cache(garbage_collection=True)`): right for
    one long train() call, a cost paid twice per step when every phase is one. This `free_memory` still drops the
    references and empties the device cache; the collection is left to Python's own collector."""

    def free(*objects: Any) -> Any:
        memory = accelerate.utils.memory
        collector = memory.gc
        memory.gc = types.SimpleNamespace(collect=lambda *args: 0)
        try:
            return free_memory(*objects)
        finally:
            memory.gc = collector

    return free


def pad_rows(tensors: list[torch.Tensor], padding_value: int | float = 0, padding_side: str = "right",
             pad_to_multiple_of: int | None = None) -> torch.Tensor:
    """TRL's `pad` (trl/trainer/utils.py), the same result, for the rows of ids, masks and log-probabilities
    GRPOTrainer pads each phase (one-dimensional, of one dtype) in three torch calls (the rows joined, a filled
    block, the rows written in by a mask) instead of TRL's Python loop over the rows, which took about 5% of the
    default's step. Anything else goes to TRL's own."""
    if (not tensors or padding_side not in ("left", "right")
            or any(t.dim() != 1 or t.dtype != tensors[0].dtype or t.device != tensors[0].device for t in tensors)):
        return _trl_pad(tensors, padding_value, padding_side, pad_to_multiple_of)
    lengths = torch.tensor([t.shape[0] for t in tensors], device=tensors[0].device)
    width = int(lengths.max())
    if pad_to_multiple_of:
        width += -width % pad_to_multiple_of
    joined = torch.cat(tensors)
    output = joined.new_full((len(tensors), width), padding_value)
    columns = torch.arange(width, device=joined.device)
    written = columns < lengths[:, None] if padding_side == "right" else columns >= width - lengths[:, None]
    output[written] = joined  # row by row, left to right: the order the rows were joined in
    return output


# The largest logits (tokens x vocabulary) that `WholeLogitsLogProbs` computes whole: 16 MB in float32.
WHOLE_LOGITS_LIMIT = 1 << 22


class WholeLogitsLogProbs:
    """TRL's fused LM head (`ChunkedLogProbFunction`, what GRPOTrainer scores every completion token with): the
    same log-probabilities and entropies, computed on the whole logits where they are small and no Triton kernel
    runs. Without Triton (on the CPU) TRL folds the logits tile by tile in torch ops, built for a vocabulary of
    150,000 that must not be materialized: for the default's 7,168 tokens and 100-token vocabulary, 31 ms forward
    and backward against 5 for `log_softmax` on the whole [7168, 100] logits. The sums run in another order, so
    they round differently (as another CPU's kernels would). Anything larger, on Triton, with a logit softcap or
    asking for more than log-probabilities and entropy goes to TRL's."""

    @staticmethod
    def apply(hidden: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, targets: torch.Tensor,
              temperature: float, chunk_size: int, final_logit_softcapping: float | None = None,
              logit_scale: float = 1.0, outputs: tuple[str, ...] = ("log_probs",)) -> tuple:
        if (_use_triton(hidden.device) or final_logit_softcapping is not None
                or not set(outputs) <= {"log_probs", "entropy"}
                or hidden.shape[0] * weight.shape[0] > WHOLE_LOGITS_LIMIT):
            return ChunkedLogProbFunction.apply(hidden, weight, bias, targets, temperature, chunk_size,
                                                final_logit_softcapping, logit_scale, outputs)
        # TRL's order: the projection in the compute dtype (autocast's, if on), then float32, scale, temperature
        logits = torch.nn.functional.linear(hidden, weight, bias).float() * logit_scale * (1 / temperature)
        log_probs = torch.log_softmax(logits, dim=-1)
        chosen = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        entropy = -(log_probs.exp() * log_probs).sum(-1) if "entropy" in outputs else None
        return chosen, entropy, None, None, None


class _LogCatcher(TrainerCallback):
    """Keeps the metrics TRL logs during one phase."""

    def __init__(self) -> None:
        self.logs: list[dict[str, float]] = []
        self.active = False

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and self.active:
            self.logs.append({k: v for k, v in logs.items()
                              if k.rsplit("/", 1)[-1] not in _SUMMARY_KEYS and isinstance(v, (int, float))})


class _KeepOpenTensorBoard(TensorBoardCallback):
    """TRL's TensorBoard writer, kept open across phases (one event file per role, not one per `train()` call),
    writing where the run says (both roles into one TensorBoard run)."""

    def __init__(self, logging_dir: str | None):
        super().__init__()
        self.logging_dir = logging_dir or self.logging_dir

    def on_train_end(self, args, state, control, **kwargs):
        if self.tb_writer is not None:
            self.tb_writer.flush()


class _RoleLogs(Trainer):
    """Placed between GRPOTrainer and Trainer: every log TRL makes is renamed `<role>/trl/<name>` and stamped
    with the self-play step, so TensorBoard and W&B (TRL's `report_to`) get one continuous step axis across both
    roles' phases instead of a step counter that restarts at every `train()` call."""

    role: str = "role"
    loop_step: int = 0

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        logs = {f"{self.role}/trl/{key}": value for key, value in logs.items()}
        phase_step, self.state.global_step = self.state.global_step, self.loop_step
        try:
            super().log(logs, start_time)
        finally:
            self.state.global_step = phase_step


class _Phases(_RoleLogs):
    """Training in phases: one `train()` call per phase, on that phase's data, with one optimizer and one
    learning-rate schedule kept across all phases (TRL and transformers would rebuild the schedule on every
    `train()` call, restarting warm-up and decay)."""

    optimizer_steps_per_phase: int = 1

    def _keep_one_schedule(self, total_optimizer_steps: int, share_optimizer_with: _Phases | None) -> None:
        if share_optimizer_with is not None:
            self.optimizer = share_optimizer_with.optimizer
            self.lr_scheduler = share_optimizer_with.lr_scheduler
        else:
            self.create_optimizer()
            self.create_scheduler(num_training_steps=total_optimizer_steps)
        self._created_lr_scheduler = False  # transformers internal: so train() keeps this schedule instead of building a new one

    def _train_phase(self, dataset: Dataset | list[dict[str, Any]], step: int) -> dict[str, float]:
        """Train on `dataset` for this phase's optimizer steps at self-play step `step`. Returns the metrics TRL
        logged (`<role>/trl/...`), averaged over the phase."""
        self.train_dataset = dataset
        self.args.max_steps = self.optimizer_steps_per_phase
        self.loop_step = step
        self.log_catcher.logs.clear()
        self.log_catcher.active = True
        try:
            self.train()
        finally:
            self.log_catcher.active = False
        merged: dict[str, list[float]] = defaultdict(list)
        for log in self.log_catcher.logs:
            for key, value in log.items():
                merged[key].append(float(value))
        return {key: sum(values) / len(values) for key, values in merged.items()}

    def _set_up_phases(self, tensorboard_dir: str | None) -> None:
        """What one train() call per phase needs: quiet logs, one TensorBoard writer, no full collection."""
        # accelerate internal: see _free_memory_without_collecting
        self.accelerator.free_memory = _free_memory_without_collecting(self.accelerator.free_memory)
        self.remove_callback(PrinterCallback)  # it prints every log dict; the loop reports its own metrics
        if any(isinstance(callback, TensorBoardCallback) for callback in self.callback_handler.callbacks):
            self.remove_callback(TensorBoardCallback)
            self.add_callback(_KeepOpenTensorBoard(tensorboard_dir))

    def report(self, metrics: dict[str, float], step: int) -> None:
        """Send the loop's own metrics to this trainer's `report_to` integrations (TensorBoard, W&B, ...) at
        self-play step `step`."""
        if not self.args.report_to or self.args.report_to == ["none"]:
            return
        phase_step, self.state.global_step = self.state.global_step, step
        try:
            self.callback_handler.on_log(self.args, self.state, self.control, dict(metrics))
        finally:
            self.state.global_step = phase_step


# What TRL's vLLM engine reads from itself on each `generate` call: the settings of one role's sampling.
_SAMPLING = ("temperature", "top_p", "top_k", "min_p", "repetition_penalty", "max_completion_length")


class EngineView:
    """One role's handle on a vLLM engine (TRL's `VLLMGeneration`) that both roles' trainers share when they train
    the same weights (`model.shared`, or LoRA adapters on one base): one engine, one copy of the weights on the
    GPU or one server. The engine samples with the settings it was built with, so each role's view puts its own
    in place for the length of its `generate` call. Weights are pushed at each phase's first generation
    (`RoleTrainer.train_phase`), by then holding the other role's last updates or the active adapter merged in.
    Everything else (`sync_weights`, `llm`, `vllm_client`) is the engine's."""

    def __init__(self, engine: Any, trainer: GRPOTrainer):
        self.engine = engine
        self.sampling = {name: getattr(trainer, name) for name in _SAMPLING}
        self.sampling["structured_outputs_regex"] = trainer.args.vllm_structured_outputs_regex
        self.sampling["generation_kwargs"] = trainer.args.generation_kwargs or {}

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        engine_own = {name: getattr(self.engine, name) for name in self.sampling}
        vars(self.engine).update(self.sampling)
        try:
            return self.engine.generate(*args, **kwargs)
        finally:
            vars(self.engine).update(engine_own)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


class _UnjudgedIsDeliberate(logging.Filter):
    """TRL warns, once per batch, when every reward function returned None for a sample. Here a None is deliberate:
    the verifier could not judge that answer (or it is a copy that carries no weight), and the loss leaves it out
    (`rollout`'s mask). This filter drops that one warning from TRL's logger; everything else it logs passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "All reward functions returned None" not in str(record.msg)  # accelerate prefixes "[RANK n] "


trl.trainer.grpo_trainer.pad = pad_rows  # TRL internal: GRPOTrainer pads through this module-level name
trl.trainer.utils._ChunkedLogProbFunction = WholeLogitsLogProbs  # TRL internal: the fused LM head's name for it

# TRL's logger, on which GRPOTrainer reports samples without any reward (the filter is public logging API).
logging.getLogger("trl.trainer.grpo_trainer").addFilter(_UnjudgedIsDeliberate())


class GivenRewards:
    """The reward function TRL calls: each sample's reward as the loop gave it, handed over by the rollout."""

    def __init__(self, name: str):
        self.__name__ = name  # TRL logs `rewards/<name>/mean`

    def __call__(self, prompts: list[Any], completions: list[Any], given_reward: list[float | None], **_: Any,
                 ) -> list[float | None]:
        return list(given_reward)


class RoleTrainer(GRPOTrainer, _Phases):
    """A GRPOTrainer for one role, trained one phase (one `train()` call on that phase's groups) at a time.

    TRL does not sample: each phase trains on the groups the loop sampled and judged (`train_phase`), which TRL
    takes from `rollout` in place of generating. The optimizer and a single schedule spanning the whole run are
    created once and kept (`_Phases`); each phase is exactly one generation batch, and no sample is trained on in
    two phases. With shared weights, the second trainer takes the first one's optimizer and schedule
    (`share_optimizer_with`): one model, one optimizer state, one schedule over both roles' steps. With vLLM on,
    `sampler()` lets the loop sample through the role's engine; with vLLM on in both roles and one model between
    them, the second trainer uses the first one's engine (`share_engine_with`, see `EngineView`).
    """

    def __init__(
        self,
        role: str,
        model: PreTrainedModel,
        args: GRPOConfig,
        tokenizer: PreTrainedTokenizerBase,
        total_optimizer_steps: int,
        share_optimizer_with: RoleTrainer | None = None,
        tensorboard_dir: str | None = None,
        adapter: str | None = None,
        share_engine_with: RoleTrainer | None = None,
        reward_name: str | None = None,
    ):
        self.role = role
        self.log_catcher = _LogCatcher()
        self.groups: list[Group] = []  # the phase being trained
        self.rows: list[dict[str, Any]] = []  # the dataset rows of the generation batch TRL is scoring
        # With LoRA the PEFT model holds both roles' adapters; this trainer trains only its own, which must be the
        # active (trainable) one while its optimizer is created and during its phases.
        self.adapter, self.peft_model = adapter, model
        if adapter is not None:
            model.set_adapter(adapter)
        placeholder = Dataset.from_dict({"prompt": [""]})  # each phase brings its own prompts
        borrow_engine = args.use_vllm and share_engine_with is not None and share_engine_with.use_vllm
        if borrow_engine:
            args = copy.copy(args)
            args.use_vllm = False  # GRPOTrainer starts an engine in __init__ when this is on
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*rollout_func.*experimental.*")
            super().__init__(
                model=model,
                reward_funcs=[GivenRewards(reward_name or role)],
                args=args,
                train_dataset=placeholder,
                processing_class=tokenizer,
                callbacks=[self.log_catcher],
                rollout_func=self.rollout,
            )
        if borrow_engine:
            self.args.use_vllm = self.use_vllm = True
            self.vllm_generation = EngineView(share_engine_with.vllm_generation.engine, self)  # TRL internal
        elif self.use_vllm:
            self.vllm_generation = EngineView(self.vllm_generation, self)  # TRL internal
        self._set_up_phases(tensorboard_dir)
        self.optimizer_steps_per_phase = optimizer_steps_per_phase(args)
        self.completions_per_phase = args.generation_batch_size
        self.prompts_per_phase = args.generation_batch_size // self.num_generations
        self._keep_one_schedule(total_optimizer_steps, share_optimizer_with)

    def train_phase(self, groups: list[Group], step: int = 0) -> dict[str, float]:
        """One phase at self-play step `step`: TRL scores `groups` (exactly `prompts_per_phase` of them, each of
        `num_generations` samples) and takes this phase's optimizer steps on them. Returns TRL's metrics
        (`<role>/trl/...`), averaged over the phase's optimizer steps."""
        if len(groups) != self.prompts_per_phase:
            raise ValueError(f"a phase needs exactly {self.prompts_per_phase} groups, got {len(groups)}")
        if any(len(group.samples) != self.num_generations or len(group.rewards) != self.num_generations
               for group in groups):
            raise ValueError(f"every group needs {self.num_generations} samples and as many rewards")
        self.groups = groups
        self._buffered_inputs = None  # TRL internal: no completion buffered from the last phase
        self._last_loaded_step = 0  # TRL internal: the weights went to vLLM when the loop sampled (`sampler`)
        if self.adapter is not None:
            self.peft_model.set_adapter(self.adapter)
        # A list, not a Dataset: TRL's sampler and collator only index it, and datasets' formatting of each row it
        # reads (every row num_generations times) cost about 5 ms a step in the default
        rows = [{"prompt": group.prompt, "group": index} for index, group in enumerate(groups)]
        try:
            return self._train_phase(rows, step)
        finally:
            self.groups, self.rows = [], []

    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        """TRL internal: keeps the batch's rows, which name their groups, for `rollout`."""
        self.rows = inputs
        return super()._generate_and_score_completions(inputs)

    def rollout(self, prompts: list[Any], trainer: GRPOTrainer) -> dict[str, Any]:
        """TRL's `rollout_func`: the samples of this process's rows in place of new ones. TRL's sampler repeats
        each dataset row `num_generations` times in a row, and spreads the generation batch over the processes in
        order, so the row at global position p is member p % num_generations of its group."""
        offset = self.accelerator.process_index * len(self.rows)
        chosen = [(self.groups[row["group"]], (offset + index) % self.num_generations)
                  for index, row in enumerate(self.rows)]
        samples = [group.samples[member] for group, member in chosen]
        rewards = [group.rewards[member] for group, member in chosen]
        logprobs = None
        if all(sample.logprobs is not None for sample in samples):
            logprobs = [list(sample.logprobs) for sample in samples]
        rollout = {
            "prompt_ids": [list(sample.prompt_ids) for sample in samples],
            "completion_ids": [list(sample.completion_ids) for sample in samples],
            "logprobs": logprobs,
            "given_reward": rewards,
        }
        if None in rewards:  # TRL's mask of the tokens the loss counts: none of a sample that could not be judged
            rollout["env_mask"] = [[int(reward is not None)] * len(sample.completion_ids)
                                   for sample, reward in zip(samples, rewards)]
        return rollout  # without a mask TRL counts every completion token, as an all-ones mask would

    def sampler(self):
        """With vLLM on, how the loop samples through this role's engine (`LanguageModel.engine`): (prompt ids,
        samples per prompt) -> (completion ids, their log-probabilities), from the weights as they are now (they
        are sent to the engine first), with this role's sampling settings. None without vLLM."""
        if not self.use_vllm:
            return None

        def sample(prompt_ids: list[list[int]], count: int) -> tuple[list[list[int]], list[list[float]]]:
            if self.adapter is not None:
                self.peft_model.set_adapter(self.adapter)
            self.vllm_generation.sync_weights()  # TRL internal
            repeated = [ids for ids in prompt_ids for _ in range(count)]
            _, completion_ids, logprobs, _ = self.vllm_generation.generate(  # TRL internal
                prompts=repeated, images=None, num_generations=count)
            return completion_ids, [[top[0] for top in token] for token in logprobs]

        return sample


class PhaseSFTTrainer(SFTTrainer, _Phases):
    """TRL's SFTTrainer trained one phase at a time, one optimizer step per phase on that phase's examples
    (prompt/completion pairs; the loss covers the completion only). Used by the methods that fine-tune on
    chosen answers (methods.py)."""

    def __init__(self, role: str, model: PreTrainedModel, args: SFTConfig, tokenizer: PreTrainedTokenizerBase,
                 total_optimizer_steps: int, tensorboard_dir: str | None = None):
        self.role = role
        self.log_catcher = _LogCatcher()
        placeholder = Dataset.from_dict({"prompt": ["1"], "completion": ["1"]})  # each phase brings its own
        super().__init__(model=model, args=args, train_dataset=placeholder, processing_class=tokenizer,
                         callbacks=[self.log_catcher])
        self._set_up_phases(tensorboard_dir)
        self._keep_one_schedule(total_optimizer_steps, None)

    def train_phase(self, dataset: Dataset, step: int = 0) -> dict[str, float]:
        """One optimizer step on all of `dataset` (prompt/completion rows, at most one batch)."""
        if not 0 < len(dataset) <= self.args.per_device_train_batch_size:
            raise ValueError(f"a phase needs 1 to {self.args.per_device_train_batch_size} examples, got {len(dataset)}")
        prepared = self._prepare_dataset(dataset, self.processing_class, self.args, False, None, "train")
        return self._train_phase(prepared, step)

    def train_steps(self, dataset: Dataset, steps: int, step: int = 0) -> dict[str, float]:
        """`steps` optimizer steps on `dataset` (prompt/completion rows, shuffled and cycled in batches of
        `per_device_train_batch_size`): a committee's round (committee.py)."""
        if not len(dataset) or steps < 1:
            raise ValueError(f"a round needs examples and at least one step, got {len(dataset)} and {steps}")
        prepared = self._prepare_dataset(dataset, self.processing_class, self.args, False, None, "train")
        self.optimizer_steps_per_phase = steps
        return self._train_phase(prepared, step)
