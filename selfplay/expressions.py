"""Arithmetic expressions as chat models write them, read from untrusted text without ever evaluating code.

A proposer states its problem in prose, markdown or LaTeX: "What is 4,582 + 739?", "**Problem:** $(138 + 188)
\\cdot 8$", "Find the product of 321 and 654.", "Subtract 389 from 472." `find_problem` locates the one expression
a text states and returns its syntax tree; `Expression.of` evaluates a tree exactly (fractions) under size limits
and writes it canonically in ASCII (`(138+188)*8`).

The grammar: integers and decimals (`4,582` is 4582; `1,5` and `4 582` are unreadable, never 15 or 1.5), `+ - * /
^` and `**`, `× · ÷ −`, LaTeX `\\times \\cdot \\div \\frac{a}{b}`, brackets of any kind, unary minus, `²`, and
wordings: plus, minus, times, multiplied by, divided by, to the power of, squared, "the sum / product /
difference / quotient of A and B", "add A to B", "subtract A from B", "multiply A by B", "divide A by B". No
implicit multiplication, no chains of powers (`2^3^2`), no minus before an unbracketed power (`-2^2`): each has
two readings.

How the problem is located. Every place in the text where an expression can start is parsed as far as the grammar
goes, and what is found, in reading order, decides:
- an expression with an operation is a candidate, unless it is a range ("numbers between 100-999"), a date, or
  comes after `=` (a worked step or an answer);
- an expression glued to arithmetic the grammar cannot read (`12+34!`, `12 + 34 56`, `(12 + 34`, `3/4 of 80`,
  `12 +` where a text was cut) is unreadable, and so is a number in a follow-up ("..., then divide by 3");
- the first candidate is the problem. The same value again is a restatement; a different candidate or an
  unreadable one makes the text ambiguous (None), unless a correction ("Actually, let me make it harder:")
  comes between them: then the later one is the problem;
- reading stops at the first hint, solution, answer or worked steps after the problem;
- words that change what is asked (remainder, round, percent, square root, in binary...) before that point
  make the text unreadable.
Rejecting an odd form costs one proposal; reading a wrong value teaches the wrong thing, so every doubt rejects.

Bounds: numbers of at most `MAX_NUMBER_CHARS` characters, at most `MAX_OPERATIONS` operations and `MAX_DEPTH`
nested brackets, minus signs or fractions (a longer or deeper run of arithmetic is unreadable, never read in
part); exponents are checked before any power is computed. The work is linear in the text: one regex pass with
no backtracking, and each parse attempt reads a bounded number of tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Union

# A number token longer than this (digits and separators) is unreadable: it bounds every int() here.
MAX_NUMBER_CHARS = 60
# Brackets, unary minus and \frac nested deeper than this make a run of arithmetic unreadable.
MAX_DEPTH = 8
# A run of arithmetic with more operations than this is unreadable as a whole (never read in part).
MAX_OPERATIONS = 16
# The largest exponent computed; any power is also bounded by the size of its result, checked first.
MAX_EXPONENT = 1000
# Values compared while locating (a restatement of the problem) are computed up to this many digits.
_COMPARE_DIGITS = 200

# A number ("234", "1.5"), [op, operand] for negation ("-"), or [op, left, right] for + - * / ^.
Tree = Union[str, list]
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}

# ---------------------------------------------------------------------------------------------------------------
# tokens

_TOKEN = re.compile(
    r"""
    (?P<newline>\n|\\\\)
  | (?P<rule>^[ \t]*(?:-{3,}|\*{3,}|_{3,}|={3,})[ \t]*$)
  | (?P<space>[ \t\r\f\v\u00a0\u2009\u202f\u200b]+|\\[,;:!> ]|\\q?quad(?![A-Za-z]))
  | (?P<fence>\$+|\\[()\[\]]|`+|\\(?:left|right|[bB]igg?[lr]?)(?![A-Za-z]))
  | (?P<frac>\\[dt]?frac(?![A-Za-z]))
  | (?P<latexop>\\(?:times|cdot|ast|div)(?![A-Za-z]))
  | (?P<command>\\[A-Za-z]+)
  | (?P<compound>[0-9]+(?:-[A-Za-z]+)+)
  | (?P<number>[0-9]+(?:(?:,|\{,\})[0-9]+)*(?:\.[0-9]+)*)
  | (?P<point>\.[0-9]+)
  | (?P<word>[A-Za-z]+(?:['\u2019-][A-Za-z]+)*)
  | (?P<stars>\*+)
  | (?P<superscript>[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+)
  | (?P<char>.)
    """,
    re.VERBOSE | re.DOTALL | re.MULTILINE,
)
_SUPERSCRIPTS = str.maketrans("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079", "0123456789")
_SYMBOL_OPS = {"+": "+", "-": "-", "\u2212": "-", "\u00d7": "*", "\u2715": "*", "\u00b7": "*", "\u22c5": "*",
               "\u2219": "*", "\u2217": "*", "\u00f7": "/", "/": "/", "^": "^"}
_LATEX_OPS = {"times": "*", "cdot": "*", "ast": "*", "div": "/"}
_OPENS = {"(": ")", "[": "]", "{": "}"}
# Characters that make the arithmetic next to them unreadable: percent, en dash (a range, or a minus?), roots,
# absolute values, vulgar fractions, an ellipsis.
_UNREADABLE_CHARS = set("%\u2030\u2013\u221a\u221b\u2211\u220f|\u03c0\u221e\u2026")
# `1. `, `2) ` at the start of a line: a list number, not part of the problem.
_LIST_MARKER = re.compile(r"[0-9]{1,3}[.)][ \t]")
# Operations spelled out between two operands; "-r" is subtraction with its operands swapped.
_WORD_OPS = {
    ("plus",): "+", ("minus",): "-", ("times",): "*", ("multiplied", "by"): "*", ("multiplied", "with"): "*",
    ("divided", "by"): "/", ("added", "to"): "+", ("increased", "by"): "+", ("decreased", "by"): "-",
    ("subtracted", "from"): "-r", ("to", "the", "power", "of"): "^", ("raised", "to", "the", "power", "of"): "^",
    ("to", "the", "power"): "^", ("raised", "to", "the", "power"): "^", ("raised", "to"): "^",
}
_LONGEST_WORD_OP = max(len(phrase) for phrase in _WORD_OPS)
_POSTFIX_WORDS = {"squared": "2", "cubed": "3"}
# Words that open a spelled-out operation: "the sum of A and B", "subtract A from B".
_FORMS = {"sum", "product", "difference", "quotient", "add", "subtract", "multiply", "divide"}


@dataclass(slots=True)
class _Token:
    # num, bad (arithmetic we cannot read), op, post (a postfix power), open, close, frac, word, punct, eq, nl,
    # stars (markdown emphasis or an operator, decided by its neighbours)
    kind: str
    value: str
    start: int  # character offsets in the text
    end: int
    spelled: bool = False  # an operator written in words


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    line_start, skip_until = True, -1
    for match in _TOKEN.finditer(text):
        kind, raw, start, end = match.lastgroup, match.group(), match.start(), match.end()
        if kind == "newline":
            tokens.append(_Token("nl", "\n", start, end))
            line_start = True
            continue
        if kind in ("space", "fence", "rule") or start < skip_until:
            continue
        at_line_start = line_start
        # `**1.** ...`, `> - 12 + 34`, `## 1. ...` still start the line
        line_start = line_start and (kind == "stars" or raw in (">", "#"))
        after = text[end : end + 1]
        if kind == "number":
            if at_line_start and (marker := _LIST_MARKER.match(text, start)):
                skip_until = marker.end()
                continue
            tokens.append(_number(text, raw, start, end))
        elif kind == "point":
            before = text[start - 1 : start]
            value = "0." + raw[1:].rstrip("0") if raw[1:].rstrip("0") else "0"
            glued = before.isalnum() or before == "." or _glued_after(after)
            tokens.append(_Token("bad" if glued or len(raw) > MAX_NUMBER_CHARS else "num", value, start, end))
        elif kind in ("word", "compound", "command"):
            tokens.append(_Token("word", raw.lower().replace("\u2019", "'"), start, end))
        elif kind == "frac":
            tokens.append(_Token("frac", raw, start, end))
        elif kind == "latexop":
            tokens.append(_Token("op", _LATEX_OPS[raw[1:]], start, end))
        elif kind == "stars":
            tokens.append(_Token("stars", raw, start, end))
        elif kind == "superscript":
            glued = text[start - 1 : start].isdigit() or text[start - 1 : start] in ")]}"
            tokens.append(_Token("post" if glued else "bad", raw.translate(_SUPERSCRIPTS), start, end))
        else:
            tokens.append(_char(text, raw, start, end, at_line_start))
    tokens = [token for token in tokens if token.kind != "skip"]
    return _spell_operators(_resolve_stars(tokens))


