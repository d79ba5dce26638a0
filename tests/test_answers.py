"""Tests for selfplay.answers: extracting final answers from model text and reading numbers safely."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest

from selfplay.answers import (
    MAX_CLOSING_CHARS,
    MAX_NUMBER_DIGITS,
    MAX_TEXT_CHARS,
    clean_answer,
    extract_tagged_answer,
    format_number,
    parse_number,
    read_number,
)
from selfplay.tasks import AlgebraTask, ArithmeticTask
from verifiers import MajorityVerifier

# ---------------------------------------------------------------------------------------------------------------
# extract_tagged_answer


@pytest.mark.parametrize(
    "completion, expected",
    [
        # the plain case: whitespace inside the tag is stripped
        ("<think>2+2</think><answer> 4 </answer>", "4"),
        # several tags: the last one is the final answer, not the first, where the text says it corrects
        ("<answer>1</answer> wait, no: <answer>2</answer>", "2"),
        ("<answer>1</answer> or <answer>2</answer>", None),
        ("<answer>2</answer> so <answer>2</answer>", "2"),
        # a tag spanning lines still matches
        ("<answer>\n17\n</answer>", "17"),
        # an empty tag is an (empty) answer, distinct from no answer at all
        ("<answer></answer>", ""),
        # boxed with nested braces: the matching closing brace ends it, not the first one
        (r"so the result is \boxed{\frac{1}{2}}.", r"\frac{1}{2}"),
        # several different boxes: the last one only where the text says it corrects the others
        (r"\boxed{1}. Wait, that is wrong: \boxed{2}", "2"),
        (r"\boxed{1} then \boxed{2}", None),
        (r"\boxed{2}, or rather \boxed{2}", "2"),  # the same answer twice
        # a box inside a box: the outer one, whose content the task cleans
        (r"\boxed{\boxed{7}}", r"\boxed{7}"),
        # a tag wins over a box; a box after the tag is more than a closing remark, so no answer
        (r"<answer>1</answer> and \boxed{2}", None),
        (r"\boxed{2} and <answer>1</answer>", "1"),
        # an unclosed boxed is no answer
        (r"the answer is \boxed{3", None),
        # nested braces that never close: still no answer
        (r"\boxed{\frac{1}{2}", None),
        # an unclosed tag with no boxed fallback is no answer
        ("<answer>3", None),
        # a tag opened twice and closed once: the content after the last opening
        ("<answer>1<answer>2</answer>", "2"),
        # an answer opened after the last one closed: the completion was cut while answering
        ("<answer>1</answer> <answer>2", None),
        ("</answer><answer>3</answer>", "3"),
        # a closing tag never opened
        ("3</answer>", None),
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


@pytest.mark.parametrize("completion, expected", [
    # a guess tagged while thinking is not the answer; the box after `</think>` is
    (r"<think>First guess <answer>287000</answer>? No, recompute.</think> The answer is \boxed{287663}.", "287663"),
    # the opening `<think>` may be in the prompt: only the closing one is in the completion
    ("347*829 = 287663</think>\n<answer>287663</answer>", "287663"),
    # a `<think>` never closed: cut off while thinking, whatever numbers or tags it holds
    ("<think>347*829 is about 287663", None),
    ("<think>The format is <answer>x=3, y=-2</answer>. Now 2x + 3y = 12 gives", None),
    # a second think opened after the first closed, and never closed
    ("<think>a</think><answer>5</answer><think>hmm, 6?", None),
    # an answer only inside the thinking is not a final answer
    ("<think>so <answer>5</answer></think>", None),
    ("<think>done</think>", None),
])
def test_thinking(completion, expected):
    assert extract_tagged_answer(completion) == expected


@pytest.mark.parametrize("completion, expected", [
    # a short closing remark without digits may follow the final answer
    ("<answer>287663</answer> I hope this helps!", "287663"),
    (r"The final answer is $\boxed{287663}$. I hope it is correct.", "287663"),
    (r"Therefore, the product is \(\boxed{287663}\).", "287663"),
    # an early estimate followed by more work, cut at the token limit: no answer, never the estimate
    (r"Roughly \boxed{280000}. More exactly: 347*829 = 347*800 + 347*29 = 277600 + 10063 = 28", None),
    # digits after the answer: the model was still working, or explains with numbers
    ("<answer>287663</answer> because 347*829 = 287663", None),
    # second thoughts, even without digits
    ("<answer>287663</answer>\n\nWait, let me double-check the carry.", None),
    (r"\boxed{287663}. Hmm, that seems large", None),
    # a remark of exactly MAX_CLOSING_CHARS characters is allowed, one more is not
    ("<answer>7</answer>" + "." * MAX_CLOSING_CHARS, "7"),
    ("<answer>7</answer>" + "." * (MAX_CLOSING_CHARS + 1), None),
])
def test_the_final_answer_ends_the_completion(completion, expected):
    assert extract_tagged_answer(completion) == expected


@pytest.mark.parametrize("completion, expected", [
    # boxes separated only by commas, `and`, spacing or math delimiters are one answer
    (r"So \boxed{x = 3}, \boxed{y = -2}", "x = 3, y = -2"),
    (r"\boxed{3} \quad \boxed{-2}", "3, -2"),
    # a name just before a box stays with its value
    (r"Thus $x = \boxed{3}$ and $y = \boxed{-2}$.", "x = 3, y = -2"),
    (r"The sum = \boxed{5}", "5"),  # a word ending in a letter is no name
    # boxes with words between them are separate statements: the last one, if the words say it corrects
    (r"First \boxed{3}. I made a sign error, so \boxed{-3}", "-3"),
    (r"Either \boxed{3} or \boxed{-3}", None),
])
def test_boxes_of_one_answer(completion, expected):
    assert extract_tagged_answer(completion) == expected


def test_boxes_can_be_switched_off():
    # for formats where a box means nothing (a program): tags only
    assert extract_tagged_answer(r"\boxed{7}", boxed=False) is None
    assert extract_tagged_answer(r"<answer>print(7)</answer>", boxed=False) == "print(7)"


@pytest.mark.parametrize("text", [
    "<think>" * 20_000, "</think>" * 20_000, "<answer>" * 20_000, "</answer>" * 20_000, "\\boxed{" * 20_000,
    "{" * 20_000, "}" * 20_000, "\\boxed{" + "{" * 20_000, "\\boxed{}" * 20_000, "$" * 20_000, "*" * 20_000,
    "a" + "*" * 20_000 + "a", "1" + "*" * 20_000 + "1", "\\frac{" + " " * 20_000, "\\text " * 5_000,
    "1" * 20_000 + "x", "1 " * 10_000 + "apples", "x = " * 5_000, "(" * 20_000, "=" * 20_000, "\\," * 10_000,
    "1\\," * 10_000, "1\u2009" * 10_000, "and " * 5_000, "about " * 5_000, "\\" * 20_000,
    "<answer>" + "1," * 10_000 + "</answer>", "<think></think>" * 2_000 + "\\boxed{1}" * 2_000,
])
def test_hostile_answers_are_fast_and_never_raise(text):
    start = time.perf_counter()
    extract_tagged_answer(text)
    clean_answer(text, max_chars=len(text))
    read_number(text)
    for task in (ArithmeticTask(), AlgebraTask(max_answer_digits=1000)):
        task.answer_key(task.extract_answer(text))
        task.answer_key(text)
    # measured: at most about 0.05 s each (2-core EPYC, other work running); a quadratic pattern takes seconds
    assert time.perf_counter() - start < 1.0


# ---------------------------------------------------------------------------------------------------------------
# clean_answer and read_number: the value of an answer as chat models write it


@pytest.mark.parametrize("answer, expected", [
    # presentation around the value
    (r"\boxed{287663}", Fraction(287663)),
    ("$287,663$", Fraction(287663)),
    ("$$287663$$", Fraction(287663)),
    (r"\(287663\)", Fraction(287663)),
    (r"\[287663\]", Fraction(287663)),
    ("**287663**", Fraction(287663)),
    ("`287663`", Fraction(287663)),
    (r"\text{287663}", Fraction(287663)),
    (r"$\boxed{\textbf{287663}}$", Fraction(287663)),
    ("287663.", Fraction(287663)),
    # lead-ins
    ("The answer is 287663.", Fraction(287663)),
    ("**Final Answer:** 287663", Fraction(287663)),
    ("Therefore, the final answer is: 287663", Fraction(287663)),
    ("= 287663", Fraction(287663)),
    ("347 × 829 = 287663", Fraction(287663)),
    (r"347 \times 829 = 287\,663", Fraction(287663)),
    # units after the number
    ("287663 apples", Fraction(287663)),
    ("42 cm", Fraction(42)),
    (r"42 \text{ cm}", Fraction(42)),
    # signs: unicode minus, LaTeX fractions, thin spaces inside a number
    ("\u2212218", Fraction(-218)),
    (r"-\frac{3}{4}", Fraction(-3, 4)),
    (r"\dfrac{-3}{4}", Fraction(-3, 4)),
    (r"\tfrac34", Fraction(3, 4)),
    (r"287\,663", Fraction(287663)),
    ("287\u202f663", Fraction(287663)),
    (r"287{,}663", Fraction(287663)),
    (r"-2\!18", Fraction(-218)),
    # one value, several spellings
    ("0.75", Fraction(3, 4)),
    ("3/4", Fraction(3, 4)),
    # hedged: no value
    ("about 287,000", None),
    ("approximately 287663", None),
    ("287663 approximately", None),
    ("\u2248 287663", None),
    ("~287663", None),
    (r"\approx 287663", None),
    ("0.333...", None),
    # several numbers, or words that are not units
    ("287663 or 287664", None),
    ("287663, not 287000", None),
    ("I think 287663", None),
    ("287 thousand", None),
    ("5 squared", None),
    ("75%", None),
    # words that change the value
    ("(218)", None),
    ("1 1/2", None),
    (r"1\frac{1}{2}", None),
    # LaTeX not read
    (r"\sqrt{2}", None),
    (r"2\pi", None),
    (r"\boxed{287663", None),
    # code is never evaluated
    ("9**9", None),
    ("**9**9", None),
    ("2+2", None),
    # a chain of `=` that claims something false is no value
    ("1 = 2", None),
    ("2+2 = 4 = 5", None),
    # thin spaces that do not group by three are spaces: two numbers
    (r"1234\,567", None),
    ("", None),
    (None, None),
])
def test_read_number(answer, expected):
    assert read_number(answer) == expected


@pytest.mark.parametrize("answer, expected", [
    # names and structure survive: the task reads them
    (r"\boxed{x = 3, y = -2}", "x = 3, y = -2"),
    (r"x=3,\ y=-2", "x=3, y=-2"),
    ("$x = 3$, $y = -2$", "x = 3, y = -2"),
    (r"\left(3, -2\right)", "(3, -2)"),
    # a period that ends a sentence goes, an ellipsis is a hedge
    ("x = 1.5.", "x = 1.5"),
    ("x = 1.5...", None),
    ("   ", None),
    ("x" * 1001, None),
])
def test_clean_answer(answer, expected):
    assert clean_answer(answer) == expected


def test_majority_counts_boxed_answers_by_value():
    # three `\boxed{287663}` in tags and one `286663`: the boxes are read, so the label is 287663, not the one
    # answer that happened to be a bare number
    task = ArithmeticTask()
    completions = [r"<think>347*829</think><answer>\boxed{287663}</answer>"] * 3 + ["<answer>286663</answer>"]
    answers = [task.extract_answer(c) for c in completions]
    verdict = MajorityVerifier().judge(task, task.parse_problem("347*829"), answers)
    assert task.answer_key(verdict.label) == 287663 and verdict.rewards == [1.0, 1.0, 1.0, 0.0]


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


@pytest.mark.parametrize("text, expected", [
    # a point before exactly three digits after a short whole part: 1.234 or 1234 (European)? rejected
    ("1.234", None),
    ("-287.663", None),
    ("3.750", None),
    # unambiguous decimals
    ("0.125", Fraction(1, 8)),
    ("1.2345", Fraction(12345, 10000)),
    ("12.5", Fraction(25, 2)),
    ("1234.567", Fraction(1234567, 1000)),  # a European 1234567 would be 1.234.567
    ("1,234.567", Fraction(1234567, 1000)),  # English separators both
    # English thousands are standard; other groupings are not numbers
    ("1,234", Fraction(1234)),
    ("1.234.567", None),
    ("1.234,5", None),
    ("1,5", None),
    ("1 234", None),
])
def test_parse_number_separators(text, expected):
    assert parse_number(text) == expected


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
