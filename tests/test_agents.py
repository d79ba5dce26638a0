"""The shared model interface: the tiny model saves and loads like any hub model; prompts and generation."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from agents import LanguageModel, Proposer, Solver, TinyModelConfig
from agents.tiny import build_char_tokenizer
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
    completions = model.generate(["1+1=", "22+3=", "P:"], num_samples=3, max_new_tokens=5, batch_size=4)
    assert [len(group) for group in completions] == [3, 3, 3]
    assert all(len(text) <= 5 for group in completions for text in group)
    assert model.model.training  # put back as it was
    greedy = model.generate(["1+1="], num_samples=2, max_new_tokens=5, temperature=0)
    assert greedy[0][0] == greedy[0][1]


def test_proposer_and_solver_parse_what_they_generate():
    model = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))
    task = ArithmeticTask(answer_format="reversed", topic_prompt="P:", solver_template="{problem}=")
    proposer = Proposer(model, task, max_new_tokens=8, temperature=1.0, top_p=1.0)
    completions = proposer.propose(5)
    assert len(completions) == 5
    assert proposer.parse(["12+34", "garbage"])[0].text == "12+34" and proposer.parse(["garbage"]) == [None]
    solver = Solver(model, task, max_new_tokens=6, temperature=1.0, top_p=1.0)
    attempts = solver.solve([task.parse_problem("12+34"), task.parse_problem("5+5")], attempts=4)
    assert [len(group) for group in attempts] == [4, 4]
    assert solver.read(["64", "x"])[0].answer == "46" and solver.read(["x"])[0].answer is None
