"""Coding: the proposer writes a small programming problem plus test cases as `INPUT ||| OUTPUT` lines (SQLM's
format); the solver sees the problem without its tests and writes a Python program that reads standard input.

There is no formal ground truth: the `code` verifier runs each program against the proposer's tests in a sandbox
(see selfplay/sandbox.py). Held-out problems with tests written for this project ship with it
(`coding_problems.json`).

Both parsers read what instruction-tuned models write, markdown and all, and nothing here is ever run or
evaluated. Each reads a completion once, line by line, with patterns anchored at a line's start, so the work is
linear in the (capped) text. A form they do not recognise is rejected rather than guessed at: a misread test (one
nobody can pass) or a misread program does more harm than a problem or an answer lost.
"""

from __future__ import annotations

import functools
import json
import random
import re
import textwrap
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from selfplay.answers import after_thinking, extract_tagged_answer
from selfplay.tasks.base import Task
from selfplay.types import Problem

_SEPARATOR = "|||"
_ANSWER_OPEN, _ANSWER_CLOSE = "<answer>", "</answer>"
SHIPPED_PROBLEMS = Path(__file__).with_name("coding_problems.json")

# Fence languages (the first word of the info string, lowercased) whose body is Python.
_PYTHON = frozenset({"python", "py", "python3", "py3"})
# Fences a proposer may put tests or an example in; a fence in any other language holds code, never tests.
_PLAIN = frozenset({"", "text", "txt", "plaintext", "plain", "none", "test", "tests", "input", "output", "example",
                    "examples", "markdown", "md"})
# How a program reads its input. A fence with none of these is not the program (it is a sample run, an output, a
# function without its caller), and a Python fence that reads input beats one that does not (a test harness).
_READS_INPUT = re.compile(r"input\(|stdin|open\(0")
# What a program written into the statement looks like (in an unlabelled fence, before the tests).
_LOOKS_LIKE_CODE = re.compile(r"input\(|stdin|open\(0|print\(|^\s*(?:def|import|from)\s", re.MULTILINE)

# Patterns below use single optional spaces (`[ \t]?`) where models write one space: two adjacent `\s*` around
# optional parts would backtrack quadratically on a line of spaces.
_BOLD = r"(?:\*\*|__)?"
# What may stand before a test on its line, removed a layer at a time: a bullet, a number, `Test 2:`, `**Case 3**:`.
_TEST_PREFIX = re.compile(
    rf"""[-*•+][ \t]+                                          # - 1 2 ||| 3
    | {_BOLD}\(?[0-9]{{1,3}}[.)]{_BOLD}[ \t]+                   # 1. 1 2 ||| 3   (2) ...   **3.** ...
    | \#[0-9]{{1,3}}[:.)]?[ \t]*                                # #4: ...
    | {_BOLD}(?:tests?|examples?|samples?|cases?)(?:[ \t]?cases?)?[ \t]?\#?[0-9]{{0,3}}{_BOLD}
      (?:[:.)]|[ \t]+[-–](?=[ \t])){_BOLD}[ \t]*                # Test 1: ...   **Example 2:** ...   Test 3 - ...
    """,
    re.VERBOSE | re.IGNORECASE,
)
_INPUT_LABEL = re.compile(rf"{_BOLD}(?:sample[ \t])?(?:input|in){_BOLD}[ \t]*[:=]{_BOLD}", re.IGNORECASE)
_OUTPUT_LABEL = re.compile(
    rf"{_BOLD}(?:expected(?:[ \t](?:output|result|answer))?|(?:sample[ \t])?(?:output|out)|result|answer)"
    rf"{_BOLD}[ \t]*[:=]{_BOLD}",
    re.IGNORECASE,
)
# A side of a test that still has one of these after cleaning is not a test: a label left in place, a comment or an
# explanation after the value, markup that did not come off, a run of prose.
_NOT_A_VALUE = re.compile(
    r"""^(?:input|output|expected|result|answer|tests?|examples?|cases?|samples?)\b
    | [`|#] | // | -> | → | => | \s\( | \s[-–—]\s+[A-Za-z] | \b(?:because|since|explanation|note)\b
    | ^\* | \*$ | \([ \t]*[A-Za-z] | [0-9]\.$
    """,
    re.VERBOSE | re.IGNORECASE,
)
# Words: two in a row, or a word for nothing, are not an input (inputs are space-separated integers); five in a row
# are not an output (an output may be a short phrase, "No even numbers").
_INPUT_PROSE = re.compile(r"[A-Za-z]{2,}[ \t]+[A-Za-z]{2,}|^(?:empty|none|nothing|blank|null|n/a)\b", re.IGNORECASE)
_OUTPUT_PROSE = re.compile(r"[A-Za-z]{2,}(?:[ \t]+[A-Za-z]{2,}){4}")
_HEADER_INPUT, _HEADER_OUTPUT = re.compile(r"\binput\b"), re.compile(r"\b(?:output|expected)\b")

