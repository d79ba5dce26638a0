"""The one model interface both agents use: load any causal LM (or build the tiny one), format prompts, sample."""

from __future__ import annotations

import contextlib
import inspect
import logging
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import torch
from tqdm.auto import tqdm
from transformers import (AutoModelForCausalLM, AutoTokenizer, DynamicCache, GenerationConfig, PreTrainedModel,
                          PreTrainedTokenizerBase)
from trl.models.utils import disable_gradient_checkpointing

from agents.tiny import TinyModelConfig, build_char_tokenizer, build_tiny_model
from selfplay.errors import ConfigError
from selfplay.types import Sample

if TYPE_CHECKING:
    from trl import GRPOConfig

BUILTIN_TINY = "builtin:tiny"
logger = logging.getLogger(__name__)


@dataclass
class Sampling:
    """How a role samples: the fields of its TRL `GRPOConfig` from which TRL's GRPOTrainer builds the
    GenerationConfig it would sample with (defaults: GRPOConfig's). TRL samples nothing itself: the loop samples
    every completion a role trains on with these settings (and the fine-tuning methods' samples, and evaluation at
    its own temperature), so TRL's loss sees the distribution they were drawn from. Temperature 0 decodes greedily.

    >>> Sampling(10, temperature=0.7, top_k=20).at(0.3).top_k, Sampling(10, temperature=0.7).at(None).temperature
    (20, 0.7)
    """

    max_new_tokens: int = 512  # GRPOConfig.max_completion_length
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0  # 0: no top-k filter (TRL's default; transformers' own is 50)
    min_p: float | None = None
    repetition_penalty: float = 1.0
    cache_implementation: str | None = None
    # GRPOConfig.generation_kwargs other than the fields above: further GenerationConfig fields.
    generation_kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, args: GRPOConfig) -> Sampling:
        """A role's sampling settings. A field its `generation_kwargs` names overrides the field, as in TRL."""
        extra = dict(args.generation_kwargs or {})
        return cls(max_new_tokens=extra.pop("max_new_tokens", args.max_completion_length),
                   temperature=extra.pop("temperature", args.temperature), top_p=extra.pop("top_p", args.top_p),
                   top_k=extra.pop("top_k", args.top_k), min_p=extra.pop("min_p", args.min_p),
                   repetition_penalty=extra.pop("repetition_penalty", args.repetition_penalty),
                   cache_implementation=extra.pop("cache_implementation", args.cache_implementation),
                   generation_kwargs=extra)

    def at(self, temperature: float | None) -> Sampling:
        """The same settings at another temperature (0: greedy; None: unchanged)."""
        return self if temperature is None else replace(self, temperature=temperature)


