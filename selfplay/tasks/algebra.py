"""Linear equations in one or two unknowns with integer coefficients, stated as equations or as word problems
that state their equations.

Equations are read by a small parser of linear expressions (terms like `3x`, `-2*y`, `7`), never by sympy's
parser: model text is never evaluated. The ground truth is `sympy.solve` on equations built from the parsed
integers. Answers are compared by value: `x = 3/2`, `1.5` and `3/2` agree, and `x=3, y=-2` matches `(3, -2)`.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Hashable
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, Literal

import sympy

from selfplay.answers import extract_tagged_answer, format_number, parse_number
from selfplay.tasks.base import Task
from selfplay.types import Problem

# The equation pattern (`equation_pattern`) runs in linear time: no two adjacent parts of a term can match the
# same spaces, and an equation never starts on a space (without both, a run of 20,000 spaces took seconds).
_TERM = r"(?:\d{1,6}\s*(?:\*\s*)?[a-z](?![a-z])|\d{1,6}|(?<![a-z])[a-z](?![a-z]))"
_TERM_PARTS = re.compile(r"([+-]?)\s*(\d*)\s*\*?\s*([a-z]?)", re.ASCII)
_NAMED_VALUE = re.compile(r"(?<![a-z])([a-z])\s*=\s*([-+]?\s*[0-9][0-9./]*)", re.ASCII)
_SELECTED = "Selected Question:"
# The proposer's wording shown to the solver is cut to this many characters.
_MAX_STATEMENT_CHARS = 1000


@functools.lru_cache(maxsize=None)
def equation_pattern(max_terms: int) -> re.Pattern[str]:
    """An equation between two linear expressions of at most `max_terms` terms each."""
    expression = rf"[+-]?\s*{_TERM}(?:\s*[+-]\s*{_TERM}){{0,{max_terms - 1}}}"
    # Not part of a longer expression or a chain of equations (`x = 3!`, `x = 1 = 2`); an `=` before the left side
    # is checked by the parser, since a lookbehind cannot skip spaces.
    return re.compile(rf"(?<![\w.*/^=!])(?=[+\-\w])({expression})\s*=\s*({expression})(?!\w|\.\d|\s*[*/^(=!])",
                      re.ASCII)


@dataclass
class AlgebraTask(Task):
    """Linear equations in one or two unknowns; ground truth by sympy.solve. Fields: `task.options`."""

    # Coefficients (and constants) with more digits than this make a problem invalid.
    max_coefficient_digits: int = 3
    # Terms on each side of an equation; a longer side is not read as an equation.
    max_terms: int = 8
    # A value in an answer with more digits than this (numerator and denominator together) is unparsable; at
    # least 4 * max_coefficient_digits + 2, the length of a solution of two such equations.
    max_answer_digits: int = 64
    # Only the first this many characters of a completion are read (proposer and solver alike).
    max_text_chars: int = 20_000
    # "tagged": <answer>x=3, y=-2</answer>; "plain": the completion is the answer.
    answer_format: Literal["tagged", "plain"] = "tagged"
    # In the spirit of SQLM's Table 6: several candidates, then the selected one (asking for several and keeping
    # the last raised diversity in the paper).
    topic_prompt: str = (
        "Write three hard word problems, each leading to linear equations in one or two unknowns with whole-number "
        "coefficients, and state the equations of each. Then write 'Selected Question:' followed by the one you "
        "find best, with its equations. Do not solve it."
    )
    solver_template: str = (
        "Solve this problem. Think inside <think> </think>, then give the value of each unknown inside "
        "<answer> </answer>, for example <answer>x=3, y=-2</answer>.\nProblem: {problem}"
    )

    name: ClassVar[str] = "algebra"

    def __post_init__(self) -> None:
        if not 1 <= self.max_coefficient_digits <= 6:
            raise ValueError(f"task.options.max_coefficient_digits must be 1 to 6, got {self.max_coefficient_digits}")
        if not 1 <= self.max_terms <= 20:
            raise ValueError(f"task.options.max_terms must be 1 to 20, got {self.max_terms}")
        if not 4 * self.max_coefficient_digits + 2 <= self.max_answer_digits <= 1000:
            raise ValueError(f"task.options.max_answer_digits must be between 4 * max_coefficient_digits + 2 (the "
                             f"length of a solution) and 1000, got {self.max_answer_digits}")
        self.check_shared_options()

    def proposer_prompt(self) -> str:
        return self.topic_prompt

    def parse_problem(self, completion: str) -> Problem | None:
        text = completion[: self.max_text_chars]
        if _SELECTED in text:
            text = text[text.rindex(_SELECTED) + len(_SELECTED) :]
        equations = []
        for match in equation_pattern(self.max_terms).finditer(text):
            if _after_equals(text, match.start()):
                continue
            left, right = parse_linear(match[1], self._expression_chars), parse_linear(match[2], self._expression_chars)
            if left is None or right is None:
                continue
            equation = {var: left[0].get(var, 0) - right[0].get(var, 0) for var in {*left[0], *right[0]}}
            equation = {var: coef for var, coef in equation.items() if coef}
            equations.append((equation, right[1] - left[1]))  # sum(coef * var) = constant
        # The last one equation in one unknown, or the last two sharing the same two unknowns.
        for count in (2, 1):
            if len(equations) < count:
                continue
            chosen = equations[-count:]
            names = sorted({var for equation, _ in chosen for var in equation})
            if len(names) == count and self._well_posed(chosen, names):
                # The proposer's wording is shown only when it states exactly these equations; otherwise the
                # solver would be graded on fewer unknowns than it was asked about.
                wording = text.strip()[:_MAX_STATEMENT_CHARS] if len(equations) == count else None
                return self.make_problem(chosen, names, statement=wording)
        return None

    def _well_posed(self, equations: list[tuple[dict[str, int], int]], names: list[str]) -> bool:
        limit = 10**self.max_coefficient_digits
        numbers = [abs(c) for equation, constant in equations for c in (*equation.values(), constant)]
        if any(n >= limit for n in numbers):
            return False
        matrix = [[equation.get(name, 0) for name in names] for equation, _ in equations]
        determinant = matrix[0][0] if len(names) == 1 else matrix[0][0] * matrix[1][1] - matrix[0][1] * matrix[1][0]
        return determinant != 0  # exactly one solution

    def make_problem(self, equations: list[tuple[dict[str, int], int]], names: list[str],
                     statement: str | None = None) -> Problem:
        """The canonical problem (its equations, `2x + 3y = 12; x - y = 1`), keeping the proposer's own wording
        (`statement`), which is what the solver is shown."""
        text = "; ".join(format_equation(equation, constant, names) for equation, constant in equations)
        return Problem(text=text, features={
            "equations": [[[equation.get(name, 0) for name in names], constant] for equation, constant in equations],
            "unknowns": names,
            "num_unknowns": len(names),
            "max_coefficient": max(abs(c) for equation, _ in equations for c in equation.values()),
            "statement": statement or text,
        })

    def solver_prompt(self, problem: Problem) -> str:
        return self.solver_template.replace("{problem}", problem.features.get("statement", problem.text))

    @property
    def _expression_chars(self) -> int:
        # one side of an equation: each term a sign, up to 6 digits, `*`, a letter and a few spaces
        return max(200, 16 * self.max_terms)

    @property
    def _answer_chars(self) -> int:
        # two values, each at most as long as parse_number reads, plus names and separators
        return max(200, 8 * self.max_answer_digits + 32)

    def extract_answer(self, completion: str) -> str | None:
        if self.answer_format == "tagged":
            tagged = extract_tagged_answer(completion, self.max_text_chars)
            if tagged is not None or self.answer_key(completion) is None:
                return tagged
        text = completion[: self._answer_chars].strip()
        return text or None

    def answer_key(self, answer: str | None) -> Hashable | None:
        """The values of the unknowns, ordered by name (`x=3, y=-2` and `(3, -2)` give (3, -2)).

        >>> task = AlgebraTask()
        >>> task.answer_key("x = 3/2") == task.answer_key("1.5") == task.answer_key("3/2")
        True
        >>> task.answer_key("y=-2, x=3") == task.answer_key("(3, -2)") == task.answer_key("x = 3 and y = -2")
        True
        >>> task.answer_key("x = banana") is None
        True
        """
        if answer is None or len(answer) > self._answer_chars:
            return None
        named = _NAMED_VALUE.findall(answer)
        if named:
            values = {}
            for name, text in named:
                value = parse_number(text.replace(" ", ""), self.max_answer_digits)
                if value is None or values.setdefault(name, value) != value:
                    return None
            return tuple(values[name] for name in sorted(values))
        parts = [part for part in re.split(r"[\s,;()]+|\band\b", answer) if part]
        values = [parse_number(part, self.max_answer_digits) for part in parts]
        if not values or len(values) > 2 or any(v is None for v in values):
            return None
        return tuple(values)

    def formal(self, problem: Problem) -> list[sympy.Eq]:
        names = problem.features["unknowns"]
        symbols = [sympy.Symbol(name) for name in names]
        return [sympy.Eq(sum(sympy.Integer(c) * s for c, s in zip(coefficients, symbols)), sympy.Integer(constant))
                for coefficients, constant in problem.features["equations"]]

    def format_answer(self, answer: str) -> str:
        return f"<answer>{answer}</answer>" if self.answer_format == "tagged" else answer

    def sample_problem(self, rng: random.Random, difficulty: int) -> Problem:
        """Difficulty 1: one unknown, one-digit coefficients; 2: one unknown, up to two digits; 3: two unknowns,
        one digit; 4: two unknowns, up to two digits. Solutions are integers."""
        if not 1 <= difficulty <= 4:
            raise ValueError(f"algebra problems have difficulty 1 to 4, not {difficulty}")
        names = ["x"] if difficulty <= 2 else ["x", "y"]
        bound = 9 if difficulty in (1, 3) else min(99, 10**self.max_coefficient_digits - 1)
        while True:
            solution = [rng.randint(-bound, bound) for _ in names]
            rows = [[rng.choice([c for c in range(-bound, bound + 1) if c]) for _ in names] for _ in names]
            equations = [({n: c for n, c in zip(names, row)}, sum(c * v for c, v in zip(row, solution)))
                         for row in rows]
            if self._well_posed(equations, names):
                return self.make_problem(equations, names)

    def difficulty(self, problem: Problem) -> int:
        large = problem.features["max_coefficient"] >= 10
        return (1 if problem.features["num_unknowns"] == 1 else 3) + int(large)


def parse_linear(text: str, max_chars: int = 200) -> tuple[dict[str, int], int] | None:
    """A linear expression as ({unknown: coefficient}, constant), or None if it is not one (or is longer than
    `max_chars`).

    >>> parse_linear("3x - 2*y + 7 - x")
    ({'x': 2, 'y': -2}, 7)
    >>> parse_linear("x*y") is None, parse_linear("") is None
    (True, True)
    """
    if len(text) > max_chars or re.search(r"[0-9a-z]\s+[0-9]", text):  # `3 3` is no number, `x 3` no term
        return None
    compact = text.replace(" ", "")
    if not compact:
        return None
    coefficients: dict[str, int] = {}
    constant, position = 0, 0
    while position < len(compact):
        match = _TERM_PARTS.match(compact, position)
        if match is None or match.end() == position or (position > 0 and not match[1]):
            return None
        sign = -1 if match[1] == "-" else 1
        if not match[2] and not match[3]:
            return None
        number = int(match[2]) if match[2] else 1
        if match[3]:
            coefficients[match[3]] = coefficients.get(match[3], 0) + sign * number
        else:
            constant += sign * number
        position = match.end()
    return coefficients, constant


def _after_equals(text: str, start: int) -> bool:
    """Whether an `=` comes just before `start`, spaces aside: the end of a chain `x = y = 3`."""
    position = start - 1
    while position >= 0 and text[position].isspace():
        position -= 1
    return position >= 0 and text[position] == "="


def format_equation(equation: dict[str, int], constant: int, names: list[str]) -> str:
    """`2x - y = 7`: the canonical spelling of one equation.

    >>> format_equation({"x": 2, "y": -1}, 7, ["x", "y"]), format_equation({"x": -1}, -3, ["x"])
    ('2x - y = 7', '-x = -3')
    """
    parts = []
    for name in names:
        coefficient = equation.get(name, 0)
        if not coefficient:
            continue
        size = "" if abs(coefficient) == 1 else str(abs(coefficient))
        sign = ("-" if coefficient < 0 else "") if not parts else (" - " if coefficient < 0 else " + ")
        parts.append(f"{sign}{size}{name}")
    return f"{''.join(parts)} = {constant}"


def format_solution(values: dict[str, Fraction]) -> str:
    """`x=3, y=-2`, unknowns in name order."""
    return ", ".join(f"{name}={format_number(values[name])}" for name in sorted(values))
