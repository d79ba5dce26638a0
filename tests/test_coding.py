"""The coding task: problems with `INPUT ||| OUTPUT` tests, programs pulled out of completions."""

from __future__ import annotations

import random
import time

import pytest

from selfplay.tasks import CodingTask
from selfplay.tasks.coding import shipped_problems

TASK = CodingTask()

GOOD = """Print the sum of the integers.
1 2 3 ||| 6
10 -4 ||| 6
7 ||| 7"""


def test_problem_and_tests_are_separated():
    problem = TASK.parse_problem(GOOD)
    assert problem.text == "Print the sum of the integers."
    assert problem.features["tests"] == [["1 2 3", "6"], ["10 -4", "6"], ["7", "7"]]
    assert "|||" not in TASK.solver_prompt(problem)  # the solver never sees the tests


@pytest.mark.parametrize("completion", [
    "Print the sum.\n1 2 ||| 3",  # fewer than min_tests
    "1 2 ||| 3\n4 ||| 4",  # tests without a statement
    "Print the sum.\n1 2 ||| 3\n ||| 4",  # a test without input
    "Print the sum.\n1 2 ||| 3\n4 ||| ",  # a test without output
    "Print the sum.\n1 2 ||| 3 ||| 4\n5 ||| 5",  # two separators on one line
    "Print the sum.\n" + "1 " * 200 + "||| 3\n4 ||| 4",  # a test input over max_test_chars
    "",
])
def test_tests_that_do_not_parse_make_the_problem_invalid(completion):
    assert TASK.parse_problem(completion) is None


def test_tests_beyond_max_tests_are_dropped():
    completion = "Echo the number.\n" + "\n".join(f"{i} ||| {i}" for i in range(20))
    assert TASK.parse_problem(completion).features["num_tests"] == TASK.max_tests


@pytest.mark.parametrize("completion, program", [
    ("<think>easy</think><answer>print(1)</answer>", "print(1)"),
    ("<answer>\n```python\nprint(2)\n```\n</answer>", "print(2)"),  # a fence inside the tags
    ("Here:\n```python\nprint(3)\n```\nand\n```python\nprint(4)\n```", "print(4)"),  # the last fenced block
    ("print(5)", None),  # no tags, no fence: no program
    ("<answer></answer>", None),
])
def test_extract_program(completion, program):
    assert TASK.extract_answer(completion) == program


def test_answer_key_ignores_blank_lines_and_trailing_spaces():
    assert TASK.answer_key("x = 1  \n\nprint(x)\n") == TASK.answer_key("x = 1\nprint(x)")
    assert TASK.answer_key(None) is None


def test_shipped_problems_are_well_formed_and_sampled_by_level():
    problems = shipped_problems()
    assert {p["level"] for p in problems} == {1, 2} and len(problems) >= 10
    for entry in problems:
        text = entry["statement"] + "\n" + "\n".join(f"{i} ||| {o}" for i, o in entry["tests"])
        assert TASK.parse_problem(text).features["tests"] == entry["tests"]
    problem = TASK.sample_problem(random.Random(0), 2)
    assert TASK.difficulty(problem) == 2 and problem.features["num_tests"] == 5


@pytest.mark.parametrize("length, read", [
    # a problem or a program that ends exactly at max_text_chars is read; one character later it is cut
    (100, True),
    (101, False),
])
def test_max_text_chars_bounds_what_is_read(length, read):
    task = CodingTask(max_text_chars=100)
    tests = "\n1 ||| 1\n2 ||| 2"
    assert (task.parse_problem("Echo." + " " * (length - 5 - len(tests)) + tests) is not None) == read
    # (cut, the second test reads `2 ||| ` and makes the problem invalid)
    tag = "<answer>print(1)</answer>"
    assert (task.extract_answer("x" * (length - len(tag)) + tag) == "print(1)") == read


@pytest.mark.parametrize("completion", [
    # an unclosed fence followed by many blank lines once cost the fence pattern quadratic time (over a second)
    "```python\n" + "\n" * 20_000,
    "<answer>```\n" + "\n" * 20_000 + "</answer>",
    "```" + " " * 20_000,
])
def test_extracting_is_fast_on_unclosed_fences(completion):
    start = time.perf_counter()
    TASK.extract_answer(completion)
    # measured: under 0.001 s (2-core EPYC, other work running); the quadratic fence pattern took 8 s
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("options", [{"max_text_chars": 99}, {"max_text_chars": 1_000_001}])
def test_bad_text_limit_raises(options):
    with pytest.raises(ValueError, match="max_text_chars"):
        CodingTask(**options)
