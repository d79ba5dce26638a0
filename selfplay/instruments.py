"""Instruments: cheap measurements of what a model writes, taken every step for every training method.

They are what makes methods comparable beyond accuracy: how long the answers are, how often the model hesitates
or checks itself ("Wait", "Let me check"), whether its answers and their shapes keep their variety or collapse
onto one. Everything here is a pure function of text. Model output can be anything (a megabyte of one character,
NUL bytes, any script), so each text is cut to `MAX_TEXT_CHARS` before it is looked at: the work per text is
bounded whatever the model writes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from functools import lru_cache

# Words and phrases that mark a model doubting, pausing or re-checking itself: the "aha" words of long-reasoning
# models. Matched as whole words, ignoring case; the spaces inside a phrase match any run of whitespace.
DEFAULT_MARKERS = (
    "Wait",
    "Hmm",
    "Actually",
    "Let me check",
    "Let me verify",
    "Let me re-check",
    "Double-check",
    "On second thought",
    "I made a mistake",
)

# A text is cut to this many characters before it is measured (about 4,000 tokens: longer than any completion
# the shipped configs allow, 3,072 tokens for algebra), so hostile output costs no more than a long answer.
MAX_TEXT_CHARS = 16_000

# The longest shape `answer_format` returns; longer shapes keep their start and their end (where the answer is).
MAX_FORMAT_CHARS = 64

# The keys `instrument_metrics` returns, in the order tables and plots show them.
INSTRUMENT_KEYS = (
    "instruments/response_chars",
    "instruments/epistemic_rate",
    "instruments/epistemic_share",
    "instruments/distinct_2grams",
    "instruments/distinct_3grams",
    "instruments/unique_problems",
    "instruments/unique_answers",
    "instruments/format_entropy",
)


def marker_counts(text: str, markers: Sequence[str] = DEFAULT_MARKERS) -> int:
    """How many times the markers occur in `text`, ignoring case, as whole words only: "waiting" is not "Wait",
    "Hmm," is "Hmm". Where one marker is part of another ("Let me check" and "check"), the longer one is counted
    once, not both.

    >>> marker_counts("Wait, 2+2... wait. WAIT! I was waiting.", ["wait"])
    3
    >>> marker_counts("Hmm. Let me\\ncheck: 4. Let me checkmate.")
    2
    """
    if not markers:
        return 0
    return len(_marker_pattern(tuple(markers)).findall(text[:MAX_TEXT_CHARS]))


@lru_cache(maxsize=16)
def _marker_pattern(markers: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled pattern for a tuple of markers; cached because it is used on every completion of every step.
    The longest markers come first, so that the alternation prefers "let me check" over a shorter marker it
    contains."""
    phrases = [r"\s+".join(re.escape(word) for word in marker.split()) for marker in markers if marker.strip()]
    phrases.sort(key=len, reverse=True)
    # (?<!\w) and (?!\w) instead of \b: they also hold where a marker starts or ends with a non-word character.
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE)


