"""Tests for selfplay.rewards (the proposer rewards and near-duplicate shares) and for score_proposals, which
rewards each proposal from the judgement of the solver's answers to its problem."""

from __future__ import annotations

import pytest

from agents import Proposer, Solver
from selfplay.config import ProposerRewardConfig
from selfplay.judging import judge_problems, score_proposals
from selfplay.loop import distinct
from selfplay.rewards import PROPOSER_REWARDS, Learnability, SQLMBand, Uncertainty, char_ngrams, repetition_shares
from selfplay.tasks import ArithmeticTask
from selfplay.types import Attempt, Judged, Proposal, Verdict
from verifiers import SympyVerifier
from verifiers.base import Verifier

# ---------------------------------------------------------------------------------------------------------------
# SQLMBand


@pytest.mark.parametrize(
    "options, rewards, expected",
    [
        # default band 0 < count < N: everyone right is too easy
        ({}, [1, 1, 1, 1], 0.0),
        # nobody right is too hard
        ({}, [0, 0, 0, 0], 0.0),
        # one right is inside the band
        ({}, [1, 0, 0, 0], 1.0),
        # all but one right is inside the band
        ({}, [1, 1, 1, 0], 1.0),
        # N counts only judged answers: one judged and right is count == N, outside the band
        ({}, [1, None, None, None], 0.0),
        # two judged, one right: inside
        ({}, [1, 0, None, None], 1.0),
        # low=1 (the released code): a single agreeing answer is no longer enough
        ({"low": 1}, [1, 0, 0, 0], 0.0),
        ({"low": 1}, [1, 1, 0, 0], 1.0),
        ({"low": 1}, [1, 1, 1, 0], 1.0),
        # an explicit high replaces N, compared strictly
        ({"high": 3}, [1, 1, 1, 0], 0.0),
        ({"high": 3}, [1, 1, 0, 0], 1.0),
        # an explicit high applies regardless of N
        ({"high": 3}, [1, 1, 1, 1, 0, 0, 0, 0], 0.0),
        # both bounds: only count 2 fits 1 < count < 3
        ({"low": 1, "high": 3}, [1, 1, 0, 0, 0], 1.0),
        ({"low": 1, "high": 3}, [1, 0, 0, 0, 0], 0.0),
        # nothing judged: no reward
        ({}, [None, None], None),
        ({}, [], None),
    ],
)
def test_sqlm_band(options, rewards, expected):
    assert SQLMBand(**options)(Verdict(rewards, "7")) == expected


# ---------------------------------------------------------------------------------------------------------------
# Uncertainty and Learnability


@pytest.mark.parametrize(
    "rewards, expected",
    [
        # split down the middle: the maximum
        ([1, 1, 0, 0], 1.0),
        # a quarter or three quarters: halfway
        ([1, 0, 0, 0], 0.5),
        ([1, 1, 1, 0], 0.5),
        # always or never solved: nothing
        ([1, 1, 1, 1], 0.0),
        ([0, 0, 0, 0], 0.0),
        # unjudged answers are left out of p
        ([1, 0, None], 1.0),
        # nothing judged
        ([None, None], None),
    ],
)
def test_uncertainty(rewards, expected):
    value = Uncertainty()(Verdict(rewards, "7"))
    if expected is None:
        assert value is None
    else:
        assert value == pytest.approx(expected)


@pytest.mark.parametrize(
    "rewards, expected",
    [
        # rarely solved: worth most
        ([1, 0, 0, 0], 0.75),
        # often solved: worth little
        ([1, 1, 1, 0], 0.25),
        # never solved: worth nothing (no signal)
        ([0, 0, 0, 0], 0.0),
        # always solved: worth nothing
        ([1, 1, 1, 1], 0.0),
        # unjudged answers are left out of p = 1/3
        ([1, None, 0, 0], 2 / 3),
        # nothing judged
        ([None], None),
        ([], None),
    ],
)
def test_learnability(rewards, expected):
    value = Learnability()(Verdict(rewards, "7"))
    if expected is None:
        assert value is None
    else:
        assert value == pytest.approx(expected)


