"""Pulling a final answer out of model text, and reading numbers without ever evaluating code.

Everything here parses untrusted model output: a bad input returns None, never raises, and the work done is
linear in the input, which is cut to a size limit first (no scan reads more than `max_chars`, no number has more
than `max_digits` digits; the defaults below, tasks pass their own options). Digits are ASCII only: look-alike
digits from other scripts (`٣`, `７`, `𝟕`) are not numbers here. Nothing is ever evaluated, so powers (`9**9`),
factorials and brackets are simply not numbers: there is no exponent or nesting to bound.

Reading a wrong value is far worse than rejecting an odd form, so every step here rejects what it is unsure of:
a completion cut off before its final answer, a value hedged ("about 287,000"), a number whose separators could
mean two things (`1.234`), an answer with words or numbers left over once its presentation is removed.
"""

from __future__ import annotations

import re
from fractions import Fraction

# Model completions longer than this are cut before any parsing: nothing we extract is ever longer.
MAX_TEXT_CHARS = 20_000
# A number with more digits than this is treated as unparsable (it bounds Fraction arithmetic and memory).
MAX_NUMBER_DIGITS = 64
# An answer (the text inside its tags or box) longer than this is not a value: `clean_answer` rejects it.
MAX_ANSWER_CHARS = 1000
# What may follow the final answer: a short closing remark ("I hope it is correct."), without digits. A completion
# cut at the token limit after an early `\boxed{280000}` estimate goes on reasoning, so it fails this.
MAX_CLOSING_CHARS = 200

_OPEN, _CLOSE = "<answer>", "</answer>"
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"
_BOXED = "\\boxed{"
_NUMBER = re.compile(
    r"""^\s*
    (?P<sign>[+-]?)\s*
    (?:
        (?P<num>[0-9]+)\s*/\s*(?P<den>[0-9]+)              # a fraction, 3/2
      | (?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]*))?   # 403, 0403, 403.0, 1,000
      | \.(?P<onlyfrac>[0-9]+)                            # .5
    )
    \s*$""",
    re.VERBOSE | re.ASCII,
)

# ---------------------------------------------------------------------------------------------------------------
# finding the final answer

# `\boxed{`, `{` and `}`: a box's content ends at the brace that matches its own.
_BOX_BRACES = re.compile(r"\\boxed\{|[{}]")
# `x = \boxed{3}`: the unknown's name stays with its boxed value.
_BOX_NAME = re.compile(r"(?<![A-Za-z])([A-Za-z])\s*=\s*(?:\$|\\\(|\\\[)?\s*$")
# What may separate the boxes of one answer, `\boxed{x=3}, \boxed{y=-2}`: spaces, commas, `and`, math delimiters.
_BOX_CONNECTOR = re.compile(r"(?:[\s,;$&]|\\[()\[\]]|\\q?quad\b|\band\b|\\text\{\s*(?:and|,)?\s*\})*")
_BOX_GROUP_MAX = 4
# Words that say a later answer corrects an earlier one.
_CORRECTS = re.compile(
    r"wait|actually|mistake|wrong|incorrect|error|correct|re-?comput|re-?calculat|re-?check|re-?do|re-?evaluat|"
    r"revis|instead|oops|sorry|\bno\b|double[- ]?check|verif", re.IGNORECASE)
# A closing remark that second-guesses the answer means the model was not done.
_RECONSIDERS = re.compile(
    r"wait|hmm|actually|let me (?!know)|let's|let us|however|re-?check|re-?comput|re-?calculat|double[- ]?check|verif|"
    r"mistake|error|wrong|incorrect|not sure|unsure", re.IGNORECASE)


