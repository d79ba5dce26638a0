"""The built-in tiny model: a standard Llama architecture over a character tokenizer, built from scratch.

It is an ordinary transformers model: `save_pretrained` writes it, `AutoModelForCausalLM` / `AutoTokenizer` load it
back, and every code path that serves a hub model serves it too. Small enough to train on a laptop CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tokenizers import AddedToken, Tokenizer, decoders, models
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
    # Words that get a token of their own on top of the characters, such as `<think>` and `</answer>`: a tag the
    # model writes in every answer then costs one step of generation, not nine (none: characters only).
    words: list[str] = field(default_factory=list)


def build_char_tokenizer(words: list[str] | tuple[str, ...] = ()) -> PreTrainedTokenizerFast:
    """One token per character, and one per word of `words` (matched before the text is split into characters). A
    BPE model without merges splits text into characters; `Fuse` joins them back.

    >>> tokenizer = build_char_tokenizer(["<think>"])
    >>> tokenizer.tokenize("<think>12"), tokenizer.decode(tokenizer.encode("<think>12"))
    (['<think>', '1', '2'], '<think>12')
    """
    vocabulary = {token: index for index, token in enumerate(SPECIAL_TOKENS + CHARACTERS)}
    backend = Tokenizer(models.BPE(vocab=vocabulary, merges=[], unk_token="<unk>"))
    backend.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        bos_token="<bos>",
        eos_token="<eos>",
        unk_token="<unk>",
        model_max_length=1024,
    )
    unknown = [word for word in words if not isinstance(word, str) or len(word) < 2 or word in SPECIAL_TOKENS]
    if unknown or len(set(words)) != len(words):
        raise ValueError(f"model.tiny.words must be distinct strings of at least 2 characters, none of "
                         f"{', '.join(SPECIAL_TOKENS)}; got {list(words)!r}")
    tokenizer.add_tokens([AddedToken(word, normalized=False) for word in words])
    return tokenizer


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
