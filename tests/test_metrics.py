"""Step metrics and records on hand-made phases, where every number can be worked out by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from selfplay.metrics import agreement, curriculum, proposer_metrics, records, solver_metrics
from selfplay.tasks import ArithmeticTask
from selfplay.types import Attempt, Judged, Proposal, Verdict

TASK = ArithmeticTask()


def judged(problem: str, answers: list[str | None], rewards: list[float | None], label: str | None,
           truth: str | None = None) -> Judged:
    return Judged(TASK.parse_problem(problem), [Attempt(a or "", a) for a in answers], Verdict(rewards, label), truth)


# A majority-vote phase: 2+2 voted right, 5+5 voted wrong (a confident wrong majority), 9+9 nothing parsable.
PHASE = [
    judged("2+2", ["4", "4", "5", "4"], [1, 1, 0, 1], "4", truth="4"),
    judged("5+5", ["11", "11", "10", "11"], [1, 1, 0, 1], "11", truth="10"),
    judged("9+9", [None, None, None, None], [0, 0, 0, 0], None, truth="18"),
]


@pytest.mark.parametrize("key, expected", [
    ("solver/problems", 3),
    # 8 of 12 attempts had a parsable answer
    ("solver/answer_rate", 8 / 12),
    # the verifier's view: 3/4, 3/4, 0
    ("solver/reward_mean", (0.75 + 0.75 + 0) / 3),
    # the truth's view: 3 right on 2+2, 1 right on 5+5, none on 9+9
    ("solver/accuracy", 4 / 12),
    # labels: 2+2 right, 5+5 wrong; 9+9 had none
    ("verifier/precision", 0.5),
    ("verifier/label_rate", 2 / 3),
    ("solver/solve_rate/none", 1 / 3),
    ("solver/solve_rate/some", 2 / 3),
    ("solver/solve_rate/all", 0.0),
    ("solver/agreement_mean", (0.75 + 0.75 + 0) / 3),
])
def test_solver_metrics(key, expected):
    assert solver_metrics(TASK, PHASE)[key] == pytest.approx(expected)


def test_accuracy_with_and_without_an_epistemic_marker():
    def attempt(text: str) -> Attempt:
        return Attempt(text, TASK.extract_answer(text))

    phase = [
        Judged(TASK.parse_problem("2+2"), [attempt("Wait: <answer>4</answer>"), attempt("<answer>4</answer>"),
                                           attempt("Hmm <answer>5</answer>"), attempt("<answer>5</answer>")],
               Verdict([1, 1, 0, 0], "4"), "4"),
        Judged(TASK.parse_problem("3+3"), [attempt("<answer>6</answer>")] * 4, Verdict([1] * 4, "6"), "6"),
    ]
    metrics = solver_metrics(TASK, phase, ["wait", "hmm"])
    assert metrics["instruments/accuracy_marked"] == 0.5  # 1 of the 2 answers that doubt
    assert metrics["instruments/accuracy_unmarked"] == 5 / 6
    assert "instruments/accuracy_marked" not in solver_metrics(TASK, phase[1:], ["wait"])  # nobody doubted
    assert not any("marked" in key for key in solver_metrics(TASK, phase))  # no markers asked for


@pytest.mark.parametrize("statuses, invalid_rate, timeout_rate", [
    # every verdict that is not "ok" counts as invalid; timeouts are also counted apart
    (["ok", "ok", "ok", "ok"], 0.0, 0.0),
    (["ok", "invalid", "timeout", "timeout"], 0.75, 0.5),
    (["timeout"], 1.0, 1.0),
])
def test_verifier_invalid_and_timeout_rates(statuses, invalid_rate, timeout_rate):
    phase = [Judged(TASK.parse_problem("2+2"), [Attempt("4", "4")],
                    Verdict([1.0] if status == "ok" else [None], "4" if status == "ok" else None, status))
             for status in statuses]
    metrics = solver_metrics(TASK, phase)
    assert metrics["verifier/invalid_rate"] == invalid_rate
    assert metrics["verifier/timeout_rate"] == timeout_rate


def test_verifier_precision_is_also_kept_per_difficulty():
    # 1-digit: the one label is right; 2-digit: one of two labels is right; unlabelled groups count nowhere
    phase = [judged("2+2", ["4", "4"], [1, 1], "4", truth="4"),
             judged("15+17", ["31", "31"], [1, 1], "31", truth="32"),
             judged("31+40", ["71", "70"], [1, 0], "71", truth="71"),
             judged("52+40", ["91", "92"], [0, 0], None, truth="92")]
    metrics = solver_metrics(TASK, phase)
    assert metrics["verifier/precision"] == pytest.approx(2 / 3)
    assert metrics["verifier/precision/1"] == 1.0 and metrics["verifier/precision/2"] == 0.5
    assert not any(key.startswith("verifier/precision/") for key in solver_metrics(TASK, phase[:0] + phase[3:]))


def test_solver_metrics_without_ground_truth_leave_accuracy_out():
    metrics = solver_metrics(TASK, [replace(item, truth=None) for item in PHASE])
    assert "solver/accuracy" not in metrics and "verifier/precision" not in metrics


@pytest.mark.parametrize("answers, expected", [
    (["4", "4.0", "04", "5"], 0.75),  # value-equal spellings agree
    (["1", "2", "3", "4"], 0.25),
    ([None, None, "7", None], 0.25),
    ([None, None], 0.0),
])
def test_agreement(answers, expected):
    assert agreement(TASK, judged("2+2", answers, [0] * len(answers), None)) == expected


def test_proposer_metrics():
    proposals = [Proposal("12+34", TASK.parse_problem("12+34"), reward=1.0),
                 Proposal("12+34", TASK.parse_problem("12+34"), reward=0.0),
                 Proposal("999+1", TASK.parse_problem("999+1"), reward=0.0),
                 Proposal("nonsense", None, reward=-1.0)]
    metrics = proposer_metrics(TASK, proposals, trained=True)
    assert metrics["proposer/valid_rate"] == 0.75
    assert metrics["proposer/unique_share"] == pytest.approx(2 / 3)
    assert metrics["proposer/reward_mean"] == 0.0  # (1 + 0 + 0 - 1) / 4
    assert metrics["proposer/difficulty_mean"] == pytest.approx((2 + 2 + 3) / 3)
    assert metrics["proposer/difficulty_share/2"] == pytest.approx(2 / 3)
    assert metrics["proposer/features/carries_mean"] == pytest.approx((0 + 0 + 3) / 3)
    # the proposals are scored every step, whether or not the proposer trains on them
    untrained = proposer_metrics(TASK, proposals, trained=False)
    assert untrained["proposer/reward_mean"] == 0.0 and untrained["proposer/trained"] == 0.0


def test_a_feature_some_problems_lack_is_averaged_over_those_that_have_it():
    # a chain of operations has no carries; the sums beside it still report theirs, whichever comes first
    task = ArithmeticTask(ops="+*")
    problems = [task.parse_problem("(12+34)*2"), task.parse_problem("58+67")]
    metrics = proposer_metrics(task, [Proposal("", problem, reward=0.0) for problem in problems], trained=False)
    assert metrics["proposer/features/carries_mean"] == 2
    assert metrics["proposer/features/operations_mean"] == 1.5


def test_records_one_per_proposal_and_per_solver_problem():
    proposals = [Proposal("2+2", TASK.parse_problem("2+2"), PHASE[0], 1.0), Proposal("x", None, None, -1.0)]
    rows = records(7, TASK, proposals, True, PHASE, solver_trained={PHASE[0].problem.key, PHASE[2].problem.key})
    assert [(r["role"], r["valid"]) for r in rows] == [("proposer", True), ("proposer", False)] + [("solver", True)] * 3
    assert rows[0]["truth"] == "4" and rows[0]["answers"] == ["4", "4", "5", "4"] and rows[0]["proposer_reward"] == 1.0
    assert rows[1]["problem"] is None and rows[1]["answers"] == []
    assert rows[3]["label"] == "11" and rows[3]["truth"] == "10" and rows[3]["solve_rate"] == 0.75
    assert [r["trained"] for r in rows[2:]] == [True, False, True]  # answered all three, trained on two
    assert all(r["step"] == 7 for r in rows)


def test_curriculum_averages_spans_of_steps():
    metrics = [{"step": 0, "eval/accuracy/1d": 1.0}] + [
        {"step": s, "proposer/difficulty_mean": float(s), "solver/reward_mean": 0.5} for s in range(1, 11)]
    spans = curriculum(metrics, windows=5)
    assert [(s["first_step"], s["last_step"]) for s in spans] == [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]
    assert [s["proposer/difficulty_mean"] for s in spans] == [1.5, 3.5, 5.5, 7.5, 9.5]


def test_precision_by_bucket_over_spans():
    from selfplay.metrics import precision_by_bucket

    def row(step, problem, label, truth, extracted):
        difficulty = TASK.parse_problem(problem).features["digits"]
        return {"role": "solver", "step": step, "difficulty": difficulty, "label": label, "truth": truth,
                "extracted": extracted}

    rows = [
        row(1, "2+2", "4", "4", ["4", "4", "5"]),  # 1d: label right; 2 of 3 answers right
        row(2, "5+5", "11", "10", ["11", "11", "10"]),  # 1d: confident wrong majority; 1 of 3 right
        row(2, "12+34", None, "46", [None, None, None]),  # 2d: no label; nothing right
        row(3, "10+10", "20", "20", ["20", "20", "20"]),
        {"role": "proposer", "step": 1, "difficulty": 1, "label": "9", "truth": "4", "extracted": ["9"]},  # ignored
    ]
    spans = [{"first_step": 1, "last_step": 2}, {"first_step": 3, "last_step": 3}]
    table = precision_by_bucket(TASK, rows, spans)
    assert table[0]["buckets"]["1d"] == {"precision": 0.5, "accuracy": 0.5, "problems": 2}
    assert table[0]["buckets"]["2d"] == {"precision": None, "accuracy": 0.0, "problems": 1}
    assert table[1]["buckets"] == {"2d": {"precision": 1.0, "accuracy": 1.0, "problems": 1}}


@pytest.mark.parametrize("texts, n, expected", [
    (["12+34", "56+78"], 2, 1.0),  # nothing repeats
    (["12+34", "12+34"], 2, 0.5),  # the same problem twice: half the bigrams are repeats
    (["11111"], 2, 0.25),  # one bigram, four times
    (["1+2", "1+3"], 3, 1.0),  # trigrams "1+2", "1+3" differ
    (["7"], 2, 0.0),  # too short for any bigram
    ([], 3, 0.0),
])
def test_distinct_ngrams(texts, n, expected):
    from selfplay.instruments import distinct_ngrams

    assert distinct_ngrams(texts, n) == pytest.approx(expected)