def _glued_after(after: str) -> bool:
    """A number glued to what follows: `34e5`, `3rd`, `12x`, `٣`; a superscript is a power, not glue."""
    return (after.isalnum() or after == "_") and after.translate(_SUPERSCRIPTS) == after


def _number(text: str, raw: str, start: int, end: int) -> _Token:
    """A number token: `4,582` is 4582; separators that are not thousands (`1,5`, `12,34`), two points, glue to
    letters or a huge length make it unreadable."""
    whole, _, decimals = raw.partition(".")
    groups = whole.replace("{,}", ",").split(",")  # LaTeX writes 1{,}234
    readable = (
        len(raw) <= MAX_NUMBER_CHARS
        and "." not in decimals
        and (len(groups) == 1 or (1 <= len(groups[0]) <= 3 and groups[0][0] != "0"
                                  and all(len(group) == 3 for group in groups[1:])))
        and not (text[start - 1 : start].isalnum() or text[start - 1 : start] == "_")
        and not _glued_after(text[end : end + 1])
    )
    if not readable:
        return _Token("bad", raw, start, end)
    digits, decimals = "".join(groups).lstrip("0") or "0", decimals.rstrip("0")
    return _Token("num", f"{digits}.{decimals}" if decimals else digits, start, end)


def _char(text: str, char: str, start: int, end: int, at_line_start: bool) -> _Token:
    before, after = text[start - 1 : start], text[end : end + 1]
    if char in _SYMBOL_OPS:
        if at_line_start and char in "-+" and after in (" ", "\t"):
            return _Token("skip", char, start, end)  # a bullet
        return _Token("op", _SYMBOL_OPS[char], start, end)
    if char in _OPENS:
        return _Token("open", _OPENS[char], start, end)
    if char in ")]}":
        return _Token("close", char, start, end)
    if char in "=\u2248\u2243\u2245":
        return _Token("eq", char, start, end)
    if (char == "!" and (before.isdigit() or before in ")]}")) or (char == ":" and before.isdigit()
                                                                    and after.isdigit()):
        return _Token("bad", char, start, end)  # a factorial; a time or a ratio
    if char in _UNREADABLE_CHARS or char.isnumeric():
        return _Token("bad", char, start, end)
    if char.isalpha():
        return _Token("word", char.lower(), start, end)
    return _Token("punct", char, start, end)


