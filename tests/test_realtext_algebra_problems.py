"""The algebra task on proposer texts as instruction-tuned models write them (tests/realtext/algebra_problems.py):
no misread, and most well-formed texts read."""

from __future__ import annotations

import re
from fractions import Fraction

import sympy

from selfplay.tasks import AlgebraTask
from tests.realtext import tally
from tests.realtext.algebra_problems import CASES

TASK = AlgebraTask()


def read(text: str) -> tuple[Fraction, ...] | None:
    """The solution of the problem the task reads in `text`, by sympy from its formal statement; None if no
    problem is read (or it has no unique solution, which the task should never let through)."""
    problem = TASK.parse_problem(text)
    if problem is None:
        return None
    names = problem.features["unknowns"]
    solution = sympy.solve(TASK.formal(problem), [sympy.Symbol(name) for name in names], dict=True)
    if len(solution) != 1 or len(solution[0]) != len(names):
        return None
    return tuple(Fraction(int(solution[0][sympy.Symbol(name)].p), int(solution[0][sympy.Symbol(name)].q))
                 for name in names)


def test_the_corpus_is_big_and_varied():
    assert len(CASES) >= 150
    assert len({case.text for case in CASES}) == len(CASES)
    assert sum(case.expected is None for case in CASES) >= 20  # texts that must be rejected


def test_no_misreads_and_most_texts_read():
    result = tally(CASES, read)
    assert not result.misreads, "\n".join(result.misreads)
    # measured: 136 of 144 well-formed texts read (the rest: 4-digit constants, a bare reference to a candidate)
    assert result.read_share >= 0.9, f"{result.read} of {result.well_formed} read"


def test_every_reading_shows_the_solver_no_solution():
    # a text that solves its problem is shown to the solver as the canonical equations, not in its own words
    for case in CASES:
        problem = TASK.parse_problem(case.text)
        if problem is not None and problem.features["statement"] != problem.text:
            statement = problem.features["statement"]
            header = re.search(r"^\W*(?:solution|answer|hint|step 1)", statement, re.IGNORECASE | re.MULTILINE)
            assert header is None, case.note