def extract_tagged_answer(completion: str, max_chars: int = MAX_TEXT_CHARS, *, boxed: bool = True) -> str | None:
    """The final answer of a completion, stripped, or None if it gave none. Only the first `max_chars` characters
    are read.

    The rule, one for every task: the answer is the last complete `<answer>...</answer>` after the last
    `</think>`; where there is no answer tag there, the last `\\boxed{...}` (boxes separated only by commas or
    `and`, `\\boxed{x=3}, \\boxed{y=-2}`, are one answer; `boxed=False` for formats where a box means nothing).
    It is no answer when the completion was cut off before its final answer:
    - a `<think>` never closed (the model was still thinking),
    - an `<answer>` opened after the last one closed,
    - more than a short closing remark after the answer: any digit, or a second thought ("Wait"), or over
      `MAX_CLOSING_CHARS` characters. A completion cut at the token limit after an early estimate is this case.

    >>> extract_tagged_answer("<think>2+2</think><answer> 4 </answer>")
    '4'
    >>> extract_tagged_answer(r"so the result is \\boxed{\\frac{1}{2}}. I hope it is correct.")
    '\\\\frac{1}{2}'
    >>> extract_tagged_answer("<think>try <answer>5</answer>? No.</think> It is \\\\boxed{6}.")
    '6'
    >>> [extract_tagged_answer(t) for t in ["<think>it is 4", r"About \\boxed{280000}. More exactly, 347*829 = 2"]]
    [None, None]
    """
    region = after_thinking(completion[:max_chars])
    if region is None:
        return None  # cut off while thinking
    # rfind, not pairing tags left to right: the last tag is all that counts, and this is linear however many
    # tags there are.
    opening, closing = region.rfind(_OPEN), region.rfind(_CLOSE)
    if opening >= 0 or closing >= 0:
        if opening < 0 or opening > closing:
            return None  # an answer opened and never closed, or closed and never opened
        answer, tail = region[opening + len(_OPEN) : closing], region[closing + len(_CLOSE) :]
        if not _supersedes(region, _earlier_tagged(region, opening, answer.strip()), opening):
            return None
    elif boxed:
        found = _last_boxed(region)
        if found is None:
            return None
        answer, tail = found
    else:
        return None
    return answer.strip() if _closes(tail) else None


def after_thinking(text: str) -> str | None:
    """The text after the last `</think>`, all of it if there is no thinking; None if a `<think>` is left open
    (the completion was cut off before it answered).

    >>> after_thinking("<think>hmm</think> 4"), after_thinking("no thinking"), after_thinking("<think>it is 4")
    (' 4', 'no thinking', None)
    """
    opened, closed = text.rfind(_THINK_OPEN), text.rfind(_THINK_CLOSE)
    if opened > closed:
        return None
    return text[closed + len(_THINK_CLOSE) :] if closed >= 0 else text


def _last_boxed(text: str) -> tuple[str, str] | None:
    """(the content of the last `\\boxed{...}` with the boxes just before it that belong to the same answer, the
    text after it), or None if no box closes. One pass over the text, however deep the braces go."""
    boxes: list[tuple[int, int]] = []  # (where `\boxed{` starts, just after its closing brace), in closing order
    stack: list[int | None] = []  # per open brace: where its `\boxed{` starts, None for a plain `{`
    for match in _BOX_BRACES.finditer(text):
        if match[0] == "}":
            if stack and (start := stack.pop()) is not None:
                boxes.append((start, match.end()))
        else:
            stack.append(match.start() if match[0] == _BOXED else None)
    if not boxes:
        return None

    def content(box: tuple[int, int]) -> str:
        return text[box[0] + len(_BOXED) : box[1] - 1].strip()

    pieces, contents, end = [], set(), boxes[-1][1]
    index = len(boxes) - 1
    while index >= 0 and len(pieces) < _BOX_GROUP_MAX:
        start, stop = boxes[index]
        piece, piece_start = content(boxes[index]), start
        contents.add(piece)
        named = _BOX_NAME.search(text, max(0, start - 12), start)
        if named:
            piece, piece_start = f"{named[1]} = {piece}", named.start()
        pieces.append(piece)
        # the box before this one (boxes nested inside this one close before it and start after it: skipped)
        index -= 1
        while index >= 0 and boxes[index][1] > piece_start:
            index -= 1
        if index < 0:
            break
        gap = text[boxes[index][1] : piece_start]
        if len(gap) > 40 or not _BOX_CONNECTOR.fullmatch(gap):
            break
    # the last earlier box that says something else
    while index >= 0 and (boxes[index][1] > piece_start or content(boxes[index]) in contents):
        index -= 1
    if not _supersedes(text, boxes[index][1] if index >= 0 else None, piece_start):
        return None
    return ", ".join(reversed(pieces)), text[end:]