def _ends_operand(token: _Token | None) -> bool:
    return token is not None and token.kind in ("num", "close", "post", "bad")


def _starts_operand(token: _Token | None) -> bool:
    return token is not None and (token.kind in ("num", "open", "frac", "bad")
                                  or (token.kind == "op" and token.value == "-" and not token.spelled))


def _resolve_stars(tokens: list[_Token]) -> list[_Token]:
    """`*` between two operands multiplies and `**` raises to a power; anywhere else stars are markdown emphasis
    or a bullet, and dropped."""
    kept = []
    for index, token in enumerate(tokens):
        if token.kind != "stars":
            kept.append(token)
            continue
        before = next((t for t in reversed(tokens[max(0, index - 3) : index]) if t.kind != "stars"), None)
        after = next((t for t in tokens[index + 1 : index + 4] if t.kind != "stars"), None)
        if _ends_operand(before) and _starts_operand(after) and len(token.value) <= 2:
            kept.append(_Token("op", "*" if len(token.value) == 1 else "^", token.start, token.end))
    return kept


def _spell_operators(tokens: list[_Token]) -> list[_Token]:
    """Words that are operators become operator tokens: `multiplied by`, `to the power of`, `squared`, and `x`
    between two numbers (`12 x 34`)."""
    merged, index = [], 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "word":
            if token.value in _POSTFIX_WORDS:
                merged.append(_Token("post", _POSTFIX_WORDS[token.value], token.start, token.end, spelled=True))
                index += 1
                continue
            if (token.value == "x" and 0 < index < len(tokens) - 1 and tokens[index - 1].kind == "num"
                    and tokens[index + 1].kind == "num"):
                merged.append(_Token("op", "*", token.start, token.end, spelled=True))
                index += 1
                continue
            for length in range(_LONGEST_WORD_OP, 0, -1):
                words = tokens[index : index + length]
                phrase = tuple(t.value for t in words if t.kind == "word")
                if len(phrase) == length and phrase in _WORD_OPS:
                    merged.append(_Token("op", _WORD_OPS[phrase], token.start, words[-1].end, spelled=True))
                    index += length
                    break
            else:
                merged.append(token)
                index += 1
            continue
        merged.append(token)
        index += 1
    return merged


# ---------------------------------------------------------------------------------------------------------------
# the grammar: recursive descent over tokens


class _NoParse(Exception):
    """Not an expression here (the caller may try a shorter one)."""


class _TooBig(Exception):
    """More operations or deeper nesting than the bounds: the whole run is unreadable."""