class LanguageModel:
    """A causal LM and its tokenizer, with prompts rendered the way the model expects them.

    With a chat template, a prompt is one user message and generation starts after the assistant header; without
    one (the tiny model, base models), the prompt text is fed as it is.
    """

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, use_chat_template: bool):
        self.model = model
        self.tokenizer = tokenizer
        self.use_chat_template = use_chat_template
        self.adapter: str | None = None  # the LoRA adapter this role uses, on a PEFT model shared with the other
        self.generation_batch = 1024  # sequences per generate call (config: model.generation_batch)
        # Samples in place of `generate` when set: (prompt ids, samples per prompt) -> (completion ids, log-probs),
        # a role trainer's vLLM engine (trainer.py), so the loop samples from what TRL's vLLM settings describe.
        self.engine: Callable[[list[list[int]], int], tuple[list[list[int]], list[list[float]] | None]] | None = None
        if tokenizer.pad_token is None:  # many chat models ship without one; generation needs it
            tokenizer.pad_token = tokenizer.eos_token

    @classmethod
    def load(
        cls,
        name_or_path: str,
        chat_template: str = "auto",
        dtype: str = "auto",
        tiny: TinyModelConfig | None = None,
    ) -> LanguageModel:
        """A hub id, a local folder written by `save_pretrained`, or `builtin:tiny` (a fresh tiny model).

        `chat_template`: "auto" uses the tokenizer's template if it has one, "on" requires one, "off" never uses it.
        """
        if name_or_path == BUILTIN_TINY:
            tiny = tiny or TinyModelConfig()
            tokenizer = build_char_tokenizer(tiny.words)
            model = build_tiny_model(tiny, tokenizer)
        else:
            if name_or_path.startswith((".", "/", "~")) and not Path(name_or_path).expanduser().is_dir():
                raise ConfigError(f"cannot load model {name_or_path!r}: no such folder")
            try:
                tokenizer = AutoTokenizer.from_pretrained(name_or_path)
                model = AutoModelForCausalLM.from_pretrained(name_or_path, dtype=dtype)
            except (OSError, ValueError) as error:
                first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                raise ConfigError(f"cannot load model {name_or_path!r}: {first_line}") from None
        has_template = getattr(tokenizer, "chat_template", None) is not None
        if chat_template == "on" and not has_template:
            raise ConfigError(f"model.chat_template is 'on' but {name_or_path!r} has no chat template")
        use_chat = has_template and chat_template != "off"
        return cls(model, tokenizer, use_chat)

    def with_adapter(self, name: str) -> LanguageModel:
        """A view of this (PEFT) model that generates with adapter `name`; the weights are shared."""
        view = LanguageModel(self.model, self.tokenizer, self.use_chat_template)
        view.adapter, view.generation_batch = name, self.generation_batch
        return view

    def save(self, path: str | Path) -> None:
        if self.adapter is not None:  # only this role's adapter; the frozen base is where it was loaded from
            self.model.save_pretrained(path, selected_adapters=[self.adapter])
        else:
            self.model.save_pretrained(path)
        self.tokenizer.save_pretrained(path)

    def training_prompt(self, text: str) -> str | list[dict[str, str]]:
        """The prompt as a TRL dataset holds it: a conversation when a chat template applies, else plain text."""
        return [{"role": "user", "content": text}] if self.use_chat_template else text

    def render(self, text: str) -> str:
        """The exact string the model continues."""
        if not self.use_chat_template:
            return text
        return self.tokenizer.apply_chat_template(self.training_prompt(text), tokenize=False, add_generation_prompt=True)

    def generation_config(self, sampling: Sampling, num_samples: int = 1) -> GenerationConfig:
        """The GenerationConfig TRL's GRPOTrainer samples with (grpo_trainer.py, built in `__init__` when vLLM is
        off), for `sampling`: every setting given, so neither generate()'s defaults (top_k 50) nor the
        checkpoint's generation_config replace one. Greedy keeps the processors (repetition penalty, eos) and
        leaves the sampling-only settings unset, which transformers ignores without `do_sample`."""
        settings = {
            "max_new_tokens": sampling.max_new_tokens,
            "do_sample": True,
            "pad_token_id": self.tokenizer.pad_token_id,
            "bos_token_id": self.tokenizer.bos_token_id,
            "eos_token_id": eos_token_ids(self.model, self.tokenizer),
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "top_k": sampling.top_k,
            "min_p": sampling.min_p,
            "repetition_penalty": sampling.repetition_penalty,
            "cache_implementation": sampling.cache_implementation,
            **sampling.generation_kwargs,
        }
        greedy = sampling.temperature <= 0
        if greedy:
            settings.update(do_sample=False, temperature=None, top_p=None, top_k=None, min_p=None)
        settings["num_return_sequences"] = 1 if greedy else num_samples
        return GenerationConfig(**settings, disable_compile=True)

    def generate(self, texts: list[str], num_samples: int, sampling: Sampling, *args: Any, **kwargs: Any,
                 ) -> list[list[str]]:
        """`num_samples` completion texts for each prompt: `sample` (same arguments), without the tokens."""
        return [[sample.text for sample in group] for group in self.sample(texts, num_samples, sampling, *args,
                                                                           **kwargs)]

    @torch.no_grad()
    def sample(
        self,
        texts: list[str],
        num_samples: int,
        sampling: Sampling,
        batch_size: int | None = None,
        progress: str | None = None,
    ) -> list[list[Sample]]:
        """`num_samples` completions of each prompt, sampled with `sampling` (greedy at temperature 0), each with the
        tokens it was sampled as, which a trainer can compute its loss on. With an `engine` (the role trainer's vLLM
        engine, trainer.py) the engine samples; else transformers' `generate`, in one batched call per `batch_size`
        sequences (by default `generation_batch`), the model in eval mode with the KV cache on, then restored. With
        `progress`, a progress bar of that name counts the prompts done."""
        if num_samples < 1:
            return [[] for _ in texts]
        rendered = [self.render(text) for text in texts]
        if self.engine is not None:
            prompt_ids = [self.tokenizer(text, add_special_tokens=False)["input_ids"] for text in rendered]
            completion_ids, logprobs = self.engine(prompt_ids, num_samples)
            return self._decoded([ids for ids in prompt_ids for _ in range(num_samples)], completion_ids, logprobs,
                                 num_samples)
        prompts_per_call = max(1, (batch_size or self.generation_batch) // num_samples)
        samples: list[list[Sample]] = []
        bar = tqdm(total=len(rendered), desc=progress, unit="prompt", disable=progress is None, leave=False)
        with generation_mode(self.model), active_adapter(self.model, self.adapter), bar:
            for start in range(0, len(rendered), prompts_per_call):
                chunk = rendered[start : start + prompts_per_call]
                samples.extend(self._sample_chunk(chunk, num_samples, sampling))
                bar.update(len(chunk))
        return samples

    def _sample_chunk(self, prompts: list[str], num_samples: int, sampling: Sampling) -> list[list[Sample]]:
        self.tokenizer.padding_side = "left"
        batch = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        batch = batch.to(self.model.device)
        config = self.generation_config(sampling, num_samples)
        cache = self._prompt_cache(batch, config)
        if cache is None:
            output = self.model.generate(**batch, generation_config=config)  # (len(prompts) * samples, T)
        else:  # each prompt read once: generate goes on from its cache, repeated for each of its samples
            cache.batch_repeat_interleave(num_samples)
            repeated = {key: value.repeat_interleave(num_samples, dim=0) for key, value in batch.items()}
            output = self.model.generate(**repeated, **{cache_argument(self.model): cache},
                                         generation_config=self.generation_config(sampling, 1))
        prompt_ids = [ids[mask.bool()].tolist() for ids, mask in zip(batch["input_ids"], batch["attention_mask"])]
        copies = num_samples if config.do_sample else 1  # every greedy sample is the same: decoded once, repeated
        ends = set(eos_token_ids(self.model, self.tokenizer))
        completion_ids = [until_end(row, ends) for row in output[:, batch["input_ids"].shape[1] :].tolist()]
        prompt_ids = [ids for ids in prompt_ids for _ in range(copies)]
        return self._decoded(prompt_ids, completion_ids, None, num_samples, copies)

    def _prompt_cache(self, batch: Any, config: GenerationConfig) -> DynamicCache | None:
        """The KV cache of each prompt in `batch` but its last token, computed once for all the samples `config`
        asks of it, where generate() would otherwise read the prompt once per sample (the embedded default's
        solver reads 76 prompts once instead of 608 rows: 5 ms instead of 35-40). Continuing generation from a
        given cache is transformers' documented way to reuse a prompt. None, and generate() reads the prompts
        itself, with one sample per prompt, a one-token prompt, a cache implementation the config names, or a model
        whose cache is not plain full attention (sliding windows, linear attention, encoder-decoder)."""
        ids, mask = batch["input_ids"], batch["attention_mask"]
        model_config = self.model.config
        if (config.num_return_sequences <= 1 or ids.shape[1] < 2 or config.cache_implementation is not None
                or model_config.is_encoder_decoder):
            return None
        cache = DynamicCache(config=model_config.get_text_config(decoder=True))
        if any(getattr(cache, "is_sliding", [])) or any(getattr(cache, "is_linear", [])):
            return None
        # generate()'s own positions for a left-padded batch (prepare_inputs_for_generation)
        positions = mask.long().cumsum(-1) - 1
        positions.masked_fill_(mask == 0, 1)
        keep = {"logits_to_keep": 1} if "logits_to_keep" in forward_parameters(self.model) else {}  # not the logits
        self.model(input_ids=ids[:, :-1], attention_mask=mask[:, :-1], position_ids=positions[:, :-1],
                   use_cache=True, **{cache_argument(self.model): cache}, **keep)
        return cache

    def _decoded(self, prompt_ids: list[list[int]], completion_ids: list[list[int]],
                 logprobs: list[list[float]] | None, num_samples: int, copies: int | None = None,
                 ) -> list[list[Sample]]:
        """Samples grouped by prompt, from one prompt's ids per sequence and the sequences' completion ids (and
        log-probabilities); `copies` sequences were sampled per prompt (1 when greedy: repeated)."""
        copies = num_samples if copies is None else copies
        texts = self.tokenizer.batch_decode(completion_ids, skip_special_tokens=True)
        flat = [Sample(text, tuple(prompt), tuple(ids), None if logprobs is None else tuple(logprobs[i]))
                for i, (text, prompt, ids) in enumerate(zip(texts, prompt_ids, completion_ids))]
        groups = [flat[i : i + copies] for i in range(0, len(flat), copies)]
        return [group * (num_samples // copies) for group in groups]


def until_end(ids: list[int], ends: set[int]) -> list[int]:
    """A generated row's completion: its ids up to and including the first end-of-sequence id (the padding after
    it dropped), or all of them when the completion was cut off at the length limit.

    >>> until_end([5, 6, 2, 0, 0], {2}), until_end([5, 6, 7], {2})
    ([5, 6, 2], [5, 6, 7])
    """
    for index, token in enumerate(ids):
        if token in ends:
            return ids[: index + 1]
    return ids


def forward_parameters(model: PreTrainedModel) -> Collection[str]:
    """The arguments a model's forward names (a PEFT model's are its base model's, to which it passes them on)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return inspect.signature(base.forward).parameters


def cache_argument(model: PreTrainedModel) -> str:
    """The name under which this transformers version's models take a KV cache: `cache` in recent releases (where
    `past_key_values` is deprecated), `past_key_values` before."""
    return "cache" if "cache" in forward_parameters(model) else "past_key_values"


def eos_token_ids(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """The ids that end a completion, listed as TRL's GRPOTrainer lists them: every eos id the model's
    generation_config declares (an end-of-turn token), with the tokenizer's first if it is not among them."""
    declared = model.generation_config.eos_token_id
    declared = [] if declared is None else [declared] if isinstance(declared, int) else list(declared)
    return declared if tokenizer.eos_token_id in declared else [tokenizer.eos_token_id, *declared]


@contextlib.contextmanager
def generation_mode(model: PreTrainedModel):
    """Eval mode and no gradient checkpointing (which would also turn the KV cache off), restored afterwards."""
    was_training = model.training
    model.eval()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            with disable_gradient_checkpointing(model):
                yield model
    finally:
        model.train(was_training)


@contextlib.contextmanager
def active_adapter(model, name: str | None):
    """Generate with LoRA adapter `name`, then give the model back with the adapter it had (a role's trainer may
    be in the middle of its phase: the proposer's reward has the solver answer)."""
    if name is None or model.active_adapter == name:
        yield
        return
    previous = model.active_adapter
    model.set_adapter(name)
    try:
        yield
    finally:
        model.set_adapter(previous)


def guarded(read, output):
    """`read(output)` for a function that reads model output (a completion, or a verdict on one), or None if it
    raised: a task's parser or a reward (possibly a user's) failing on strange output is an ordinary outcome,
    never a crash of training."""
    try:
        return read(output)
    except Exception as error:  # noqa: BLE001 - untrusted output; the failure is logged and read as "nothing"
        logger.warning("%s failed on model output %.80r: %s", getattr(read, "__qualname__", read), output, error)
        return None
