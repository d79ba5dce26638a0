"""The algebra task: reading linear equations from model text, the sympy ground truth, answers by value."""

from __future__ import annotations

import random
import time

import pytest

from selfplay.tasks import AlgebraTask
from selfplay.tasks.algebra import parse_linear
from verifiers import MajorityVerifier, SympyVerifier

TASK = AlgebraTask()
TRUTH = SympyVerifier()


@pytest.mark.parametrize("text, canonical, truth", [
    # one equation, one unknown, constants moved to the right
    ("3x + 2 = 11", "3x = 9", "x=3"),
    # inside prose, trailing full stop
    ("Solve 3x + 2 = 11.", "3x = 9", "x=3"),
    # a word problem stating two equations
    ("Apples cost x and pears y. We know 2x + 3y = 12 and x - y = 1.", "2x + 3y = 12; x - y = 1", "x=3, y=2"),
    # only the text after the last "Selected Question:" counts
    ("1) 5x = 10\nSelected Question: 4a - 7 = 9, find a", "4a = 16", "a=4"),
    # unknowns on both sides, explicit multiplication
    ("2*x + 1 = x + 5", "x = 4", "x=4"),
    # a fractional solution
    ("2x = 3", "2x = 3", "x=3/2"),
])
def test_parse_and_truth(text, canonical, truth):
    problem = TASK.parse_problem(text)
    assert problem is not None and problem.text == canonical
    assert TRUTH.truth(TASK, problem) == truth


@pytest.mark.parametrize("text", [
    "x * y = 3",  # not linear
    "x + y = 3",  # two unknowns, one equation: no unique answer
    "2x + 2y = 4; x + y = 2",  # dependent equations
    "2 = 2",  # no unknown
    "x^2 = 4",  # a power
    "1000x = 5",  # coefficient beyond max_coefficient_digits=3
    "what is x?",  # no equation
    "",  # nothing
    "x = = 3",
    "3x + 2 = 11" * 5000,  # huge input: cut, and still nothing that raises
    # chains of `=` and factorials are no equations (the solver would be shown them, and graded on less)
    "x = 1 = 2",
    "x = y = z = 1",
    "2x + 3 = 7 = 8",
    "x = 3!",
    "x! = 6",
])
def test_invalid_problems(text):
    problem = TASK.parse_problem(text)
    assert problem is None or problem.text.count("=") <= 2  # the huge repeat may still hold a valid last equation


@pytest.mark.parametrize("answers, expected", [
    # by value: every spelling of 3/2
    (["x = 3/2", "1.5", "3/2", "x=1.50"], [1, 1, 1, 1]),
    (["x=2", "two", "", None], [0, 0, 0, 0]),
])
def test_one_unknown_answers_by_value(answers, expected):
    assert TRUTH.judge(TASK, TASK.parse_problem("2x = 3"), answers).rewards == expected


@pytest.mark.parametrize("answer, reward", [
    ("x=3, y=2", 1), ("(3, 2)", 1), ("x = 3 and y = 2", 1), ("y=2, x=3", 1),
    ("(2, 3)", 0),  # order matters when unnamed: unknowns in name order
    ("x=3", 0),  # half an answer
    ("x=3, x=4", 0),  # contradictory
])
def test_two_unknown_answers(answer, reward):
    problem = TASK.parse_problem("2x + 3y = 12; x - y = 1")
    assert TRUTH.judge(TASK, problem, [answer]).rewards == [reward]


def test_majority_groups_answers_equal_by_value():
    problem = TASK.parse_problem("2x = 3")
    verdict = MajorityVerifier().judge(TASK, problem, ["x=2", "1.5", "x = 3/2", "2", "3/2"])
    assert verdict.rewards == [0, 1, 1, 0, 1] and TASK.answer_key(verdict.label) == TASK.answer_key("1.5")


def test_parse_linear():
    assert parse_linear("3x - 2*y + 7 - x") == ({"x": 2, "y": -2}, 7)
    assert parse_linear("-x") == ({"x": -1}, 0)
    assert parse_linear("x y") is None and parse_linear("3 3") is None and parse_linear("+") is None


@pytest.mark.parametrize("difficulty, unknowns, large", [(1, 1, False), (2, 1, True), (3, 2, False), (4, 2, True)])
def test_sample_problem_levels(difficulty, unknowns, large):
    rng = random.Random(difficulty)
    for _ in range(20):
        problem = TASK.sample_problem(rng, difficulty)
        assert problem.features["num_unknowns"] == unknowns
        assert TASK.parse_problem(problem.text) == problem  # the canonical text parses back to itself
        truth = TASK.answer_key(TRUTH.truth(TASK, problem))
        assert all(value.denominator == 1 for value in truth)  # integer solutions
    assert TASK.difficulty(problem) in ((difficulty,) if large or difficulty in (1, 3) else (difficulty, difficulty - 1))