def distinct_ngrams(texts: list[str], n: int) -> float:
    """Distinct character n-grams over all n-grams in the texts: 1.0 when nothing repeats, small when the same
    pieces come back again and again (a proposer that has collapsed onto a few problems).

    >>> distinct_ngrams(["abc", "abd"], 2), distinct_ngrams(["aaaa"], 2), distinct_ngrams(["a"], 2)
    (0.75, 0.3333333333333333, 0.0)
    """
    grams = [text[i : i + n] for text in texts for i in range(len(text) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def response_chars(texts: Sequence[str]) -> float:
    """The mean length of the texts in characters (0.0 for none). The full length counts, uncut: measuring it
    costs nothing, and a model that rambles on should show it.

    >>> response_chars(["abcd", "", "ab"])
    2.0
    """
    return sum(len(text) for text in texts) / len(texts) if texts else 0.0


def epistemic_rate(texts: Sequence[str], markers: Sequence[str] = DEFAULT_MARKERS) -> float:
    """Markers per text, on average (0.0 for no texts).

    >>> epistemic_rate(["Wait. Hmm.", "4", "Actually 5"])
    1.0
    """
    return sum(marker_counts(text, markers) for text in texts) / len(texts) if texts else 0.0


def epistemic_share(texts: Sequence[str], markers: Sequence[str] = DEFAULT_MARKERS) -> float:
    """The share of texts with at least one marker (0.0 for no texts).

    >>> epistemic_share(["Wait. Hmm.", "4", "Actually 5", "5"])
    0.5
    """
    return sum(marker_counts(text, markers) > 0 for text in texts) / len(texts) if texts else 0.0


# One piece of a shape: a run of digits, a run of letters (any script), or a run of whitespace.
_SHAPE_PIECES = re.compile(r"(\d+)|([^\W\d_]+)|(\s+)")


def _piece_shape(match: re.Match[str]) -> str:
    return "9" if match.group(1) else "a" if match.group(2) else " "


def answer_format(completion: str) -> str:
    """The coarse shape of a completion, for measuring how many different formats a model answers in: every run
    of digits becomes `9`, every run of letters `a`, every run of whitespace one space; other characters stay.
    Whitespace at either end is dropped. A shape longer than `MAX_FORMAT_CHARS` keeps its first and last halves
    around a `…`, since the answer usually comes last.

    >>> answer_format("<answer>42</answer>"), answer_format("\\\\boxed{7}"), answer_format(" 731\\n")
    ('<a>9</a>', '\\\\a{9}', '9')
    >>> answer_format("x = -3.5"), answer_format("")
    ('a = -9.9', '')
    """
    shape = _SHAPE_PIECES.sub(_piece_shape, completion[:MAX_TEXT_CHARS].strip())
    if len(shape) > MAX_FORMAT_CHARS:
        half = MAX_FORMAT_CHARS // 2
        shape = shape[:half] + "…" + shape[-half:]
    return shape


def entropy_bits(items: Iterable[Hashable]) -> float:
    """The Shannon entropy, in bits, of how often each distinct item occurs: 0 when all items are the same (or
    there are none), log2(n) when n distinct items occur equally often.

    >>> entropy_bits(["a", "a", "b", "b"]), entropy_bits(["a", "a"]), entropy_bits([])
    (1.0, 0.0, 0.0)
    """
    counts = Counter(items)
    total = sum(counts.values())
    return sum((count / total * math.log2(total / count) for count in counts.values()), 0.0)


def instrument_metrics(completions_by_problem: Sequence[Sequence[str]],
                       answers_by_problem: Sequence[Sequence[str | None]], problems: Sequence[str],
                       markers: Sequence[str] = DEFAULT_MARKERS) -> dict[str, float]:
    """The `instruments/...` metrics of one step: the completions the solver wrote for each problem, the answer
    extracted from each (None where there was none) and the problems themselves. No completions: an empty dict.

    - `response_chars`, `epistemic_rate`, `epistemic_share`, `distinct_2grams`, `distinct_3grams`: over all
      completions;
    - `unique_problems`: distinct problems over problems (1.0: no problem was asked twice);
    - `unique_answers`: per problem, distinct answers (None is no answer) over answers in the group, then the mean
      over problems: 1/n when all n answers agree, 1.0 when all differ;
    - `format_entropy`: `entropy_bits` of the `answer_format` of all completions.

    >>> metrics = instrument_metrics([["<answer>4</answer>", "Wait, 5"], ["7", "7"]], [["4", None], ["7", "7"]],
    ...                              ["2+2", "3+4"])
    >>> metrics["instruments/unique_answers"], metrics["instruments/format_entropy"]
    (0.5, 1.5)
    """
    if not len(completions_by_problem) == len(answers_by_problem) == len(problems):
        raise ValueError(f"one group of completions and one of answers per problem, got {len(completions_by_problem)} "
                         f"groups of completions, {len(answers_by_problem)} of answers and {len(problems)} problems")
    completions = [completion[:MAX_TEXT_CHARS] for group in completions_by_problem for completion in group]
    if not completions:
        return {}
    answer_shares = [len({answer[:MAX_TEXT_CHARS] for answer in group if answer is not None}) / len(group)
                     for group in answers_by_problem if group]
    return {
        "instruments/response_chars": response_chars([c for group in completions_by_problem for c in group]),
        "instruments/epistemic_rate": epistemic_rate(completions, markers),
        "instruments/epistemic_share": epistemic_share(completions, markers),
        "instruments/distinct_2grams": distinct_ngrams(completions, 2),
        "instruments/distinct_3grams": distinct_ngrams(completions, 3),
        "instruments/unique_problems": len({problem[:MAX_TEXT_CHARS] for problem in problems}) / len(problems),
        "instruments/unique_answers": sum(answer_shares) / len(answer_shares) if answer_shares else 0.0,
        "instruments/format_entropy": entropy_bits(answer_format(completion) for completion in completions),
    }
