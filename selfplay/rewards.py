"""Proposer rewards: how much a problem is worth, given the verifier's rewards for the solver's answers to it.

Every reward here peaks where the solver sometimes, but not always, succeeds: the problems it can almost do.
`p` below is the problem's solve rate, the mean of the verifier's rewards over the answers it could judge
(with `majority`, the share of answers that agree with the majority label).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from selfplay.types import Verdict


@dataclass
class SQLMBand:
    """SQLM (Chen et al. 2025, Eq. 2): 1 if low < answers agreeing with the label < high, else 0.

    The count is compared strictly with `low` and `high`. `high=None` means N, the number of answers: the
    paper's 0 < count < N. The released code is stricter, `low=1`.

    >>> band = SQLMBand()
    >>> [band(Verdict(rewards, "7")) for rewards in ([1, 1, 1, 1], [1, 0, 0, 0], [0, 0, 0, 0])]
    [0.0, 1.0, 0.0]
    >>> SQLMBand(low=1)(Verdict([1, 0, 0, 0], "7"))
    0.0
    """

    low: float = 0
    high: float | None = None

    name: ClassVar[str] = "sqlm_band"

    def __call__(self, verdict: Verdict) -> float | None:
        judged = [r for r in verdict.rewards if r is not None]
        if not judged:
            return None
        agreeing = sum(judged)
        high = len(judged) if self.high is None else self.high
        return 1.0 if self.low < agreeing < high else 0.0


@dataclass
class Uncertainty:
    """R-Zero (Huang et al. 2025): 1 - 2|p - 1/2|, highest when the solver is split down the middle.

    >>> [Uncertainty()(Verdict(rewards, "7")) for rewards in ([1, 1, 0, 0], [1, 0, 0, 0], [1, 1, 1, 1])]
    [1.0, 0.5, 0.0]
    """

    name: ClassVar[str] = "uncertainty"

    def __call__(self, verdict: Verdict) -> float | None:
        p = verdict.solve_rate
        return None if p is None else 1.0 - 2.0 * abs(p - 0.5)


@dataclass
class Learnability:
    """Absolute Zero (Zhao et al. 2025): 1 - p if 0 < p < 1, else 0: rarely-solved problems are worth most.

    >>> [Learnability()(Verdict(rewards, "7")) for rewards in ([1, 0, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0])]
    [0.75, 0.25, 0.0]
    """

    name: ClassVar[str] = "learnability"

    def __call__(self, verdict: Verdict) -> float | None:
        p = verdict.solve_rate
        if p is None:
            return None
        return 1.0 - p if 0.0 < p < 1.0 else 0.0


PROPOSER_REWARDS = {"sqlm_band": SQLMBand, "uncertainty": Uncertainty, "learnability": Learnability}


def char_ngrams(text: str, n: int = 3) -> set[str]:
    """The set of character n-grams of a text (the whole text if it is shorter than n)."""
    return {text[i : i + n] for i in range(max(1, len(text) - n + 1))}


def repetition_shares(texts: list[str], threshold: float) -> list[float]:
    """For each text, the share of the *other* texts in its near-duplicate cluster (0 for a unique text).

    Two texts are near-duplicates when the Jaccard similarity of their character trigrams is at least `threshold`;
    clusters are the connected groups of near-duplicates (as R-Zero clusters by BLEU).

    >>> repetition_shares(["12+34", "12+34", "987*65", "555-1"], threshold=0.8)
    [0.3333333333333333, 0.3333333333333333, 0.0, 0.0]
    """
    grams = [char_ngrams(text) for text in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if root(i) != root(j) and len(grams[i] & grams[j]) >= threshold * len(grams[i] | grams[j]):
                parent[root(j)] = root(i)
    sizes: dict[int, int] = {}
    for i in range(len(texts)):
        sizes[root(i)] = sizes.get(root(i), 0) + 1
    others = max(1, len(texts) - 1)
    return [(sizes[root(i)] - 1) / others for i in range(len(texts))]