# Lines about the problem rather than in it. Each is matched against a line's first 200 characters with markup
# (`#`, `*`, `>`, bullets) taken off its ends.
_PREAMBLE = re.compile(
    r"(?:sure|certainly|of course|absolutely|okay|ok|alright|great|here(?:'s|’s| is| are)|below is|"
    r"i(?:'ve|’ve| have) (?:written|created|come up)|let's|let me)\b",
    re.IGNORECASE,
)
_CHATTY = re.compile(r"(?:sure|certainly|of course|absolutely|okay|ok|alright|great)\b", re.IGNORECASE)
_PROBLEM_WORD = re.compile(r"\b(?:problem|question|exercise|challenge|task)\b", re.IGNORECASE)
_TITLE_ONLY = re.compile(r"(?:the[ \t])?(?:problem|task|question)(?:[ \t](?:statement|description))?|description",
                         re.IGNORECASE)
_INTRODUCES_TESTS = re.compile(r"\b(?:tests?|test[ \t]?cases?|examples?|samples?|cases?)\b", re.IGNORECASE)
# A new problem after the tests: `Problem 2`, `**Problem:**`, `### Question`.
_NEXT_PROBLEM = re.compile(r"(?:problem|question|exercise)[ \t]?(?:[0-9]+|[0-9]*[ \t]?:)", re.IGNORECASE)
_NEXT_PROBLEM_HEADING = re.compile(r"(?:problem|question|exercise)\b", re.IGNORECASE)
# The end of the problem: a solution (or the instruction not to write one). Nothing after it is statement.
_SOLUTION_HEADING = re.compile(r"(?:[\w'’]+[ \t]){0,3}(?:solutions?|implementation|code)\b", re.IGNORECASE)
_DO_NOT_SOLVE = re.compile(r"(?:note:[ \t]?)?(?:please[ \t])?(?:do not|don't|don’t|dont)[ \t](?:solve|provide|"
                           r"include|write|give)", re.IGNORECASE)
_MARKUP = " \t#*_>-•`"


