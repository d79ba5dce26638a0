"""The built-in tiny model: a standard Llama architecture over a character tokenizer, built from scratch.

It is an ordinary transformers model: `save_pretrained` writes it, `AutoModelForCausalLM` / `AutoTokenizer` load it
back, and every code path that serves a hub model serves it too. Small enough to train on a laptop CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

from tokenizers import Tokenizer, decoders, models
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

SPECIAL_TOKENS = ["<pad>", "<bos>", "<eos>", "<unk>"]
# Printable ASCII and newline: enough for any task's prompts; unknown characters map to <unk>.
CHARACTERS = [chr(code) for code in range(32, 127)] + ["\n"]


@dataclass
class TinyModelConfig:
    """Architecture of `builtin:tiny` (the `model.tiny` section of a config)."""

    # 2 layers of width 64 learn multi-digit addition in a few thousand steps on one CPU core (RESEARCH.md §4).
    layers: int = 2
    width: int = 64
    heads: int = 4
    # Longest prompt plus completion, in characters; rotary positions, so nothing is learned per position.
    max_length: int = 128


def build_char_tokenizer() -> PreTrainedTokenizerFast:
    """One token per character. A BPE model without merges splits text into characters; `Fuse` joins them back."""
    vocabulary = {token: index for index, token in enumerate(SPECIAL_TOKENS + CHARACTERS)}
    backend = Tokenizer(models.BPE(vocab=vocabulary, merges=[], unk_token="<unk>"))
    backend.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        bos_token="<bos>",
        eos_token="<eos>",
        unk_token="<unk>",
        model_max_length=1024,
    )


def build_tiny_model(config: TinyModelConfig, tokenizer: PreTrainedTokenizerFast) -> LlamaForCausalLM:
    """A freshly initialised Llama of the given size whose vocabulary is the tokenizer's."""
    llama_config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.width,
        intermediate_size=4 * config.width,
        num_hidden_layers=config.layers,
        num_attention_heads=config.heads,
        num_key_value_heads=config.heads,
        max_position_embeddings=config.max_length,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(llama_config)
