"""Instruments over hand-written completions, where every number can be worked out by hand, and over hostile
text (megabytes, NUL bytes, other scripts) that must cost no more than a long answer."""

from __future__ import annotations

import math
import time

import pytest

from selfplay.instruments import (
    DEFAULT_MARKERS,
    INSTRUMENT_KEYS,
    MAX_FORMAT_CHARS,
    MAX_TEXT_CHARS,
    answer_format,
    entropy_bits,
    epistemic_rate,
    epistemic_share,
    instrument_metrics,
    marker_counts,
    response_chars,
)


@pytest.mark.parametrize("text, expected", [
    # case does not matter
    ("Wait, that is wrong.", 1),
    ("wait WAIT Wait", 3),
    # whole words only: a marker inside a longer word is no marker
    ("I was waiting; it awaited.", 0),
    ("wait_for_it", 0),
    ("éWait", 0),
    # punctuation around a marker is fine
    ("Hmm... hmm!", 2),
    ("(Actually) 4", 1),
    # a phrase matches across any whitespace, and only as a whole
    ("Let me check the sum", 1),
    ("let me\n   check", 1),
    ("Let me checkmate you", 0),
    ("Let me", 0),
    ("double-check it; Double-check.", 2),
    ("On second thought, I made a mistake", 2),
    # nothing to find
    ("", 0),
    ("4", 0),
    ("naïve über wait", 1),
])
def test_marker_counts_with_the_default_markers(text, expected):
    assert marker_counts(text) == expected


@pytest.mark.parametrize("text, markers, expected", [
    # one marker inside another is counted once where the longer one matches, and alone elsewhere
    ("Let me check. check", ("Let me check", "check"), 2),
    ("Let me check. check", ("check", "Let me check"), 2),
    # markers with regex characters are literal text
    ("a+b a+b", ("a+b",), 2),
    ("aab", ("a+b",), 0),
    # no markers, or only blank ones: nothing to count
    ("Wait", (), 0),
    ("Wait", ("  ",), 0),
])
def test_marker_counts_with_other_markers(text, markers, expected):
    assert marker_counts(text, markers) == expected


@pytest.mark.parametrize("texts, chars, rate, share", [
    ([], 0.0, 0.0, 0.0),
    (["abcd", "", "ab"], 2.0, 0.0, 0.0),
    # 2 + 0 + 1 markers over 3 texts; 2 of 3 texts have one
    # lengths 10, 1, 10
    (["Wait. Hmm.", "4", "Actually 5"], 7.0, 1.0, 2 / 3),
])
def test_response_chars_and_epistemic_rates(texts, chars, rate, share):
    assert response_chars(texts) == pytest.approx(chars)
    assert epistemic_rate(texts, DEFAULT_MARKERS) == pytest.approx(rate)
    assert epistemic_share(texts, DEFAULT_MARKERS) == pytest.approx(share)


@pytest.mark.parametrize("completion, expected", [
    ("<answer>42</answer>", "<a>9</a>"),
    ("\\boxed{7}", "\\a{9}"),
    ("731", "9"),
    # whitespace at the ends is no format; inside, any run is one space
    ("  731\n", "9"),
    ("a\t b\n\nc", "a a a"),
    ("The answer is 12.", "a a a 9."),
    ("x = -3.5", "a = -9.9"),
    ("", ""),
    # letters and digits of any script
    ("é42ü", "a9a"),
    ("٤٢", "9"),
    ("答案是7", "a9"),
    # other characters, NUL included, stay as they are
    ("a\x00b", "a\x00a"),
    ("4_2", "9_9"),
])
def test_answer_format(completion, expected):
    assert answer_format(completion) == expected


def test_a_long_format_keeps_its_start_and_its_end():
    shape = answer_format("<think>" + "1+" * 1000 + "</think><answer>5</answer>")
    assert len(shape) == MAX_FORMAT_CHARS + 1
    assert shape.startswith("<a>9+9+") and shape.endswith("</a><a>9</a>") and "…" in shape


@pytest.mark.parametrize("items, expected", [
    ([], 0.0),
    (["a"], 0.0),
    (["a"] * 5, 0.0),
    (["a", "b"], 1.0),
    (["a", "b", "c", "d"], 2.0),
    # 3/4 and 1/4: -(0.75 log2 0.75 + 0.25 log2 0.25)
    (["a", "a", "a", "b"], 0.8112781244591328),
    ([1, 2, 3], math.log2(3)),
])
def test_entropy_bits(items, expected):
    assert entropy_bits(items) == pytest.approx(expected)
    assert entropy_bits(iter(items)) == pytest.approx(expected)  # a generator works too


