"""The coding task on text as instruction-tuned models write it (tests/realtext/coding_*.py): no misread at all,
and most well-formed texts read."""

from __future__ import annotations

import time

import pytest

from selfplay.tasks import CodingTask
from tests.realtext import tally
from tests.realtext.coding_problems import CASES as PROBLEMS
from tests.realtext.coding_programs import CASES as PROGRAMS

TASK = CodingTask()


def read_tests(text):
    problem = TASK.parse_problem(text)
    return None if problem is None else tuple(tuple(test) for test in problem.features["tests"])


def read_program(text):
    return TASK.answer_key(TASK.extract_answer(text))


@pytest.mark.parametrize("cases, read", [(PROBLEMS, read_tests), (PROGRAMS, read_program)],
                         ids=["problems", "programs"])
def test_no_misreads_and_most_well_formed_texts_read(cases, read):
    assert len(cases) >= 150
    result = tally(cases, read)
    assert not result.misreads, "\n".join(result.misreads)
    # measured: problems 130 of 139 well-formed read, programs 124 of 128 (the rest are odd forms, rejected)
    assert result.read_share >= 0.9, f"{result.read} of {result.well_formed} read"


def test_no_statement_shows_tests_solutions_or_the_lead_in_to_the_tests():
    for case in PROBLEMS:
        problem = TASK.parse_problem(case.text)
        if problem is None:
            continue
        text = problem.text
        assert "|||" not in text and "```python" not in text and "input().split()" not in text, case.note
        assert not text.rstrip("*: ").lower().endswith(("test cases", "tests", "examples")), case.note
        assert not text.lower().startswith(("sure", "here", "certainly", "okay")), case.note


@pytest.mark.parametrize("text", [
    "`" * 20_000,
    "\n" * 20_000,
    "|||" * 7_000,
    "Print it.\n" + "`1 ||| 1`\n" * 2_000,
    "Print it.\n" + "**" * 10_000 + " ||| 1\n2 ||| 2",
    "Test " + " " * 20_000 + "1: 1 ||| 1",
    "<think>" * 3_000,
    "<answer>" * 2_000 + "</answer>" * 200,
    "```python\n" * 2_000,
    "```\n" + "    x\n" * 4_000 + "```",
    "Sure! " * 3_000,
    "1. " * 6_000 + "||| 1",
])
def test_adversarial_texts_are_read_fast(text):
    start = time.perf_counter()
    TASK.parse_problem(text)
    TASK.extract_answer(text)
    # measured: under 0.05 s each (2 shared cores)
    assert time.perf_counter() - start < 1.0
