"""Tests for selfplay.answers: extracting final answers from model text and reading numbers safely."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest

from selfplay.answers import MAX_NUMBER_DIGITS, MAX_TEXT_CHARS, extract_tagged_answer, format_number, parse_number

# ---------------------------------------------------------------------------------------------------------------
# extract_tagged_answer


@pytest.mark.parametrize(
    "completion, expected",
    [
        # the plain case: whitespace inside the tag is stripped
        ("<think>2+2</think><answer> 4 </answer>", "4"),
        # several tags: the last one is the final answer, not the first
        ("<answer>1</answer> wait, no: <answer>2</answer>", "2"),
        # a tag spanning lines still matches (DOTALL)
        ("<answer>\n17\n</answer>", "17"),
        # an empty tag is an (empty) answer, distinct from no answer at all
        ("<answer></answer>", ""),
        # boxed with nested braces: the matching closing brace ends it, not the first one
        (r"so the result is \boxed{\frac{1}{2}}.", r"\frac{1}{2}"),
        # several boxed answers: the last wins
        (r"\boxed{1} then \boxed{2}", "2"),
        # a tag beats a boxed answer even when the boxed one comes later
        (r"<answer>1</answer> and \boxed{2}", "1"),
        # an unclosed boxed is no answer
        (r"the answer is \boxed{3", None),
        # nested braces that never close: still no answer
        (r"\boxed{\frac{1}{2}", None),
        # an unclosed tag with no boxed fallback is no answer
        ("<answer>3", None),
        # tags pair left to right, each opening with the first closing after it
        ("<answer>1<answer>2</answer>", "1<answer>2"),
        # an unclosed tag after a closed one: the closed one is the answer
        ("<answer>1</answer> <answer>2", "1"),
        ("</answer><answer>3</answer>", "3"),
        # nothing that looks like an answer
        ("no answer here", None),
        # the empty completion
        ("", None),
    ],
)
def test_extract_tagged_answer(completion, expected):
    assert extract_tagged_answer(completion) == expected


@pytest.mark.parametrize(
    "completion",
    [
        # a well-formed answer placed after the first MAX_TEXT_CHARS characters is never seen
        "x" * MAX_TEXT_CHARS + "<answer>5</answer>",
        # same for a boxed answer
        "x" * MAX_TEXT_CHARS + r"\boxed{5}",
        # a tag that opens inside the limit and closes after it is cut, so it is no answer
        "x" * (MAX_TEXT_CHARS - 10) + "<answer>" + "5" * 20 + "</answer>",
    ],
)
def test_extract_ignores_text_past_the_limit(completion):
    assert extract_tagged_answer(completion) is None


def test_extract_just_inside_the_limit_is_found():
    # the counterpart of the cases above: an answer ending exactly at the limit is still read
    tail = "<answer>5</answer>"
    assert extract_tagged_answer("x" * (MAX_TEXT_CHARS - len(tail)) + tail) == "5"


@pytest.mark.parametrize(
    "completion",
    [
        # many opening tags and no closing one: the worst case for the non-greedy tag regex
        "<answer>" * 200_000,
        # many unclosed boxes
        "\\boxed{" * 200_000,
        # a megabyte of opening braces after one box: the brace scan must stop at the limit
        "\\boxed{" + "{" * 1_000_000,
    ],
)
def test_extract_huge_input_is_bounded(completion):
    start = time.perf_counter()
    assert extract_tagged_answer(completion) is None
    # generous: the bounded work takes well under a second; an unbounded scan would take far longer
    assert time.perf_counter() - start < 3.0


@pytest.mark.parametrize("length, expected", [
    # an answer ending exactly at max_chars is read; one character later its closing tag is cut
    (50, "5"),
    (51, None),
])
def test_extract_max_chars(length, expected):
    tag = "<answer>5</answer>"
    assert extract_tagged_answer("x" * (length - len(tag)) + tag, max_chars=50) == expected


# ---------------------------------------------------------------------------------------------------------------
# parse_number


@pytest.mark.parametrize("text, expected", [
    # max_digits counts every digit: integer, decimals, numerator and denominator; the limit is inclusive
    ("12345", Fraction(12345)),
    ("123456", None),
    ("123.45", Fraction(12345, 100)),
    ("123.456", None),
    ("12/345", Fraction(12, 345)),
    ("123/456", None),
    # thousands separators are not digits
    ("12,345", Fraction(12345)),
    ("123,456", None),
])
def test_parse_number_max_digits(text, expected):
    assert parse_number(text, max_digits=5) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # integers
        ("403", Fraction(403)),
        # leading zeros do not change the value
        ("0403", Fraction(403)),
        # a decimal with a zero fraction is the integer
        ("403.0", Fraction(403)),
        # a trailing point with no decimals
        ("1.", Fraction(1)),
        # decimals are read exactly, not as floats
        ("4.50", Fraction(9, 2)),
        ("0.1", Fraction(1, 10)),
        # a bare fraction part
        (".5", Fraction(1, 2)),
        # fractions, reduced
        ("3/2", Fraction(3, 2)),
        ("6/4", Fraction(3, 2)),
        # spaces around the slash
        ("3 / 2", Fraction(3, 2)),
        # negative numbers and fractions
        ("-7", Fraction(-7)),
        ("-3/2", Fraction(-3, 2)),
        # an explicit plus sign
        ("+7", Fraction(7)),
        # negative zero is zero
        ("-0", Fraction(0)),
        # thousands separators
        ("1,000", Fraction(1000)),
        ("-1,234,567", Fraction(-1234567)),
        # surrounding whitespace
        ("  42 \n", Fraction(42)),
        # exactly MAX_NUMBER_DIGITS digits is still a number
        ("9" * MAX_NUMBER_DIGITS, Fraction(int("9" * MAX_NUMBER_DIGITS))),
        # a fraction whose digits total exactly the limit
        ("1" * (MAX_NUMBER_DIGITS // 2) + "/" + "3" * (MAX_NUMBER_DIGITS // 2),
         Fraction(int("1" * (MAX_NUMBER_DIGITS // 2)), int("3" * (MAX_NUMBER_DIGITS // 2)))),
    ],
)
def test_parse_number_reads(text, expected):
    assert parse_number(text) == expected


def test_parse_number_spellings_are_equal():
    # the property the verifiers rely on: one value, several spellings, one key
    assert parse_number("403") == parse_number("0403") == parse_number("403.0") == parse_number("806/2") == 403


@pytest.mark.parametrize(
    "text",
    [
        # code must never be evaluated
        "9**9",
        "__import__('os')",
        "2+2",
        "(1)",
        # scientific notation is not accepted
        "1e5",
        # nothing to read
        "",
        "   ",
        None,
        # division by zero is unparsable, not an exception
        "1/0",
        # words
        "four",
        "403 apples",
        # two numbers
        "1 2",
        "1/2/3",
        # signs alone or doubled
        "-",
        "--5",
        # a negative denominator is not a plain fraction
        "3/-2",
        # more digits than MAX_NUMBER_DIGITS
        "1" * (MAX_NUMBER_DIGITS + 1),
        # the limit counts decimals too
        "1" * MAX_NUMBER_DIGITS + ".5",
        # and both sides of a fraction
        "1" * (MAX_NUMBER_DIGITS // 2) + "/" + "3" * (MAX_NUMBER_DIGITS // 2 + 1),
        # far over the length limit: rejected before any matching
        "1" * 100_000,
    ],
)
def test_parse_number_rejects(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(
    "text",
    [
        # Arabic-Indic digit three: `\d` matches it, `int()` reads it
        "\u0663",
        # Devanagari 42
        "\u096a\u0968",
        # full-width 7
        "\uff17",
    ],
)
def test_parse_number_rejects_unicode_digits(text):
    assert parse_number(text) is None


# ---------------------------------------------------------------------------------------------------------------
# format_number


@pytest.mark.parametrize(
    "value, expected",
    [
        # an integer-valued fraction prints as an integer
        (Fraction(806, 2), "403"),
        # a proper fraction prints reduced, numerator/denominator
        (Fraction(6, 4), "3/2"),
        # the sign goes on the numerator
        (Fraction(-3, 2), "-3/2"),
        (Fraction(-5), "-5"),
        # zero
        (Fraction(0), "0"),
    ],
)
def test_format_number(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize(
    "text",
    [
        # round trips: parsing the canonical spelling gives back the same value
        "0403",
        "-6/4",
        "2.25",
        "1,000",
    ],
)
def test_format_number_round_trips_through_parse(text):
    value = parse_number(text)
    assert parse_number(format_number(value)) == value