@dataclass
class CodingTask(Task):
    """Problems on space-separated integers with `INPUT ||| OUTPUT` tests; judged by running the solver's
    programs (the `code` verifier). Fields: `task.options`."""

    # A problem needs at least this many tests, and keeps at most `max_tests`.
    min_tests: int = 2
    max_tests: int = 8
    # Longest test input or output, and longest statement, in characters: they bound what runs and what is shown.
    max_test_chars: int = 200
    max_statement_chars: int = 2000
    # Only the first this many characters of a completion are read (the problem, or the program).
    max_text_chars: int = 20_000
    # In the spirit of SQLM's Table 6.
    topic_prompt: str = (
        "Write one easy programming problem whose input is a single line of space-separated integers and whose "
        "output is one line. After the problem, write 5 test cases, one per line, as INPUT ||| OUTPUT. "
        "Do not solve it."
    )
    solver_template: str = (
        "Write a Python 3 program that reads the input from standard input and prints the answer. Think inside "
        "<think> </think>, then give only the program inside <answer> </answer>.\nProblem: {problem}"
    )

    name: ClassVar[str] = "coding"

    def __post_init__(self) -> None:
        if not 1 <= self.min_tests <= self.max_tests <= 50:
            raise ValueError("task.options needs 1 <= min_tests <= max_tests <= 50")
        self.check_shared_options()

    def proposer_prompt(self) -> str:
        return self.topic_prompt

    def parse_problem(self, completion: str) -> Problem | None:
        """The problem after any thinking (none if a `<think>` is left open). The statement is the text before the
        first test, less a chatty opening, a heading that introduces the tests, and anything from a solution on; the
        tests are the `INPUT ||| OUTPUT` lines, read through numbering, bullets, labels, backticks and bold. Tests
        end at a solution; a second problem, or a test line that does not read cleanly, makes the whole completion
        invalid.

        >>> problem = CodingTask().parse_problem('''Sure! Here's an easy problem:
        ... ### Sum
        ... Print the sum of the integers.
        ... **Test cases:**
        ... INPUT ||| OUTPUT
        ... 1. `1 2 3` ||| `6`
        ... - Input: 4 -4 ||| Output: 0
        ... Do not solve it.''')
        >>> problem.text, problem.features["tests"]
        ('Sum\\nPrint the sum of the integers.', [['1 2 3', '6'], ['4 -4', '0']])
        """
        text = after_thinking(completion[: self.max_text_chars])
        if text is None:
            return None  # cut off while thinking
        statement: list[str] = []
        tests: list[list[str]] = []
        fence: str | None = None      # inside a fence: "plain" (may hold tests) or "code" (never does)
        fence_start = 0               # where the open plain fence began in `statement`
        statement_over = False        # a solution (or "do not solve it") ends the statement
        for line in text.splitlines():
            stripped = line.strip()
            info = _fence_info(stripped)
            if info is not None:
                if fence is None:
                    fence = "plain" if _language(info) in _PLAIN else "code"
                    if fence == "code":
                        if tests:
                            break  # a program after the tests: the problem is over
                        statement_over = True
                        continue
                    fence_start = len(statement)
                elif info:
                    continue  # a fence opened inside an open fence is text in it; ignored
                else:
                    closed, fence = fence, None
                    if closed == "code":
                        continue
                    if not tests and not statement_over and _LOOKS_LIKE_CODE.search("\n".join(
                            statement[fence_start + 1:])):
                        del statement[fence_start:]  # a program in an unlabelled fence: a solution, not statement
                        statement_over = True
                        continue
                if not tests and not statement_over:
                    statement.append(line)
                continue
            if fence == "code":
                continue
            if _SEPARATOR in line:
                if _is_header(line):
                    continue
                test = self.read_test(line)
                if test is None:
                    return None  # a test that does not read cleanly makes the problem invalid
                tests.append(test)
                continue
            head = stripped[:200]
            if tests:
                if _starts_next_problem(head):
                    return None  # two problems in one completion: neither is the one asked for
                if _ends_problem(head):
                    break
                continue
            if statement_over:
                continue
            if _ends_problem(head):
                statement_over = True
                continue
            statement.append(line)
        text = _clean_statement(statement)
        if not text or len(text) > self.max_statement_chars or len(tests) < self.min_tests:
            return None
        return self.make_problem(text, tests[: self.max_tests])

    def read_test(self, line: str) -> list[str] | None:
        """`[input, output]` from one line holding the separator once, or None if it does not read cleanly.

        >>> CodingTask().read_test("2) **Input:** `5 7` ||| **Output:** `12`")
        ['5 7', '12']
        >>> CodingTask().read_test("5 7 ||| 12 (5 + 7)") is None  # an explanation after the output
        True
        """
        if len(line) > 2 * self.max_test_chars + 300:
            return None  # longer than any test with its markup
        parts = line.split(_SEPARATOR)
        if len(parts) != 2:
            return None
        given = parts[0].strip()
        for _ in range(4):  # a few layers at most: `- **Test 1:** ...`
            prefix = _TEST_PREFIX.match(given)
            if prefix is None or not prefix.end():
                break
            given = given[prefix.end():].strip()
        given, expected = _value(given, _INPUT_LABEL), _value(parts[1], _OUTPUT_LABEL)
        for value, prose in ((given, _INPUT_PROSE), (expected, _OUTPUT_PROSE)):
            if (not value or len(value) > self.max_test_chars or _NOT_A_VALUE.search(value)
                    or prose.search(value)):
                return None
        return [given, expected]

    def make_problem(self, text: str, tests: list[list[str]], level: int = 1, reference: str | None = None,
                     ) -> Problem:
        features = {"tests": tests, "num_tests": len(tests), "level": level}
        if reference is not None:
            features["reference"] = reference
        return Problem(text=text, features=features)

    def proposal_text(self, problem: Problem) -> str:
        return problem.text + "\n" + "\n".join(f"{given} {_SEPARATOR} {expected}"
                                                for given, expected in problem.features["tests"])

    def reference_answer(self, problem: Problem) -> str | None:
        return problem.features.get("reference")

    def solver_prompt(self, problem: Problem) -> str:
        return self.solver_template.replace("{problem}", problem.text)

    def extract_answer(self, completion: str) -> str | None:
        """The program: inside the <answer> tags after the thinking (a fence inside them removed), else, where there
        are no tags, the last fenced Python block after the thinking, one that reads input preferred (an unlabelled
        fence only if it reads input; a fence in another language never). Indented code is dedented. A completion
        cut off while thinking, inside the tags or inside a fence has none.

        >>> CodingTask().extract_answer("<answer>\\n```python\\nprint(1)\\n```\\n</answer>")
        'print(1)'
        >>> CodingTask().extract_answer("```Python\\n  n = input()\\n  print(n)\\n```\\n```bash\\npython a.py\\n```")
        'n = input()\\nprint(n)'
        >>> CodingTask().extract_answer("```python\\nprint(input())\\n```\\nFaster:\\n```python\\nimport sys") is None
        True
        """
        text = completion[: self.max_text_chars]
        final = after_thinking(text)
        if final is None:
            return None  # cut off while thinking: whatever it drafted is no answer
        closing = final.rfind(_ANSWER_CLOSE)
        if closing < 0 and _ANSWER_OPEN not in final:
            return _choose_program(_fences(final))
        # Tagged: the answer is in the tags or there is none (a fence elsewhere is an alternative, not the answer).
        # The text after the answer is left out of the call: after a program it is commentary ("runs in O(n)"),
        # not the second thought after an early estimate that a tail is taken for in other tasks. A box around a
        # program means nothing.
        end = closing + len(_ANSWER_CLOSE) if closing >= 0 else len(final)
        tagged = extract_tagged_answer(final[:end], self.max_text_chars, boxed=False)
        if tagged is None:
            return None
        # the tags' content as written (stripping it would cut the first line's indentation)
        raw = final[final.rfind(_ANSWER_OPEN, 0, closing) + len(_ANSWER_OPEN) : closing]
        return _program_in_tags(raw if raw.strip() == tagged else tagged)

    def answer_key(self, answer: str | None) -> Hashable | None:
        """Programs agree only when they are the same text (up to blank lines and trailing spaces); whether they
        are right is for the `code` verifier to find out by running them."""
        if answer is None:
            return None
        lines = [line.rstrip() for line in answer.strip().splitlines() if line.strip()]
        return "\n".join(lines) or None

    def sample_problem(self, rng: random.Random, difficulty: int) -> Problem:
        """One of the shipped problems of this level (1 easy, 2 harder)."""
        problems = [p for p in shipped_problems() if p["level"] == difficulty]
        if not problems:
            raise ValueError(f"no shipped coding problems of level {difficulty}")
        chosen = rng.choice(problems)
        return self.make_problem(chosen["statement"], chosen["tests"], chosen["level"], chosen["reference"])

    def difficulty(self, problem: Problem) -> int:
        return int(problem.features.get("level", 1))

    def is_correct(self, problem: Problem, answer: str | None, truth: str | None) -> bool:
        """A program is right when it passes every test (run in the sandbox, with the `code` verifier's defaults)."""
        return _judge().judge(self, problem, [answer]).rewards == [1.0]