class _Parser:
    """sum := product (("+" | "-") product)*;  product := unary (("*" | "/") unary)*;
    unary := "-" unary | power;  power := postfix ("^" postfix)?;  postfix := primary ("squared" | "²")*;
    primary := number | "(" sum ")" | \\frac{sum}{sum};  and, at the start only, the spelled-out forms."""

    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.position = self.depth = self.operations = 0
        self.grouped: set[int] = set()  # ids of subtrees written in brackets

    def parse(self, start: int) -> Tree:
        self.position, self.depth, self.operations = start, 0, 0
        self.grouped.clear()
        token = self.tokens[start]
        if token.kind == "word" and token.value in _FORMS:
            return self.spelled_form()
        return self.sum()

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def is_op(self, values: str | tuple[str, ...]) -> bool:
        token = self.peek()
        return token is not None and token.kind == "op" and token.value in values

    def word(self) -> str | None:
        token = self.peek()
        return token.value if token is not None and token.kind == "word" else None

    def expect_word(self, *words: str) -> str:
        word = self.word()
        if word not in words:
            raise _NoParse
        self.position += 1
        return word

    def node(self, op: str, *operands: Tree) -> list:
        self.operations += 1
        if self.operations > MAX_OPERATIONS:
            raise _TooBig
        return [op, *operands]

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooBig

    def binary(self, operand: Any, ops: tuple[str, ...]) -> Tree:
        """operand (op operand)*, left to right; an operator without a readable operand after it ends the
        expression before it (what follows then decides whether the text is readable)."""
        left = operand()
        while self.is_op(ops):
            op, mark = self.peek().value, self.position
            self.position += 1
            try:
                right = operand()
            except _NoParse:
                self.position = mark
                break
            left = self.node("-", right, left) if op == "-r" else self.node(op, left, right)
        return left

    def sum(self) -> Tree:
        return self.binary(self.product, ("+", "-", "-r"))

    def product(self) -> Tree:
        return self.binary(self.unary, ("*", "/"))

    def unary(self) -> Tree:
        token = self.peek()
        if token is not None and token.kind == "op" and token.value == "-" and not token.spelled:
            self.position += 1
            self.enter()
            operand = self.unary()
            self.depth -= 1
            if isinstance(operand, list) and operand[0] == "^" and id(operand) not in self.grouped:
                raise _NoParse  # -2^2: -(2^2) or (-2)^2?
            return self.node("-", operand)
        return self.power()

    def power(self) -> Tree:
        base = self.postfix()
        if not self.is_op("^"):
            return base
        mark = self.position
        self.position += 1
        try:
            exponent = self.postfix()
        except _NoParse:
            self.position = mark
            return base
        if self.is_op("^"):
            raise _NoParse  # 2^3^2: a chain of powers reads two ways
        return self.node("^", base, exponent)

    def postfix(self) -> Tree:
        tree = self.primary()
        while (token := self.peek()) is not None and token.kind == "post":
            self.position += 1
            tree = self.node("^", tree, token.value)
        return tree

    def primary(self) -> Tree:
        token = self.peek()
        if token is None:
            raise _NoParse
        if token.kind == "num":
            self.position += 1
            return token.value
        if token.kind == "open":
            self.position += 1
            self.enter()
            inner = self.sum()
            self.close(token.value)
            self.depth -= 1
            if isinstance(inner, list):
                self.grouped.add(id(inner))
            return inner
        if token.kind == "frac":
            self.position += 1
            self.enter()
            numerator, denominator = self.braced(), self.braced()
            self.depth -= 1
            tree = self.node("/", numerator, denominator)
            self.grouped.add(id(tree))
            return tree
        raise _NoParse

    def close(self, closer: str) -> None:
        token = self.peek()
        if token is None or token.kind != "close" or token.value != closer:
            raise _NoParse
        self.position += 1

    def braced(self) -> Tree:
        token = self.peek()
        if token is None or token.kind != "open" or token.value != "}":
            raise _NoParse
        self.position += 1
        inner = self.sum()
        self.close("}")
        return inner

    def spelled_form(self) -> Tree:
        """"the sum of A, B and C", "the difference between A and B", "add A to B", "subtract A from B",
        "multiply A by B", "divide A by B". Operands are single terms (numbers, bracketed expressions): in
        "the sum of 12 and 34 times 2" the words do not say what is summed."""
        form = self.expect_word(*_FORMS)
        if form in ("sum", "product"):
            self.expect_word("of")
            return self.listing("+" if form == "sum" else "*", self.unary())
        if form in ("difference", "quotient"):
            self.expect_word(*(("of", "between") if form == "difference" else ("of",)))
            first = self.unary()
            self.expect_word("and")
            return self.node("-" if form == "difference" else "/", first, self.unary())
        first = self.unary()
        if form == "subtract":
            self.expect_word("from")
            return self.node("-", self.unary(), first)
        if form == "divide":
            self.expect_word("by")
            return self.node("/", first, self.unary())
        if form == "add" and self.word() == "to":
            self.position += 1
            return self.node("+", self.unary(), first)
        if form == "multiply" and self.word() in ("by", "with"):
            self.position += 1
            return self.node("*", first, self.unary())
        return self.listing("+" if form == "add" else "*", first)

    def listing(self, op: str, first: Tree) -> Tree:
        """first, B, C and D: at least two terms, joined by commas and `and`."""
        terms = [first]
        while True:
            mark = self.position
            token = self.peek()
            if token is not None and token.kind == "punct" and token.value == ",":
                self.position += 1
                if self.word() == "and":
                    self.position += 1
            elif self.word() == "and":
                self.position += 1
            else:
                break
            try:
                terms.append(self.unary())
            except _NoParse:
                self.position = mark
                break
        if len(terms) < 2:
            raise _NoParse
        tree = terms[0]
        for term in terms[1:]:
            tree = self.node(op, tree, term)
        return tree


# ---------------------------------------------------------------------------------------------------------------
# locating the problem