def _earlier_tagged(text: str, opening: int, answer: str) -> int | None:
    """Where the last `<answer>` before `opening` whose content differs from `answer` closes (None: there is
    none). Each search starts where the last one stopped: linear however many tags there are."""
    closing = text.rfind(_CLOSE, 0, opening)
    while closing >= 0 and (start := text.rfind(_OPEN, 0, closing)) >= 0:
        if text[start + len(_OPEN) : closing].strip() != answer:
            return closing + len(_CLOSE)
        closing = text.rfind(_CLOSE, 0, start)
    return None


def _supersedes(text: str, earlier_end: int | None, start: int) -> bool:
    """Whether a final answer starting at `start` replaces a different one that ended at `earlier_end` (None:
    there was none): only when the text between says it corrects something ("Wait", "I made a mistake"). Without
    that, two answers are two candidates, `\\boxed{287663} or \\boxed{287664}`, and neither is the answer.

    >>> _supersedes("<answer>1</answer> and <answer>2</answer>", 18, 23)
    False
    >>> _supersedes("<answer>1</answer> wait, no: <answer>2</answer>", 18, 29)
    True
    """
    return earlier_end is None or _CORRECTS.search(text, earlier_end, start) is not None


def _closes(tail: str) -> bool:
    """Whether `tail`, the text after an answer, is only a closing remark: short, without digits or second
    thoughts.

    >>> _closes(" I hope it is correct."), _closes(" Let me double-check."), _closes(" Check: 347*829.")
    (True, False, False)
    """
    tail = tail.strip()
    return (len(tail) <= MAX_CLOSING_CHARS and not any(c.isdigit() for c in tail)
            and _RECONSIDERS.search(tail) is None)


# ---------------------------------------------------------------------------------------------------------------
# cleaning an answer down to its value

# Thin spaces: LaTeX `\,` `\:` `\;` `\ ` and their unicode kin. Between digit groups of three they are thousands
# separators (`287\,663`); elsewhere spaces.
_THIN = re.compile(r"\\[,:; ]|[\u2009\u202f\u00a0\u2007\u2002\u2003]")
_THIN_MARK = "\u2009"
_THIN_GROUPED = re.compile(r"(?<![\d.,\u2009])\d{1,3}(?:\u2009\d{3})+(?![\d\u2009])")
# A hedged value is no value: `about 287,000`, `≈ 287000`, `~287000`, `287000 approximately`.
_APPROXIMATE = re.compile(
    r"[≈≃≅~∼]|\\approx|\\sim|\.\.\.|…|\\l?dots|\b(?:approx\w*|about|around|roughly|nearly|almost|circa|estimat\w*|"
    r"close to|or so|ish)\b", re.IGNORECASE)
# LaTeX wrappers whose content is the value: `\boxed{4}`, `\text{ apples}`.
_WRAPPER = re.compile(r"\\(?:boxed|fbox|mbox|text|textbf|textrm|textit|mathrm|mathbf|mathit|operatorname)\s*\{|[{}]")
_FRAC = re.compile(r"\\[dt]?frac\s*\{\s*([+-]?\d+)\s*\}\s*\{\s*(\d+)\s*\}|\\[dt]?frac\s*(\d)\s*(\d)")
_OPERATORS = {"\\times": "×", "\\cdot": "·", "\\div": "÷", "\\le": "≤", "\\ge": "≥", "\\neq": "≠", "\\pm": "±"}
_OPERATOR = re.compile(r"\\(?:times|cdot|div|le|ge|neq|pm)(?![A-Za-z])")
# Presentation without meaning: math delimiters, sizing, spacing, LaTeX line breaks.
_LATEX_LAYOUT = re.compile(r"\\(?:left|right|displaystyle|q?quad)(?![A-Za-z])|\\[()\[\]{}$]|\\\\")
# Markdown and math delimiters; a `*` only where it is not between two words or numbers (`9**9` stays).
_MARKUP = re.compile(r"[$`{}\"“”]|^#+|(?<![\w*])\*++|(?<!\*)\*++(?![\w*])")
# Spaces the removed presentation leaves before a comma or bracket: `$x = 3$, $y = 2$`.
_SPACE_INSIDE = re.compile(r"(?<=\() | (?=[,;)])")
# "The answer is", "Final answer:", "Therefore,", "= ": words that lead into a value, not part of it.
_LEAD_IN = re.compile(
    r"^(?:(?:so|thus|therefore|hence|finally|then)\b\s*,?\s*|it\s+is\s+|it's\s+"
    r"|(?:the\s+)?(?:final\s+)?(?:answer|result|product|sum|difference|quotient|value|values|solution|solutions"
    r"|total)\b\s*(?:is|are|equals|=|:)?\s*:?\s*"
    r"|(?:is|equals|=|:)\s*)",
    re.IGNORECASE)