# --- reading a problem ------------------------------------------------------------------------------------------


def _value(side: str, label: re.Pattern[str]) -> str:
    """One side of a test without its label, markup and quotes: `**Output:** `6`` -> `6`."""
    side, labelled = side.strip(), False
    for _ in range(3):  # label, bold and backticks nest a few layers deep at most
        before = side
        side = _unwrap(side)
        match = None if labelled else label.match(side)
        if match is not None:  # one label only: `Output: Output: 3` is left for the checks to reject
            side, labelled = side[match.end():].strip(), True
        side = _unwrap(side)
        if len(side) >= 2 and side[0] == side[-1] and side[0] in "\"'":
            side = side[1:-1].strip()
        if side == before:
            break
    return side


def _unwrap(side: str) -> str:
    """`side` without backticks (a run of one to three) or bold (exactly `**` or `__`) at either end. A run of
    another length is left in place, and the side is then rejected: `***` may be a row of stars, not markup."""
    side = side.strip()
    start = len(side) - len(side.lstrip("`"))
    if 1 <= start <= 3:
        side = side[start:]
    end = len(side) - len(side.rstrip("`"))
    if 1 <= end <= 3:
        side = side[: len(side) - end]
    for bold in "*_":
        if side.startswith(bold * 2) and not side.startswith(bold * 3):
            side = side[2:]
        if side.endswith(bold * 2) and not side.endswith(bold * 3):
            side = side[:-2]
    return side.strip()


