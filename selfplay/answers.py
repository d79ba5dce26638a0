"""Pulling a final answer out of model text, and reading numbers without ever evaluating code.

Everything here parses untrusted model output: a bad input returns None, never raises, and the work done is
linear in the input, which is cut to a size limit first (no scan reads more than `max_chars`, no number has more
than `max_digits` digits; the defaults below, tasks pass their own options). Digits are ASCII only: look-alike
digits from other scripts (`٣`, `７`, `𝟕`) are not numbers here. Nothing is ever evaluated, so powers (`9**9`),
factorials and brackets are simply not numbers: there is no exponent or nesting to bound.
"""

from __future__ import annotations

import re
from fractions import Fraction

# Model completions longer than this are cut before any parsing: nothing we extract is ever longer.
MAX_TEXT_CHARS = 20_000
# A number with more digits than this is treated as unparsable (it bounds Fraction arithmetic and memory).
MAX_NUMBER_DIGITS = 64

_OPEN, _CLOSE = "<answer>", "</answer>"
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


def extract_tagged_answer(completion: str, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """The content of the last `<answer>...</answer>`, else of the last `\\boxed{...}`, else None. Only the first
    `max_chars` characters are read.

    >>> extract_tagged_answer("<think>2+2</think><answer> 4 </answer>")
    '4'
    >>> extract_tagged_answer(r"so the result is \\boxed{\\frac{1}{2}}.")
    '\\\\frac{1}{2}'
    >>> extract_tagged_answer("no answer here") is None
    True
    """
    text = completion[:max_chars]
    # Tags pair up left to right, each opening with the first closing after it (a non-greedy regex would do the
    # same, but a text of many unclosed tags would cost it quadratic time; this is one pass).
    tagged, position = None, 0
    while (start := text.find(_OPEN, position)) >= 0 and (end := text.find(_CLOSE, start + len(_OPEN))) >= 0:
        tagged, position = text[start + len(_OPEN) : end], end + len(_CLOSE)
    if tagged is not None:
        return tagged.strip()
    start = text.rfind(_BOXED)
    if start < 0:
        return None
    depth, i = 1, start + len(_BOXED)
    while i < len(text):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start + len(_BOXED) : i].strip()
        i += 1
    return None  # an unclosed \boxed{ is no answer


def parse_number(text: str | None, max_digits: int = MAX_NUMBER_DIGITS) -> Fraction | None:
    """Read an integer, decimal or fraction exactly; anything else (code, words, numbers of more than `max_digits`
    digits in all) is None.

    >>> parse_number("0403") == parse_number("403.0") == parse_number("403") == 403
    True
    >>> parse_number("-3/2"), parse_number("1,000")
    (Fraction(-3, 2), Fraction(1000, 1))
    >>> [parse_number(s) for s in ["9**9", "1e5", "", "1/0", "four"]]
    [None, None, None, None, None]
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
    if not decimals:  # the common case, without Fraction arithmetic
        return Fraction(sign * int(whole))
    return sign * (Fraction(int(whole)) + Fraction(int(decimals), 10 ** len(decimals)))


def format_number(value: Fraction) -> str:
    """The canonical spelling of a number: `403`, `-3/2`.

    >>> format_number(Fraction(806, 2)), format_number(Fraction(-3, 2))
    ('403', '-3/2')
    """
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
