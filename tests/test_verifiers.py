"""Tests for the verifiers (majority, sympy, none), Verdict.solve_rate, and judge_group's handling of broken
verifiers."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import pytest
import sympy

from selfplay.judging import judge_group
from selfplay.tasks import ArithmeticTask
from selfplay.types import Attempt, Problem, Verdict
from verifiers import VERIFIERS, MajorityVerifier, NoVerifier, SympyVerifier
from verifiers.base import Verifier

ROOT = Path(__file__).resolve().parents[1]
TASK = ArithmeticTask()


# ---------------------------------------------------------------------------------------------------------------
# majority


@pytest.mark.parametrize(
    "answers, rewards, label",
    [
        # all agree: everyone is rewarded
        (["7", "7", "7"], [1.0, 1.0, 1.0], "7"),
        # a clear majority
        (["7", "7", "8"], [1.0, 1.0, 0.0], "7"),
        # a majority that is not first in order
        (["8", "7", "7"], [0.0, 1.0, 1.0], "7"),
        # value-equal spellings vote together and beat a spelling repeated twice
        (["403", "0403", "403.0", "404", "404"], [1.0, 1.0, 1.0, 0.0, 0.0], "403"),
        # the label is the first spelling of the winning value, as written
        (["07", "7", "8"], [1.0, 1.0, 0.0], "07"),
        # None answers get 0 and do not vote
        (["7", "07", "8", None], [1.0, 1.0, 0.0, 0.0], "7"),
        # unparsable answers never win, even when they are the most common
        ([None, None, None, "5"], [0.0, 0.0, 0.0, 1.0], "5"),
        (["abc", "abc", "abc", "5"], [0.0, 0.0, 0.0, 1.0], "5"),
        # none agree (all distinct): the first parsable one wins, and only it is rewarded
        (["1", "2", "3", "4"], [1.0, 0.0, 0.0, 0.0], "1"),
        ([None, "2", "3"], [0.0, 1.0, 0.0], "2"),
        # a single answer is its own majority
        (["9"], [1.0], "9"),
        # no parsable answer: no label, all rewards 0
        ([None, None], [0.0, 0.0], None),
        (["abc", "", None], [0.0, 0.0, 0.0], None),
    ],
)
def test_majority(answers, rewards, label):
    verdict = MajorityVerifier().judge(TASK, None, answers)
    assert verdict.rewards == rewards
    assert verdict.label == label
    assert verdict.status == "ok"


@pytest.mark.parametrize(
    "ties, answers, rewards, label",
    [
        # a tie, "first": the tied value appearing first wins
        ("first", ["8", "7", "7", "8"], [1.0, 0.0, 0.0, 1.0], "8"),
        ("first", ["7", "8", "8", "7"], [1.0, 0.0, 0.0, 1.0], "7"),
        # a tie decided by spelling-insensitive grouping: "08" and "8" count as one
        ("first", ["08", "7", "7", "8"], [1.0, 0.0, 0.0, 1.0], "08"),
        # a tie, "no_label": no label, nobody rewarded
        ("no_label", ["8", "7", "7", "8"], [0.0, 0.0, 0.0, 0.0], None),
        # all distinct is a tie too
        ("no_label", ["1", "2", "3"], [0.0, 0.0, 0.0], None),
        # "no_label" changes nothing when there is a clear majority
        ("no_label", ["7", "7", "8"], [1.0, 1.0, 0.0], "7"),
        # a tie among leaders below the top does not matter
        ("no_label", ["7", "7", "7", "8", "9"], [1.0, 1.0, 1.0, 0.0, 0.0], "7"),
    ],
)
def test_majority_ties(ties, answers, rewards, label):
    verdict = MajorityVerifier(ties=ties).judge(TASK, None, answers)
    assert verdict.rewards == rewards
    assert verdict.label == label


@pytest.mark.parametrize(
    "answers, diagnostics",
    [
        # a 3-of-4 majority; the share counts unparsable answers in the denominator
        (["7", "7", "7", None], {"parsed": 3, "distinct": 1, "tie": False, "majority_share": 0.75}),
        # a tie is reported
        (["7", "8"], {"parsed": 2, "distinct": 2, "tie": True, "majority_share": 0.5}),
        # nothing parsable
        ([None], {"parsed": 0, "distinct": 0, "tie": False, "majority_share": 0.0}),
    ],
)
def test_majority_diagnostics(answers, diagnostics):
    assert MajorityVerifier().judge(TASK, None, answers).diagnostics == diagnostics


# ---------------------------------------------------------------------------------------------------------------
# sympy


@pytest.mark.parametrize(
    "text, answers, rewards, label",
    [
        # correct in every spelling, wrong, and missing
        ("400+3", ["403", "0403", "403.0", "404", None], [1.0, 1.0, 1.0, 0.0, 0.0], "403"),
        # the truth is independent of the majority: everyone agreeing on a wrong answer gets 0
        ("2*3", ["5", "5", "5"], [0.0, 0.0, 0.0], "6"),
        # a negative truth
        ("3-5", ["-2", "2", "2-"], [1.0, 0.0, 0.0], "-2"),
        # unparsable answers get 0, not None
        ("1+1", ["two", "", "2**1"], [0.0, 0.0, 0.0], "2"),
        # no answers at all
        ("1+1", [], [], "2"),
    ],
)
def test_sympy(text, answers, rewards, label):
    verdict = SympyVerifier().judge(TASK, TASK.parse_problem(text), answers)
    assert verdict.rewards == rewards
    assert verdict.label == label
    assert verdict.status == "ok"
    assert verdict.diagnostics == {"truth": label}


@dataclass
class _NoFormalTask(ArithmeticTask):
    """An arithmetic task that cannot state its problems formally."""

    def formal(self, problem):
        return None


@dataclass
class _NonNumericTask(ArithmeticTask):
    """An arithmetic task whose formal statement has a free symbol, so sympy cannot give a number."""

    def formal(self, problem):
        import sympy

        return sympy.Symbol("x") + 1


@pytest.mark.parametrize(
    "task",
    [
        # formal() returns None: no ground truth
        _NoFormalTask(),
        # formal() returns a non-number: no ground truth either
        _NonNumericTask(),
    ],
)
def test_sympy_invalid_without_ground_truth(task):
    problem = ArithmeticTask().parse_problem("1+2")
    assert SympyVerifier().truth(task, problem) is None
    verdict = SympyVerifier().judge(task, problem, ["3", "4", None])
    assert verdict.status == "invalid"
    assert verdict.label is None
    assert verdict.rewards == [None, None, None]
    assert verdict.solve_rate is None


@dataclass
class _StatementTask(ArithmeticTask):
    """An arithmetic task whose formal statement is whatever the test gives it."""

    statement: object = None

    def formal(self, problem):
        return self.statement


def _judge_statement(statement, **options):
    task = _StatementTask(statement=statement)
    return SympyVerifier(**options).judge(task, task.parse_problem("1+2"), ["3", "99999", None])


@pytest.mark.parametrize("statement, options, status", [
    # max_statement_nodes: 1 + 2 is three nodes
    (sympy.Add(1, 2, evaluate=False), {"max_statement_nodes": 3}, "ok"),
    (sympy.Add(1, 2, evaluate=False), {"max_statement_nodes": 2}, "invalid"),
    # max_statement_digits: the largest number with that many digits, then the smallest with one more
    (sympy.Integer(99999), {"max_statement_digits": 5}, "ok"),
    (sympy.Integer(100000), {"max_statement_digits": 5}, "invalid"),
    # a denominator counts too
    (sympy.Rational(1, 99999), {"max_statement_digits": 5}, "ok"),
    (sympy.Rational(1, 100000), {"max_statement_digits": 5}, "invalid"),
    # deep nesting is counted without recursion: 10,000 nested sums are over the default limit at once
    (functools.reduce(lambda e, _: sympy.Add(e, 1, evaluate=False), range(10_000), sympy.Integer(0)), {},
     "invalid"),
    # a statement that is not a sympy object
    ("1+2", {}, "invalid"),
    ([], {}, "invalid"),
])
def test_sympy_statement_limits(statement, options, status):
    verdict = _judge_statement(statement, **options)
    assert verdict.status == status
    assert (verdict.rewards == [None] * 3) == (status != "ok")


def test_sympy_memory_limit_is_invalid():
    # 2 to the power 2^34 needs 2 GB: past memory_mb, the worker's MemoryError is an invalid verdict
    verdict = _judge_statement(sympy.Pow(2, 2**34, evaluate=False), memory_mb=256, timeout_seconds=20.0)
    assert verdict.status == "invalid" and "MemoryError" in verdict.diagnostics["reason"]


def test_sympy_cheap_statements_never_reach_the_worker(monkeypatch):
    calls = []
    monkeypatch.setattr("verifiers.sympy_verifier.call_with_deadline", lambda *args: calls.append(args))
    # sums and products of numbers are computed here: no worker
    assert SympyVerifier().judge(TASK, TASK.parse_problem("123*456"), ["56088"]).rewards == [1.0]
    assert calls == []
    # past INLINE_MAX_NODES (64) nodes, even a sum goes to the worker: the bound on inline work is fixed
    _judge_statement(sympy.Add(*[sympy.Integer(7)] * 63, evaluate=False))
    assert calls == []
    _judge_statement(sympy.Add(*[sympy.Integer(7)] * 64, evaluate=False))
    assert len(calls) == 1


def test_sympy_equations_go_to_the_worker_once(monkeypatch):
    from selfplay.deadline import DeadlineExceeded
    from selfplay.tasks import AlgebraTask

    calls = []

    def out_of_time(function, args, seconds, memory_mb):
        calls.append(seconds)
        raise DeadlineExceeded("no result")

    monkeypatch.setattr("verifiers.sympy_verifier.call_with_deadline", out_of_time)
    task, verifier = AlgebraTask(), SympyVerifier(timeout_seconds=0.25)  # a limit no other test uses
    for _ in range(3):
        verdict = verifier.judge(task, task.parse_problem("7x + 3 = 17"), ["x=2", None])
        assert verdict.status == "timeout" and verdict.rewards == [None, None] and verdict.label is None
        assert verdict.diagnostics == {"reason": "computing the truth took over 0.25 s"}
    assert calls == [0.25]  # the timeout is remembered: judging the problem again costs nothing


@pytest.mark.parametrize("options, message", [
    ({"timeout_seconds": 0}, "timeout_seconds"),
    ({"timeout_seconds": -1.0}, "timeout_seconds"),
    ({"timeout_seconds": 3601}, "timeout_seconds"),
    ({"memory_mb": 255}, "memory_mb"),
    ({"max_statement_nodes": 0}, "max_statement_nodes"),
    ({"max_statement_digits": 0}, "max_statement_digits"),
])
def test_sympy_bad_options_raise(options, message):
    with pytest.raises(ValueError, match=message):
        SympyVerifier(**options)


# ---------------------------------------------------------------------------------------------------------------
# none


@pytest.mark.parametrize(
    "options, answers, rewards",
    [
        # the default reward is 1 for every answer, parsable or not
        ({}, ["1", None, "abc"], [1.0, 1.0, 1.0]),
        # the reward option is respected
        ({"reward": 0.25}, ["1", "2"], [0.25, 0.25]),
        ({"reward": 0.0}, [None], [0.0]),
        # no answers, no rewards
        ({}, [], []),
    ],
)
def test_none(options, answers, rewards):
    verdict = NoVerifier(**options).judge(TASK, None, answers)
    assert verdict.rewards == rewards
    assert verdict.label is None
    assert verdict.status == "ok"


# ---------------------------------------------------------------------------------------------------------------
# Verdict.solve_rate


@pytest.mark.parametrize(
    "rewards, expected",
    [
        # mean over judged answers
        ([1.0, 0.0, 1.0, 1.0], 0.75),
        # None rewards are left out of the mean
        ([1.0, 0.0, None, 1.0], 2 / 3),
        # all solved / none solved
        ([1.0, 1.0], 1.0),
        ([0.0, 0.0], 0.0),
        # fractional rewards average too
        ([0.5, 0.25], 0.375),
        # nothing judged
        ([None, None], None),
        ([], None),
    ],
)
def test_solve_rate(rewards, expected):
    solve_rate = Verdict(rewards, label=None).solve_rate
    if expected is None:
        assert solve_rate is None
    else:
        assert solve_rate == pytest.approx(expected)


# ---------------------------------------------------------------------------------------------------------------
# judge_group


class _RaisingVerifier(Verifier):
    name = "raising"

    def judge(self, task, problem, answers):
        raise ZeroDivisionError("boom")


class _ShortVerifier(Verifier):
    name = "short"

    def judge(self, task, problem, answers):
        return Verdict([1.0] * (len(answers) - 1), label="x")


class _LongVerifier(Verifier):
    name = "long"

    def judge(self, task, problem, answers):
        return Verdict([1.0] * (len(answers) + 1), label="x")


@pytest.mark.parametrize(
    "verifier, error",
    [
        # an exception inside the verifier
        (_RaisingVerifier(), "ZeroDivisionError: boom"),
        # too few rewards
        (_ShortVerifier(), "ValueError: returned 2 rewards for 3 answers"),
        # too many rewards
        (_LongVerifier(), "ValueError: returned 4 rewards for 3 answers"),
    ],
)
def test_judge_group_turns_broken_verifiers_into_invalid_verdicts(verifier, error, caplog):
    attempts = [Attempt("a", "1"), Attempt("b", "2"), Attempt("c", None)]
    with caplog.at_level(logging.WARNING, logger="selfplay.judging"):
        verdict = judge_group(verifier, TASK, Problem("1+1"), attempts)
    assert verdict.status == "invalid"
    assert verdict.rewards == [None, None, None]
    assert verdict.label is None
    assert verdict.diagnostics["error"] == error
    assert any("failed" in record.getMessage() for record in caplog.records)


def test_judge_group_passes_answers_and_returns_the_verdict():
    # a working verifier's verdict comes back unchanged, judged on the attempts' answers (not completions)
    attempts = [Attempt("<answer>2</answer>", "2"), Attempt("junk", None), Attempt("2.0", "2.0")]
    verdict = judge_group(SympyVerifier(), TASK, TASK.parse_problem("1+1"), attempts)
    assert verdict == Verdict([1.0, 0.0, 1.0], label="2", diagnostics={"truth": "2"})


def test_judge_group_truncates_long_errors():
    class Verbose(Verifier):
        name = "verbose"

        def judge(self, task, problem, answers):
            raise RuntimeError("x" * 1000)

    verdict = judge_group(Verbose(), TASK, Problem("1+1"), [Attempt("a", "1")])
    assert verdict.status == "invalid"
    assert len(verdict.diagnostics["error"]) == 200


# ---------------------------------------------------------------------------------------------------------------
# the package


@pytest.mark.parametrize(
    "name, cls",
    [
        # every built-in verifier is registered under its own `name`
        ("majority", MajorityVerifier),
        ("sympy", SympyVerifier),
        ("none", NoVerifier),
    ],
)
def test_verifier_names(name, cls):
    assert VERIFIERS[name] is cls
    assert cls.name == name
    assert issubclass(cls, Verifier)


def test_no_other_verifiers_registered():
    assert set(VERIFIERS) == {"majority", "sympy", "none", "code"}


@pytest.mark.parametrize(
    "module_name",
    [
        # `agents` is also the import name of openai-agents
        "agents",
        # `verifiers` is also the import name of Prime Intellect's verifiers
        "verifiers",
    ],
)
def test_packages_resolve_to_this_project(module_name):
    import importlib

    module = importlib.import_module(module_name)
    assert Path(module.__file__).resolve().is_relative_to(ROOT), module.__file__
    assert Path(module.__file__).resolve().parent == ROOT / module_name
