"""Integer arithmetic: one `+`, `-` or `*` between two non-negative integers.

The problem text is canonical (`347*829`); answers are compared by value; the ground truth is computed by sympy
from the parsed integers. `answer_format` picks how the solver writes its answer: inside `<answer>` tags or
`\\boxed{}` (chat models; a completion that is only a number counts too), bare, or with its digits reversed, least
significant first (tiny models learn carries far more easily that way, see RESEARCH.md section 4).
"""

from __future__ import annotations

import random
import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import ClassVar, Literal

import sympy

from selfplay.answers import extract_tagged_answer, parse_number
from selfplay.tasks.base import Task
from selfplay.types import Problem

# One binary operation on two integers, not part of a longer expression: `1+2+3`, `1 + 2 + 3`, `(1+2)*3`, `2**3`,
# `12+34!`, `12+34e5` and `12+34(5)` are not problems. What comes before is checked by `_continues_left` (a
# lookbehind cannot skip spaces and brackets).
_EXPRESSION = re.compile(
    r"(?<![\d.+\-*/^×!])(\d+)\s*([+\-*×])\s*(\d+)(?!\d|\.\d|[eE][+-]?\d|\(|[\s)\]}]*[+\-*/^×!])", re.ASCII)
_OPERATORS = "+-*/^×"
_LEADING_ANSWER = re.compile(r"\s*([0-9-]+)")


@dataclass
class ArithmeticTask(Task):
    """Integer problems `a+b`, `a-b`, `a*b`; ground truth by sympy. Fields: the `task.options` of a config."""

    # Which operations problems may use.
    ops: str = "+-*"
    # Operands with more digits than this make a problem invalid: it bounds the work of judging a problem.
    max_digits: int = 3
    # An answer with more digits than this (numerator and denominator together) is unparsable; at least
    # 2 * max_digits, the length of the largest product.
    max_answer_digits: int = 64
    # Only the first this many characters of a completion are read (proposer and solver alike).
    max_text_chars: int = 20_000
    # "tagged": <answer>N</answer>; "plain": the completion is the number; "reversed": its digits reversed.
    answer_format: Literal["tagged", "plain", "reversed"] = "tagged"
    # The proposer's topic prompt, in the spirit of SQLM's Table 6.
    topic_prompt: str = (
        "Write one arithmetic problem that adds, subtracts or multiplies two whole numbers of up to three digits. "
        "Choose numbers that look random, not round ones. State only the problem; do not solve it."
    )
    # The solver's prompt; {problem} is replaced by the problem, such as `347*829`.
    solver_template: str = (
        "Solve this arithmetic problem. Think inside <think> </think>, then give only the final number inside "
        "<answer> </answer>.\nProblem: {problem}"
    )

    name: ClassVar[str] = "arithmetic"

    def __post_init__(self) -> None:
        if not self.ops or set(self.ops) - set("+-*"):
            raise ValueError(f"task.options.ops must be made of '+', '-' and '*', got {self.ops!r}")
        if not 1 <= self.max_digits <= 30:
            raise ValueError(f"task.options.max_digits must be between 1 and 30, got {self.max_digits}")
        if not 2 * self.max_digits <= self.max_answer_digits <= 1000:
            raise ValueError(f"task.options.max_answer_digits must be between 2 * max_digits (a product's length) "
                             f"and 1000, got {self.max_answer_digits}")
        self.check_shared_options()

    def proposer_prompt(self) -> str:
        return self.topic_prompt

    def parse_problem(self, completion: str) -> Problem | None:
        text = completion[: self.max_text_chars]
        matches = list(_EXPRESSION.finditer(text))
        if not matches or _continues_left(text, matches[-1].start()):
            return None
        left, op, right = matches[-1].groups()
        op = "*" if op == "×" else op
        left, right = left.lstrip("0") or "0", right.lstrip("0") or "0"  # so int() never sees a huge string
        if op not in self.ops or max(len(left), len(right)) > self.max_digits:
            return None
        return self.make_problem(int(left), op, int(right))

    def make_problem(self, left: int, op: str, right: int) -> Problem:
        """The canonical problem for `left op right`, with the features used for difficulty buckets."""
        return Problem(
            text=f"{left}{op}{right}",
            features={
                "left": left,
                "op": op,
                "right": right,
                "digits": max(len(str(left)), len(str(right))),
                "carries": count_carries(left, op, right),
            },
        )

    def solver_prompt(self, problem: Problem) -> str:
        return self.solver_template.replace("{problem}", problem.text)

    def extract_answer(self, completion: str) -> str | None:
        if self.answer_format == "tagged":
            tagged = extract_tagged_answer(completion, self.max_text_chars)
            # A completion that is nothing but a number is an unambiguous answer too.
            if tagged is not None or self.answer_key(completion) is None:
                return tagged
            return completion.strip()
        match = _LEADING_ANSWER.match(completion[: self.max_text_chars])
        if match is None:
            return None
        return match[1][::-1] if self.answer_format == "reversed" else match[1]

    def answer_key(self, answer: str | None) -> Hashable | None:
        return parse_number(answer, self.max_answer_digits)

    def formal(self, problem: Problem) -> sympy.Expr:
        left, right = sympy.Integer(problem.features["left"]), sympy.Integer(problem.features["right"])
        if problem.features["op"] == "+":
            return sympy.Add(left, right, evaluate=False)
        if problem.features["op"] == "-":
            return sympy.Add(left, sympy.Mul(-1, right, evaluate=False), evaluate=False)
        return sympy.Mul(left, right, evaluate=False)

    def format_answer(self, answer: str) -> str:
        if self.answer_format == "tagged":
            return f"<answer>{answer}</answer>"
        return answer[::-1] if self.answer_format == "reversed" else answer

    def sample_problem(self, rng: random.Random, difficulty: int) -> Problem:
        """Both operands drawn uniformly from numbers of at most `difficulty` digits, at least one with exactly
        that many."""
        low, high = (0 if difficulty == 1 else 10 ** (difficulty - 1)), 10**difficulty - 1
        left, right = rng.randint(low, high), rng.randint(0, high)
        if rng.random() < 0.5:
            left, right = right, left
        return self.make_problem(left, rng.choice(self.ops), right)

    def difficulty(self, problem: Problem) -> int:
        return int(problem.features["digits"])


def _continues_left(text: str, start: int) -> bool:
    """Whether an operator comes before `start`, across spaces and opening brackets: `3 * (1+2)`, `1 + 2+3`.

    >>> _continues_left("3 * (1+2)", 5), _continues_left("What is (1+2)?", 9)
    (True, False)
    """
    position = start - 1
    while position >= 0 and (text[position].isspace() or text[position] in "([{"):
        position -= 1
    return position >= 0 and text[position] in _OPERATORS


def count_carries(left: int, op: str, right: int) -> int:
    """Carries in column addition, borrows in column subtraction (larger minus smaller), and, for products, the
    digit pairs whose product is at least 10.

    >>> count_carries(58, "+", 67), count_carries(100, "-", 1), count_carries(23, "*", 45)
    (2, 2, 3)
    """
    if op == "*":
        return sum(int(a) * int(b) >= 10 for a in str(left) for b in str(right))
    big, small = (left, right) if left >= right else (right, left)
    carries, carry = 0, 0
    while big or small:
        a, b = big % 10, small % 10
        if op == "+":
            carry = 1 if a + b + carry >= 10 else 0
        else:
            carry = 1 if a - b - carry < 0 else 0
        carries += carry
        big, small = big // 10, small // 10
    return carries
