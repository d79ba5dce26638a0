"""The shared model interface: the tiny model saves and loads like any hub model; prompts and generation, sampled
as TRL samples a role's training completions."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig
from trl import GRPOConfig, GRPOTrainer

from agents import LanguageModel, Proposer, Sampling, Solver, TinyModelConfig
from agents.tiny import build_char_tokenizer
from selfplay.config import load_config
from selfplay.errors import ConfigError
from selfplay.tasks import ArithmeticTask

SIMPLE_TEMPLATE = (
    "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}"
)


@pytest.mark.parametrize("text", ["123+456=", "P:", "<answer>-7/2</answer>", "Hello, world!\n"])
def test_char_tokenizer_round_trips(text):
    tokenizer = build_char_tokenizer()
    ids = tokenizer(text, add_special_tokens=False).input_ids
    assert len(ids) == len(text)  # one token per character
    assert tokenizer.decode(ids) == text


def test_words_get_a_token_each_and_survive_saving(tmp_path):
    words = ["<think>", "</think>", "<answer>", "</answer>"]
    model = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2, words=words))
    text = "<think>7+8=15</think><answer>15</answer>"
    ids = model.tokenizer(text, add_special_tokens=False).input_ids
    assert len(ids) == len(text) - sum(len(word) - 1 for word in words)
    assert model.model.config.vocab_size == len(build_char_tokenizer()) + 4
    model.save(tmp_path)
    again = LanguageModel.load(str(tmp_path))
    assert again.tokenizer(text, add_special_tokens=False).input_ids == ids
    assert again.tokenizer.decode(ids) == text
    # the default's characters keep their ids
    assert model.tokenizer("12+3=").input_ids == build_char_tokenizer()("12+3=").input_ids


@pytest.mark.parametrize("words", [["<s>", "<s>"], ["x"], ["<eos>"]])
def test_bad_words_are_refused(words):
    with pytest.raises(ValueError, match="model.tiny.words"):
        build_char_tokenizer(words)


def test_tiny_model_saves_and_loads_with_auto_classes(tmp_path):
    model = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))
    model.save(tmp_path)
    loaded_model = AutoModelForCausalLM.from_pretrained(tmp_path)
    loaded_tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    assert loaded_model.config.num_hidden_layers == 1 and loaded_model.config.hidden_size == 32
    for key, value in model.model.state_dict().items():
        assert torch.equal(value, loaded_model.state_dict()[key])
    assert loaded_tokenizer("12+3").input_ids == model.tokenizer("12+3").input_ids
    again = LanguageModel.load(str(tmp_path))
    assert not again.use_chat_template  # no template: plain-text prompts


def test_missing_model_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot load model"):
        LanguageModel.load(str(tmp_path / "nowhere"))


def test_chat_template_prompts(tmp_path):
    model = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))
    model.tokenizer.chat_template = SIMPLE_TEMPLATE
    model.save(tmp_path)
    chat = LanguageModel.load(str(tmp_path))
    assert chat.use_chat_template
    assert chat.training_prompt("2+2") == [{"role": "user", "content": "2+2"}]
    assert chat.render("2+2") == "<user>2+2\n<assistant>"
    plain = LanguageModel.load(str(tmp_path), chat_template="off")
    assert plain.render("2+2") == "2+2"
    with pytest.raises(ConfigError, match="no chat template"):
        LanguageModel.load("builtin:tiny", chat_template="on")


def test_generate_shapes_and_restores_training_mode():
    model = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))
    model.model.train()
    completions = model.generate(["1+1=", "22+3=", "P:"], 3, Sampling(max_new_tokens=5), batch_size=4)
    assert [len(group) for group in completions] == [3, 3, 3]
    assert all(len(text) <= 5 for group in completions for text in group)
    assert model.model.training  # put back as it was
    greedy = model.generate(["1+1="], 2, Sampling(max_new_tokens=5, temperature=0))
    assert greedy[0][0] == greedy[0][1]


def test_proposer_and_solver_parse_what_they_generate():
    model = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))
    task = ArithmeticTask(answer_format="reversed", topic_prompt="P:", solver_template="{problem}=")
    proposer = Proposer(model, task, Sampling(max_new_tokens=8))
    completions = proposer.propose(5)
    assert len(completions) == 5
    assert proposer.parse(["12+34", "garbage"])[0].text == "12+34" and proposer.parse(["garbage"]) == [None]
    solver = Solver(model, task, Sampling(max_new_tokens=6))
    attempts = solver.solve([task.parse_problem("12+34"), task.parse_problem("5+5")], attempts=4)
    assert [len(group) for group in attempts] == [4, 4]
    assert solver.read(["64", "x"])[0].answer == "46" and solver.read(["x"])[0].answer is None


# ---------------------------------------------------------------------------------------------------------------
# sampling: the distribution TRL trains on


def reaching_generate(model: LanguageModel, rows: list[int] | None = None) -> list[GenerationConfig]:
    """Every GenerationConfig our generation hands to the transformers model's `generate`, recorded (and in
    `rows`, the number of prompt rows it was called on)."""
    seen, generate = [], model.model.generate

    def recording(*args, generation_config, **kwargs):
        seen.append(generation_config)
        if rows is not None:
            rows.append(len(kwargs["input_ids"]))
        return generate(*args, generation_config=generation_config, **kwargs)

    model.model.generate = recording
    return seen


def resolved(model: LanguageModel, config: GenerationConfig) -> tuple[dict, list[tuple[str, dict]]]:
    """The settings transformers generates with (the checkpoint's generation_config and its own defaults filled
    in where `config` leaves a field unset), and the logits processors and warpers it builds from them."""
    prepared, _ = model.model._prepare_generation_config(config)
    processors = model.model._get_logits_processor(prepared, input_ids_seq_length=4)  # a prompt of 4 tokens
    settings = {k: v for k, v in prepared.to_dict().items() if k != "num_return_sequences"}
    return settings, [(type(p).__name__, dict(sorted(vars(p).items()))) for p in processors]


# Sampling settings unlike every default, one of them changed through generation_kwargs as TRL allows.
ROLE_SAMPLING = ["solver.temperature=0.7", "solver.top_p=0.9", "solver.top_k=5", "solver.min_p=0.05",
                 "solver.repetition_penalty=1.3", "solver.generation_kwargs={top_k: 7, no_repeat_ngram_size: 3}",
                 "solver.max_completion_length=6", "solver.per_device_train_batch_size=8", "solver.num_generations=4"]


@pytest.fixture
def role_and_trl(tmp_path):
    """A tiny model whose own generation_config says top_k 50 and temperature 0.5 (as a hub checkpoint may),
    its solver role's GRPOConfig, and TRL's GRPOTrainer built on it with that config."""
    model = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))
    model.model.generation_config.top_k, model.model.generation_config.temperature = 50, 0.5
    args = load_config(None, ROLE_SAMPLING).grpo_config("solver", tmp_path / "solver")
    trainer = GRPOTrainer(model=model.model, reward_funcs=[lambda completions, **_: [0.0] * len(completions)],
                          args=args, train_dataset=_prompts(), processing_class=model.tokenizer)
    return model, args, trainer


def _prompts():
    from datasets import Dataset

    return Dataset.from_dict({"prompt": ["1+1="]})


def test_our_samples_come_from_the_distribution_trl_trains_on(role_and_trl):
    model, args, trainer = role_and_trl
    rows: list[int] = []
    seen = reaching_generate(model, rows)
    solver = Solver(model, ArithmeticTask(), Sampling.of(args))
    solver.solve([ArithmeticTask().parse_problem("12+34")], attempts=3)
    [ours] = seen
    trl_settings, trl_processors = resolved(model, trainer.generation_config)
    our_settings, our_processors = resolved(model, ours)
    assert our_processors == trl_processors  # the same processors and warpers, with the same parameters
    assert our_settings == trl_settings  # and every other setting: eos and pad ids, length, cache, sampling
    assert rows[0] * ours.num_return_sequences == 3  # three samples drawn (from the prompt's shared cache: 3 x 1)
    names = {name: params for name, params in trl_processors}
    assert names["TemperatureLogitsWarper"]["temperature"] == 0.7  # the role's, not the checkpoint's 0.5
    assert names["TopKLogitsWarper"]["top_k"] == 7  # generation_kwargs over top_k, not the checkpoint's 50
    assert names["TopPLogitsWarper"]["top_p"] == 0.9 and names["MinPLogitsWarper"]["min_p"] == 0.05
    assert names["RepetitionPenaltyLogitsProcessor"]["penalty"] == 1.3
    assert names["NoRepeatNGramLogitsProcessor"]["ngram_size"] == 3


def test_a_loop_temperature_replaces_only_the_temperature(role_and_trl):
    model, args, trainer = role_and_trl
    seen = reaching_generate(model)
    Solver(model, ArithmeticTask(), Sampling.of(args)).solve([ArithmeticTask().parse_problem("1+2")], 2, 0.3)
    _, trl_processors = resolved(model, trainer.generation_config)
    _, our_processors = resolved(model, seen[0])
    expected = [("TemperatureLogitsWarper", {"temperature": 0.3}) if name == "TemperatureLogitsWarper"
                else (name, params) for name, params in trl_processors]
    assert our_processors == expected


def test_greedy_decoding_keeps_trls_processors_and_no_warper(role_and_trl):
    model, args, trainer = role_and_trl
    seen = reaching_generate(model)
    model.generate(["1+2="], 2, Sampling.of(args).at(0))
    trl_settings, trl_processors = resolved(model, trainer.generation_config)
    our_settings, our_processors = resolved(model, seen[0])
    assert not our_settings["do_sample"]
    assert our_processors == [(name, params) for name, params in trl_processors if "Warper" not in name]
    assert [name for name, _ in our_processors] == ["RepetitionPenaltyLogitsProcessor", "NoRepeatNGramLogitsProcessor"]
    for key in ("eos_token_id", "pad_token_id", "bos_token_id", "max_new_tokens", "repetition_penalty"):
        assert our_settings[key] == trl_settings[key], key


def test_a_checkpoints_generation_config_does_not_change_our_sampling(tmp_path):
    # A checkpoint saved with sampling, top_k 50 and temperature 0.5 in its generation_config.json: transformers would
    # sample with both when a setting is left unset; the role's settings (TRL's default top_k 0: no filter) win.
    built = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))
    built.model.generation_config.update(do_sample=True, top_k=50, temperature=0.5)
    built.save(tmp_path)
    model = LanguageModel.load(str(tmp_path))
    assert model.model.generation_config.top_k == 50  # it is in the checkpoint
    seen = reaching_generate(model)
    model.generate(["1+2="], 2, Sampling(max_new_tokens=4))
    _, processors = resolved(model, seen[0])
    assert processors == []  # temperature 1, no top-k, top-p or min-p: the model's own distribution
    _, unset = resolved(model, GenerationConfig(max_new_tokens=4))
    assert [name for name, _ in unset] == ["TemperatureLogitsWarper", "TopKLogitsWarper"]  # what would leak


def test_sampling_defaults_are_grpo_configs(tmp_path):
    assert Sampling.of(GRPOConfig(output_dir=str(tmp_path), use_cpu=True, report_to="none")) == Sampling()


# ---------------------------------------------------------------------------------------------------------------
# each prompt read once for all its samples


@pytest.mark.parametrize("prompts", [["12+345=", "7+8=", "P:", "123456+654321="], ["P:"]])
def test_samples_from_a_shared_prompt_cache_are_the_samples_generate_draws(prompts, monkeypatch):
    # prompts of different lengths, so left padding and positions matter; with the same random stream, sampling
    # from each prompt's cache, computed once and repeated, draws exactly what generate() draws reading the
    # prompt once per sample
    torch.manual_seed(0)
    model = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=2, width=32, heads=2))
    with torch.no_grad():  # weights far from their near-zero start, so that every token and position tells
        for parameter in model.model.parameters():
            parameter.normal_(0, 0.5)
    sampling = Sampling(max_new_tokens=6)
    prefilled = []
    prompt_cache = LanguageModel._prompt_cache
    monkeypatch.setattr(LanguageModel, "_prompt_cache",
                        lambda self, *args: prefilled.append(prompt_cache(self, *args)) or prefilled[-1])
    torch.manual_seed(1)
    shared = model.sample(prompts, 5, sampling)
    assert prefilled and prefilled[-1] is not None  # the shared cache was used
    monkeypatch.setattr(LanguageModel, "_prompt_cache", lambda self, *args: None)
    torch.manual_seed(1)
    plain = model.sample(prompts, 5, sampling)
    assert [[s.completion_ids for s in group] for group in shared] == [[s.completion_ids for s in group]
                                                                       for group in plain]
    assert [[s.prompt_ids for s in group] for group in shared] == [[s.prompt_ids for s in group] for group in plain]
    assert len({s.completion_ids for group in shared for s in group}) > 1  # really sampled


def test_a_prompt_cache_only_where_generate_would_build_a_plain_one():
    model = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))
    batch = model.tokenizer(["12+3=", "4+5="], return_tensors="pt", padding=True, add_special_tokens=False)
    assert model._prompt_cache(batch, model.generation_config(Sampling(4), 3)) is not None
    assert model._prompt_cache(batch, model.generation_config(Sampling(4), 1)) is None  # one sample: nothing shared
    assert model._prompt_cache(batch, model.generation_config(Sampling(4, temperature=0), 3)) is None  # greedy
    static = model.generation_config(Sampling(4, cache_implementation="static"), 3)
    assert model._prompt_cache(batch, static) is None  # the config names its own cache
    one_token = model.tokenizer(["P"], return_tensors="pt", add_special_tokens=False)
    assert model._prompt_cache(one_token, model.generation_config(Sampling(4), 3)) is None
    model.model.config.sliding_window, model.model.config.layer_types = 2, ["sliding_attention"]
    assert model._prompt_cache(batch, model.generation_config(Sampling(4), 3)) is None  # not plain attention
