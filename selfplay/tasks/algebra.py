"""Linear equations in one or two unknowns with integer coefficients, stated as equations or as word problems
that state their equations.

Equations are read by a small parser of linear expressions (terms like `3x`, `-2*y`, `7`), never by sympy's
parser: model text is never evaluated. The ground truth is `sympy.solve` on equations built from the parsed
integers. Answers are compared by value: `x = 3/2`, `1.5` and `3/2` agree, and `x=3, y=-2` matches `(3, -2)`.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Hashable
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, Literal

import sympy

from selfplay.answers import after_thinking, clean_answer, extract_tagged_answer, format_number, read_number
from selfplay.tasks.base import Task
from selfplay.types import Problem

# In an answer (cleaned and lowercased): an unknown's name and its `=`; its value runs to the next name.
_NAMED_VALUE = re.compile(r"(?<![a-z0-9_])([a-z])\s*=", re.ASCII)
# `(x, y) = (3, -2)`; values holding a comma of their own (`1,000`) do not match, and are rejected.
_NAMED_PAIR = re.compile(r"\(\s*([a-z])\s*,\s*([a-z])\s*\)\s*=\s*\(([^(),=]*),([^(),=]*)\)", re.ASCII)
# `3,200` between unnamed values: 3200, or 3 and 200?
_THOUSANDS = re.compile(r"\d,\d{3}(?!\d)", re.ASCII)

# Reading proposer text. It is untrusted (the proposer is trained to earn reward from it): only a bounded prefix is
# read, every pattern here runs in linear time, nothing is evaluated, and whatever is unclear rejects the problem, since
# a misread system teaches both roles a wrong answer while a rejected one costs a sample.
#
# The proposer's choice among its candidates (`**Selected Question:**`, `### Selected question`): only the text
# after the last one is read.
_SELECTED = re.compile(r"selected[ \t]+(?:question|problem)", re.IGNORECASE)
# A worked solution, hint or answer after the selected question: it is not read, so it cannot add equations.
_SOLUTION = re.compile(r"^[ \t>#*_]*(?:solution|solving|answer|hint|step[ \t]*1\b|step-by-step|let'?s solve|"
                       r"let us solve|verification|explanation|check)", re.IGNORECASE | re.MULTILINE)
# With no selection, a second candidate means several problems and no choice among them.
_CANDIDATES = re.compile(r"\b(?:problem|question)[ \t]*#?[ \t]*(?:2|two|ii)\b", re.IGNORECASE)
# The proposer's wording shown to the solver is cut to this many characters.
_MAX_STATEMENT_CHARS = 1000
# Characters with an ASCII meaning in equations: U+2212 minus; `×` and `·` (U+E001 here: a product sign, which,
# unlike `*`, is never markdown emphasis); the no-break space; line breaks (a line break separates equations); LaTeX's
# `$` and `&` (delimiters, alignment).
_CHARACTERS = str.maketrans({
    "\u2212": "-", "\ufe63": "-", "\uff0d": "-", "\u00d7": "\ue001", "\u00b7": "\ue001", "\u22c5": "\ue001",
    "\u2219": "\ue001", "\u2715": "\ue001", "\u00a0": " ", "\r": "\n", "\f": "\n", "\v": "\n", "\u2028": "\n",
    "\u2029": "\n", "$": " ", "&": " ",
})
# LaTeX, rewritten in order: text in `\text{}` is prose; environments and `\\` break lines; `\cdot` and `\times`
# multiply; `\left(` is `(`; delimiters and spacing are spaces; any other command (`\frac`, `\sqrt`) poisons what
# it touches (U+E000).
_LATEX = [
    (re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mathit|mbox)[ \t]*\{([^{}\n]{0,200})\}"), r" \1 "),
    (re.compile(r"\\(?:begin|end)[ \t]*\{[a-zA-Z*]{1,20}\}(?:\{[a-zA-Z|]{1,20}\})?"), "\n"),
    (re.compile(r"\\\\"), "\n"),
    (re.compile(r"\\(?:cdot|times|ast)(?![a-zA-Z])"), " \ue001 "),
    (re.compile(r"\\(?:left|right|big|Big|bigl|bigr|Bigl|Bigr)(?![a-zA-Z])"), ""),
    (re.compile(r"\\(?:[()\[\]{},;:! ]|quad|qquad|displaystyle|textstyle)"), " "),
    (re.compile(r"\\[a-zA-Z]*"), "\ue000"),
]
# Markdown: bold and headings, quotes and `- ` bullets at a line's start (a bullet is no minus sign).
_MARKDOWN = [(re.compile(r"\*\*|__"), " "), (re.compile(r"^[ \t>#]*(?:-{1,3}[ \t]+)?", re.MULTILINE), " ")]
# A dash joining two operands is a minus sign; elsewhere (`Problem 1 – Tickets`) it is punctuation.
_DASH_MINUS = re.compile(r"(?<=[0-9A-Za-z)])[\u2012\u2013](?=[0-9A-Za-z(])")
_TOKEN = re.compile(r"(?P<space>[ \t]+)|(?P<number>[0-9]+(?:,[0-9]{3})*)|(?P<word>[^\W\d_]+)|(?P<op>[-+*=()\ue001])"
                    r"|(?P<other>[\s\S])")
# Characters that continue an expression the parser cannot read (`x/2`, `x^2`, `3!`, `x_1`, `[`, `x >= 2`): an
# equation touching one is unreadable, never cut short.
_POISON = set("/^!_{}[]\\%<>~`'\ue000")
# Words that change the meaning of an expression next to them (`twice x = 8`, `x = 3 times y`, `the sum of x
# and y = 7`): an equation beside one is unreadable.
_MATH_WORDS = frozenset("""twice thrice double doubled triple tripled half halved quarter third thirds times plus minus
    less more than over divided multiplied product quotient of squared cubed square cube root sqrt percent per negative
    opposite sum difference ratio exceeds exceed fewer greater increased decreased reduced added subtracted by from
    between zero one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty
    hundred thousand dozen""".split())
# Words that join two expressions: `x and y = 7` may be `(x and y) = 7`.
_JOINERS = frozenset({"and", "or", "with", "to"})
# Roman numerals used as equation labels, `(ii)`.
_ROMAN = frozenset({"i", "ii", "iii", "iv", "vi"})
# Token kinds
_NUM, _VAR, _OP, _WORD, _SEP, _POISONED = "num", "var", "op", "word", "sep", "poison"


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
        """The system stated after the last `Selected Question` (or in the whole text when there is none), read
        only when every equation in that text is clear and all of them agree on one solution.

        >>> task = AlgebraTask()
        >>> task.parse_problem("Problem 1: x + y = 9\\n**Selected Question:** Ann has a + b = 25 and a - b = 7.").text
        'a + b = 25; a - b = 7'
        >>> task.parse_problem("x + y = 25\\nx - y = 7\\nSo x = 16 and y = 9.").text  # solving steps agree
        'x + y = 25; x - y = 7'
        >>> task.parse_problem("x + y = 25, x - y = 7, x = 15") is None  # they do not: which is meant?
        True
        """
        text = after_thinking(completion[: self.max_text_chars])  # a model that thinks first states it after
        if text is None:
            return None
        selected = None
        for selected in _SELECTED.finditer(text):
            pass
        if selected is not None:
            text = text[selected.end() :]
            solution = _SOLUTION.search(text, 1)
            text = text[: solution.start()] if solution else text
        elif _CANDIDATES.search(text):
            return None
        equations = self._read_equations(text)
        if not equations:
            return None
        names = sorted({name for equation, _ in equations for name in equation})
        if not 1 <= len(names) <= 2:
            return None
        # The first equations that fix the solution are the problem; every other one must hold for it (a restated
        # equation, a solving step), or which system is meant is unclear.
        chosen = [next((equation, constant) for equation, constant in equations if equation)]
        if len(names) == 2:
            row = [chosen[0][0].get(name, 0) for name in names]
            chosen += [(equation, constant) for equation, constant in equations
                       if row[0] * equation.get(names[1], 0) != row[1] * equation.get(names[0], 0)][:1]
        if len(chosen) < len(names) or not self._well_posed(chosen, names):
            return None
        solution = _solve(chosen, names)
        if any(sum(coefficient * solution[name] for name, coefficient in equation.items()) != constant
               for equation, constant in equations):
            return None
        # The proposer's wording is shown only when it states these equations and nothing derived from them (a
        # solving step would give the answer away).
        restated = all(any(_proportional(equation, constant, *other, names) for other in chosen)
                       for equation, constant in equations)
        wording = text.strip(" \t\n*_#:").strip()[:_MAX_STATEMENT_CHARS] if restated else None
        return self.make_problem(chosen, names, statement=wording)

    def _read_equations(self, text: str) -> list[tuple[dict[str, int], int]] | None:
        """Every equation in `text` as ({unknown: coefficient}, constant) with the unknowns on the left; None if
        any `=` there is unclear. Chains (`x = 32/2 = 16`) are claims, not equations, and definitions
        (`x = number of adults`) state none: both are skipped."""
        tokens = _tokens(_normalize(text))
        equations, cases = [], set()
        runs = _runs(tokens)
        equals_in = [[i for i in range(start, end) if tokens[i][0] == _OP and tokens[i][1] == "="]
                     for start, end in runs]
        for k, (start, end) in enumerate(runs):
            if len(equals_in[k]) != 1:
                continue
            equals = [equals_in[k][0] - start]
            run = tokens[start:end]
            left, right = run[: equals[0]], run[equals[0] + 1 :]
            before = tokens[start - 1] if start > 0 else None
            after = tokens[end] if end < len(tokens) else None
            if not left or not right:
                if _is_definition(left or right, before if not left else after):
                    continue
                return None
            if any(token[0] == _POISONED for token in run) or _touches_math_word(tokens, start, end):
                return None
            if k > 0 and runs[k - 1][1] == start - 1 and not equals_in[k - 1] and tokens[start - 1][1] in _JOINERS:
                return None  # `the sum of x and y = 7`: the left side began before the `and`
            if run[0][1] in ("+", "*") or (run[0][1] == "-" and start > 1 and tokens[start - 1][0] == _WORD
                                           and tokens[start - 2][4] == tokens[start - 1][3]):
                return None  # `5kg + x = 9`: so did this one
            if left[-1][4] - left[0][3] > self._expression_chars or right[-1][4] - right[0][3] > self._expression_chars:
                return None
            sides = _parse_expression(left, self.max_terms), _parse_expression(right, self.max_terms)
            if sides[0] is None or sides[1] is None:
                return None
            (left_terms, left_constant), (right_terms, right_constant) = sides
            equation = {name: left_terms.get(name, 0) - right_terms.get(name, 0)
                        for name in {*left_terms, *right_terms}}
            equations.append(({name: c for name, c in sorted(equation.items()) if c}, right_constant - left_constant))
            cases.update(token[5] for token in run if token[0] == _VAR)
        if len(cases) != len({name.lower() for name in cases}):
            return None  # `X` and `x` both: one unknown or two?
        return equations

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
        """The values of the unknowns, ordered by name (`x=3, y=-2` and `(3, -2)` give (3, -2)); names are read
        case-insensitively, values as `read_number` reads them.

        >>> task = AlgebraTask()
        >>> task.answer_key("x = 3/2") == task.answer_key("1.5") == task.answer_key(r"$x = \\frac{3}{2}$")
        True
        >>> task.answer_key("y=-2, x=3") == task.answer_key("(3, -2)") == task.answer_key(r"\\boxed{X = 3,\\ Y = −2}")
        True
        >>> task.answer_key("x = banana") is None, task.answer_key("x = 3, x = 4") is None
        (True, True)
        """
        if answer is None or len(answer) > self._answer_chars:
            return None
        text = clean_answer(answer, self._answer_chars)
        if text is None:
            return None
        text = text.lower()
        if pair := _NAMED_PAIR.fullmatch(text):
            text = f"{pair[1]} = {pair[3]}, {pair[2]} = {pair[4]}"
        names = list(_NAMED_VALUE.finditer(text))
        if names:
            if text[: names[0].start()].strip(" ,;"):
                return None  # words before the first name: `where x = 3`, `2x = 6`
            values: dict[str, Fraction] = {}
            for name, following in zip(names, [*names[1:], None]):
                # the value runs to the next name, less the separators before it: `3 and `, `3, `
                raw = text[name.end() : following.start() if following else None].rstrip(" ,;&")
                raw = raw[:-4].rstrip(" ,;&") if raw.endswith(" and") else raw
                value = None if raw.lstrip().startswith("=") else read_number(raw, self.max_answer_digits)  # x == 2
                if value is None or values.setdefault(name[1], value) != value:
                    return None
            return tuple(values[name] for name in sorted(values))
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        if _THOUSANDS.search(text):
            return None
        parts = re.split(r"\s*(?:[,;]|\band\b)\s*", text)
        values = [read_number(part, self.max_answer_digits) for part in parts]
        if len(values) > 2 or any(v is None for v in values):
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


def parse_linear(text: str, max_chars: int = 200, max_terms: int = 20) -> tuple[dict[str, int], int] | None:
    """A linear expression as ({unknown: coefficient}, constant), or None if it is not one (or is longer than
    `max_chars`). Integers only; brackets one level deep, multiplied by a number (`2(x + 3)`).

    >>> parse_linear("3x - 2*y + 7 - x")
    ({'x': 2, 'y': -2}, 7)
    >>> parse_linear("3(x − 2) + 4"), parse_linear("2 × X")
    (({'x': 3}, -2), ({'x': 2}, 0))
    >>> parse_linear("x*y") is None, parse_linear("") is None, parse_linear("x/2") is None
    (True, True, True)
    """
    if len(text) > max_chars:
        return None
    tokens = _tokens(_normalize(text))
    if not tokens or any(token[0] not in (_NUM, _VAR, _OP) or token[1] == "=" for token in tokens):
        return None
    return _parse_expression(tokens, max_terms)


def _normalize(text: str) -> str:
    """Model text with its LaTeX, markdown and unicode spelled the way the tokenizer reads equations."""
    for pattern, replacement in _LATEX:
        text = pattern.sub(replacement, text)
    text = _DASH_MINUS.sub("-", text.translate(_CHARACTERS))
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return text


def _tokens(text: str) -> list[tuple]:
    """The text as tokens (kind, value, spaced, start, end, raw): numbers, unknowns (single letters, lowercased),
    operators, words, separators (punctuation, line breaks) and poison (what no equation may touch). `spaced`: a
    space or tab comes before it."""
    tokens: list[list] = []
    spaced = False
    for match in _TOKEN.finditer(text):
        kind, raw, start = match.lastgroup, match.group(), match.start()
        if kind == "space":
            spaced = True
            continue
        if kind == "number":
            groups = raw.split(",")
            good = len(groups[0]) <= 3 or len(groups) == 1
            token = [_NUM, int(raw.replace(",", "")), spaced] if good and len(raw) <= 9 else [_POISONED, raw, spaced]
        elif kind == "word":
            if not raw.isalpha():  # `x²`, `½`: letters and numbers run together
                token = [_POISONED, raw, spaced]
            elif len(raw) == 1 and raw.isascii():
                token = [_VAR, raw.lower(), spaced]
            else:
                token = [_WORD, raw.lower(), spaced]
        elif kind == "op":
            token = [_OP, "*" if raw == "\ue001" else raw, spaced]
        else:
            following = text[start + 1 : start + 2]
            previous = text[start - 1 : start]
            if raw == "." and following.isalnum() and following.isascii():
                token = [_POISONED, raw, spaced]  # a decimal point, `a.b`
            elif raw in ",:" and previous.isdigit() and following.isdigit():
                token = [_POISONED, raw, spaced]  # `1,20` (neither a list nor thousands), `3:1`, `3:00`
            elif raw == "|" and previous in ("", " ", "\t", "\n") and following in ("", " ", "\t", "\n"):
                token = [_SEP, raw, spaced]  # a table's border; `|x|` is poison
            elif raw in _POISON or raw == "|" or (not raw.isascii() and unicodedata.category(raw)[0] in "SN"):
                token = [_POISONED, raw, spaced]
            elif not raw.isascii() and unicodedata.category(raw) == "Pd":
                token = ["dash", raw, spaced]
            else:
                token = [_SEP, raw, spaced]
        tokens.append([*token, start, match.end(), raw])
        spaced = False
    _settle(tokens)
    return [tuple(token) for token in tokens]


def _settle(tokens: list[list]) -> None:
    """Decide in context what a token means: articles, contractions, dashes, emphasis, labels and prose brackets."""
    count = len(tokens)

    def glued(i: int) -> bool:  # token i follows token i - 1 with no space
        return 0 < i < count and not tokens[i][2] and tokens[i - 1][4] == tokens[i][3]

    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < count else None
        if token[0] == _VAR:
            if i > 0 and glued(i) and tokens[i - 1][5] in "'\u2019":
                token[0] = _WORD  # `Let's`, `Tom's`
            elif (token[5] in ("a", "A", "I") and following is not None and following[2]
                  and following[0] in (_WORD, _VAR, _NUM)):
                token[0] = _WORD  # the article in `A farmer` or `a 3x + 2 = 11`
        elif token[0] == "dash":
            # `a + c = 300 — the total` ends an equation; a dash before an operand may be a minus sign
            word = following is not None and following[0] == _WORD and len(following[1]) > 1
            token[0] = _SEP if word and following[1] not in _MATH_WORDS else _POISONED
    for i, token in enumerate(tokens):
        if token[0] == _OP and token[1] == "*":
            # a product only between operands; otherwise markdown emphasis, which is a space
            previous = tokens[i - 1] if i > 0 else None
            following = tokens[i + 1] if i + 1 < count else None
            operand_before = previous is not None and (previous[0] in (_NUM, _VAR) or previous[1] == ")")
            operand_after = following is not None and (following[0] in (_NUM, _VAR) or following[1] == "(")
            beside_equals = (previous is not None and previous[1] == "=") or (following is not None
                                                                            and following[1] == "=")
            if not (operand_before and operand_after) and (token[5] != "*" or beside_equals):
                token[0] = _POISONED  # `×` or `\cdot` with nothing to multiply, `x *= 2`
            elif not (operand_before and operand_after):
                token[0] = "gone"
                if following is not None:
                    following[2] = True
        if token[0] == _NUM and ((i > 0 and glued(i) and tokens[i - 1][0] == _WORD)
                                 or (i + 1 < count and glued(i + 1) and tokens[i + 1][0] == _WORD)):
            token[0] = _POISONED  # `5kg`, `3rd`, `2xy`
    tokens[:] = [token for token in tokens if token[0] != "gone"]
    _settle_brackets(tokens)


def _settle_brackets(tokens: list[list]) -> None:
    """Brackets holding words are prose (`(total tickets)`), brackets holding `=` hold an equation (`(so x = 2y)`),
    and `(1)`, `(ii)` and `1)` beside an equation are labels: all are separators. An unmatched bracket is left to
    fail the parse."""
    stack: list[int] = []
    words = [0]  # words[i]: how many words or `=` come before token i
    for token in tokens:
        words.append(words[-1] + (token[0] == _WORD or token[1] == "="))
    for i, token in enumerate(tokens):
        # a label stands apart from what follows it: `(1) 2x`, not `(1)2x`
        apart = i + 1 == len(tokens) or tokens[i + 1][2] or tokens[i + 1][0] in (_SEP, _WORD)
        if token[0] == _SEP and token[5] == "\n":
            stack.clear()
        elif token[0] == _OP and token[1] == "(":
            stack.append(i)
        elif token[0] == _OP and token[1] == ")":
            if stack:
                opening = stack.pop()
                inside = tokens[opening + 1]
                label = (apart and i == opening + 2 and (inside[0] == _NUM and inside[1] < 100 or inside[1] in _ROMAN)
                         and (opening == 0 or tokens[opening][2] or tokens[opening - 1][0] in (_SEP, _WORD)))
                before = tokens[opening - 1] if opening > 0 else None
                if label and before is not None and before[0] == _OP and before[1] != ")":
                    label = False  # `x = (3)`, `x + (2)`: a bracketed operand
                if words[i] > words[opening + 1] or label:
                    tokens[opening][0] = token[0] = _SEP
            elif apart and i > 0 and tokens[i - 1][0] in (_NUM, _VAR) and (i < 2 or tokens[i - 2][0] in (_SEP, _WORD)):
                if tokens[i - 1][0] == _VAR or tokens[i - 1][1] < 100:
                    tokens[i - 1][0] = token[0] = _SEP  # `1) 2x + y = 7`, `b) x - y = 2`
            elif apart and i > 0 and tokens[i - 1][0] == _WORD and tokens[i - 1][1] in _ROMAN:
                token[0] = _SEP


def _runs(tokens: list[tuple]) -> list[tuple[int, int]]:
    """(start, end) of each stretch of numbers, unknowns, operators and poison between words and separators."""
    runs, start = [], None
    for i, token in enumerate(tokens):
        if token[0] in (_WORD, _SEP):
            if start is not None:
                runs.append((start, i))
            start = None
        elif start is None:
            start = i
    if start is not None:
        runs.append((start, len(tokens)))
    return runs


def _is_definition(side: list[tuple], beside: tuple | None) -> bool:
    """`x = number of adults` or `the price = p`: one unknown on one side, an ordinary word on the other."""
    return (len(side) == 1 and side[0][0] == _VAR and beside is not None and beside[0] == _WORD
            and beside[1] not in _MATH_WORDS)


def _touches_math_word(tokens: list[tuple], start: int, end: int) -> bool:
    """Whether the equation in tokens[start:end] is beside a word that changes it (`twice x = 8`, `x = 3 times
    y`)."""
    before = tokens[start - 1] if start > 0 else None
    after = tokens[end] if end < len(tokens) else None
    return (before is not None and before[0] == _WORD and before[1] in _MATH_WORDS) or (
            after is not None and after[0] == _WORD and after[1] in _MATH_WORDS)


def _parse_expression(tokens: list[tuple], max_terms: int) -> tuple[dict[str, int], int] | None:
    """A linear expression from tokens: terms joined by `+` and `-`, a sign only first (or first in a bracket),
    products with at most one factor holding an unknown, `2x` and `2(x + 1)` with no space, brackets one deep,
    numbers of at most six digits and at most `max_terms` terms in all."""
    position, terms = 0, 0

    def peek() -> tuple | None:
        return tokens[position] if position < len(tokens) else None

    def expression(depth: int) -> tuple[dict[str, int], int] | None:
        nonlocal position, terms
        total: dict[str, int] = {}
        constant, sign = 0, 1
        token = peek()
        if token is not None and token[0] == _OP and token[1] in "+-":
            sign, position = (-1 if token[1] == "-" else 1), position + 1
        while True:
            terms += 1
            value = term(depth)
            if value is None or terms > max_terms:
                return None
            for name, coefficient in value[0].items():
                total[name] = total.get(name, 0) + sign * coefficient
            constant += sign * value[1]
            token = peek()
            if token is None or not (token[0] == _OP and token[1] in "+-"):
                return total, constant
            sign, position = (-1 if token[1] == "-" else 1), position + 1

    def term(depth: int) -> tuple[dict[str, int], int] | None:
        nonlocal position
        value = factor(depth)
        while value is not None:
            token, previous = peek(), tokens[position - 1]
            if token is None:
                return value
            if token[0] == _OP and token[1] == "*":
                position += 1
                other = factor(depth)
            elif previous[0] == _NUM and not token[2] and (token[0] == _VAR or token[1] == "("):
                other = factor(depth)  # `2x`, `2(x + 3)`
            else:
                return value
            if other is None or (value[0] and other[0]):
                return None  # `x * y` is not linear
            scale, linear = (value[1], other) if not value[0] else (other[1], value)
            value = {name: scale * c for name, c in linear[0].items()}, scale * linear[1]
        return None

    def factor(depth: int) -> tuple[dict[str, int], int] | None:
        nonlocal position
        token = peek()
        if token is None:
            return None
        position += 1
        if token[0] == _NUM and token[1] < 10**6:
            return {}, token[1]
        if token[0] == _VAR:
            return {token[1]: 1}, 0
        if token[0] == _OP and token[1] == "(" and depth == 0:
            inner = expression(depth + 1)
            closing = peek()
            if inner is None or closing is None or closing[1] != ")" or closing[0] != _OP:
                return None
            position += 1
            return inner
        return None

    result = expression(0)
    return result if result is not None and position == len(tokens) else None


def _solve(equations: list[tuple[dict[str, int], int]], names: list[str]) -> dict[str, Fraction]:
    """The unique solution of one equation in one unknown or two independent ones in two (Cramer's rule)."""
    if len(names) == 1:
        (equation, constant), = equations
        return {names[0]: Fraction(constant, equation[names[0]])}
    (first, e), (second, f) = equations
    (a, b), (c, d) = [first.get(name, 0) for name in names], [second.get(name, 0) for name in names]
    determinant = a * d - b * c
    return {names[0]: Fraction(e * d - b * f, determinant), names[1]: Fraction(a * f - e * c, determinant)}


def _proportional(equation: dict[str, int], constant: int, other: dict[str, int], other_constant: int,
                  names: list[str]) -> bool:
    """Whether two equations are one equation scaled (`x + y = 5` and `2x + 2y = 10`)."""
    first = [equation.get(name, 0) for name in names] + [constant]
    second = [other.get(name, 0) for name in names] + [other_constant]
    return any(first) and all(p * second[j] == q * first[j] for p, q in zip(first, second) for j in range(len(first)))


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