def _is_header(line: str) -> bool:
    """A line that names the two columns (`INPUT ||| OUTPUT`, `Tests (Input ||| Expected output):`) or rules them
    off (`----- ||| ------`) rather than stating a test."""
    parts = line.lower().split(_SEPARATOR)
    if len(parts) != 2:
        return False
    if all(part.strip() and not part.strip(" \t-=_:|") for part in parts):
        return True
    left, right = parts[0].rstrip(" \t`*_:()[]\"'.-"), parts[1].lstrip(" \t`*_:()[]\"'.-")
    if left.endswith("input") and right.startswith(("output", "expected")):
        return True
    return bool(_HEADER_INPUT.search(left) and _HEADER_OUTPUT.search(right) and not any(c.isdigit() for c in line))


def _ends_problem(head: str) -> bool:
    """A line that starts a solution, or tells the reader not to solve it: nothing after it is the problem."""
    cleaned = head.strip(_MARKUP + "()")
    if _DO_NOT_SOLVE.match(cleaned):
        return True
    heading = head.startswith(("#", "**", "__")) or cleaned.endswith(":") or head.endswith(":**")
    return heading and len(cleaned) <= 50 and _SOLUTION_HEADING.match(cleaned) is not None


def _starts_next_problem(head: str) -> bool:
    cleaned = head.strip(_MARKUP)
    if _NEXT_PROBLEM.match(cleaned):
        return True
    heading = head.startswith(("#", "**", "__")) and len(cleaned) <= 60
    return heading and _NEXT_PROBLEM_HEADING.match(cleaned) is not None


def _introduces_tests(line: str) -> bool:
    """A heading or lead-in for the tests (`### Test Cases`, `Here are 5 test cases:`), dropped from the statement."""
    stripped = line.strip()[:200]
    cleaned = stripped.strip(_MARKUP + ":")
    if not _INTRODUCES_TESTS.search(cleaned):
        return False
    return stripped.startswith(("#", "**", "__")) or stripped.endswith((":", ":**", "**")) or len(cleaned) <= 25


def _clean_statement(lines: list[str]) -> str:
    """The statement shown to the solver: no chatty opening, no bare `Problem` title, headings as plain lines,
    no lead-in to the tests at the end, no fence left open."""
    kept: list[str] = []
    opening = True  # still before the first line of substance
    for line in lines:
        stripped = line.strip()
        if opening:
            stripped = _without_preamble(stripped)
            if not stripped:
                continue
            line, opening = stripped, False
        if stripped.startswith("#"):
            line = stripped = stripped.lstrip("#").strip()
        if _TITLE_ONLY.fullmatch(stripped.strip(_MARKUP + ":")):
            continue
        kept.append(line.rstrip())
    while kept and (not kept[-1].strip() or _fence_info(kept[-1].strip()) is not None or _introduces_tests(kept[-1])):
        kept.pop()
    fences = [i for i, line in enumerate(kept) if _fence_info(line.strip()) is not None]
    if len(fences) % 2:
        del kept[fences[-1]]  # the fence the tests were in, opened before the statement
    text = "\n".join(kept).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text)


