"""The command line: train, verify, list, and the one-line errors with exit code 2."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import pytest

from selfplay.cli import main
from selfplay.rundir import read_metrics
from selfplay.tasks import ArithmeticTask


def verify(monkeypatch, capsys, lines: list[str], *args: str) -> tuple[int, list[dict], str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code = main(["verify", *args])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def case(problem: str, *answers: str) -> str:
    return json.dumps({"problem": problem, "answers": list(answers)})


# verifier, case, expected rewards, expected label
VERIFY_CASES = [
    # sympy compares by value: 403, 0403 and 403.0 agree; a tagged answer is read from its tags
    ("sympy", case("400+3", "403", "0403", "403.0", "<answer>403</answer>", "404"), [1, 1, 1, 1, 0], "403"),
    # subtraction below zero and products
    ("sympy", case("12-30", "-18", "18"), [1, 0], "-18"),
    ("sympy", case("What is 25 × 4?", "<answer>100</answer>", "\\boxed{100}"), [1, 1], "100"),
    # majority: the value-equal spellings vote together; the unparsable answer gets 0
    ("majority", case("1+1", "3", "3.0", "2", "nonsense"), [1, 1, 0, 0], "3"),
    # majority tie: the first of the tied answers wins
    ("majority", case("1+1", "5", "2", "2", "5"), [1, 0, 0, 1], "5"),
    # majority with nothing parsable: no label, all 0
    ("majority", case("1+1", "x", ""), [0, 0], None),
    # none: everything the same
    ("none", case("1+1", "2", "banana"), [1, 1], None),
]


@pytest.mark.parametrize("verifier, line, rewards, label", VERIFY_CASES)
def test_verify_cases(monkeypatch, capsys, verifier, line, rewards, label):
    code, [result], _ = verify(monkeypatch, capsys, [line], "--task", "arithmetic", "--verifier", verifier)
    assert code == 0
    assert result["status"] == "ok"
    assert result["rewards"] == rewards
    assert result["label"] == label


def test_verify_invalid_problem_and_bad_lines_keep_going(monkeypatch, capsys):
    lines = [case("seven apples", "6"), "not json", json.dumps({"problem": 3}), case("2*3", "6")]
    code, results, err = verify(monkeypatch, capsys, lines, "--verifier", "sympy")
    assert code == 2  # bad input lines make the exit code non-zero ...
    assert [r["status"] for r in results] == ["invalid", "invalid", "invalid", "ok"]  # ... but every line answers
    assert results[3]["rewards"] == [1.0]
    assert err.count("selfplay: error: line") == 2


class RaisingTask(ArithmeticTask):
    """A user's task whose parsers raise on everything."""

    def parse_problem(self, completion):
        raise RecursionError("too deep")

    def extract_answer(self, completion):
        raise ValueError("unreadable")


def test_verify_survives_a_task_whose_parsers_raise(monkeypatch, capsys):
    # as in training, a parser that raises reads nothing: one clean invalid line, no traceback
    code, [result], err = verify(monkeypatch, capsys, [case("1+2", "3")], "--task", "tests.test_cli:RaisingTask")
    assert code == 0 and result["status"] == "invalid" and result["extracted"] == [None]
    assert "Traceback" not in err


def test_verify_task_options_and_verifier_options(monkeypatch, capsys):
    # reversed answers: "81-" is -18 written least significant digit first
    code, [result], _ = verify(monkeypatch, capsys, [case("12-30", "81-", "18")], "--verifier", "sympy",
                               "task.options.answer_format=reversed")
    assert code == 0 and result["rewards"] == [1.0, 0.0]
    code, [result], _ = verify(monkeypatch, capsys, [case("1+1", "5", "2", "2", "5")], "--verifier", "majority",
                               "verifier.options.ties=no_label")
    assert result["label"] is None and result["rewards"] == [0, 0, 0, 0]


@pytest.mark.parametrize("args, message", [
    (["verify", "--verifier", "oracle"], "unknown verifier 'oracle'; valid: code, majority, none, sympy"),
    (["verify", "--task", "chess"], "unknown task 'chess'; valid: algebra, arithmetic, coding"),
    (["verify", "task.options.colour=red"], "unknown config key 'task.options.colour'"),
    (["verify", "nonsense"], "verify takes task.options.KEY=VALUE"),
])
def test_verify_errors_are_one_line_exit_2(monkeypatch, capsys, args, message):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


# A user's verifiers, written into the current folder as the README shows them: each breaks the contract its way.
USER_VERIFIERS = """
import time
from selfplay.types import Verdict
from verifiers import Verifier

print("imported")  # on import, before any JSON line


class Strings(Verifier):
    name = "strings"

    def judge(self, task, problem, answers):
        return Verdict(["1.0"] * len(answers), label="x")


class NotFinite(Verifier):
    name = "not_finite"

    def judge(self, task, problem, answers):
        return Verdict([float("nan"), float("inf")][:len(answers)], label="x")


class Chatty(Verifier):
    name = "chatty"

    def judge(self, task, problem, answers):
        print("judging", answers)  # a debugging print left in
        return Verdict([True] * len(answers), label="x", diagnostics={"share": float("nan"), "seen": {1},
                                                                      "inf": float("-inf")})


class Sleepy(Verifier):
    name = "sleepy"

    def judge(self, task, problem, answers):
        time.sleep(5)
        return Verdict([1.0] * len(answers), label="x")
"""