def test_proposer_reward_names():
    # every built-in is registered under its own name
    assert {name: cls.name for name, cls in PROPOSER_REWARDS.items()} == {
        "sqlm_band": "sqlm_band", "uncertainty": "uncertainty", "learnability": "learnability"}


# ---------------------------------------------------------------------------------------------------------------
# repetition_shares


@pytest.mark.parametrize(
    "texts, threshold, expected",
    [
        # all identical: each shares its cluster with all the others
        (["1+2"] * 4, 0.8, [1.0, 1.0, 1.0, 1.0]),
        # all distinct: nothing shared
        (["12+34", "987*65", "555-1", "7*8"], 0.8, [0.0, 0.0, 0.0, 0.0]),
        # one duplicated pair among four
        (["12+34", "12+34", "987*65", "555-1"], 0.8, [1 / 3, 1 / 3, 0.0, 0.0]),
        # two clusters of two
        (["12+34", "987*65", "12+34", "987*65"], 0.8, [1 / 3, 1 / 3, 1 / 3, 1 / 3]),
        # threshold effect: "12+345" and "12+346" have trigram Jaccard 3/5 = 0.6
        (["12+345", "12+346"], 0.6, [1.0, 1.0]),
        (["12+345", "12+346"], 0.7, [0.0, 0.0]),
        # threshold 0 joins everything, even texts with no common trigram
        (["12+34", "43+21"], 0.0, [1.0, 1.0]),
        # clusters are transitive: A~B (2/3) and B~C (2/3) join A and C although A, C are only 3/7 alike
        (["abcdefg", "abcdefh", "xbcdefh"], 0.6, [1.0, 1.0, 1.0]),
        (["abcdefg", "xbcdefh"], 0.6, [0.0, 0.0]),
        # a single text is unique; no texts, no shares
        (["1+2"], 0.8, [0.0]),
        ([], 0.8, []),
    ],
)
def test_repetition_shares(texts, threshold, expected):
    assert repetition_shares(texts, threshold) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text, n, expected",
    [
        # overlapping trigrams
        ("abcd", 3, {"abc", "bcd"}),
        # repeated trigrams collapse
        ("aaaa", 3, {"aaa"}),
        # a text shorter than n is its own single gram
        ("ab", 3, {"ab"}),
        ("", 3, {""}),
        # other n
        ("abc", 2, {"ab", "bc"}),
    ],
)
def test_char_ngrams(text, n, expected):
    assert char_ngrams(text, n) == expected


# ---------------------------------------------------------------------------------------------------------------
# score_proposals: the problems judged as the loop judges them (distinct, through a fake solver), then rewarded


class FakeSolver:
    """Answers each problem with the answers listed for its canonical text, recording what it was asked."""

    def __init__(self, answers: dict[str, list[str | None]]):
        self.answers = answers
        self.calls: list[tuple[list[str], int]] = []
        self.temperatures: list[float | None] = []

    def solve(self, problems, attempts, temperature=None):
        self.calls.append(([problem.text for problem in problems], attempts))
        self.temperatures.append(temperature)
        return [[Attempt(f"<answer>{a}</answer>", a) for a in self.answers[p.text][:attempts]] for p in problems]


class RaisingVerifier(Verifier):
    name = "raising"

    def judge(self, task, problem, answers):
        raise RuntimeError("broken")


TASK = ArithmeticTask()
# 1+2=3, 2*3=6, 9-4=5; each line the solver's four answers
ANSWERS = {
    "1+2": ["3", "4", "4", "4"],  # solved once: inside the SQLM band
    "2*3": ["6", "6", "6", "6"],  # always solved: outside the band
    "9-4": ["1", "2", "1", "2"],  # never solved: outside the band
}


def proposals_of(completions, task=TASK):
    """The proposer's completions as `Proposer.write` hands them to the loop: each with the problem the task reads
    in it (None where there is none)."""
    problems = Proposer(None, task, None).parse(completions)
    return [Proposal(text, problem) for text, problem in zip(completions, problems)]


