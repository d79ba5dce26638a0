"""Coding: the proposer writes a small programming problem plus test cases as `INPUT ||| OUTPUT` lines (SQLM's
format); the solver sees the problem without its tests and writes a Python program that reads standard input.

There is no formal ground truth: the `code` verifier runs each program against the proposer's tests in a sandbox
(see selfplay/sandbox.py). Held-out problems with tests written for this project ship with it
(`coding_problems.json`).
"""

from __future__ import annotations

import functools
import json
import random
import re
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from selfplay.answers import extract_tagged_answer
from selfplay.tasks.base import Task
from selfplay.types import Problem

# `[^\S\n]*`, not `\s*`: whitespace that cannot also be the newline after it, or an unclosed fence followed by
# many blank lines costs quadratic time (20,000 newlines took over a second).
_FENCED = re.compile(r"```(?:python|py)?[^\S\n]*\n(.*?)```", re.DOTALL)
_SEPARATOR = "|||"
SHIPPED_PROBLEMS = Path(__file__).with_name("coding_problems.json")


@dataclass
class CodingTask(Task):
    """Problems on space-separated integers with `INPUT ||| OUTPUT` tests; judged by running the solver's
    programs (the `code` verifier). Fields: `task.options`."""

    # A problem needs at least this many tests, and keeps at most `max_tests`.
    min_tests: int = 2
    max_tests: int = 8
    # Longest test input or output, and longest statement, in characters: they bound what runs and what is shown.
    max_test_chars: int = 200
    max_statement_chars: int = 2000
    # Only the first this many characters of a completion are read (the problem, or the program).
    max_text_chars: int = 20_000
    # In the spirit of SQLM's Table 6.
    topic_prompt: str = (
        "Write one easy programming problem whose input is a single line of space-separated integers and whose "
        "output is one line. After the problem, write 5 test cases, one per line, as INPUT ||| OUTPUT. "
        "Do not solve it."
    )
    solver_template: str = (
        "Write a Python 3 program that reads the input from standard input and prints the answer. Think inside "
        "<think> </think>, then give only the program inside <answer> </answer>.\nProblem: {problem}"
    )

    name: ClassVar[str] = "coding"

    def __post_init__(self) -> None:
        if not 1 <= self.min_tests <= self.max_tests <= 50:
            raise ValueError("task.options needs 1 <= min_tests <= max_tests <= 50")
        self.check_shared_options()

    def proposer_prompt(self) -> str:
        return self.topic_prompt

    def parse_problem(self, completion: str) -> Problem | None:
        statement, tests = [], []
        for line in completion[: self.max_text_chars].splitlines():
            if _SEPARATOR not in line:
                if not tests:  # the statement comes before the tests; prose after them is ignored
                    statement.append(line)
                continue
            parts = line.split(_SEPARATOR)
            given, expected = (part.strip() for part in parts[:2]) if len(parts) == 2 else ("", "")
            if not given or not expected or max(len(given), len(expected)) > self.max_test_chars:
                return None  # a test that does not parse makes the problem invalid
            tests.append([given, expected])
        text = "\n".join(statement).strip()
        if not text or len(text) > self.max_statement_chars or len(tests) < self.min_tests:
            return None
        return self.make_problem(text, tests[: self.max_tests])

    def make_problem(self, text: str, tests: list[list[str]], level: int = 1, reference: str | None = None,
                     ) -> Problem:
        features = {"tests": tests, "num_tests": len(tests), "level": level}
        if reference is not None:
            features["reference"] = reference
        return Problem(text=text, features=features)

    def proposal_text(self, problem: Problem) -> str:
        return problem.text + "\n" + "\n".join(f"{given} {_SEPARATOR} {expected}"
                                                for given, expected in problem.features["tests"])

    def reference_answer(self, problem: Problem) -> str | None:
        return problem.features.get("reference")

    def solver_prompt(self, problem: Problem) -> str:
        return self.solver_template.replace("{problem}", problem.text)

    def extract_answer(self, completion: str) -> str | None:
        """The program: inside <answer> tags (fences inside them removed), else the last ```python block."""
        tagged = extract_tagged_answer(completion, self.max_text_chars)
        if tagged is not None:
            fenced = _FENCED.findall(tagged + ("\n" if not tagged.endswith("\n") else ""))
            return (fenced[-1] if fenced else tagged).strip() or None
        fenced = _FENCED.findall(completion[: self.max_text_chars])
        if not fenced:
            return None
        return fenced[-1].strip() or None

    def answer_key(self, answer: str | None) -> Hashable | None:
        """Programs agree only when they are the same text (up to blank lines and trailing spaces); whether they
        are right is for the `code` verifier to find out by running them."""
        if answer is None:
            return None
        lines = [line.rstrip() for line in answer.strip().splitlines() if line.strip()]
        return "\n".join(lines) or None

    def sample_problem(self, rng: random.Random, difficulty: int) -> Problem:
        """One of the shipped problems of this level (1 easy, 2 harder)."""
        problems = [p for p in shipped_problems() if p["level"] == difficulty]
        if not problems:
            raise ValueError(f"no shipped coding problems of level {difficulty}")
        chosen = rng.choice(problems)
        return self.make_problem(chosen["statement"], chosen["tests"], chosen["level"], chosen["reference"])

    def difficulty(self, problem: Problem) -> int:
        return int(problem.features.get("level", 1))

    def is_correct(self, problem: Problem, answer: str | None, truth: str | None) -> bool:
        """A program is right when it passes every test (run in the sandbox, with the `code` verifier's defaults)."""
        return _judge().judge(self, problem, [answer]).rewards == [1.0]


@functools.cache
def _judge():
    """One code verifier for evaluation, so its cache of program results is shared across calls."""
    from verifiers.code import CodeVerifier

    return CodeVerifier()


def shipped_problems() -> list[dict[str, Any]]:
    return json.loads(SHIPPED_PROBLEMS.read_text())