def test_solver_sees_the_proposers_wording():
    problem = TASK.parse_problem("A farmer has 3x + 2 = 11 sheep.")
    assert problem.text == "3x = 9" and "A farmer has 3x + 2 = 11 sheep." in TASK.solver_prompt(problem)


def test_extra_equations_hide_the_wording():
    # solving steps agree with the system, but would give the answer away: the solver is shown the canonical
    # equations instead of the wording
    problem = TASK.parse_problem("x + y = 10 and x - y = 2, so 2x = 12 and x = 6")
    assert problem.text == "x + y = 10; x - y = 2" and problem.features["statement"] == problem.text
    # a restated equation gives nothing away: the wording stays
    problem = TASK.parse_problem("Two numbers: x + y = 10 and x - y = 2. Again: x + y = 10.")
    assert problem.features["statement"].startswith("Two numbers")


def test_three_unknowns_are_no_problem():
    # this once read `z = 3` alone (the last equation in one unknown); which unknowns are asked about is unclear
    assert TASK.parse_problem("x + y = 10, x - y = 2 and z = 3") is None


def test_difficulty_beyond_four_is_refused():
    with pytest.raises(ValueError, match="difficulty 1 to 4"):
        TASK.sample_problem(random.Random(0), 5)


# ---------------------------------------------------------------------------------------------------------------
# limits: just under each works, just over is rejected


def side(terms: int) -> str:
    """`x + 1 + 1 + ...`: one side of an equation with this many terms."""
    return " + ".join(["x"] + ["1"] * (terms - 1))


@pytest.mark.parametrize("options, text, readable", [
    # max_terms: a side of exactly that many terms is read, one more is not
    ({}, side(8) + " = 10", True),
    ({}, side(9) + " = 10", False),
    ({"max_terms": 2}, "x + 1 = 3", True),
    ({"max_terms": 2}, "x + 1 + 1 = 4", False),
    # max_coefficient_digits: the largest number with that many digits, then the smallest with one more
    ({}, "999x = 999", True),
    ({}, "1000x = 5", False),
    ({"max_coefficient_digits": 1}, "9x = 9", True),
    ({"max_coefficient_digits": 1}, "10x = 9", False),
    # max_text_chars: an equation ending exactly at the limit is read; one character later it is cut
    ({"max_text_chars": 100}, " " * 95 + "x = 3", True),
    ({"max_text_chars": 100}, " " * 96 + "x = 3", False),
])
def test_problem_limits(options, text, readable):
    assert (AlgebraTask(**options).parse_problem(text) is not None) == readable


@pytest.mark.parametrize("answer, expected", [
    # max_answer_digits=14: 14 digits in all read, 15 do not, named or not
    ("x = " + "9" * 14, (int("9" * 14),)),
    ("x = " + "9" * 15, None),
    ("1234567/1234567", (1,)),
    ("1234567/12345678", None),
])
def test_max_answer_digits(answer, expected):
    assert AlgebraTask(max_answer_digits=14).answer_key(answer) == expected


@pytest.mark.parametrize("options, message", [
    ({"max_terms": 0}, "max_terms"),
    ({"max_terms": 21}, "max_terms"),
    # a solution of two equations with 3-digit coefficients can need 14 digits
    ({"max_answer_digits": 13}, "max_answer_digits"),
    ({"max_coefficient_digits": 6, "max_answer_digits": 25}, "max_answer_digits"),
    ({"max_text_chars": 99}, "max_text_chars"),
])
def test_bad_options_raise(options, message):
    with pytest.raises(ValueError, match=message):
        AlgebraTask(**options)


@pytest.mark.parametrize("text", [
    # runs of spaces, tabs or newlines once cost the equation pattern quadratic time (seconds at 20,000)
    " " * 20_000,
    "1" + " " * 20_000,
    "3x" + " " * 20_000 + "= 1",
    "\t" * 20_000 + "x = 3",
    "1 " * 10_000,
])
def test_parsing_is_fast_on_long_runs(text):
    start = time.perf_counter()
    TASK.parse_problem(text)
    TASK.extract_answer(text)
    # measured: at most 0.03 s (2-core EPYC, other work running); the quadratic pattern took 47 to 63 s
    assert time.perf_counter() - start < 1.0



# ---------------------------------------------------------------------------------------------------------------
# reading equations the way instruction-tuned models write them