def _score(completions, settings=None, verifier=None, reward=None, solver=None, task=TASK):
    """The loop's path: the distinct valid problems answered 4 times and judged once each, then every proposal
    rewarded from its problem's judgement."""
    proposals = proposals_of(completions, task)
    problems = distinct(proposal.problem for proposal in proposals)
    judged = judge_problems(problems, solver or FakeSolver(ANSWERS), verifier or SympyVerifier(), task, 4)
    return score_proposals(proposals, {item.problem.key: item for item in judged}, reward or SQLMBand(),
                           settings or ProposerRewardConfig())


@pytest.mark.parametrize(
    "completion, expected, label",
    [
        # solved 1 of 4: SQLM band reward 1
        ("1+2", 1.0, "3"),
        # prose around the problem is fine: the canonical problem is judged
        ("What is 1 + 2?", 1.0, "3"),
        # solved 4 of 4: band reward 0
        ("2*3", 0.0, "6"),
        # solved 0 of 4: band reward 0
        ("9-4", 0.0, "5"),
        # no problem: the invalid penalty
        ("hello", -1.0, None),
        # arithmetic the task cannot read is invalid too
        ("12+34!", -1.0, None),
    ],
)
def test_score_proposals_single(completion, expected, label):
    [proposal] = _score([completion])
    assert proposal.completion == completion
    assert proposal.reward == expected
    if label is None:
        assert proposal.problem is None and proposal.judged is None
    else:
        assert proposal.judged.problem == proposal.problem
        assert len(proposal.judged.attempts) == 4
        assert proposal.judged.verdict.label == label
        assert proposal.judged.truth == label  # the ground truth found once, on the record


@pytest.mark.parametrize(
    "reward, expected",
    [
        # the reward function is applied to the verdict of "1+2" (p = 1/4)
        (SQLMBand(), 1.0),
        (SQLMBand(low=1), 0.0),
        (Uncertainty(), 0.5),
        (Learnability(), 0.75),
    ],
)
def test_score_proposals_uses_the_reward_function(reward, expected):
    [proposal] = _score(["1+2"], reward=reward)
    assert proposal.reward == pytest.approx(expected)


def test_the_proposer_is_rewarded_from_the_judged_answers_it_is_given():
    # score_proposals answers nothing itself: the reward comes from the very `Judged` the loop hands it (whose
    # answers are the solver's training samples), copies of one problem sharing it
    proposals = proposals_of(["1+2", "What is 1 + 2?", "hello"])
    problem = proposals[0].problem
    # the verdict here is not what the fake solver's answers would earn: only the given record can give 0.5
    given = Judged(problem, [Attempt("3", "3"), Attempt("4", "4")], Verdict([1.0, 0.0], "3"), "3")
    scored = score_proposals(proposals, {problem.key: given}, Uncertainty(), ProposerRewardConfig())
    assert scored[0].judged is given and scored[1].judged is given and scored[2].judged is None
    assert [p.reward for p in scored] == [1.0, 1.0, -1.0]
    assert [p.completion for p in scored] == [p.completion for p in proposals]  # in order, nothing else changed


@pytest.mark.parametrize("temperature", [None, 0.3, 1.5])
def test_judge_problems_answers_at_the_solvers_temperature_unless_given_one(temperature):
    # None: the solver's own (training) temperature, so the answers judged are ones it can train on
    solver = FakeSolver(ANSWERS)
    judge_problems([TASK.parse_problem("1+2"), TASK.parse_problem("2*3")], solver, SympyVerifier(), TASK, 4,
                   temperature)
    assert solver.temperatures == [temperature]


@pytest.mark.parametrize(
    "penalty",
    [
        # the configured penalty, not a hard-coded one
        -1.0,
        -0.5,
        0.0,
    ],
)
def test_invalid_completion_gets_invalid_penalty(penalty):
    proposals = _score(["hello", "1+2"], settings=ProposerRewardConfig(invalid_penalty=penalty))
    assert [p.reward for p in proposals] == [penalty, 1.0]