# Reading stops here once a problem is found: what follows is a hint, a solution, an answer or worked steps.
_TRAILER = re.compile(
    r"""\b(?:hints?|solutions?|solving|answers?|explanations?|steps?\s*(?:1|one)\b|step[- ]by[- ]step|to\s+solve
    |let['’]?s\s+(?:solve|calculate|compute|work|break|start|find|do|see|figure|think|evaluate|add|multiply
      |subtract|divide|begin|check|verify|go)|let\s+us|here['’]?s\s+how|how\s+to\s+solve
    |let\s+me\s+(?:solve|calculate|compute|work|show|explain|break|walk|check|verify|know)
    |you\s+(?:can|could|might|may|should|will|need|would)|try\s+(?:breaking|splitting|using|rounding|to)|tips?
    |strategy|working|check(?:ing)?|verification|break(?:ing)?\s+(?:it|this|the)|first,|good\s+luck|enjoy
    |have\s+fun)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A problem after one of these replaces the one before.
_CORRECTION = re.compile(
    r"""\b(?:actually|instead(?!\s+of|\s*[.!?]|\s*$)|or\s+rather|rather[,:]|i\s+mean|i\s+meant|scratch\s+that
    |on\s+second\s+thought|wait|oops|sorry|correction|corrected|revised|updated
    |let\s+me\s+(?:make|change|revise|rewrite|redo|fix|adjust|try\s+again|pick\s+(?:a\s+)?(?:different|new|harder)
      |increase|modify|update|correct)
    |let['’]?s\s+(?:make|change|try\s+again|increase|bump)|make\s+it\s+(?:harder|more|a\s+bit|slightly|trickier
      |tougher))\b""",
    re.IGNORECASE | re.VERBOSE,
)
# Before a trailer marker in its sentence, these add to the problem: "Multiply your answer by 2."
_FOLLOW_UP = re.compile(r"\b(?:add|adding|subtract\w*|multipl\w*|divid\w*|plus|minus|times|doubl\w*|tripl\w*"
                        r"|halv\w*|squar\w*|cub\w*|increas\w*|decreas\w*|then|raise\w*)\b|[+×÷−]",
                        re.IGNORECASE)
# After the problem, a follow-up: "..., then divide by 3" (or a text cut off there).
_CONTINUATION = re.compile(r"\b(?:then|afterwards|after\s+that|next,)", re.IGNORECASE)
# Words that change what is asked of the expression: its value is then not the answer.
_MODIFIER = re.compile(
    r"""\b(?:remainders?|modulo|mod|round(?:ed|ing)?|nearest|estimat\w*|approximat\w*|roughly|decimal\s+places?
    |significant|percent\w*|per\s+cent|average|the\s+mean|median|square\s+roots?|cube\s+roots?|roots?\s+of|sqrt
    |factorials?|binary|base\s+[0-9]+|in\s+base|hexadecimal|octal|roman|digits?\s+of|(?:last|first|units?|ones)
      \s+digit|absolute\s+value|reciprocal|opposite\s+of|negative\s+of|half\s+of|halved|doubled?\s+(?:it|that|the)
    |doubled|tripled|twice|thrice|squares?\s+of|cubes?\s+of|floor|ceiling|gcd|lcm
    |greatest\s+common|least\s+common|divisors?|factors?\s+of|logs?|logarithm|sin|cos|tan|integer\s+part
    |whole\s+number\s+part)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A range of numbers, not a subtraction: "between 100-999", "(range 100-999)".
_RANGE_WORDS = {"range", "ranges", "between", "from", "within", "numbers", "integers", "values", "digits",
                "interval", "span", "ages", "aged", "pages", "page", "years", "grade", "grades", "level", "levels",
                "chapter", "chapters", "questions", "problems", "lessons"}
_DATE = re.compile(r"(?:1[0-9]|20)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
                   r"|[0-9]{1,2}/[0-9]{1,2}/(?:[0-9]{2}|[0-9]{4})")
# After an expression these make it part of something larger: "3/4 of 80", "12 + 34 more", "12 + 34 by 5".
_GLUE_AFTER = {"of", "percent", "more", "less", "fewer", "than", "more", "by", "from", "into", "to"}
# Before an expression: "... by 12 + 34", "5 less than 12 + 34".
_GLUE_BEFORE = {"by", "from", "than", "into"}
# A lone number in a sentence with one of these is an operand of a follow-up ("then divide by 3").
_OPERATION_WORDS = {
    "add", "adds", "added", "adding", "plus", "subtract", "subtracts", "subtracted", "subtracting", "minus",
    "multiply", "multiplies", "multiplied", "multiplying", "times", "divide", "divides", "divided", "dividing",
    "by", "result", "then", "sum", "product", "difference", "quotient", "total", "more", "less", "increase",
    "increased", "decrease", "decreased", "take", "away", "power", "square", "squared", "cube", "cubed", "half",
    "double", "twice", "triple", "than", "into", "over",
}
_SENTENCE_ENDS = set(".?!;:")
_UNREADABLE = "unreadable"


@dataclass(slots=True)
class _Found:
    """Something met while reading, at a character position: a candidate (with its tree), an unreadable run, a
    lone number (suspect: in a sentence with an operation), an ignored expression, or a marker."""

    kind: str  # candidate, unreadable, lone, stray, ignored, trailer, correction, modifier, continuation
    position: int
    tree: Tree | None = None
    sentence: int = -1
    suspect: bool = False
    end: int = 0  # where a candidate ends


def find_problem(text: str) -> Tree | None:
    """The syntax tree of the one problem `text` states, or None (no problem, two problems, an unreadable one).

    >>> find_problem("Sure! Here's a problem:\\n\\n**What is 4,582 + 739?**\\n\\nHint: add 4,500 + 800 first.")
    ['+', '4582', '739']
    >>> find_problem(r"Evaluate $(138 + 188) \\cdot 8$.")
    ['*', ['+', '138', '188'], '8']
    >>> find_problem("Find the product of 321 and 654."), find_problem("Subtract 389 from 472.")
    (['*', '321', '654'], ['-', '472', '389'])
    >>> [find_problem(t) for t in ["What is 1,5 + 2?", "12 + 34 or 56 + 78?", "What is 22 ÷ 7, rounded?"]]
    [None, None, None]
    """
    return _decide(_scan(_tokenize(text), text) + _markers(text), text)


def _scan(tokens: list[_Token], text: str) -> list[_Found]:
    """Parse at every place an expression can start; classify what is found."""
    sentence_of = _sentences(tokens)
    parser, found, index = _Parser(tokens), [], 0
    spans: list[tuple[int, int, _Found]] = []
    while index < len(tokens):
        token = tokens[index]
        if not (_starts_operand(token) and token.kind != "bad") and not (token.kind == "word"
                                                                        and token.value in _FORMS):
            index += 1
            continue
        try:
            tree = parser.parse(index)
        except _NoParse:
            index += 1
            continue
        except _TooBig:
            found.append(_Found(_UNREADABLE, token.start))
            end = _run_end(tokens, index)
            spans.append((index, end, found[-1]))
            index = end
            continue
        end = parser.position
        if _mixes_spelled_levels(tokens, index, end, tree, parser.grouped):
            item = _Found(_UNREADABLE, token.start)
        else:
            item = _classify(tokens, index, end, tree, text)
        item.sentence = sentence_of[index]
        found.append(item)
        spans.append((index, end, item))
        index = end
    # A lone number is suspect when its sentence has an operation outside every candidate: "..., then divide
    # it by 3", "Multiply 12 by the sum of 3 and 4".
    inside = {i for start, end, item in spans if item.kind == "candidate" for i in range(start, end)}
    operating = {sentence_of[i] for i, t in enumerate(tokens) if i not in inside
                 and (t.kind in ("op", "post") or (t.kind == "word" and t.value in _OPERATION_WORDS))}
    for start, _, item in spans:
        if item.kind == "lone":
            item.suspect = sentence_of[start] in operating
    # An operator outside every expression: "12 + 34, squared", "7 - 3, minus 2".
    consumed = {i for start, end, _ in spans for i in range(start, end)}
    found += [_Found("stray", t.start, sentence=sentence_of[i]) for i, t in enumerate(tokens)
              if i not in consumed and t.kind in ("op", "post")]
    return found


def _mixes_spelled_levels(tokens: list[_Token], start: int, end: int, tree: Tree, grouped: set[int]) -> bool:
    """Whether operators in words meet operators of another precedence outside brackets: "12 plus 34 times 2",
    "12 + 34 divided by 2" are read both ways in speech."""
    if not any(t.spelled for t in tokens[start:end]):
        return False
    levels, stack = set(), [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            if len(node) == 3:
                levels.add(PRECEDENCE[node[0]])
            stack.extend(child for child in node[1:] if id(child) not in grouped)
    return len(levels) > 1


def _sentences(tokens: list[_Token]) -> list[int]:
    """The sentence number of every token: sentences end at a line break or `. ? ! ; :`."""
    numbers, sentence = [], 0
    for token in tokens:
        numbers.append(sentence)
        if token.kind == "nl" or (token.kind == "punct" and token.value in _SENTENCE_ENDS):
            sentence += 1
    return numbers


def _run_end(tokens: list[_Token], index: int) -> int:
    """Past the run of arithmetic tokens starting at `index` (an over-long run is skipped whole)."""
    index += 1
    while index < len(tokens) and (tokens[index].kind in ("num", "bad", "op", "post", "open", "close", "frac")
                                   or tokens[index].value in ("and", ",") or tokens[index].value in _FORMS):
        index += 1
    return index


def _is_symbol_op(token: _Token | None) -> bool:
    return token is not None and token.kind in ("op", "frac") and not token.spelled


def _classify(tokens: list[_Token], start: int, end: int, tree: Tree, text: str) -> _Found:
    before = tokens[start - 1] if start > 0 else None
    after = tokens[end] if end < len(tokens) else None
    beyond = tokens[end + 1] if end + 1 < len(tokens) else None
    position = tokens[start].start
    lone = isinstance(tree, str) or (len(tree) == 2 and isinstance(tree[1], str))
    if lone:
        glued = _is_symbol_op(before) or _is_symbol_op(after) or (after is not None and after.kind == "post")
        return _Found(_UNREADABLE if glued else "lone", position)
    if before is not None and before.kind == "eq":
        return _Found("ignored", position)  # a worked step or an answer: `= 40 + 6`
    unreadable = (
        (before is not None and (before.kind in ("op", "num", "bad", "close", "post", "frac", "open")
                                 or (before.kind == "word" and before.value in _GLUE_BEFORE)))
        or (after is not None and after.kind in ("op", "num", "bad", "post", "frac"))
        or (after is not None and after.kind == "open" and _starts_operand(beyond))
        or (after is not None and after.kind == "word" and after.value in _GLUE_AFTER
            and (after.value not in ("by", "from", "into", "to") or _starts_operand(beyond)))
        or (after is not None and after.value == "and" and (beyond is None or beyond.kind in ("num", "bad", "nl")
                                                            or tokens[start].kind == "word"))
        or (after is not None and after.value == "," and (beyond is None or beyond.kind in ("num", "bad")))
    )
    if unreadable:
        return _Found(_UNREADABLE, position)
    if _is_range(tokens, start, end, tree) or _DATE.fullmatch(text, position, tokens[end - 1].end):
        return _Found("ignored", position)
    return _Found("candidate", position, tree, end=tokens[end - 1].end)


def _is_range(tokens: list[_Token], start: int, end: int, tree: Tree) -> bool:
    """`100-999` after "between", "range", "numbers from" ...: a range of numbers; `2023-2024`: years."""
    if end - start != 3 or tree[0] != "-" or tokens[start + 1].spelled or tokens[start + 1].kind != "op":
        return False
    first, dash, last = tokens[start : end]
    if first.end == dash.start and dash.end == last.start and all(
            len(t.value) == 4 and t.value[:2] in ("19", "20") for t in (first, last)):
        return True
    words = [t.value for t in tokens[max(0, start - 3) : start] if t.kind == "word"]
    after = tokens[end].value if end < len(tokens) else ""
    return bool(words and words[-1] in _RANGE_WORDS) or after in ("range", "inclusive")


def _markers(text: str) -> list[_Found]:
    found = []
    for kind, pattern in (("trailer", _TRAILER), ("correction", _CORRECTION), ("modifier", _MODIFIER),
                          ("continuation", _CONTINUATION)):
        found += [_Found(kind, match.start()) for match in pattern.finditer(text)]
    return found


def _decide(found: list[_Found], text: str) -> Tree | None:
    """Walk what was found in reading order: see the module docstring."""
    found.sort(key=lambda item: item.position)
    with_candidates = {item.sentence for item in found if item.kind == "candidate"}
    chosen: Tree | None = None
    chosen_end, correcting = 0, False
    for item in found:
        kind = item.kind
        if kind == "modifier":
            return None
        if kind == "trailer":
            if chosen is None:
                continue
            # "Multiply your answer by 2": the sentence the marker is in may still add to the problem
            sentence_start = max(chosen_end, item.position - 200,
                                 *(text.rfind(end, 0, item.position) + 1 for end in ".?!;:\n"))
            if _FOLLOW_UP.search(text, sentence_start, item.position):
                return None
            break
        if kind == "correction":
            correcting = chosen is not None
            continue
        if kind == "continuation":
            if chosen is None:
                continue
            kind = _UNREADABLE
        if kind == "stray":
            if chosen is None and item.sentence not in with_candidates:
                continue
            kind = _UNREADABLE
        if kind == "lone":
            if not item.suspect or (chosen is None and item.sentence not in with_candidates):
                continue
            kind = _UNREADABLE
        if kind == "ignored":
            continue
        tree = _UNREADABLE if kind == _UNREADABLE else item.tree
        if chosen is None or correcting:
            chosen, chosen_end, correcting = tree, item.end, False
        elif chosen is _UNREADABLE or tree is _UNREADABLE or not _same(chosen, tree):
            return None
    if correcting or chosen is _UNREADABLE:
        return None
    return chosen


def _same(first: Tree, second: Tree) -> bool:
    """The same problem stated again: the same expression, or the same value."""
    if first == second:
        return True
    first_value, second_value = evaluate(first, _COMPARE_DIGITS), evaluate(second, _COMPARE_DIGITS)
    return first_value is not None and first_value == second_value


# ---------------------------------------------------------------------------------------------------------------
# values and canonical text


class _Undefined(Exception):
    """A division by zero, 0^0, a negative or fractional exponent, or a value past the size limit."""


def number_value(number: str) -> Fraction:
    """The exact value of a number string of a tree, `"1.25"` -> 5/4."""
    whole, _, decimals = number.partition(".")
    return Fraction(int(whole + decimals), 10 ** len(decimals))


def evaluate(tree: Tree, max_digits: int) -> Fraction | None:
    """The exact value of a tree, or None if it is undefined (`1/0`, `0^0`, `2^-1`, `2^0.5`) or any value on
    the way, numerator or denominator, has more than about `max_digits` digits (checked before each power is
    computed, so the work is bounded).

    >>> evaluate(["/", ["+", "1", "2"], "4"], 10), evaluate(["^", "1.5", "2"], 10), evaluate(["/", "1", "0"], 10)
    (Fraction(3, 4), Fraction(9, 4), None)
    >>> evaluate(["^", "999", "999"], 64) is None
    True
    """
    try:
        return _value(tree, int(max_digits * 3.33) + 4)
    except _Undefined:
        return None


def _value(tree: Tree, max_bits: int) -> Fraction:
    if isinstance(tree, str):
        return number_value(tree)
    op, *operands = tree
    values = [_value(operand, max_bits) for operand in operands]
    if len(values) == 1:
        return -values[0]
    left, right = values
    if op == "+":
        result = left + right
    elif op == "-":
        result = left - right
    elif op == "*":
        result = left * right
    elif op == "/":
        if right == 0:
            raise _Undefined
        result = left / right
    else:
        if right.denominator != 1 or not 0 <= right <= MAX_EXPONENT or (left == 0 and right == 0):
            raise _Undefined
        exponent = int(right)
        if exponent > 1 and (max(abs(left.numerator).bit_length(), left.denominator.bit_length()) - 1) * exponent \
                > max_bits:
            raise _Undefined
        result = left**exponent
    if abs(result.numerator).bit_length() > max_bits or result.denominator.bit_length() > max_bits:
        raise _Undefined
    return result


def canonical_text(tree: Tree) -> str:
    """ASCII, no spaces, brackets only where the tree needs them: the same tree always reads back from it.

    >>> canonical_text(["+", ["*", "234", "567"], "89"]), canonical_text(["*", ["+", "138", "188"], "8"])
    ('234*567+89', '(138+188)*8')
    >>> canonical_text(["-", "10", ["-", "4", "3"]]), canonical_text(["*", "3", ["-", "5"]])
    ('10-(4-3)', '3*(-5)')
    >>> canonical_text(["^", ["-", "2"], "2"]), canonical_text(["-", ["^", "2", "2"]])
    ('(-2)^2', '-(2^2)')
    """
    return _write(tree, leading=True)


def _write(tree: Tree, leading: bool) -> str:
    """`leading`: whether the text starts the whole expression or a bracket (a minus sign needs none there)."""
    if isinstance(tree, str):
        return tree
    if len(tree) == 2:
        operand = tree[1]
        text = "-" + (operand if isinstance(operand, str) else f"({_write(operand, True)})")
        return text if leading else f"({text})"
    op, left, right = tree
    binary_left, binary_right = isinstance(left, list) and len(left) == 3, isinstance(right, list) and len(right) == 3
    if binary_left and (op == "^" or PRECEDENCE[left[0]] < PRECEDENCE[op]):
        left_text = f"({_write(left, True)})"
    else:
        left_text = _write(left, leading and op != "^")
    if binary_right and (op == "^" or PRECEDENCE[right[0]] <= PRECEDENCE[op]):
        right_text = f"({_write(right, True)})"
    else:
        right_text = _write(right, False)
    return f"{left_text}{op}{right_text}"


def _walk(tree: Tree) -> list[Tree]:
    """Every node of a tree, parents first."""
    nodes, stack = [], [tree]
    while stack:
        node = stack.pop()
        nodes.append(node)
        if isinstance(node, list):
            stack.extend(node[1:])
    return nodes


_TREE_NUMBER = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?")


def is_tree(tree: Any) -> bool:
    """Whether `tree` is a well-formed tree within the bounds (for trees read back from files).

    >>> is_tree(["+", "1", ["-", "2.5"]]), is_tree(["+", "1"]), is_tree(["%", "1", "2"]), is_tree("1e5")
    (True, False, False, False)
    """
    stack, nodes = [(tree, 0)], 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > 2 * MAX_OPERATIONS + 1 or depth > MAX_OPERATIONS:
            return False
        if isinstance(node, str):
            if len(node) > MAX_NUMBER_CHARS or not _TREE_NUMBER.fullmatch(node):
                return False
        elif not (isinstance(node, list) and ((len(node) == 2 and node[0] == "-")
                                              or (len(node) == 3 and node[0] in PRECEDENCE))):
            return False
        else:
            stack.extend((child, depth + 1) for child in node[1:])
    return True


@dataclass(frozen=True)
class Expression:
    """A tree with what a task needs to know about it."""

    tree: Tree
    value: Fraction
    text: str  # canonical, `canonical_text`
    operations: int  # operators in the tree, a unary minus included
    digits: int  # the most digits of any number in it (a decimal's all count)
    operators: frozenset[str]  # the operators used; "-" for subtraction and negation alike
    decimals: bool  # whether a number in it has a decimal point

    @classmethod
    def of(cls, tree: Tree, max_value_digits: int) -> Expression | None:
        """The expression of a tree, or None if its value is undefined or too long (see `evaluate`).

        >>> Expression.of(["+", ["*", "234", "567"], "89"], 64).text
        '234*567+89'
        """
        value = evaluate(tree, max_value_digits)
        if value is None:
            return None
        nodes = _walk(tree)
        numbers = [node for node in nodes if isinstance(node, str)]
        return cls(tree, value, canonical_text(tree), len(nodes) - len(numbers),
                   max(len(number.replace(".", "")) for number in numbers),
                   frozenset(node[0] for node in nodes if isinstance(node, list)),
                   any("." in number for number in numbers))