# Three problems (2+2 asked twice), two completions each.
PROBLEMS = ["2+2", "2+2", "3+4"]
COMPLETIONS = [["Wait, 4", "<answer>4</answer>"], ["4", "5"], ["Hmm. Let me check: 7", "7"]]
# 2+2: both say 4 (1 distinct of 2); 2+2 again: 4 and no answer (1 of 2); 3+4: 7 and 8 (2 of 2)
ANSWERS = [["4", "4"], ["4", None], ["7", "8"]]


@pytest.mark.parametrize("key, expected", [
    # lengths 7, 18, 1, 1, 20, 1
    ("instruments/response_chars", 48 / 6),
    # Wait; Hmm and Let me check
    ("instruments/epistemic_rate", 3 / 6),
    ("instruments/epistemic_share", 2 / 6),
    ("instruments/unique_problems", 2 / 3),
    ("instruments/unique_answers", (0.5 + 0.5 + 1.0) / 3),
    # formats "a, 9", "<a>9</a>", "9", "9", "a. a a a: 9", "9": one at 1/2 and three at 1/6
    ("instruments/format_entropy", 0.5 * 1 + 3 * (1 / 6) * math.log2(6)),
])
def test_instrument_metrics(key, expected):
    assert instrument_metrics(COMPLETIONS, ANSWERS, PROBLEMS)[key] == pytest.approx(expected)


def test_instrument_metrics_return_exactly_the_instrument_keys():
    assert list(instrument_metrics(COMPLETIONS, ANSWERS, PROBLEMS)) == list(INSTRUMENT_KEYS)


@pytest.mark.parametrize("completions, expected_2grams, expected_3grams", [
    # 3 two-grams, all "aa"; 2 three-grams, all "aaa"
    ([["aaaa"]], 1 / 3, 1 / 2),
    # "ab", "bc" | "ab", "bd": 3 distinct of 4; "abc", "abd": 2 of 2
    ([["abc"], ["abd"]], 3 / 4, 1.0),
])
def test_instrument_metrics_distinct_ngrams(completions, expected_2grams, expected_3grams):
    metrics = instrument_metrics(completions, [[None]] * len(completions), ["p"] * len(completions))
    assert metrics["instruments/distinct_2grams"] == pytest.approx(expected_2grams)
    assert metrics["instruments/distinct_3grams"] == pytest.approx(expected_3grams)


@pytest.mark.parametrize("answers, expected", [
    # no answer at all: no variety
    ([[None, None]], 0.0),
    # all agree: 1/n
    ([["3", "3", "3", "3"]], 0.25),
    # all differ
    ([["1", "2", "3"]], 1.0),
    # an empty group is left out of the mean
    ([["1", "1"], []], 0.5),
])
def test_unique_answers(answers, expected):
    metrics = instrument_metrics([["x"]] * len(answers), answers, ["p"] * len(answers))
    assert metrics["instruments/unique_answers"] == pytest.approx(expected)


def test_no_completions_give_no_metrics():
    assert instrument_metrics([], [], []) == {}
    assert instrument_metrics([[], []], [[], []], ["a", "b"]) == {}


def test_groups_that_do_not_line_up_are_an_error():
    with pytest.raises(ValueError, match="one group of completions and one of answers per problem"):
        instrument_metrics([["4"]], [["4"], ["5"]], ["2+2"])


HOSTILE = [
    "Wait " * 1_000_000,  # 5 MB of markers
    "\x00" * 5_000_000,  # NUL bytes
    "é" * 5_000_000,  # one long word in another script
    "Let me " * 700_000,  # a phrase that starts everywhere and never ends
    "let" + " " * 5_000_000,  # one whitespace run a phrase could backtrack over
    "1" * 5_000_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=["markers", "nul", "unicode", "open_phrase", "whitespace", "digits"])
def test_hostile_text_is_measured_fast_and_bounded(text):
    started = time.perf_counter()
    count = marker_counts(text)
    shape = answer_format(text)
    metrics = instrument_metrics([[text, text[:10]]], [[text, None]], [text])
    assert time.perf_counter() - started < 2.0
    assert count <= MAX_TEXT_CHARS // 4  # only the first MAX_TEXT_CHARS are searched
    assert len(shape) <= MAX_FORMAT_CHARS + 1
    assert metrics["instruments/response_chars"] == (len(text) + 10) / 2  # the true length, uncut
    assert 0.0 <= metrics["instruments/distinct_2grams"] <= 1.0


def test_hostile_markers_are_counted_in_the_first_part_only():
    assert marker_counts("Wait " * 1_000_000) == MAX_TEXT_CHARS // len("Wait ")
    assert answer_format("\x00" * 5_000_000) == "\x00" * (MAX_FORMAT_CHARS // 2) + "…" + "\x00" * (MAX_FORMAT_CHARS // 2)