# A number's units ("287663 apples", "42 cm") may follow it; words that change its value or hedge it may not.
_UNIT = re.compile(r"(.*?[0-9.])\s*([A-Za-z]{2,}(?:[ -][A-Za-z]{2,})?)", re.DOTALL)
_NOT_UNITS = frozenset("""
    hundred hundreds thousand thousands million millions billion billions trillion trillions dozen dozens score
    lakh crore mn bn percent percentage pct per th st nd rd pi squared cubed sq cu approx approximately about
    around roughly nearly almost exactly maybe probably perhaps likely possibly or and plus minus times over
    divided by remainder rem mod modulo less more fewer greater than not no wrong incorrect false true negative
    positive base ish is was if
""".split())
# The left side of `347 × 829 = 287663`: an arithmetic expression (a digit and an operator), never a name.
_EXPRESSION_SIDE = re.compile(r"[\d\s.,+\-*/×·÷()]*")


def clean_answer(answer: str | None, max_chars: int = MAX_ANSWER_CHARS) -> str | None:
    """An answer with its presentation removed: `\\boxed{}`, `$...$`, `\\(...\\)`, `**...**`, backticks,
    `\\text{}`, a trailing period, lead-ins ("The answer is", "= "); unicode minus and thin spaces made plain,
    `\\frac{a}{b}` made `a/b`. None for an answer that is hedged (`≈`, "about"), holds LaTeX it does not know, is
    empty, or is longer than `max_chars`. What is left may still not be a value: the reader decides.

    >>> clean_answer(r"The answer is $\\boxed{287\\,663}$."), clean_answer("**x = \u22123**")
    ('287663', 'x = -3')
    >>> clean_answer(r"\\(x = \\dfrac{3}{2}\\)"), clean_answer("about 287,000"), clean_answer(r"\\sqrt{2}")
    ('x = 3/2', None, None)
    """
    if answer is None or len(answer) > max_chars:
        return None
    # a LaTeX line break first: its second backslash would otherwise begin a `\ ` space
    text = answer.replace("\\\\", " ").replace("\u2212", "-").replace("\u200b", "").replace("\\!", "")
    text = text.replace("{,}", ",")
    text = _THIN.sub(_THIN_MARK, text)
    text = _THIN_GROUPED.sub(lambda m: m[0].replace(_THIN_MARK, ""), text).replace(_THIN_MARK, " ")
    if _APPROXIMATE.search(text):
        return None
    text = _unwrap(text)
    if text is None:
        return None
    text = _FRAC.sub(lambda m: f" {m[1] or m[3]}/{m[2] or m[4]} ", text)
    text = _OPERATOR.sub(lambda m: _OPERATORS[m[0]], _LATEX_LAYOUT.sub(" ", text))
    if "\\" in text:
        return None  # LaTeX that means something we do not read: \sqrt, \pi, \overline, \%
    text = _SPACE_INSIDE.sub("", " ".join(_MARKUP.sub(" ", text).split()))
    for _ in range(4):  # "Therefore, the final answer is: 7"
        if text.endswith(".") and not text.endswith(".."):
            text = text[:-1].rstrip()
        text = text.rstrip(",;: ")
        shorter = _LEAD_IN.sub("", text, count=1)
        if shorter == text:
            break
        text = shorter
    return text or None


