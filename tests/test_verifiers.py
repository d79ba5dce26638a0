"""Tests for the verifiers (majority, sympy, none), Verdict.solve_rate, and judge_group's handling of broken,
dishonest and slow verifiers."""

from __future__ import annotations

import functools
import logging
import threading
import time
from fractions import Fraction
from dataclasses import dataclass
from pathlib import Path

import numpy
import pytest
import sympy
import torch

from selfplay import judging
from selfplay.components import make_verifier
from selfplay.config import ProposerRewardConfig, VerifierConfig
from selfplay.errors import ConfigError
from selfplay.judging import judge_group, judge_groups, score_proposals
from selfplay.tasks import ArithmeticTask
from selfplay.types import Attempt, Judged, Problem, Proposal, Verdict
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


@pytest.mark.parametrize(
    "answers, rewards, label, share",
    [
        # 3 of 4 agree (07 is 7): at the minimum share, believed
        (["7", "07", "7", "8"], [1.0, 1.0, 1.0, 0.0], "7", 0.75),
        # 2 of 4: below it, no label and nothing for anyone
        (["7", "7", "8", "9"], [0.0] * 4, None, 0.5),
        # unparsable answers count in the share: 3 of 5
        (["7", "7", "7", None, None], [0.0] * 5, None, 0.6),
    ],
)
def test_majority_believes_only_a_large_enough_share(answers, rewards, label, share):
    verdict = MajorityVerifier(min_share=0.75).judge(TASK, None, answers)
    assert (verdict.rewards, verdict.label) == (rewards, label)
    assert verdict.diagnostics["majority_share"] == share  # the share is reported either way


@pytest.mark.parametrize("share", [-0.1, 1.5, "0.5", True, float("nan")])
def test_majority_min_share_must_be_a_share(share):
    with pytest.raises(ValueError, match="min_share"):
        MajorityVerifier(min_share=share)


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
    monkeypatch.setattr("selfplay.truth.call_with_deadline", lambda *args: calls.append(args))
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

    monkeypatch.setattr("selfplay.truth.call_with_deadline", out_of_time)
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


class _Returns(Verifier):
    """Returns the given rewards and label whatever it is asked, one reward per answer taken from `rewards`."""

    name = "returns"

    def __init__(self, rewards, label="x", time_limit_seconds=120.0):
        self.rewards, self.label, self.time_limit_seconds = rewards, label, time_limit_seconds

    def judge(self, task, problem, answers):
        return Verdict(list(self.rewards), label=self.label)


@pytest.mark.parametrize(
    "rewards, error",
    [
        # strings, even ones that read as numbers: TRL would fail on them ("too many dimensions 'str'")
        (["1.0", 0.0], "reward 0 is '1.0' (str)"),
        # NaN and infinities would poison the group's advantages
        ([1.0, float("nan")], "reward 1 is nan"),
        ([float("inf"), 0.0], "reward 0 is inf"),
        ([0.0, float("-inf")], "reward 1 is -inf"),
        # containers and other objects
        ([[1.0], 0.0], "reward 0 is [1.0] (list)"),
        ([{"r": 1}, 0.0], "reward 0 is {'r': 1} (dict)"),
        ([object(), 0.0], "(object): rewards must be finite numbers or None"),
        # a tensor of several values is not one reward
        ([torch.tensor([1.0, 0.0]), 0.0], "(Tensor)"),
    ],
)
def test_rewards_that_are_not_finite_numbers_make_the_group_invalid(rewards, error):
    verdict = judge_group(_Returns(rewards), TASK, Problem("1+1"), [Attempt("a", "2"), Attempt("b", "3")])
    assert verdict.status == "invalid" and verdict.rewards == [None, None] and verdict.label is None
    assert error in verdict.diagnostics["error"] and verdict.diagnostics["error"].startswith("ValueError")


@pytest.mark.parametrize(
    "rewards, expected",
    [
        # True and False: a reward that is a match, 1.0 and 0.0
        ([True, False], [1.0, 0.0]),
        # ints, fractions, numpy and torch scalars become plain floats; None stays
        ([1, None], [1.0, None]),
        ([Fraction(1, 2), 0], [0.5, 0.0]),
        ([numpy.float32(0.25), numpy.bool_(True)], [0.25, 1.0]),
        ([torch.tensor(0.75), -2], [0.75, -2.0]),
    ],
)
def test_rewards_that_are_numbers_of_any_kind_become_floats(rewards, expected):
    verdict = judge_group(_Returns(rewards), TASK, Problem("1+1"), [Attempt("a", "2"), Attempt("b", "3")])
    assert verdict.status == "ok" and verdict.rewards == expected
    assert all(reward is None or type(reward) is float for reward in verdict.rewards)