def test_unjudgeable_problem_gets_invalid_penalty():
    # a verifier failure becomes an invalid verdict, and an invalid verdict earns the invalid penalty
    [proposal] = _score(["1+2"], verifier=RaisingVerifier(), settings=ProposerRewardConfig(invalid_penalty=-0.3))
    assert proposal.judged.verdict.status == "invalid"
    assert proposal.reward == -0.3


@pytest.mark.parametrize("status", ["invalid", "timeout"])
def test_a_verdict_that_is_not_ok_gets_invalid_penalty_whatever_its_rewards(status):
    # the reward is not even asked: a timed-out group's rewards say nothing about the problem
    [proposal] = proposals_of(["1+2"])
    judged = Judged(proposal.problem, [Attempt("3", "3")] * 2, Verdict([1.0, 0.0], "3", status), "3")
    [scored] = score_proposals([proposal], {proposal.problem.key: judged}, Uncertainty(),
                               ProposerRewardConfig(invalid_penalty=-0.4))
    assert scored.judged is judged and scored.reward == -0.4


def test_reward_of_none_gets_invalid_penalty():
    # a reward function that cannot score the verdict (None) also earns the invalid penalty
    [proposal] = _score(["1+2"], reward=lambda verdict: None, settings=ProposerRewardConfig(invalid_penalty=-0.7))
    assert proposal.reward == -0.7


def test_solver_sees_only_valid_problems():
    solver = FakeSolver(ANSWERS)
    proposals = _score(["hello", "1+2", "bad", "What is 2 × 3?"], solver=solver)
    assert solver.calls == [(["1+2", "2*3"], 4)]
    # and each proposal is matched with its own problem's judgement, in order
    assert [p.judged.problem.text if p.judged else None for p in proposals] == [None, "1+2", None, "2*3"]
    assert [p.reward for p in proposals] == [-1.0, 1.0, -1.0, 0.0]


def test_no_valid_problems_samples_no_answer():
    # the loop still calls the solver with no problems: it returns none without sampling
    class NoSampling:
        def sample(self, *args, **kwargs):
            raise AssertionError("sampled with no problem to answer")

    problems = distinct(proposal.problem for proposal in proposals_of(["hello", "bad"]))
    assert problems == []
    assert judge_problems(problems, Solver(NoSampling(), TASK, 10), SympyVerifier(), TASK, 4) == []
    proposals = _score(["hello", "bad"])
    assert [p.reward for p in proposals] == [-1.0, -1.0]


@pytest.mark.parametrize(
    "completions, weight, expected",
    [
        # penalty off: duplicates are not penalised
        (["1+2", "1+2", "2*3", "9-4"], 0.0, [1.0, 1.0, 0.0, 0.0]),
        # the duplicated pair shares its cluster with 1 of 3 others: weight * 1/3 is subtracted
        (["1+2", "1+2", "2*3", "9-4"], 0.6, [1.0 - 0.2, 1.0 - 0.2, 0.0, 0.0]),
        # duplicates are found on the canonical problem, not the raw completion
        (["1+2", "What is 1 + 2?", "2*3", "9-4"], 0.6, [0.8, 0.8, 0.0, 0.0]),
        # all the same: each shares with all others
        (["2*3", "2*3", "2*3"], 0.5, [-0.5, -0.5, -0.5]),
        # invalid completions get exactly the invalid penalty, with no repetition penalty on top
        (["junk", "junk", "1+2"], 0.5, [-1.0, -1.0, 1.0]),
    ],
)
def test_repetition_penalty(completions, weight, expected):
    settings = ProposerRewardConfig(repetition_penalty=weight, repetition_threshold=0.8)
    assert [p.reward for p in _score(completions, settings=settings)] == pytest.approx(expected)


