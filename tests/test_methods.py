"""The methods self-play is compared with: what each one trains on, a few real steps of each, and the experiment
command that runs them side by side."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM

from selfplay.cli import main
from selfplay.components import make_task
from selfplay.config import METHODS, TaskConfig, load_config
from selfplay.errors import ConfigError
from selfplay.loop import train
from selfplay.methods import fine_tuning_examples, problem_set
from selfplay.rundir import RunDir, load_problems, read_metrics
from selfplay.types import Attempt, Judged, Verdict
from tests.conftest import adam_moves, learning_signals

ARITHMETIC = make_task(TaskConfig())  # the embedded default's task: reversed answers, prompt "{problem}="


def judged(text: str, answers: list[str], rewards: list[float | None]) -> Judged:
    problem = ARITHMETIC.parse_problem(text)
    return Judged(problem, [Attempt(a, ARITHMETIC.extract_answer(a)) for a in answers], Verdict(rewards, None),
                  ARITHMETIC.truth(problem))


# 12+34 = 46, written reversed as "64"; 5+5 = 10, written "01".
STEP = [judged("12+34", ["64", "65", "64", "x"], [1.0, 0.0, 1.0, None]),
        judged("5+5", ["01", "01", "11", "02"], [1.0, 1.0, 0.0, 0.0])]


class FakeSolver:
    """A solver that answers hinted prompts with fixed texts, to test what rationalize keeps."""

    def __init__(self, texts: list[list[str]]):
        self.texts, self.prompts = texts, []

    def sample(self, prompts, samples, temperature=None):
        assert temperature is None  # the teacher samples as the solver does
        self.prompts.extend(prompts)
        return [group[:samples] for group in self.texts[: len(prompts)]]

    def read(self, completions):
        return [Attempt(c, ARITHMETIC.extract_answer(c)) for c in completions]


def test_the_methods_that_teach_the_truth_refuse_a_problem_without_one():
    from selfplay.errors import ConfigError
    from selfplay.methods import fine_tuning_examples

    untrue = Judged(ARITHMETIC.parse_problem("12+34"), [Attempt("64", "46")], Verdict([1.0], None), truth=None)
    config = load_config(None, ["method.name=sft"])
    for method in ("sft", "rationalize"):
        with pytest.raises(ConfigError, match=f"method '{method}' needs the truth of every problem"):
            fine_tuning_examples(method, [untrue], ARITHMETIC, None, config, 1, {"sampled_answers": 0}, random.Random(0))
    assert fine_tuning_examples("self_distill", [untrue], ARITHMETIC, None, config, 1, {}, random.Random(0)) == [("12+34=", "64")]


@pytest.mark.parametrize(("method", "expected"), [
    ("self_distill", [("12+34=", "64"), ("12+34=", "65"), ("12+34=", "64"), ("12+34=", "x"),
                      ("5+5=", "01"), ("5+5=", "01"), ("5+5=", "11"), ("5+5=", "02")]),
    ("filtered", [("12+34=", "64"), ("12+34=", "64"), ("5+5=", "01"), ("5+5=", "01")]),  # reward 1 only
    ("sft", [("12+34=", "64"), ("5+5=", "01")]),  # the true answers, as the solver writes them
])
def test_what_each_fine_tuning_method_learns_from(method, expected):
    config = load_config()
    budget = {"sampled_answers": 0}
    assert fine_tuning_examples(method, STEP, ARITHMETIC, FakeSolver([]), config, 4, budget, random.Random(0)) == expected
    assert budget["sampled_answers"] == 0  # only rationalize samples more


def test_filtered_keeps_what_the_verifier_accepts_not_what_is_true():
    # A verifier that accepted a wrong answer (a majority vote gone wrong) has it trained on: that is the point.
    wrong_but_accepted = [judged("2+2", ["5", "4"], [1.0, 0.0])]
    examples = fine_tuning_examples("filtered", wrong_but_accepted, ARITHMETIC, FakeSolver([]), load_config(), 2, {},
                                    random.Random(0))
    assert examples == [("2+2=", "5")]


def test_rationalize_shows_the_hint_and_trains_without_it_on_right_answers_only():
    config = load_config(None, ["method.hint_template={answer}|{prompt}"])
    teacher = FakeSolver([["64", "63", "64x", "9"], ["01", "00", "01", "1"]])
    budget = {"sampled_answers": 0}
    examples = fine_tuning_examples("rationalize", STEP, ARITHMETIC, teacher, config, 4, budget, random.Random(0))
    assert teacher.prompts == ["64|12+34=", "01|5+5="]  # the teacher saw the true answer
    # "64x" reads as 64 (the leading number), "9" and "1" are wrong; the student's prompts carry no hint.
    assert examples == [("12+34=", "64"), ("12+34=", "64x"), ("5+5=", "01"), ("5+5=", "01")]
    assert budget["sampled_answers"] == 8


def test_the_problem_set_is_fixed_distinct_and_spread_over_the_range():
    config = load_config(None, ["method.problems=300", "method.min_difficulty=2", "method.max_difficulty=3"])
    first, second = problem_set(ARITHMETIC, config), problem_set(ARITHMETIC, config)
    assert [p.text for p in first] == [p.text for p in second]
    assert len({p.text for p in first}) == 300
    levels = [ARITHMETIC.difficulty(p) for p in first]
    assert set(levels) == {2, 3} and abs(levels.count(2) - levels.count(3)) <= 1


def weights(folder: Path) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in AutoModelForCausalLM.from_pretrained(folder).state_dict().items()}


@pytest.mark.parametrize("method", [m for m in METHODS if m != "selfplay"])
def test_each_method_trains_the_solver_and_records_everything(method, tiny_overrides):
    config = load_config(None, [*tiny_overrides, f"method.name={method}", "model.shared=false",
                                "method.min_difficulty=1", "method.max_difficulty=2", "run.save_every=2",
                                "method.hint_template={answer}|{prompt}", "verifier.name=sympy"])
    run_dir = RunDir.create(config.run.output_dir)
    summary = train(config, run_dir, progress=False)

    assert summary["method"] == method
    steps = [m for m in read_metrics(run_dir.path) if m["step"] > 0]
    assert [m["step"] for m in steps] == [1, 2, 3, 4]
    for line in steps:  # every instrument, every step, for every method
        assert {"instruments/response_chars", "instruments/format_entropy", "instruments/unique_answers",
                "solver/accuracy", "verifier/precision"} <= set(line)
    problems = load_problems(run_dir.path)
    assert problems.num_rows == 4 * 4 and set(problems["role"]) == {"solver"}  # 4 problems per step, 4 steps
    assert all(len(answers) == 4 for answers in problems["answers"])
    # Only the solver exists, and it learned between the checkpoints whenever it had something to learn from.
    assert not (run_dir.checkpoint_dir(4) / "proposer").exists()
    before, after = weights(run_dir.checkpoint_dir(2) / "solver"), weights(run_dir.checkpoint_dir(4) / "solver")
    budget = summary["budget"]
    assert budget["sampled_answers"] == 4 * 16 * (2 if method == "rationalize" else 1)
    kept = [m.get("method/kept_examples", 16.0) for m in steps]
    assert budget["trained_examples"] == sum(kept)
    assert budget["optimizer_steps"] == sum(k > 0 for k in kept)
    if method not in ("filtered", "rationalize"):  # these two take no step when they keep nothing
        assert budget["optimizer_steps"] == 4
    changed = any(not torch.equal(before[name], after[name]) for name in before)
    if method == "rlvr":  # GRPO: from the first step whose group rewards differ, AdamW moves them at every step
        moves = adam_moves(learning_signals(run_dir.path, "solver", 4))
        assert changed == (moves[2] or moves[3])
    else:
        assert changed == bool(kept[2] or kept[3])
    assert set(summary["evaluation"]["end"]["accuracy"]) == {"1d", "2d", "3d"}


def test_fine_tuning_on_the_labels_learns_them(tiny_overrides):
    # The upper reference must actually learn: 50 steps of fine-tuning on the true answers of 4 fixed problems at
    # a high rate, from a fresh model (no warm start: none of its answers is right at first, whatever the seed),
    # and the solver's own sampled answers to them go from under 30% right to over half right. Measured over 5 seeds,
    # natively and with ATEN_CPU_CAPABILITY=default: 0% over the first 5 steps, 93 to 99% over the last 5, the
    # loss down from about 3.8 to 0.015. (From the warm start, where 2-digit sums stand depends on the CPU.)
    config = load_config(None, [*tiny_overrides, "method.name=sft", "schedule.steps=50", "method.problems=4",
                                "method.min_difficulty=2", "method.max_difficulty=2", "method.sft.learning_rate=3e-3",
                                "model.warm_start.steps=0", "evaluation.every=0", "evaluation.per_bucket=5"])
    run_dir = RunDir.create(config.run.output_dir)
    train(config, run_dir, progress=False)
    steps = [m for m in read_metrics(run_dir.path) if m["step"] > 0]
    first, last = steps[:5], steps[-5:]
    assert sum(m["solver/accuracy"] for m in first) / 5 < 0.3
    assert sum(m["solver/accuracy"] for m in last) / 5 > 0.5
    assert sum(m["solver/trl/loss"] for m in last) < sum(m["solver/trl/loss"] for m in first) / 2


def test_the_experiment_runs_each_method_then_compares_them(tiny_overrides, tmp_path, capsys):
    output = tmp_path / "experiment"
    overrides = [o for o in tiny_overrides if not o.startswith("run.output_dir")]
    args = ["experiment", *overrides, "schedule.steps=2", "experiment.seeds=[3, 4]", "model.warm_start.steps=0",
            f"run.output_dir={output}", "--no-progress"]
    # sft on both seeds here, then rlvr on both, two processes at a time, next to them
    assert main([*args, "experiment.methods=[sft]"]) == 0
    capsys.readouterr()
    assert main([*args, "experiment.methods=[rlvr, sft]", "--jobs", "2"]) == 0
    table = capsys.readouterr().out
    # each method once per seed, then one group per method: the median and range over its seeds
    assert "| rlvr | 2 |" in table and "| sft | 2 |" in table and "| rlvr/seed-3 | rlvr |" in table
    assert (output / "comparison" / "compare.csv").is_file() and (output / "comparison" / "groups.csv").is_file()
    for method in ("rlvr", "sft"):
        for seed in (3, 4):
            folder = output / method / f"seed-{seed}"
            assert json.loads((folder / "summary.json").read_text())["method"] == method
            assert load_config(folder / "config.yaml").run.seed == seed
    assert "rlvr finished" in (output / "logs" / "rlvr-seed-4.log").read_text()  # what its process printed
    # Run again: all finished, nothing is retrained, the comparison is rewritten.
    before = (output / "rlvr" / "seed-3" / "summary.json").stat().st_mtime
    assert main([*args, "experiment.methods=[rlvr, sft]"]) == 0
    assert (output / "rlvr" / "seed-3" / "summary.json").stat().st_mtime == before


def test_a_run_that_fails_in_its_process_is_named_with_its_log(tiny_overrides, tmp_path, capsys, monkeypatch):
    import subprocess

    import selfplay.experiment

    commands = []

    def fails(command, stdout, **_):  # a run's process, failing as `selfplay train` does on a bad folder
        commands.append(command)
        stdout.write("selfplay: error: run directory ... already exists and is not empty\n")
        return subprocess.CompletedProcess(command, 2)

    monkeypatch.setattr(selfplay.experiment.subprocess, "run", fails)
    output = tmp_path / "experiment"
    overrides = [o for o in tiny_overrides if not o.startswith("run.output_dir")]
    args = ["experiment", *overrides, "experiment.methods=[sft, rlvr]", f"run.output_dir={output}", "--jobs", "2"]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert "2 of 2 runs failed" in error and str(output / "logs" / "sft.log") in error
    assert "already exists and is not empty" in (output / "logs" / "rlvr.log").read_text()
    assert sorted(command[-1] for command in commands) == \
        [f"run.output_dir={output / 'rlvr'}", f"run.output_dir={output / 'sft'}"]
    assert all(command[1:5] == ["-m", "selfplay.cli", "train", "--no-progress"] for command in commands)


@pytest.mark.parametrize(("override", "message"), [
    ("method.name=distill", "method.name"),
    ("experiment.methods=[sft, magic]", "experiment.methods"),
    ("method.hint_template=no placeholders", "hint_template"),
    ("method.sft.learning_rat=0.1", "method.sft.learning_rat"),
    ("method.problems=0", "method needs"),
    ("model.warm_start.hint_share=2", "hint_share"),
])
def test_bad_method_settings_are_one_line_errors(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, [override])