@pytest.mark.parametrize("label, error", [(42, "label must be a string or None, got int"),
                                          (["7"], "label must be a string or None, got list")])
def test_a_label_that_is_not_a_string_makes_the_group_invalid(label, error):
    # the label goes into a string column of the problem records: anything else would fail there, later
    verdict = judge_group(_Returns([1.0], label=label), TASK, Problem("1+1"), [Attempt("a", "2")])
    assert verdict.status == "invalid" and error in verdict.diagnostics["error"]


def test_a_batch_with_bad_rewards_is_judged_again_group_by_group():
    class BadBatch(Verifier):
        name = "bad_batch"

        def judge_batch(self, task, groups):  # strings from the batch path only
            return [Verdict(["1"] * len(answers), label="x") for _, answers in groups]

        def judge(self, task, problem, answers):
            return Verdict([float(answer == "2") for answer in answers], label="2")

    groups = [[Attempt("a", "2"), Attempt("b", "3")], [Attempt("c", "2")]]
    verdicts = judge_groups(BadBatch(), TASK, [Problem("1+1"), Problem("0+2")], groups)
    assert [v.rewards for v in verdicts] == [[1.0, 0.0], [1.0]] and {v.status for v in verdicts} == {"ok"}


class _Sleeper(Verifier):
    name = "sleeper"

    def __init__(self, seconds, time_limit_seconds):
        self.seconds, self.time_limit_seconds = seconds, time_limit_seconds
        self.thread = None

    def judge(self, task, problem, answers):
        self.thread = threading.current_thread()
        time.sleep(self.seconds)
        return Verdict([1.0] * len(answers), label="x")


def test_a_verifier_past_its_time_limit_gives_a_timeout_verdict_in_time(caplog):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="selfplay.judging"):
        verdict = judge_group(_Sleeper(3.0, 0.2), TASK, Problem("1+1"), [Attempt("a", "2"), Attempt("b", None)])
    assert time.monotonic() - started < 2.0  # the caller did not wait for the sleeper
    assert verdict.status == "timeout" and verdict.rewards == [None, None] and verdict.label is None
    assert "no verdict within 0.2 s" in verdict.diagnostics["reason"]
    assert any("timed out" in record.getMessage() for record in caplog.records)


def test_a_batch_past_its_time_limit_times_out_every_group_without_judging_them_again():
    sleeper = _Sleeper(3.0, 0.1)  # 0.1 s per group: 0.2 s for the batch of two
    started = time.monotonic()
    verdicts = judge_groups(sleeper, TASK, [Problem("1+1"), Problem("2+2")],
                            [[Attempt("a", "2")], [Attempt("b", "4"), Attempt("c", "5")]])
    assert time.monotonic() - started < 2.0
    assert [v.status for v in verdicts] == ["timeout", "timeout"] and verdicts[1].rewards == [None, None]
    assert "no verdict within 0.2 s" in verdicts[0].diagnostics["reason"]


def test_a_verifier_within_its_time_limit_is_judged_in_another_thread_and_without_one_here():
    limited = _Sleeper(0.0, 5.0)
    assert judge_group(limited, TASK, Problem("1+1"), [Attempt("a", "2")]).rewards == [1.0]
    assert limited.thread is not threading.current_thread()
    unlimited = _Sleeper(0.0, None)  # None: no limit, and the verifier may set signal handlers
    assert judge_group(unlimited, TASK, Problem("1+1"), [Attempt("a", "2")]).rewards == [1.0]
    assert unlimited.thread is threading.current_thread()


def test_calls_that_never_return_are_capped_and_the_verifier_is_not_called_again():
    release = threading.Event()

    class Stuck(Verifier):
        name = "stuck"
        time_limit_seconds = 0.05
        calls = 0

        def judge(self, task, problem, answers):
            Stuck.calls += 1
            release.wait(30)
            return Verdict([1.0], label="x")

    stuck = Stuck()
    try:
        verdicts = [judge_group(stuck, TASK, Problem("1+1"), [Attempt("a", "2")]) for _ in range(6)]
        assert [v.status for v in verdicts] == ["timeout"] * 6
        assert Stuck.calls == judging.MAX_ABANDONED_CALLS  # the last two were not even started
        assert "earlier calls that ran out of time still run" in verdicts[-1].diagnostics["reason"]
        # another verifier is not held up by this one's stuck calls
        assert judge_group(SympyVerifier(), TASK, TASK.parse_problem("1+1"), [Attempt("a", "2")]).status == "ok"
    finally:
        release.set()