@pytest.mark.parametrize("text, canonical", [
    # a line break ends an equation: `25\nx` is never `25x`
    ("x + y = 25\nx - y = 7", "x + y = 25; x - y = 7"),
    ("x + y =\n25", None),
    ("3x + 2\n= 11", None),
    # unicode minus, times and dots; LaTeX products; asterisks
    ("2x \u2212 y = 7 and x + y = 8", "2x - y = 7; x + y = 8"),
    ("3 \u00d7 x + 2 \u00d7 y = 19, x - y = 3", "3x + 2y = 19; x - y = 3"),
    ("3\u00b7x = 6", "3x = 6"),
    ("3 \\cdot x + 2 \\times y = 19, x - y = 3", "3x + 2y = 19; x - y = 3"),
    ("3*x + 2 * y = 19, x - y = 3", "3x + 2y = 19; x - y = 3"),
    ("x*y = 6", None),
    # an en dash is a minus only between operands
    ("2x\u2013y = 7, x + y = 8", "2x - y = 7; x + y = 8"),
    ("2x \u2013 y = 7, x + y = 8", None),
    # numbered and labelled equations
    ("1) 2x + 3y = 12\n2) x - y = 1", "2x + 3y = 12; x - y = 1"),
    ("(1) 2x + 3y = 12\n(2) x - y = 1", "2x + 3y = 12; x - y = 1"),
    ("Equation 1: 2x + 3y = 12\nEquation 2: x - y = 1", "2x + 3y = 12; x - y = 1"),
    ("1. 2x + 3y = 12\n2. x - y = 1", "2x + 3y = 12; x - y = 1"),
    ("Eq. (1): 2x + 3y = 12\nEq. (2): x - y = 1", "2x + 3y = 12; x - y = 1"),
    ("2x + 3y = 12   (1)\nx - y = 1   (2)", "2x + 3y = 12; x - y = 1"),
    ("a) 2x + 3y = 12, b) x - y = 1", "2x + 3y = 12; x - y = 1"),
    # brackets: one level, multiplied by a number written against them
    ("2(x + 3) = 10", "2x = 4"),
    ("3(x - 2) + 4 = 19", "3x = 21"),
    ("-(x - 2) = 5", "-x = 3"),
    ("x = (3)", "x = 3"),
    ("2 (x + 3) = 10", None),  # `2 (1)` is a label as often as a product
    ("2(3(x + 1)) = 12", None),
    ("(x + 1)(x - 1) = 3", None),
    ("5x + 3 = 18 (total apples)", "5x = 15"),  # a bracket holding words is prose
    # upper-case unknowns are lower-cased; the article `A` and the pronoun `I` are no unknowns
    ("A + B = 25\nA - B = 7", "a + b = 25; a - b = 7"),
    ("A farmer has 3x + 2 = 11 sheep.", "3x = 9"),
    ("I think a 3x + 2 = 11 problem is good.", "3x = 9"),
    ("A = 2B and A + B = 30", "a - 2b = 0; a + b = 30"),
    ("x + X = 4", None),
    # LaTeX and markdown
    ("$2x + 3y = 12$ and $x - y = 1$", "2x + 3y = 12; x - y = 1"),
    ("\\(2x + 3y = 12\\), \\(x - y = 1\\)", "2x + 3y = 12; x - y = 1"),
    ("\\begin{cases} 2x + y = 7 \\\\ x - y = 2 \\end{cases}", "2x + y = 7; x - y = 2"),
    ("\\begin{align*} 2x + y &= 7 \\\\ x - y &= 2 \\end{align*}", "2x + y = 7; x - y = 2"),
    ("\\frac{x}{2} = 3", None),
    ("\\sqrt{x} = 3", None),
    ("**2x + y = 7** and *x - y = 2*", "2x + y = 7; x - y = 2"),
    ("- x + y = 25\n- x - y = 7", "x + y = 25; x - y = 7"),  # bullets, not minus signs
    ("x**2 = 4", None),
    # thousands separators: 1,200 is 1200 (beyond the default three digits); `1,20` is nothing
    ("x + y = 1,200 and x - y = 200", None),
    ("x = 1,20", None),
    # words beside an equation that change it
    ("twice x = 24", None),
    ("x = 3 times y, x + y = 8", None),
    ("the sum of x and y = 7, x - y = 1", None),
    ("x + y = 7 and x - y = 1", "x + y = 7; x - y = 1"),
    ("Let x = number of adults and y = number of children. x + y = 7, x - y = 1", "x + y = 7; x - y = 1"),
    # not integer-linear, so not read at all (dropping the equation could leave a different system)
    ("x/2 + y = 5\nx - y = 1\nx + y = 3", None),
    ("0.5x = 3", None),
    ("x\u00b2 + y = 5, x - y = 1", None),
    ("|x| + y = 5, x - y = 1", None),
    ("x + y >= 10, x - y = 2", None),
    ("a.b.c.d = 1", None),
    ("5kg + x = 9", None),
])
def test_model_writing(text, canonical):
    problem = TASK.parse_problem(text)
    assert (problem.text if problem else None) == canonical


