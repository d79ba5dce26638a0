"""Text as instruction-tuned models write it (Qwen- and Llama-class: preambles, markdown, LaTeX, self-corrections,
truncation), each with the reading a parser must give. Written by hand for this project.

A corpus is a list of `Case`s. `expected` is what the text means: the value a parser must read, or None where the
text states nothing readable (cut off, two problems, no final answer): reading anything there is a misread. A
parser may reject a well-formed text (an odd form), never read a wrong value.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    text: str
    expected: Hashable | None
    # Why the case is here, for the failure message ("preamble", "LaTeX", "cut off after an estimate").
    note: str = ""


@dataclass
class Tally:
    read: int = 0            # well-formed texts read right
    well_formed: int = 0     # texts with an expected reading
    misreads: list[str] = field(default_factory=list)

    @property
    def read_share(self) -> float:
        return self.read / self.well_formed if self.well_formed else 1.0


def tally(cases: list[Case], read: Callable[[str], Hashable | None]) -> Tally:
    """Read every case: a reading that differs from the expected one (including any reading of a text that
    means nothing) is a misread; a rejection of a well-formed text only lowers the read share."""
    result = Tally()
    for case in cases:
        got = read(case.text)
        if case.expected is not None:
            result.well_formed += 1
            result.read += got == case.expected
        if got is not None and got != case.expected:
            result.misreads.append(f"{case.note or case.text[:60]!r}: read {got!r}, expected {case.expected!r}")
    return result
