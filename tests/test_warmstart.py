"""The warm start: supervised examples from the task, trained once, then loaded from the cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents import LanguageModel
from selfplay.config import WarmStartConfig
from selfplay.rundir import read_metrics
from selfplay.tasks import ArithmeticTask
from selfplay.warmstart import warm_start_examples
from tests.test_loop import run

TASK = ArithmeticTask(ops="+", max_digits=6, answer_format="reversed", topic_prompt="P:", solver_template="{problem}=")


def test_examples_cover_both_roles_with_true_answers():
    model = LanguageModel.load("builtin:tiny")
    config = WarmStartConfig(min_difficulty=1, max_difficulty=2, proposer_max_difficulty=4)
    examples = warm_start_examples(TASK, model, config, ("proposer", "solver"), count=400, seed=0)
    proposer = [r for r in examples if r["prompt"] == "P:"]
    solver = [r for r in examples if r["prompt"] != "P:"]
    assert len(proposer) == 100 and len(solver) == 300  # proposer_share 0.25: writing a problem is the easy part
    assert max(TASK.parse_problem(r["completion"]).features["digits"] for r in proposer) == 4
    for row in solver:
        problem = TASK.parse_problem(row["prompt"].rstrip("="))
        assert problem.features["digits"] <= 2
        assert int(row["completion"][::-1]) == problem.features["left"] + problem.features["right"]
    assert examples.to_dict() == warm_start_examples(TASK, model, config, ("proposer", "solver"), 400, 0).to_dict()


def test_a_task_that_teaches_columns_is_taught_them_with_slips():
    from tests.test_arithmetic import check_columns

    task = ArithmeticTask(ops="+", answer_format="tagged", teach="columns", slip_share=0.2, pad_operands=3,
                          topic_prompt="P:", solver_template="{problem}=")
    model = LanguageModel.load("builtin:tiny")
    config = WarmStartConfig(min_difficulty=1, max_difficulty=2, proposer_max_difficulty=3)
    examples = warm_start_examples(task, model, config, ("solver",), count=500, seed=0)
    slips = [check_columns(task.parse_problem(row["prompt"].rstrip("=")), row["completion"]) for row in examples]
    assert 0.1 < sum(slips) / len(slips) < 0.3
    assert examples.to_dict() == warm_start_examples(task, model, config, ("solver",), 500, 0).to_dict()


def test_second_run_reuses_the_cached_warm_start(tiny_overrides, tmp_path):
    cache = tmp_path / "fresh_cache"
    first = [o for o in tiny_overrides if "warm_start.cache_dir" not in o and "output_dir" not in o]
    first += [f"model.warm_start.cache_dir={cache}", "schedule.steps=1"]
    _, run_a, summary_a = run([*first, f"run.output_dir={tmp_path / 'a'}"])
    _, run_b, summary_b = run([*first, f"run.output_dir={tmp_path / 'b'}"])
    assert summary_a["warm_start"]["cached"] is False and summary_b["warm_start"]["cached"] is True
    assert summary_a["warm_start"]["cache"] == summary_b["warm_start"]["cache"]
    assert len(list(cache.iterdir())) == 1
    # the same starting weights: the evaluation before the first step is identical
    assert read_metrics(run_a.path)[0] == read_metrics(run_b.path)[0]
    written = json.loads((run_b.path / "summary.json").read_text())
    assert set(written["evaluation"]) == {"start", "end", "history"}
    assert written["evaluation"]["end"]["accuracy"].keys() == written["evaluation"]["start"]["accuracy"].keys()


# ---------------------------------------------------------------------------------------------------------------
# The measured warm start: stages, checks, the target, the average. The stopping rule is tested with scripted check
# results (what training reaches, and when, differs from machine to machine); one real run exercises the real path.


def scripted_checks(monkeypatch, accuracy_at):
    """Replace the check set's measurement with `accuracy_at(step)` -> {bucket: accuracy}; returns the steps at
    which a check was made."""
    from selfplay import warmstart

    steps = []

    def measure(self, step, up_to=None):
        steps.append(step)
        self.history.append({"step": step, "accuracy": accuracy_at(step)})
        return self.history[-1]["accuracy"]

    monkeypatch.setattr(warmstart._Check, "measure", measure)
    return steps


def measured(**settings) -> WarmStartConfig:
    """A warm start of the tiny model small enough for a test: checks every 5 steps, weights averaged."""
    base = dict(steps=40, min_difficulty=1, max_difficulty=2, batch_size=8, check_every=5, check_problems=5,
                average_decay=0.9, curriculum=True, learned_accuracy=0.95, target_accuracy=0.5)
    return WarmStartConfig(**{**base, **settings})


def train_solver(config: WarmStartConfig, tmp_path, seed: int = 0):
    from selfplay.warmstart import warm_start

    config = WarmStartConfig(**{**vars(config), "cache_dir": str(tmp_path / "cache")})
    return warm_start(LanguageModel.load("builtin:tiny"), TASK, config, ("solver",), seed, {"test": 1})


def test_a_curriculum_moves_on_when_a_difficulty_is_learned_and_stops_at_the_target(monkeypatch, tmp_path):
    # difficulty 1 is learned (95%) at step 15; from then on difficulty 2 climbs and reaches 50% at step 30
    checks = scripted_checks(monkeypatch, lambda step: {"1d": 0.96 if step >= 15 else 0.5,
                                                        "2d": 0.55 if step >= 30 else 0.1})
    _, record = train_solver(measured(), tmp_path)
    assert record["stages"] == [{"difficulty": 1, "target": 0.95, "steps": 15, "met": True},
                                {"difficulty": 2, "target": 0.5, "steps": 15, "met": True}]
    assert record["steps_used"] == 30 and record["target_met"] is True
    assert checks == [5, 10, 15, 20, 25, 30]  # every 5 steps, numbered over the whole warm start
    assert record["check"] == {"step": 30, "accuracy": {"1d": 0.96, "2d": 0.55}}


def test_a_warm_start_that_reaches_its_step_limit_short_of_the_target_says_so(monkeypatch, tmp_path, caplog):
    scripted_checks(monkeypatch, lambda step: {"1d": 0.96, "2d": 0.2})  # difficulty 2 never gets there
    _, record = train_solver(measured(), tmp_path)
    assert record["target_met"] is False and record["steps_used"] == 40
    assert record["stages"][0]["met"] is True and record["stages"][1] == {"difficulty": 2, "target": 0.5,
                                                                           "steps": 35, "met": False}
    assert "missed its target: difficulty 2 at 20% after 40 steps (target 50%)" in caplog.text
    # and the line a run prints at its end says it too
    from selfplay.cli import warm_start_line

    assert "WARNING: the warm start missed its target" in warm_start_line({"solver": record})
    assert "difficulty 2 MISSED 50% in 35 steps" in warm_start_line({"solver": record})


def test_a_difficulty_never_learned_leaves_the_later_stages_untaught(monkeypatch, tmp_path):
    scripted_checks(monkeypatch, lambda step: {"1d": 0.5, "2d": 0.0})
    _, record = train_solver(measured(), tmp_path)
    assert [(s["steps"], s["met"]) for s in record["stages"]] == [(40, False), (0, False)]
    assert record["target_met"] is False


def test_without_a_curriculum_both_difficulties_are_taught_together(monkeypatch, tmp_path):
    scripted_checks(monkeypatch, lambda step: {"1d": 0.3, "2d": 0.6 if step >= 20 else 0.0})
    _, record = train_solver(measured(curriculum=False), tmp_path)
    assert record["stages"] == [{"difficulty": 2, "target": 0.5, "steps": 20, "met": True}]


def test_the_record_is_cached_with_the_model(monkeypatch, tmp_path):
    scripted_checks(monkeypatch, lambda step: {"1d": 1.0, "2d": 1.0})
    _, first = train_solver(measured(), tmp_path)
    _, second = train_solver(measured(), tmp_path)
    assert first["cached"] is False and second["cached"] is True
    assert {k: v for k, v in first.items() if k != "cached"} == {k: v for k, v in second.items() if k != "cached"}


def test_the_average_replaces_the_weights_only_when_kept():
    import torch

    from selfplay.warmstart import _Average

    model = torch.nn.Linear(2, 1)
    average = _Average(model, decay=0.5)
    start = model.weight.detach().clone()
    with torch.no_grad():
        model.weight.add_(2.0)
    average.update()  # halfway from the start to where the weights are now
    with average.in_place():
        assert torch.allclose(model.weight, start + 1.0)
    assert torch.allclose(model.weight, start + 2.0)  # back to its own weights after the block
    average.keep()
    assert torch.allclose(model.weight, start + 1.0)


def test_a_real_measured_warm_start_records_every_check(tmp_path):
    # The real trainer, the real checks: what accuracy it reaches in 30 steps is the machine's business; that each
    # check was made on time, on every difficulty taught, and that the record agrees with itself, is not.
    model, record = train_solver(measured(steps=30, target_accuracy=None), tmp_path)
    assert [check["step"] for check in record["checks"]] == [5, 10, 15, 20, 25, 30]
    first_stage = record["stages"][0]["steps"]  # difficulty 1 alone: its checks skip difficulty 2
    assert all(set(check["accuracy"]) == ({"1d"} if check["step"] <= first_stage else {"1d", "2d"})
               for check in record["checks"])
    assert record["steps_used"] == sum(stage["steps"] for stage in record["stages"]) == 30
    assert record["target_met"] is record["stages"][0]["met"]  # the one target: difficulty 1 learned (95%)
    assert (Path(record["cache"]) / "warm_start.json").is_file() and model.model.config._name_or_path


@pytest.mark.parametrize("progress", [True, False])
def test_a_warm_start_shows_its_progress_bar_only_when_asked(tmp_path, capfd, progress):
    from selfplay.warmstart import warm_start

    config = WarmStartConfig(steps=5, batch_size=4, check_every=0, cache_dir=str(tmp_path / "cache"))
    warm_start(LanguageModel.load("builtin:tiny"), TASK, config, ("solver",), 0, {"test": 1}, progress=progress)
    bar = "5/5 [" in capfd.readouterr().err  # tqdm's "5/5 [00:01<00:00, ...]"
    assert bar == progress