@pytest.mark.parametrize("text, canonical", [
    ("**Selected Question:** x + y = 25 and x - y = 7", "x + y = 25; x - y = 7"),
    ("Selected question: x + y = 25 and x - y = 7", "x + y = 25; x - y = 7"),
    ("### Selected Question\nx + y = 25\nx - y = 7", "x + y = 25; x - y = 7"),
    ("SELECTED QUESTION - x + y = 25 and x - y = 7", "x + y = 25; x - y = 7"),
    # only the text after the last marker counts, and never the candidates when a selection exists
    ("1) x + y = 9, x - y = 1\nSelected Question: the first one", None),
    ("Problem 1: 2x = 4\nSelected Question: Problem 1", None),
    ("Selected Question: 2x = 4\nSelected Question: 3x = 9", "3x = 9"),
    # a solution, hint or answer after the selected question is not read
    ("Selected Question: x + y = 25, x - y = 7\nSolution: x = 15, y = 10", "x + y = 25; x - y = 7"),
    ("Selected Question: 3x = 9\n**Hint:** 3x = 12 would be easier", "3x = 9"),
    ("Selected Question: 3x = 9\nAnswer: x = 4", "3x = 9"),
    # steps written without a header must agree with the system
    ("Selected Question: x + y = 25, x - y = 7. Adding, 2x = 32 and x = 16.", "x + y = 25; x - y = 7"),
    ("Selected Question: x + y = 25, x - y = 7. Adding, 2x = 30 and x = 15.", None),
    # with no selection, several candidates are no problem
    ("Problem 1: 2x = 4\nProblem 2: 3x = 9", None),
    ("x + y = 9, x - y = 1\nx + y = 25, x - y = 7", None),
])
def test_selected_question(text, canonical):
    problem = TASK.parse_problem(text)
    assert (problem.text if problem else None) == canonical


def test_thousands_separators_read_when_the_limit_allows():
    task = AlgebraTask(max_coefficient_digits=4, max_answer_digits=18)
    assert task.parse_problem("x + y = 1,200 and x - y = 200").text == "x + y = 1200; x - y = 200"
    assert task.parse_problem("x + y = 12,00") is None


def test_chains_and_definitions_are_skipped_not_read():
    # `x = 12/2 = 6` is a claim, `x = number of apples` a definition: neither is an equation, neither rejects
    assert TASK.parse_problem("2x = 12, so x = 12/2 = 6").text == "2x = 12"
    assert TASK.parse_problem("x = number of apples; 2x + 1 = 7").text == "2x = 6"
    # but an `=` that is neither, and cannot be read, rejects the problem
    assert TASK.parse_problem("x = 2.5; 2x + 1 = 7") is None
    assert TASK.parse_problem("Total = 5; 2x + 1 = 7") is None


def test_parse_linear_brackets_and_unicode():
    assert parse_linear("3(x \u2212 2) + 4") == ({"x": 3}, -2)
    assert parse_linear("2 \u00d7 X") == ({"x": 2}, 0)
    assert parse_linear("x + 1 + 1", max_terms=2) is None
    assert parse_linear("9999999x") is None  # over six digits
    assert parse_linear("x = 2") is None


@pytest.mark.parametrize("text", [
    " " * 20_000,
    "=" * 20_000,
    "x = " * 5_000,
    "\n" * 20_000,
    "(" * 20_000,
    ")" * 20_000,
    "(" * 10_000 + "x" + ")" * 10_000 + " = 1",
    "2(" * 10_000,
    "(1) " * 5_000,
    "1) " * 7_000,
    "- " * 10_000,
    "\n- x" * 7_000,
    "*" * 20_000,
    "\\" * 20_000,
    "\\begin{" * 3_000,
    "\\text{" * 3_000,
    "x + " * 5_000 + "= 1",
    "a " * 10_000,
    "1," * 10_000,
    "x = 1, " * 3_000,
    "2x + 3y = 12; " * 1_500,
    "Selected Question: " * 1_100,
    "\nSolution" * 2_200,
    "\u2013" * 20_000,
    "|" * 20_000,
])
def test_reading_is_fast_on_adversarial_text(text):
    start = time.perf_counter()
    TASK.parse_problem(text)
    # measured: at most 0.06 s (2-core EPYC, other work running)
    assert time.perf_counter() - start < 1.0