def test_a_task_or_reward_that_raises_on_model_output_does_not_stop_training():
    class Fragile(ArithmeticTask):
        def parse_problem(self, completion):
            if "boom" in completion:
                raise RuntimeError("a user's parser with a bug")
            return super().parse_problem(completion)

    def raising_reward(verdict):
        raise ZeroDivisionError("a user's reward with a bug")

    proposals = _score(["boom", "1+1"], reward=raising_reward, task=Fragile(),
                       solver=FakeSolver({"1+1": ["2", "2", "3", "3"]}),
                       settings=ProposerRewardConfig(invalid_penalty=-1.0))
    assert [p.problem is None for p in proposals] == [True, False]
    assert proposals[1].judged.verdict.status == "ok"  # judged: the reward, not the verdict, failed
    assert [p.reward for p in proposals] == [-1.0, -1.0]  # both treated as invalid, nothing raised


def test_a_problem_drawn_twice_into_a_phase_counts_once():
    # fewer fresh problems than the phase's groups: the repeats fill the batch with no weight (reward None), so
    # the same samples never get twice the gradient
    from selfplay.judging import solver_groups
    from selfplay.types import Sample

    class Prompts:
        def training_prompt(self, text):
            return f"<{text}>"

    def item(text, rewards):
        attempts = [Attempt(str(r), str(r), Sample(str(r), (1,), (2,))) for r in rewards]
        return Judged(TASK.parse_problem(text), attempts, Verdict(rewards, None))

    first, second = item("1+2", [1.0, 0.0]), item("3+4", [0.0, None])
    solver = Solver(Prompts(), TASK, 10)
    groups = solver_groups(solver, [first, second, first, first])
    assert [g.rewards for g in groups] == [[1.0, 0.0], [0.0, None], [None, None], [None, None]]
    assert groups[2].prompt == groups[0].prompt == f"<{TASK.solver_prompt(first.problem)}>"
    assert groups[2].samples == groups[0].samples


def test_partial_credit_raises_the_solver_rewards_of_near_answers_only():
    from selfplay.judging import credited, solver_groups
    from selfplay.types import Sample

    class Prompts:
        def training_prompt(self, text):
            return text

    answers = ["579", "589", "975", None, "junk"]
    attempts = [Attempt(str(a), a, Sample(str(a), (1,), (2,))) for a in answers]
    item = Judged(TASK.parse_problem("123+456"), attempts, Verdict([1.0, 0.0, 0.0, 0.0, None], label="579"))
    # the exact answer keeps its 1, wrong ones get their share of digits in place times the weight, None stays
    assert credited(TASK, item, 0.6) == pytest.approx([1.0, 0.4, 0.2, 0.0, None])
    assert credited(TASK, item, 0.0) == [1.0, 0.0, 0.0, 0.0, None]  # off: the verifier's rewards as they are
    # a verdict without a label gives nothing to be near to
    unlabelled = Judged(item.problem, attempts, Verdict([0.0] * 5, label=None))
    assert credited(TASK, unlabelled, 1.0) == [0.0] * 5
    # a verifier's own partial reward is kept where it is higher
    graded = Judged(item.problem, attempts, Verdict([1.0, 0.9, 0.0, 0.0, 0.0], label="579"))
    assert credited(TASK, graded, 1.0)[1] == 0.9
    groups = solver_groups(Solver(Prompts(), TASK, 10), [item], partial_credit=0.6)
    assert groups[0].rewards == pytest.approx([1.0, 0.4, 0.2, 0.0, None])
    assert item.verdict.rewards == [1.0, 0.0, 0.0, 0.0, None]  # the verdict, which the records keep, is untouched


def test_partial_credit_survives_a_task_whose_closeness_fails():
    from selfplay.judging import credited

    class Broken(type(TASK)):
        def closeness(self, answer, label):
            if answer == "bad":
                raise RuntimeError("a user's closeness with a bug")
            return float("nan") if answer == "nan" else 7.0

    task = Broken(**vars(TASK))
    attempts = [Attempt(a, a) for a in ("bad", "nan", "big")]
    item = Judged(TASK.parse_problem("1+2"), attempts, Verdict([0.0, 0.0, 0.0], label="3"))
    assert credited(task, item, 0.5) == [0.0, 0.0, 0.5]  # failures are no credit; credit is at most the weight
