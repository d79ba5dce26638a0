"""The one model interface both agents use: load any causal LM (or build the tiny one), format prompts, sample."""

from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path

import torch
from tqdm.auto import tqdm
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase
from trl.models.utils import disable_gradient_checkpointing

from agents.tiny import TinyModelConfig, build_char_tokenizer, build_tiny_model
from selfplay.errors import ConfigError

BUILTIN_TINY = "builtin:tiny"
logger = logging.getLogger(__name__)


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
            tokenizer = build_char_tokenizer()
            model = build_tiny_model(tiny or TinyModelConfig(), tokenizer)
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

    @torch.no_grad()
    def generate(
        self,
        texts: list[str],
        num_samples: int = 1,
        max_new_tokens: int = 64,
        temperature: float = 1.0,
        top_p: float = 1.0,
        batch_size: int | None = None,
        progress: str | None = None,
    ) -> list[list[str]]:
        """`num_samples` sampled completions for each prompt (greedy when temperature is 0), in one batched call
        per `batch_size` sequences (by default `generation_batch`). The model is put in eval mode with the KV cache on, then restored. With
        `progress`, a progress bar of that name counts the prompts done."""
        rendered = [self.render(text) for text in texts]
        prompts_per_call = max(1, (batch_size or self.generation_batch) // num_samples)
        completions: list[list[str]] = []
        bar = tqdm(total=len(rendered), desc=progress, unit="prompt", disable=progress is None, leave=False)
        with generation_mode(self.model), active_adapter(self.model, self.adapter), bar:
            for start in range(0, len(rendered), prompts_per_call):
                chunk = rendered[start : start + prompts_per_call]
                completions.extend(self._generate_chunk(chunk, num_samples, max_new_tokens, temperature, top_p))
                bar.update(len(chunk))
        return completions

    def _generate_chunk(self, prompts, num_samples, max_new_tokens, temperature, top_p) -> list[list[str]]:
        self.tokenizer.padding_side = "left"
        batch = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        batch = batch.to(self.model.device)
        greedy = temperature <= 0
        sampling = {"do_sample": False} if greedy else {"do_sample": True, "temperature": temperature, "top_p": top_p}
        output = self.model.generate(
            **batch,
            max_new_tokens=max_new_tokens,
            num_return_sequences=1 if greedy else num_samples,
            pad_token_id=self.tokenizer.pad_token_id,
            **sampling,
        )  # (len(prompts) * samples, T)
        texts = self.tokenizer.batch_decode(output[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
        if greedy:  # every greedy sample is the same: decode once, repeat
            return [[text] * num_samples for text in texts]
        return [texts[i * num_samples : (i + 1) * num_samples] for i in range(len(prompts))]

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