def _unwrap(text: str) -> str | None:
    """`text` with each wrapper (`\\boxed{`, `\\text{`, ...) and its matching brace replaced by spaces, plain
    braces kept; None if a wrapper never closes. One pass."""
    parts, position = [], 0
    stack: list[bool] = []  # per open brace: whether it belongs to a wrapper
    for match in _WRAPPER.finditer(text):
        token = match[0]
        if token == "}":
            if stack and stack.pop():
                parts.append(text[position : match.start()] + " ")
                position = match.end()
        elif token == "{":
            stack.append(False)
        else:
            stack.append(True)
            parts.append(text[position : match.start()] + " ")
            position = match.end()
    if any(stack):
        return None
    parts.append(text[position:])
    return "".join(parts)


def read_number(answer: str | None, max_digits: int = MAX_NUMBER_DIGITS) -> Fraction | None:
    """The one number an answer states, exactly, or None: `clean_answer`, then the value after `=` when what
    comes before is arithmetic (`347 × 829 = 287663`), then without a unit word ("42 cm"), then `parse_number`.
    Several numbers, hedges, and words that are not units are rejected.

    >>> [read_number(s) for s in [r"\\boxed{287,663}", "= -218 apples", r"-\\frac{3}{4}", "287663 thousand"]]
    [Fraction(287663, 1), Fraction(-218, 1), Fraction(-3, 4), None]
    """
    text = clean_answer(answer)
    if text is None:
        return None
    if "=" in text:
        left, _, text = text.rpartition("=")
        expression = left.strip().lstrip("+-")
        if left.strip() and not (_EXPRESSION_SIDE.fullmatch(left) and any(c.isdigit() for c in left)
                                 and any(c in "+-*/×·÷" for c in expression)):  # `1 = 2` is no expression
            return None
    unit = _UNIT.fullmatch(text.strip())
    if unit is not None:
        if any(word.lower() in _NOT_UNITS for word in re.split(r"[ -]", unit[2])):
            return None
        text = unit[1]
    return parse_number(text, max_digits)


# ---------------------------------------------------------------------------------------------------------------
# numbers


def parse_number(text: str | None, max_digits: int = MAX_NUMBER_DIGITS) -> Fraction | None:
    """Read an integer, decimal or fraction exactly; anything else (code, words, numbers of more than `max_digits`
    digits in all) is None. A point followed by exactly three digits after a short whole part (`1.234`) is
    rejected: in much of Europe it is 1234, and the two readings differ. `1,234` is 1234, `0.125` and `1.2345` are
    decimals.

    >>> parse_number("0403") == parse_number("403.0") == parse_number("403") == 403
    True
    >>> parse_number("-3/2"), parse_number("1,000"), parse_number("0.125")
    (Fraction(-3, 2), Fraction(1000, 1), Fraction(1, 8))
    >>> [parse_number(s) for s in ["9**9", "1e5", "", "1/0", "four", "1.234", "1.234.567", "1,5"]]
    [None, None, None, None, None, None, None, None]
    """
    if text is None or len(text) > 4 * max_digits:
        return None
    match = _NUMBER.match(text)
    if match is None:
        return None
    sign = -1 if match["sign"] == "-" else 1
    if match["num"] is not None:
        numerator, denominator = match["num"], match["den"]
        if len(numerator) + len(denominator) > max_digits or int(denominator) == 0:
            return None
        return sign * Fraction(int(numerator), int(denominator))
    whole = (match["int"] or "0").replace(",", "")
    decimals = match["frac"] or match["onlyfrac"] or ""
    if len(whole) + len(decimals) > max_digits:
        return None
    if len(decimals) == 3 and match["int"] and len(match["int"]) <= 3 and match["int"].strip("0"):
        return None  # `1.234`: a thousands separator or a decimal point
    if not decimals:  # the common case, without Fraction arithmetic
        return Fraction(sign * int(whole))
    return sign * (Fraction(int(whole)) + Fraction(int(decimals), 10 ** len(decimals)))


def format_number(value: Fraction) -> str:
    """The canonical spelling of a number: `403`, `-3/2`.

    >>> format_number(Fraction(806, 2)), format_number(Fraction(-3, 2))
    ('403', '-3/2')
    """
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