@pytest.mark.parametrize("limit, accepted", [
    # the default, a number, an int, and None (no limit)
    (120.0, True), (0.5, True), (3, True), (None, True),
    # zero, negative, not a number, a bool, NaN, infinity
    (0, False), (-1.0, False), ("10", False), (True, False), (float("nan"), False), (float("inf"), False),
])
def test_make_verifier_sets_the_time_limit_and_refuses_a_bad_one(limit, accepted):
    config = VerifierConfig("sympy", {}, limit)
    if not accepted:
        with pytest.raises(ConfigError, match="verifier.time_limit_seconds must be a positive number"):
            make_verifier(config)
        return
    verifier = make_verifier(config)
    assert verifier.time_limit_seconds == limit and SympyVerifier().time_limit_seconds == 120.0


@pytest.mark.parametrize("value", ["0.5", float("nan"), float("inf"), [1.0]])
def test_a_proposer_reward_that_is_not_a_finite_number_gets_the_invalid_penalty(value, caplog):
    # a user's proposer reward becomes a TRL reward too: a string or a NaN from it must not reach TRL either
    settings = ProposerRewardConfig(invalid_penalty=-1.0)
    problem = TASK.parse_problem("1+1")
    judged = Judged(problem, [Attempt("2", "2"), Attempt("3", "3")], Verdict([1.0, 0.0], "2"), "2")
    with caplog.at_level(logging.WARNING, logger="selfplay.judging"):
        [proposal] = score_proposals([Proposal("1+1", problem)], {problem.key: judged}, lambda verdict: value,
                                     settings)
    assert proposal.judged is judged and proposal.reward == -1.0
    assert any("rewards must be finite numbers or None" in record.getMessage() for record in caplog.records)


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


