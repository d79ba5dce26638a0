"""Every shipped config loads and validates; configs/default.yaml is the embedded default, written out."""

from __future__ import annotations

from pathlib import Path

import pytest

from selfplay.config import load_config

CONFIGS = sorted((Path(__file__).parents[1] / "configs").glob("*.yaml"))


def test_configs_are_shipped():
    assert {p.name for p in CONFIGS} >= {"default.yaml", "arithmetic_majority.yaml", "arithmetic_none.yaml"}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_config_loads(path):
    load_config(path)


def test_default_yaml_is_the_embedded_default():
    assert load_config(CONFIGS[[p.name for p in CONFIGS].index("default.yaml")]).to_dict() == load_config().to_dict()


@pytest.mark.parametrize("name, verifier", [("arithmetic_majority.yaml", "majority"), ("arithmetic_none.yaml", "none")])
def test_verifier_configs_change_only_the_verifier(name, verifier):
    config = load_config(next(p for p in CONFIGS if p.name == name)).to_dict()
    default = load_config().to_dict()
    assert config["verifier"]["name"] == verifier
    config.pop("verifier"), default.pop("verifier")
    assert config == default


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_dry_run_checks_every_shipped_config_and_writes_nothing(path, tmp_path, capsys):
    from selfplay.cli import main

    output, eval_cache = tmp_path / "run", tmp_path / "eval"
    assert main(["train", str(path), "--dry-run", f"run.output_dir={output}",
                 f"evaluation.cache_dir={eval_cache}"]) == 0
    out = capsys.readouterr().out
    assert "nothing was written" in out and '"prompts_per_phase"' in out
    assert not output.exists() and not eval_cache.exists()


def test_dry_run_refuses_a_model_folder_without_a_model(tmp_path, capsys):
    from selfplay.cli import main

    assert main(["train", "--dry-run", f"model.name_or_path={tmp_path}"]) == 2
    assert "has no config.json" in capsys.readouterr().err


def test_sqlm_config_follows_the_paper():
    # SQLM Table 4: lr 1e-6 constant, group 4, KL 0.001, clip 0.2, proposer every 5 steps, max response 1024
    config = load_config(next(p for p in CONFIGS if p.name == "sqlm_qwen2.5-3b_arithmetic.yaml"))
    for role in ("proposer", "solver"):
        args = config.grpo_config(role, "unused")
        assert (args.learning_rate, args.num_generations, args.beta, args.epsilon) == (1e-6, 4, 0.001, 0.2)
        assert args.max_completion_length == 1024 and args.lr_scheduler_type == "constant"
    assert config.schedule.proposer_every == 5 and config.verifier.name == "majority"
    assert config.model.name_or_path == "Qwen/Qwen2.5-3B-Instruct" and config.model.shared


# A ChatML template, as Qwen2.5's tokenizer has (the hub's tokenizers are not reachable offline).
CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_each_config_sends_the_prompts_it_means(path):
    """What the proposer and the solver are shown, as the model's tokenizer renders it: a tiny model its bare
    character prompts, an instruction model the task's instructions (SQLM Table 6 style) in its chat template."""
    import random

    from agents import LanguageModel, TinyModelConfig
    from selfplay.components import make_task

    config = load_config(path)
    task = make_task(config.task)
    problem = task.sample_problem(random.Random(0), config.evaluation.min_difficulty)
    proposer, solver = task.proposer_prompt(), task.solver_prompt(problem)
    statement = problem.features.get("statement", problem.text)
    if config.model.name_or_path == "builtin:tiny":
        # no instructions a 2-layer character model could not read: a marker, then the problem and a separator
        # (configs/climb.yaml, reasoning.yaml: each operand least significant digit first, with the padding)
        width = config.task.options.get("pad_operands", 0)
        backwards = "+".join(operand.zfill(width)[::-1] for operand in statement.split("+"))
        assert proposer == "P:" and solver in (f"{statement}=", f"{statement}|", f"{backwards}=")
        return
    assert config.model.chat_template in ("auto", "on")
    model = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))
    model.tokenizer.chat_template = CHATML
    model = LanguageModel(model.model, model.tokenizer, use_chat_template=True)
    for prompt in (proposer, solver):
        assert model.render(prompt) == f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"
    assert len(proposer) > 100 and "do not solve" in proposer.lower()  # a topic prompt in words, SQLM's kind
    assert "<answer>" in solver and "</answer>" in solver and solver.rstrip().endswith(statement)
