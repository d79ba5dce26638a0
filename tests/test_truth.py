"""A problem's ground truth (selfplay/truth.py, `Task.truth`): computed by sympy once, else the task's reference
answer, else None; remembered, so that nothing computes it twice; and loud where training needs it."""

from __future__ import annotations

import random
import subprocess
import sys
import types
from collections import OrderedDict
from pathlib import Path

import pytest
import sympy

from selfplay import truth
from selfplay.config import WarmStartConfig
from selfplay.errors import ConfigError
from selfplay.tasks import AlgebraTask, ArithmeticTask, CodingTask
from selfplay.tasks.base import Task
from selfplay.truth import TruthLimits
from selfplay.types import Attempt, Judged, Problem, Verdict
from verifiers import SympyVerifier

ROOT = Path(__file__).resolve().parents[1]
ARITHMETIC, ALGEBRA, CODING = ArithmeticTask(), AlgebraTask(), CodingTask()


@pytest.fixture
def fresh_truths(monkeypatch):
    """Empty truth caches, so that what a test counts is computed in the test."""
    monkeypatch.setattr(truth, "_TRUTHS", OrderedDict())
    monkeypatch.setattr(truth, "_BY_TEXT", OrderedDict())


def counting(monkeypatch, name: str) -> list:
    """Count the calls of `selfplay.truth.<name>`, which still does its work."""
    calls, real = [], getattr(truth, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(truth, name, counted)
    return calls


@pytest.mark.parametrize("task, text, expected", [
    # arithmetic: the expression's value, exactly (a fraction where it is one)
    (ARITHMETIC, "400+3", "403"),
    (ARITHMETIC, "123*456", "56088"),
    (ARITHMETIC, "7-10", "-3"),
    (ArithmeticTask(ops="+-*/"), "7/2", "7/2"),
    # algebra: the equations solved for their unknowns, in name order
    (ALGEBRA, "7x + 3 = 17", "x=2"),
    (ALGEBRA, "x + y = 5, x - y = 1", "x=3, y=2"),
])
def test_the_truth_is_what_sympy_computes(task, text, expected):
    problem = task.parse_problem(text)
    assert task.truth(problem) == expected
    assert truth.find(task, problem) == ("ok", expected, "")
    assert task.truths([problem, problem]) == [expected, expected]


def test_a_batch_gives_the_truths_one_by_one_gives():
    rng = random.Random(3)
    problems = [ALGEBRA.sample_problem(rng, 1 + index % 4) for index in range(8)]
    assert ALGEBRA.truths(problems) == [ALGEBRA.truth(problem) for problem in problems]
    assert None not in ALGEBRA.truths(problems)


@pytest.mark.parametrize("reference, expected", [
    # a coding problem has no formal statement: its truth is the reference program where it has one
    ("print(int(input()) * 2)", "print(int(input()) * 2)"),
    # a proposer's problem has none: no truth
    (None, None),
])
def test_a_coding_problem_gives_its_reference_answer_or_none(reference, expected):
    problem = CODING.make_problem("Double the number.", [["2", "4"]], reference=reference)
    assert CODING.truth(problem) == expected and CODING.truths([problem]) == [expected]
    assert truth.find(CODING, problem) == ("invalid", None, "no formal ground truth for this problem")


def test_a_truth_is_computed_once_and_shared_with_the_verifier(fresh_truths, monkeypatch):
    cheap = counting(monkeypatch, "cheap_truth")
    problem = ARITHMETIC.parse_problem("12*34")
    assert ARITHMETIC.truth(problem) == "408" and len(cheap) == 1
    assert ARITHMETIC.truth(problem) == "408" and ARITHMETIC.truths([problem]) == ["408"]
    # the verifier with the default options reads the same truth
    assert SympyVerifier().judge(ARITHMETIC, problem, ["408", "407"]).rewards == [1.0, 0.0]
    assert truth.find(ARITHMETIC, ARITHMETIC.parse_problem("12*34")) == ("ok", "408", "")  # the same text again
    # another task object stating the same finds it by its statement
    assert ArithmeticTask(max_digits=3).truth(problem) == "408"
    assert len(cheap) == 1


def test_truths_that_need_the_worker_are_computed_once(fresh_truths, monkeypatch):
    worker = counting(monkeypatch, "call_with_deadline")
    problems = [ALGEBRA.parse_problem(text) for text in ("3x + 1 = 10", "5x - 5 = 0", "2x = -8")]
    assert ALGEBRA.truths(problems) == ["x=3", "x=1", "x=-4"]
    assert [call[0] for call in worker] == [truth.compute_truth] * 3
    assert ALGEBRA.truths(problems) == [ALGEBRA.truth(problem) for problem in problems] == ["x=3", "x=1", "x=-4"]
    assert [verdict.label for verdict in SympyVerifier().judge_batch(ALGEBRA, [(p, []) for p in problems])] == [
        "x=3", "x=1", "x=-4"]
    assert len(worker) == 3


class SlowTask(ArithmeticTask):
    """Arithmetic whose formal statement takes a minute to compute: 3 to the power 10^8 + 17."""

    def formal(self, problem):
        return sympy.Pow(3, 10**8 + 17, evaluate=False)


def test_a_truth_past_the_deadline_is_none_and_its_outcome_a_timeout():
    task, problem = SlowTask(), ARITHMETIC.parse_problem("1+2")
    assert task.truth(problem) is None  # after the default deadline of 1 s, never an exception
    status, label, reason = truth.find(task, problem)  # remembered: at once
    assert (status, label, reason) == ("timeout", None, "computing the truth took over 1 s")


def test_the_limits_are_the_verifiers_options():
    assert SympyVerifier().limits() == TruthLimits() == TruthLimits(1.0, 1024, 200, 100, 2)
    assert SympyVerifier(timeout_seconds=3.0, workers=4).limits() == TruthLimits(timeout_seconds=3.0, workers=4)
    with pytest.raises(ValueError, match="memory_mb must be at least 256"):
        TruthLimits(memory_mb=100)


def test_the_truth_module_imports_no_task():
    # the tasks import selfplay.truth (Task.truth): were it to import them back, that would be a cycle
    code = "import sys, selfplay.truth; print(any(name.startswith('selfplay.tasks') for name in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------------------------
# where training needs a truth, a missing one is a ConfigError


class NoTruthTask(Task):
    """A task that can neither state its problems formally nor give a reference answer."""

    name = "no_truth"

    def proposer_prompt(self):
        return "Q:"

    def parse_problem(self, completion):
        return Problem(completion.strip()) if completion.strip() else None

    def solver_prompt(self, problem):
        return f"{problem.text}="

    def extract_answer(self, completion):
        return completion.strip() or None

    def answer_key(self, answer):
        return answer

    def sample_problem(self, rng, difficulty):
        return Problem(f"riddle {rng.randint(1, 99)}")


def test_a_task_without_truths_gives_none():
    problem = NoTruthTask().sample_problem(random.Random(0), 1)
    assert NoTruthTask().truth(problem) is None and NoTruthTask().truths([problem]) == [None]


def test_the_warm_start_will_not_teach_a_problem_without_a_truth():
    from agents import LanguageModel
    from selfplay.warmstart import warm_start_examples

    model = LanguageModel.load("builtin:tiny")
    config = WarmStartConfig(min_difficulty=1, max_difficulty=1)
    with pytest.raises(ConfigError, match=r"the warm start needs the truth of every problem it teaches, and task "
                                          r"'no_truth' has none for 'riddle \d+'"):
        warm_start_examples(NoTruthTask(), model, config, ("proposer", "solver"), count=8, seed=0)
    # teaching the proposer alone needs no truth
    assert len(warm_start_examples(NoTruthTask(), model, config, ("proposer",), count=4, seed=0)) == 4


@pytest.mark.parametrize("method", ["sft", "rationalize"])
def test_methods_that_train_on_true_answers_will_not_train_without_one(method):
    from selfplay.methods import fine_tuning_examples

    task = NoTruthTask()
    judged = [Judged(Problem("riddle 7"), [Attempt("7", "7")], Verdict([None], label=None, status="invalid"))]
    config = types.SimpleNamespace(method=types.SimpleNamespace(accept_reward=1.0))
    message = f"method '{method}' needs the truth of every problem, and task 'no_truth' has none for 'riddle 7'"
    with pytest.raises(ConfigError, match=message):
        fine_tuning_examples(method, judged, task, None, config, 1, {"sampled_answers": 0}, random.Random(0))


def test_only_the_verifiers_build_a_sympy_verifier():
    # everything else asks the task for a truth (Task.truth), and so shares the one computed
    sources = [path for folder in ("selfplay", "agents", "verifiers") for path in (ROOT / folder).rglob("*.py")]
    building = {str(path.relative_to(ROOT)) for path in sources if "SympyVerifier(" in path.read_text()}
    assert building and all(path.startswith("verifiers/") for path in building), building