def test_majority_lets_only_plausible_answers_vote():
    # 123+456 has 3 or 4 digits: the confident 2-digit answer may not outvote the right one
    problem = TASK.parse_problem("123+456")
    answers = ["57", "57", "57", "579", "579", "5790", None, "-579"]
    plain = MajorityVerifier().judge(TASK, problem, answers)
    assert plain.label == "57"
    filtered = MajorityVerifier(plausible_only=True).judge(TASK, problem, answers)
    assert filtered.label == "579"
    assert filtered.rewards == [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    assert filtered.diagnostics["majority_share"] == 2 / 8  # the others count in the denominator
    # with a minimum share on top, two plausible votes in eight are not enough
    assert MajorityVerifier(plausible_only=True, min_share=0.5).judge(TASK, problem, answers).label is None


def test_majority_survives_a_task_whose_plausibility_check_fails():
    class Broken(type(TASK)):
        def plausible(self, problem, answer):
            if answer == "13":
                raise RuntimeError("a user's check with a bug")
            return True

    verdict = MajorityVerifier(plausible_only=True).judge(Broken(**vars(TASK)), TASK.parse_problem("6+7"),
                                                          ["13", "13", "12"])
    assert (verdict.label, verdict.rewards) == ("12", [0.0, 0.0, 1.0])  # an unreadable check is no vote


def test_majority_plausible_only_must_be_a_boolean():
    with pytest.raises(ValueError, match="plausible_only"):
        MajorityVerifier(plausible_only="yes")


class Member:
    """A committee member that answers from a table (a stand-in for a separately trained model)."""

    def __init__(self, answers: dict[str, str]):
        self.answers, self.calls = answers, 0

    def generate(self, prompts, num_samples, sampling):
        self.calls += 1
        assert num_samples == 1 and sampling == "greedy"
        return [[self.answers.get(prompt, "garbage")] for prompt in prompts]


def seated(members, **options) -> MajorityVerifier:
    verifier = MajorityVerifier(committee=len(members), **options)
    verifier.seat(members, "greedy")
    return verifier


def test_majority_committee_keeps_a_label_only_where_the_other_models_give_it_too():
    six, seven = TASK.parse_problem("3+3"), TASK.parse_problem("3+4")
    prompt = TASK.solver_prompt
    right, wrong = Member({prompt(six): "6", prompt(seven): "7"}), Member({prompt(six): "6", prompt(seven): "8"})
    answers = ["6", "6", "5"]
    groups = [(six, answers), (seven, ["7", "7", "7"])]
    # both members agree on 3+3; on 3+4 one of them says 8, so the solver's confident 7 is not believed
    both = seated([right, wrong]).judge_batch(TASK, groups)
    assert [v.label for v in both] == ["6", None] and both[1].rewards == [0.0, 0.0, 0.0]
    assert [v.diagnostics["committee_agreed"] for v in both] == [2, 1]
    assert right.calls == 1  # the whole batch in one generate call per member
    # one agreeing member in two is enough with committee_agree=1
    assert [v.label for v in seated([right, wrong], committee_agree=1).judge_batch(TASK, groups)] == ["6", "7"]
    # judge, one group alone, gives the verdict judge_batch gives
    assert seated([right, wrong]).judge(TASK, six, answers) == both[0]
    # a member's unreadable answer is no vote for anything
    assert seated([Member({})]).judge(TASK, six, answers).label is None


def test_committee_labels_label_what_the_solvers_majority_gets_wrong():
    six, seven = TASK.parse_problem("3+3"), TASK.parse_problem("3+4")
    prompt = TASK.solver_prompt
    right, other = Member({prompt(six): "6", prompt(seven): "7"}), Member({prompt(six): "6", prompt(seven): "8"})
    groups = [(six, ["5", "5", "6", None]), (seven, ["7", "7", "7", "7"])]
    verdicts = seated([right, other], committee_labels=True).judge_batch(TASK, groups)
    # on 3+3 the solver's majority (5) is wrong: the members' 6 is the label, and the one 6 is rewarded
    assert (verdicts[0].label, verdicts[0].rewards) == ("6", [0.0, 0.0, 1.0, 0.0])
    assert verdicts[0].diagnostics["majority_share"] == 0.25
    # on 3+4 the members disagree: no label, however sure the solver is
    assert (verdicts[1].label, verdicts[1].rewards) == (None, [0.0] * 4)
    # one member in two is enough with committee_agree=1 (the most common answer of the members, first seen)
    assert seated([right, other], committee_labels=True, committee_agree=1).judge(TASK, seven, ["8"]).rewards == [0.0]
    # unreadable members label nothing
    assert seated([Member({})], committee_labels=True).judge(TASK, six, ["6"]).label is None
    for options in ({"committee_labels": True}, {"committee_labels": True, "committee": 1, "min_share": 0.5},
                    {"committee_labels": "yes", "committee": 1}):
        with pytest.raises(ValueError, match="committee_labels"):
            MajorityVerifier(**options)


def test_the_solvers_majority_decides_where_the_members_disagree():
    six, seven, eight = TASK.parse_problem("3+3"), TASK.parse_problem("3+4"), TASK.parse_problem("4+4")
    prompt = TASK.solver_prompt
    first = Member({prompt(six): "6", prompt(seven): "7", prompt(eight): "9"})
    second = Member({prompt(six): "6", prompt(seven): "8"})  # unreadable on 4+4
    groups = [(six, ["5", "5", "6"]), (seven, ["8", "7", "8"]), (eight, ["8", "8", "9"]), (eight, ["7", "7", "7"])]
    verdicts = seated([first, second], committee_labels=True, solver_votes=True).judge_batch(TASK, groups)
    # both members: their answer stands over the solver's; split members: the solver's majority sides with one;
    # one readable member and the solver apart, or the solver alone: no label
    assert [(v.label, v.rewards) for v in verdicts] == [("6", [0.0, 0.0, 1.0]), ("8", [1.0, 0.0, 1.0]),
                                                        (None, [0.0] * 3), (None, [0.0] * 3)]
    assert [v.diagnostics["committee_agreed"] for v in verdicts] == [2, 2, 1, 1]
    # without the solver's vote the split members label nothing
    assert seated([first, second], committee_labels=True).judge(TASK, seven, ["8", "7", "8"]).label is None
    for options in ({"committee": 2, "solver_votes": True},  # not without committee_labels
                    {"committee": 2, "committee_labels": True, "committee_agree": 1, "solver_votes": True},
                    {"committee": 1, "committee_labels": True, "solver_votes": True},  # its one member would do
                    {"committee": 2, "committee_labels": True, "solver_votes": 1}):
        with pytest.raises(ValueError, match="solver_votes"):
            MajorityVerifier(**options)


def test_majority_committee_needs_its_models_and_sane_sizes():
    from selfplay.judging import judge_group
    from selfplay.types import Attempt

    problem = TASK.parse_problem("3+3")
    verdict = judge_group(MajorityVerifier(committee=2), TASK, problem, [Attempt("6", "6")] * 2)
    assert verdict.status == "invalid" and "committee" in verdict.diagnostics["error"]  # never a crash
    for options in ({"committee": -1}, {"committee": 9}, {"committee": True}, {"committee": 1, "committee_agree": 2}):
        with pytest.raises(ValueError, match="committee"):
            MajorityVerifier(**options)
    with pytest.raises(ValueError, match="2 seats"):
        MajorityVerifier(committee=2).seat([Member({})], "greedy")


def test_majority_committee_cannot_check_a_group_without_its_problem():
    verdict = seated([Member({})]).judge(TASK, None, ["6", "6"])  # `selfplay verify` on answers alone
    assert verdict.label is None and verdict.diagnostics["committee_agreed"] == 0