def _without_preamble(line: str) -> str:
    """A first line less its chatty sentences: "Sure! Here's an easy problem: Print the sum." -> "Print the sum."."""
    for _ in range(3):
        head = line[:200].strip(_MARKUP)
        if not (_PREAMBLE.match(head) and (_CHATTY.match(head) or _PROBLEM_WORD.search(head[:120])
                                            or line.endswith((":", "!", ":**")))):
            return line
        ends = [i for i in (line.find(":"), line.find("!"), line.find(". ")) if i >= 0]
        line = line[min(ends) + 1:].strip(_MARKUP) if ends else ""
    return line


# --- reading a program ------------------------------------------------------------------------------------------


def _fence_info(stripped: str) -> str | None:
    """For a line (stripped) that opens or closes a code fence, its info string (`python`, or empty); else None.
    As in CommonMark, a backtick in the info string makes the line inline code, not a fence."""
    rest = stripped.lstrip("`")
    if len(stripped) - len(rest) < 3 or "`" in rest:
        return None
    return rest.strip()


def _language(info: str) -> str:
    """The fence's language, lowercased; an info string of more words (```python print(1)) is a language of its
    own, so that code on the fence line is never lost silently."""
    words = info.lower().split()
    return "" if not words else words[0] if len(words) == 1 else "?" + info


def _fences(text: str) -> list[tuple[str, str]] | None:
    """(language, body) of each fenced block in order; None if the text ends inside one (cut off)."""
    fences: list[tuple[str, str]] = []
    language: str | None = None
    body: list[str] = []
    for line in text.splitlines():
        info = _fence_info(line.strip())
        if language is None:
            if info is not None:
                language, body = _language(info), []
        elif info == "":
            fences.append((language, "\n".join(body)))
            language = None
        else:
            body.append(line)
    return None if language is not None else fences


def _choose_program(fences: list[tuple[str, str]] | None) -> str | None:
    """The last Python fence (one that reads input preferred); if there is none, the last unlabelled fence that
    reads input. Other languages (a shell command, sample output) are never the program."""
    if not fences:
        return None
    python = [body for language, body in fences if language in _PYTHON]
    if python:
        reading = [body for body in python if _READS_INPUT.search(body)]
        return _program((reading or python)[-1])
    plain = [body for language, body in fences if language == "" and _READS_INPUT.search(body)]
    return _program(plain[-1]) if plain else None


def _program_in_tags(tagged: str) -> str | None:
    """The program in an answer's tags: its text, less a fence around it (closed or not); where the tags hold prose
    and fences, the fence `_choose_program` picks."""
    lines = tagged.splitlines()
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    lines = lines[start:end]
    opening = _fence_info(lines[0].strip()) if lines else None
    if opening is not None and _language(opening) in _PYTHON | {""}:
        lines = lines[1:]
    if lines and _fence_info(lines[-1].strip()) == "":
        lines = lines[:-1]
    if not any(_fence_info(line.strip()) is not None for line in lines):
        return _program("\n".join(lines))
    return _choose_program(_fences(tagged))


def _program(body: str) -> str | None:
    """A program's text: dedented (code indented in a list item still runs), blank lines at the ends removed."""
    program = textwrap.dedent(body).strip("\n").rstrip()
    return program if program.strip() else None


@functools.cache
def _judge():
    """One code verifier for evaluation, so its cache of program results is shared across calls."""
    from verifiers.code import CodeVerifier

    return CodeVerifier()


def shipped_problems() -> list[dict[str, Any]]:
    return json.loads(SHIPPED_PROBLEMS.read_text())