@pytest.fixture
def user_module(tmp_path, monkeypatch, request):
    """The name of a module of USER_VERIFIERS in the current folder (tmp_path), which is not on sys.path: the
    `selfplay` command's own import path starts at its script's folder."""
    name = f"my_verifiers_{request.node.name.split('[')[0]}"
    (tmp_path / f"{name}.py").write_text(USER_VERIFIERS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", ".", str(tmp_path))])
    yield name
    sys.modules.pop(name, None)


def test_verify_finds_a_verifier_module_in_the_current_folder(monkeypatch, capsys, user_module):
    # as the README has it: selfplay verify --verifier my_verifiers:CloseEnough, run where my_verifiers.py is
    code, [result], _ = verify(monkeypatch, capsys, [case("1+1", "2", "3")], "--verifier", f"{user_module}:Chatty")
    assert code == 0 and result["rewards"] == [1.0, 1.0]


@pytest.mark.parametrize("verifier, error", [
    # strings as rewards, NaN and infinity: the group is invalid, with the reason
    ("Strings", "reward 0 is '1.0' (str): rewards must be finite numbers or None"),
    ("NotFinite", "reward 0 is nan: rewards must be finite numbers or None"),
])
def test_verify_reports_rewards_that_break_the_contract_as_invalid(monkeypatch, capsys, user_module, verifier,
                                                                    error):
    code, [result], _ = verify(monkeypatch, capsys, [case("1+1", "2", "3")], "--verifier",
                               f"{user_module}:{verifier}")
    assert code == 0 and result["status"] == "invalid" and result["rewards"] == [None, None]
    assert result["diagnostics"]["error"] == f"ValueError: {error}"


def test_verify_keeps_a_verifiers_prints_out_of_stdout_and_writes_strict_json(monkeypatch, capsys, user_module):
    monkeypatch.setattr("sys.stdin", io.StringIO(case("1+1", "2") + "\n"))
    assert main(["verify", "--verifier", f"{user_module}:Chatty"]) == 0
    captured = capsys.readouterr()
    [line] = captured.out.splitlines()  # the JSON line only: "imported" and "judging" went to stderr
    result = json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    assert result["diagnostics"] == {"share": None, "seen": "{1}", "inf": None}
    assert "imported" in captured.err and "judging ['2']" in captured.err


def test_verify_time_limit_gives_a_timeout_line_and_goes_on(monkeypatch, capsys, user_module):
    started = time.monotonic()
    code, results, _ = verify(monkeypatch, capsys, [case("1+1", "2"), case("2+2", "4")], "--verifier",
                              f"{user_module}:Sleepy", "verifier.time_limit_seconds=0.2")
    assert time.monotonic() - started < 4.0  # not 2 x 5 s
    assert code == 0 and [r["status"] for r in results] == ["timeout", "timeout"]
    assert "no verdict within 0.2 s" in results[0]["diagnostics"]["reason"]


def test_verify_answers_every_line_whatever_it_holds(monkeypatch, capsys):
    lines = [
        "[" * 100_000,  # nested past the JSON reader's recursion limit
        json.dumps({"problem": "1+1", "answers": ["2"], "n": 1}).replace("1}", "1" * 5000 + "}"),  # a huge integer
        case("1+1", "2"),
    ]
    code, results, err = verify(monkeypatch, capsys, lines, "--verifier", "sympy")
    assert code == 2 and len(results) == 3 and "Traceback" not in err
    assert results[0]["error"] == "not JSON this reader can take: nested too deeply"
    assert results[1]["error"].startswith("not JSON this reader can take")
    assert results[2]["rewards"] == [1.0]


def test_verify_answers_a_line_that_is_not_utf8_and_goes_on(monkeypatch, capsys):
    class Stdin(io.StringIO):  # a real stdin: bytes underneath
        buffer = io.BytesIO(b"\xff\xfe\n" + case("2+2", "4").encode() + b"\n")

    monkeypatch.setattr("sys.stdin", Stdin())
    assert main(["verify", "--verifier", "sympy"]) == 2
    captured = capsys.readouterr()
    first, second = (json.loads(line) for line in captured.out.splitlines())
    assert first["error"] == "not UTF-8 text" and second["rewards"] == [1.0]
    assert captured.err.count("selfplay: error: line 1: not UTF-8 text") == 1


@pytest.mark.parametrize("override, message", [
    ("schedule.stepz=3", "unknown config key 'schedule.stepz'"),
    ("schedule.steps=many", "config key 'schedule.steps' has the wrong type"),
    ("solver.learning_rat=0.1", "unknown key solver.learning_rat"),
    ("verifier.name=oracle", "unknown verifier 'oracle'"),
])
def test_train_bad_config_writes_nothing(tmp_path, capsys, override, message):
    output = tmp_path / "run"
    assert main(["train", override, f"run.output_dir={output}"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not output.exists()


def test_train_missing_config_file(tmp_path, capsys):
    assert main(["train", str(tmp_path / "missing.yaml")]) == 2
    assert "config file not found" in capsys.readouterr().err


def test_train_refuses_non_empty_run_directory(tmp_path, capsys):
    output = tmp_path / "run"
    output.mkdir()
    (output / "precious.txt").write_text("keep me")
    assert main(["train", f"run.output_dir={output}"]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert (output / "precious.txt").read_text() == "keep me"
    assert sorted(p.name for p in output.iterdir()) == ["precious.txt"]


def test_a_start_that_fails_late_leaves_no_run_folder_behind(tmp_path, monkeypatch):
    def no_model(*args, **kwargs):
        raise RuntimeError("the model would not load")

    monkeypatch.setattr("selfplay.loop.load_agents", no_model)  # after config.yaml and problems/ are written
    output = tmp_path / "run"
    with pytest.raises(RuntimeError, match="would not load"):
        main(["train", f"run.output_dir={output}", "--no-progress"])
    assert not output.exists()  # so the corrected command is accepted
    output.mkdir()  # a folder that was there before, empty, is left there, empty
    with pytest.raises(RuntimeError, match="would not load"):
        main(["train", f"run.output_dir={output}", "--no-progress"])
    assert output.is_dir() and not any(output.iterdir())


def test_train_runs_and_prints_a_summary(tiny_overrides, capsys):
    assert main(["train", *tiny_overrides, "schedule.steps=2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "selfplay finished: 2 steps" in out and "held-out accuracy" in out and "curriculum" in out
    output = next(o.split("=", 1)[1] for o in tiny_overrides if o.startswith("run.output_dir="))
    assert [m["step"] for m in read_metrics(output)] == [0, 1, 2]


def test_list_names_every_builtin(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("arithmetic", "algebra", "coding", "majority", "sympy", "none", "code", "sqlm_band", "uncertainty",
                 "learnability"):
        assert f"  {name} " in out


def test_eval_a_run_checkpoint_with_the_runs_config(tiny_overrides, capsys, tmp_path):
    assert main(["train", *tiny_overrides, "schedule.steps=1", "--no-progress"]) == 0
    output = next(o.split("=", 1)[1] for o in tiny_overrides if o.startswith("run.output_dir="))
    checkpoint = f"{output}/checkpoints/step-000001/model"
    capsys.readouterr()
    code = main(["eval", checkpoint, "--k", "2", "--output", str(tmp_path / "eval.json"),
                 "evaluation.max_difficulty=4", f"evaluation.cache_dir={tmp_path / 'eval_sets'}"])
    assert code == 0
    result = json.loads((tmp_path / "eval.json").read_text())
    assert set(result["accuracy"]) == set(result["maj@2"]) == set(result["pass@2"]) == {"1d", "2d", "3d", "4d"}
    # the run warm-started on 1-3 digits: those buckets are in-distribution, 4d is not
    assert result["distribution"] == {"1d": "in", "2d": "in", "3d": "in", "4d": "out"}
    assert all(result["pass@2"][b] >= result["maj@2"][b] - 1e-9 for b in result["count"])
    assert "greedy" in capsys.readouterr().out


def test_eval_without_a_model_is_a_one_line_error(tmp_path, capsys):
    assert main(["eval", str(tmp_path)]) == 2
    assert "no model in" in capsys.readouterr().err


def test_eval_outside_a_run_directory_needs_a_config(tmp_path, capsys):
    # no silent tiny defaults: a model folder of its own says which task and prompts it is evaluated with
    from agents import LanguageModel, TinyModelConfig

    LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2)).save(tmp_path / "model")
    assert main(["eval", str(tmp_path / "model"), "--k", "0"]) == 2
    assert "--config" in capsys.readouterr().err
    code = main(["eval", str(tmp_path / "model"), "--config", "configs/default.yaml", "--k", "0",
                 "evaluation.max_difficulty=1", "evaluation.per_bucket=5", f"evaluation.cache_dir={tmp_path / 'sets'}"])
    assert code == 0
    result = json.loads((tmp_path / "model" / "eval.json").read_text())
    assert result["count"] == {"1d": 5} and result["config"] == "configs/default.yaml"


def test_eval_takes_a_hub_id(tmp_path, capsys, monkeypatch):
    # offline, the hub id reaches the loader, which says it cannot load it (no run directory, no folder needed)
    monkeypatch.chdir(tmp_path)
    config = Path(__file__).parents[1] / "configs" / "sqlm_qwen2.5-3b_arithmetic.yaml"
    assert main(["eval", "Qwen/Qwen2.5-3B-Instruct", "--config", str(config)]) == 2
    assert "cannot load model 'Qwen/Qwen2.5-3B-Instruct'" in capsys.readouterr().err
