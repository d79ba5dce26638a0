"""Arithmetic: expressions of `+ - * / ^` on integers and decimals, as many operations as `max_operations` allows.

The proposer's problem is read with selfplay/expressions.py (prose, markdown, LaTeX and spelled-out forms as chat
models write them); the problem text is canonical (`347*829`, `(138+188)*8`); answers are compared by value; the
ground truth is computed by sympy from the parsed expression tree, never from model text. `answer_format` picks
how the solver writes its answer: inside `<answer>` tags or `\\boxed{}` (chat models; a completion that is only a
number counts too), bare, or with its digits reversed, least significant first (tiny models learn carries far
more easily that way, see RESEARCH.md section 4).
"""

from __future__ import annotations

import random
import re
from collections.abc import Hashable
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, Literal

import sympy

from selfplay.answers import after_thinking, extract_tagged_answer, parse_number, read_number
from selfplay.expressions import (MAX_OPERATIONS, PRECEDENCE, Expression, Tree, find_problem, is_tree,
                                  number_value)
from selfplay.tasks.base import Task
from selfplay.types import Problem

_LEADING_ANSWER = re.compile(r"\s*([0-9-]+)")
_DIGITS = re.compile(r"[0-9]+")


@dataclass
class ArithmeticTask(Task):
    """Arithmetic problems such as `a+b`, `234*567+89`, `3/4-1.5`; ground truth by sympy. Fields: the
    `task.options` of a config."""

    # Which operations problems may use, any of `+-*/^` (`-` covers a minus sign too). Decimals and fractions are
    # read only where `/` is allowed: without it every answer is a whole number.
    ops: str = "+-*"
    # The most operations a problem may have (a minus sign counts): 1 is the tiny model's single `a+b`; chat
    # models write a few, `(234 × 567) + 89`.
    max_operations: int = 4
    # Operands with more digits than this make a problem invalid: it bounds the work of judging a problem.
    max_digits: int = 3
    # An answer with more digits than this (numerator and denominator together) is unparsable; at least
    # 2 * max_digits, the length of the largest product.
    max_answer_digits: int = 64
    # Only the first this many characters of a completion are read (proposer and solver alike).
    max_text_chars: int = 20_000
    # {problem_reversed} writes each number with at least this many digits, zeros in front (0: as it is).
    pad_operands: int = 0
    # The warm start teaches answers "plain" or "reversed" written with at least this many digits, zeros in front
    # (0: as they are): 122 as `2210000` with 7, so every answer has the same length and the model never decides
    # where a number ends. Answers are read by value, padded or not.
    pad_answer: int = 0
    # "tagged": <answer>N</answer>; "plain": the completion is the number; "reversed": its digits reversed.
    answer_format: Literal["tagged", "plain", "reversed"] = "tagged"
    # What the warm start and `sft` teach the solver to write. "answer": the answer alone. "columns": column
    # addition in words first, inside <think> </think>, one column per digit from the units up (at least
    # `pad_operands` columns) with the carry added in, then the tagged answer; for 47+38,
    # `<think>7+8=15 4+3+1=8</think><answer>85</answer>`. Needs `answer_format: tagged`; a problem that is not a
    # sum of two whole numbers is taught its answer alone.
    teach: Literal["answer", "columns"] = "answer"
    # With "columns", the share of taught solutions that slip once: one column summed off by one, caught at once
    # and summed again after `slip_marker`, as in `7+8=14 wait, 7+8=15`. The model learns to doubt itself in words,
    # which the instruments count (`instruments.markers`; "wait" is one of them).
    slip_share: float = 0.0
    slip_marker: str = "wait,"
    # The proposer's topic prompt, in the spirit of SQLM's Table 6.
    topic_prompt: str = (
        "Write one arithmetic problem that adds, subtracts or multiplies two whole numbers of up to three digits. "
        "Choose numbers that look random, not round ones. State only the problem; do not solve it."
    )
    # The solver's prompt; {problem} is replaced by the problem, such as `347*829`, {problem_reversed} by the problem
    # with the digits of each number reversed, least significant first (`743*928`): with the answer reversed too,
    # each digit of a sum is the same distance from the two digits it adds, at every place.
    solver_template: str = (
        "Solve this arithmetic problem. Think inside <think> </think>, then give only the final number inside "
        "<answer> </answer>, as a fraction such as 9/8 if it is not a whole number.\nProblem: {problem}"
    )

    name: ClassVar[str] = "arithmetic"
    problem_placeholders: ClassVar[tuple[str, ...]] = ("{problem}", "{problem_reversed}")

    def __post_init__(self) -> None:
        if not self.ops or set(self.ops) - set(PRECEDENCE):
            raise ValueError(f"task.options.ops must be made of '+', '-', '*', '/' and '^', got {self.ops!r}")
        if not 1 <= self.max_operations <= MAX_OPERATIONS:
            raise ValueError(f"task.options.max_operations must be between 1 (one `a+b`) and {MAX_OPERATIONS}, got "
                             f"{self.max_operations}")
        if not 1 <= self.max_digits <= 30:
            raise ValueError(f"task.options.max_digits must be between 1 and 30, got {self.max_digits}")
        if not 0 <= self.pad_answer <= 30:
            raise ValueError(f"task.options.pad_answer must be between 0 (no padding) and 30, got {self.pad_answer}")
        if not 0 <= self.pad_operands <= 30:
            raise ValueError(f"task.options.pad_operands must be between 0 (no padding) and 30, got "
                             f"{self.pad_operands}")
        if not 2 * self.max_digits <= self.max_answer_digits <= 1000:
            raise ValueError(f"task.options.max_answer_digits must be between 2 * max_digits (a product's length) "
                             f"and 1000, got {self.max_answer_digits}")
        if self.teach not in ("answer", "columns"):
            raise ValueError(f"task.options.teach must be 'answer' or 'columns', got {self.teach!r}")
        if self.teach == "columns" and self.answer_format != "tagged":
            raise ValueError("task.options.teach: columns writes <think> before <answer>: it needs "
                             f"answer_format: tagged, got {self.answer_format!r}")
        if isinstance(self.slip_share, bool) or not isinstance(self.slip_share, (int, float)) or \
                not 0 <= self.slip_share <= 1:
            raise ValueError(f"task.options.slip_share must be a share between 0 and 1, got {self.slip_share!r}")
        if not isinstance(self.slip_marker, str) or not 0 < len(self.slip_marker.strip()) <= 40:
            raise ValueError(f"task.options.slip_marker must be a phrase of 1 to 40 characters, got "
                             f"{self.slip_marker!r}")
        self.check_shared_options()

    def proposer_prompt(self) -> str:
        return self.topic_prompt

    def parse_problem(self, completion: str) -> Problem | None:
        text = after_thinking(completion[: self.max_text_chars])  # a model that thinks first states it after
        tree = find_problem(text) if text is not None else None
        expression = Expression.of(tree, self.max_answer_digits) if tree is not None else None
        if expression is None or not self.allows(expression):
            return None
        return self.make_problem(expression)

    def allows(self, expression: Expression) -> bool:
        """Whether a problem is within the options: its operators, operations, operand digits, and an answer
        that can be written in `max_answer_digits` digits (what `answer_key` reads)."""
        value = expression.value
        answer_digits = len(str(abs(value.numerator))) + (len(str(value.denominator)) if value.denominator > 1 else 0)
        return (expression.operators <= set(self.ops) and expression.operations <= self.max_operations
                and expression.digits <= self.max_digits and (not expression.decimals or "/" in self.ops)
                and answer_digits <= self.max_answer_digits)

    def make_problem(self, expression: Expression) -> Problem:
        """The canonical problem for an expression, with the features used for difficulty buckets: `operations`,
        `digits` (the most operand digits) and the `expression` tree that `formal` states; for one operation on
        two whole numbers also `left`, `op`, `right` and, for `+ - *`, `carries`."""
        features: dict = {}
        tree = expression.tree
        operands = tree[1:] if isinstance(tree, list) else []
        if len(operands) == 2 and all(isinstance(operand, str) and "." not in operand for operand in operands):
            left, op, right = int(operands[0]), tree[0], int(operands[1])
            features.update(left=left, op=op, right=right)
            if op in "+-*":
                features["carries"] = count_carries(left, op, right)
        features.update(operations=expression.operations, digits=expression.digits, expression=tree)
        return Problem(text=expression.text, features=features)

    def solver_prompt(self, problem: Problem) -> str:
        prompt = self.solver_template.replace("{problem}", problem.text)
        if "{problem_reversed}" not in prompt:
            return prompt
        return prompt.replace("{problem_reversed}",
                              _DIGITS.sub(lambda digits: digits[0].zfill(self.pad_operands)[::-1], problem.text))

    def extract_answer(self, completion: str) -> str | None:
        if self.answer_format == "tagged":
            tagged = extract_tagged_answer(completion, self.max_text_chars)
            # A completion that is nothing but a number is an unambiguous answer too (only a bare number: prose
            # without tags is not read).
            if tagged is not None or parse_number(completion[: self.max_text_chars], self.max_answer_digits) is None:
                return tagged
            return completion.strip()
        match = _LEADING_ANSWER.match(completion[: self.max_text_chars])
        if match is None:
            return None
        return match[1][::-1] if self.answer_format == "reversed" else match[1]

    def answer_key(self, answer: str | None) -> Hashable | None:
        """The value of an answer: in the tagged format as chat models write it (`\\boxed{287,663}`, `$-3/4$`,
        `\\frac{3}{4}`, "287663 apples"; see `read_number`), in the tiny model's formats the bare number only.

        >>> task = ArithmeticTask()
        >>> task.answer_key("3/4") == task.answer_key(r"$\\frac{3}{4}$") == task.answer_key("0.75")
        True
        >>> task.answer_key("**0.75**"), task.answer_key("1.234")  # 1.234 may be 1234 written the European way
        (Fraction(3, 4), None)
        """
        if self.answer_format == "tagged":
            return read_number(answer, self.max_answer_digits)
        return parse_number(answer, self.max_answer_digits)

    def closeness(self, answer: str | None, label: str) -> float | None:
        """The share of places, counted from the units, where a whole-number answer has the label's digit, out of
        the longer of the two (a digit too many costs as one wrong); 0 for an unreadable answer, a fraction, or the
        wrong sign. The answers are compared by value, so the answer format does not matter.

        >>> task = ArithmeticTask()
        >>> [task.closeness(answer, "1234") for answer in ("1234", "1034", "234", "91234", "-1234", "1/2", None)]
        [1.0, 0.75, 0.75, 0.8, 0.0, 0.0, 0.0]
        """
        value, truth = self.answer_key(answer), self.answer_key(label)
        if not isinstance(value, Fraction) or not isinstance(truth, Fraction):
            return 0.0
        if value.denominator != 1 or truth.denominator != 1 or (value < 0) != (truth < 0):
            return 0.0
        digits, wanted = str(abs(value.numerator))[::-1], str(abs(truth.numerator))[::-1]
        return sum(a == b for a, b in zip(digits, wanted)) / max(len(digits), len(wanted))

    def plausible(self, problem: Problem, answer: str | None) -> bool:
        """For a sum or a product of two whole numbers, by the operands' digit counts alone: a sum has as many
        digits as the longer operand or one more, a product the two counts' total or one less, and neither is
        negative. Any answer to anything else, and any unreadable answer, passes (it is judged elsewhere).

        >>> task = ArithmeticTask()
        >>> [task.plausible(task.parse_problem("123+456"), answer) for answer in ("579", "1579", "57", "-579")]
        [True, True, False, False]
        >>> [task.plausible(task.parse_problem("12*34"), answer) for answer in ("408", "4080", "40800")]
        [True, True, False]
        """
        features = problem.features
        value = self.answer_key(answer)
        if not isinstance(value, Fraction) or features.get("op") not in ("+", "*") or "left" not in features:
            return True
        left, right, op = abs(int(features["left"])), abs(int(features["right"])), features["op"]
        if value.denominator != 1 or (value < 0 and (features["left"] < 0) == (features["right"] < 0)):
            return False
        digits = len(str(abs(value.numerator)))
        if op == "+":
            if (features["left"] < 0) != (features["right"] < 0):
                return True  # a difference in disguise: any length
            longest = max(len(str(left)), len(str(right)))
            return longest <= digits <= longest + 1
        if left == 0 or right == 0:
            return value == 0
        total = len(str(left)) + len(str(right))
        return total - 1 <= digits <= total

    def formal(self, problem: Problem) -> sympy.Expr | None:
        tree = problem.features.get("expression")
        if tree is None and {"left", "op", "right"} <= problem.features.keys():  # recorded before expressions
            tree = [problem.features["op"], str(problem.features["left"]), str(problem.features["right"])]
        return statement(tree) if is_tree(tree) else None

    def format_answer(self, answer: str) -> str:
        if self.answer_format == "tagged":
            return f"<answer>{answer}</answer>"
        if self.pad_answer:
            answer = answer.zfill(self.pad_answer)
        return answer[::-1] if self.answer_format == "reversed" else answer

    def teaching_completion(self, problem: Problem, truth: str, rng: random.Random) -> str:
        """With `teach: columns`, a sum of two whole numbers is taught as column addition before its answer (a
        `slip_share` of them with one slip, caught and corrected); anything else as `format_answer` writes it.

        >>> task = ArithmeticTask(teach="columns", slip_share=1.0)
        >>> task.teaching_completion(task.parse_problem("47+38"), "85", random.Random(0))
        '<think>7+8=15 4+3+1=7 wait, 4+3+1=8</think><answer>85</answer>'
        """
        features = problem.features
        if self.teach != "columns" or features.get("op") != "+" or "left" not in features or \
                min(features["left"], features["right"]) < 0:
            return self.format_answer(truth)
        left, right = features["left"], features["right"]
        columns = max(len(str(left)), len(str(right)), self.pad_operands)
        slip = rng.randrange(columns) if rng.random() < self.slip_share else None
        thinking = column_addition(left, right, columns, slip, rng.choice((-1, 1)), self.slip_marker)
        return f"<think>{thinking}</think>" + self.format_answer(truth)

    def sample_problem(self, rng: random.Random, difficulty: int) -> Problem:
        """One operation. Both operands drawn uniformly from numbers of at most `difficulty` digits, at least one
        with exactly that many; a divisor is never 0; a power's base is the larger, its exponent at most 9 and
        small enough for the result to fit in `max_answer_digits`."""
        low, high = (0 if difficulty == 1 else 10 ** (difficulty - 1)), 10**difficulty - 1
        left, right = rng.randint(low, high), rng.randint(0, high)
        if rng.random() < 0.5:
            left, right = right, left
        op = rng.choice(self.ops)
        if op == "/" and right == 0:
            right = rng.randint(1, high)
        if op == "^":
            left = max(left, right)
            right = rng.randint(1 if left == 0 else 0, max(1, min(9, self.max_answer_digits // difficulty)))
        expression = Expression.of([op, str(left), str(right)], self.max_answer_digits)
        if expression is None:
            raise ValueError(f"difficulty {difficulty}: {left}{op}{right} has more than max_answer_digits digits")
        return self.make_problem(expression)

    def difficulty(self, problem: Problem) -> int:
        return int(problem.features["digits"])


def statement(tree: Tree) -> sympy.Expr:
    """The sympy statement of an expression tree, unevaluated (the verifier does the arithmetic): numbers are
    sympy rationals, `a-b` is `a + (-1)*b` and `a/b` is `a * b**-1`.

    >>> statement(["/", ["-", "3", "1.5"], "4"]).doit(), statement(["+", "1", "2"]).args
    (3/8, (1, 2))
    """
    if isinstance(tree, str):
        value = number_value(tree)
        return sympy.Rational(value.numerator, value.denominator)
    op, *operands = tree
    parts = [statement(operand) for operand in operands]
    if len(parts) == 1:
        return sympy.Mul(-1, parts[0], evaluate=False)
    left, right = parts
    if op == "+":
        return sympy.Add(left, right, evaluate=False)
    if op == "-":
        return sympy.Add(left, sympy.Mul(-1, right, evaluate=False), evaluate=False)
    if op == "*":
        return sympy.Mul(left, right, evaluate=False)
    if op == "/":
        return sympy.Mul(left, sympy.Pow(right, -1, evaluate=False), evaluate=False)
    return sympy.Pow(left, right, evaluate=False)


def column_addition(left: int, right: int, columns: int, slip: int | None = None, off_by: int = 1,
                    marker: str = "wait,") -> str:
    """Column addition of two whole numbers written out, units first, one `a+b=s` per column (`a+b+1=s` with a
    carry), over `columns` columns at least. With `slip`, that column is first summed `off_by` wrong (one more
    where that would be negative), then again, right, after `marker`.

    >>> column_addition(95, 7, 3), column_addition(5, 4, 1, slip=0, off_by=-1)
    ('5+7=12 9+0+1=10 0+0+1=1', '5+4=8 wait, 5+4=9')
    """
    written, carry = [], 0
    for column, (a, b) in enumerate(zip(str(left)[::-1].ljust(columns, "0"), str(right)[::-1].ljust(columns, "0"))):
        terms = f"{a}+{b}" + ("+1" if carry else "")
        total = int(a) + int(b) + carry
        step = f"{terms}={total}"
        if column == slip:
            wrong = total + off_by if total + off_by >= 0 else total + 1
            step = f"{terms}={wrong} {marker} {step}"
        written.append(step)
        carry = total // 10
    return " ".join(written)


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
