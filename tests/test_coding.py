"""The coding task: problems with `INPUT ||| OUTPUT` tests, programs pulled out of completions."""

from __future__ import annotations

import random
import time

import pytest

from selfplay.tasks import CodingTask
from selfplay.tasks.coding import shipped_problems

TASK = CodingTask()

GOOD = """Print the sum of the integers.
1 2 3 ||| 6
10 -4 ||| 6
7 ||| 7"""


def test_problem_and_tests_are_separated():
    problem = TASK.parse_problem(GOOD)
    assert problem.text == "Print the sum of the integers."
    assert problem.features["tests"] == [["1 2 3", "6"], ["10 -4", "6"], ["7", "7"]]
    assert "|||" not in TASK.solver_prompt(problem)  # the solver never sees the tests


@pytest.mark.parametrize("completion", [
    "Print the sum.\n1 2 ||| 3",  # fewer than min_tests
    "1 2 ||| 3\n4 ||| 4",  # tests without a statement
    "Print the sum.\n1 2 ||| 3\n ||| 4",  # a test without input
    "Print the sum.\n1 2 ||| 3\n4 ||| ",  # a test without output
    "Print the sum.\n1 2 ||| 3 ||| 4\n5 ||| 5",  # two separators on one line
    "Print the sum.\n" + "1 " * 200 + "||| 3\n4 ||| 4",  # a test input over max_test_chars
    "",
])
def test_tests_that_do_not_parse_make_the_problem_invalid(completion):
    assert TASK.parse_problem(completion) is None


def test_tests_beyond_max_tests_are_dropped():
    completion = "Echo the number.\n" + "\n".join(f"{i} ||| {i}" for i in range(20))
    assert TASK.parse_problem(completion).features["num_tests"] == TASK.max_tests


@pytest.mark.parametrize("completion, program", [
    ("<think>easy</think><answer>print(1)</answer>", "print(1)"),
    ("<answer>\n```python\nprint(2)\n```\n</answer>", "print(2)"),  # a fence inside the tags
    ("Here:\n```python\nprint(3)\n```\nand\n```python\nprint(4)\n```", "print(4)"),  # the last fenced block
    ("print(5)", None),  # no tags, no fence: no program
    ("<answer></answer>", None),
])
def test_extract_program(completion, program):
    assert TASK.extract_answer(completion) == program


def test_answer_key_ignores_blank_lines_and_trailing_spaces():
    assert TASK.answer_key("x = 1  \n\nprint(x)\n") == TASK.answer_key("x = 1\nprint(x)")
    assert TASK.answer_key(None) is None


def test_shipped_problems_are_well_formed_and_sampled_by_level():
    problems = shipped_problems()
    assert {p["level"] for p in problems} == {1, 2} and len(problems) >= 10
    for entry in problems:
        text = entry["statement"] + "\n" + "\n".join(f"{i} ||| {o}" for i, o in entry["tests"])
        assert TASK.parse_problem(text).features["tests"] == entry["tests"]
    problem = TASK.sample_problem(random.Random(0), 2)
    assert TASK.difficulty(problem) == 2 and problem.features["num_tests"] == 5


@pytest.mark.parametrize("length, read", [
    # a problem or a program that ends exactly at max_text_chars is read; one character later it is cut
    (100, True),
    (101, False),
])
def test_max_text_chars_bounds_what_is_read(length, read):
    task = CodingTask(max_text_chars=100)
    tests = "\n1 ||| 1\n2 ||| 2"
    assert (task.parse_problem("Echo." + " " * (length - 5 - len(tests)) + tests) is not None) == read
    # (cut, the second test reads `2 ||| ` and makes the problem invalid)
    tag = "<answer>print(1)</answer>"
    assert (task.extract_answer("x" * (length - len(tag)) + tag) == "print(1)") == read


@pytest.mark.parametrize("completion", [
    # an unclosed fence followed by many blank lines once cost the fence pattern quadratic time (over a second)
    "```python\n" + "\n" * 20_000,
    "<answer>```\n" + "\n" * 20_000 + "</answer>",
    "```" + " " * 20_000,
])
def test_extracting_is_fast_on_unclosed_fences(completion):
    start = time.perf_counter()
    TASK.extract_answer(completion)
    # measured: under 0.001 s (2-core EPYC, other work running); the quadratic fence pattern took 8 s
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("options", [{"max_text_chars": 99}, {"max_text_chars": 1_000_001}])
def test_bad_text_limit_raises(options):
    with pytest.raises(ValueError, match="max_text_chars"):
        CodingTask(**options)


# ---------------------------------------------------------------------------------------------------------------
# what instruction-tuned models write (the corpora in tests/realtext/coding_*.py hold many more)


@pytest.mark.parametrize("line, test", [
    # the forms misread before: numbering, bullets, labels, backticks, bold
    ("1. 1 2 3 4 ||| 6", ["1 2 3 4", "6"]),
    ("2) 1 2 3 4 ||| 6", ["1 2 3 4", "6"]),
    ("- 1 2 3 4 ||| 6", ["1 2 3 4", "6"]),
    ("• 1 2 3 4 ||| 6", ["1 2 3 4", "6"]),
    ("Input: 1 2 3 4 ||| Output: 6", ["1 2 3 4", "6"]),
    ("Input: 1 2 3 4 ||| Expected: 6", ["1 2 3 4", "6"]),
    ("`1 2 3 4 ||| 6`", ["1 2 3 4", "6"]),
    ("`1 2 3 4` ||| `6`", ["1 2 3 4", "6"]),
    ("**1 2 3 4 ||| 6**", ["1 2 3 4", "6"]),
    ("**Test 1:** `1 2 3 4` ||| `6`", ["1 2 3 4", "6"]),
    ("- **Input:** `-1 -2` ||| **Output:** `-3`", ["-1 -2", "-3"]),
    ('"1 2" ||| "3"', ["1 2", "3"]),
    # signs and decimals are values, not bullets or numbering
    ("-1 2 ||| 1", ["-1 2", "1"]),
    ("1.5 2 ||| 3.5", ["1.5 2", "3.5"]),
    # not a test: comments or explanations after a value, a label left over, prose, a row of stars
    ("1 2 ||| 3 (1 + 2)", None),
    ("1 2 ||| 3  # sum", None),
    ("1 2 ||| 3 -> the sum", None),
    ("Input: 1 2 ||| Output: Output: 3", None),
    ("empty line ||| 0", None),
    ("3 ||| ***", None),
    ("1 2 ||| 3.", None),
])
def test_read_test(line, test):
    assert TASK.read_test(line) == test


QWEN = """Sure! Here's an easy programming problem:

### Problem: Sum of Even Numbers

Given a line of space-separated integers, print the sum of the even ones.

### Test Cases
```
INPUT ||| OUTPUT
1 2 3 4 ||| 6
5 7 ||| 0
```

Do not solve it.

```python
print(sum(x for x in map(int, input().split()) if x % 2 == 0))
```"""


def test_statement_without_preamble_heading_marks_lead_in_or_solution():
    problem = TASK.parse_problem(QWEN)
    assert problem.text == ("Problem: Sum of Even Numbers\n\n"
                            "Given a line of space-separated integers, print the sum of the even ones.")
    assert problem.features["tests"] == [["1 2 3 4", "6"], ["5 7", "0"]]  # the header line is no test


@pytest.mark.parametrize("solution", [
    "Solution:\n```python\nprint(sum(map(int, input().split())))\n```",
    "```python\nprint(sum(map(int, input().split())))\n```",
    "```\nprint(sum(map(int, input().split())))\n```",
])
def test_a_solution_before_the_tests_is_not_shown_to_the_solver(solution):
    problem = TASK.parse_problem(f"Print the sum of the integers.\n\n{solution}\n\nTests:\n1 2 ||| 3\n4 ||| 4")
    assert problem.text == "Print the sum of the integers."
    assert problem.features["tests"] == [["1 2", "3"], ["4", "4"]]


@pytest.mark.parametrize("completion", [
    "Problem 1: Print the sum.\n1 2 ||| 3\n4 ||| 4\nProblem 2: Print the max.\n1 2 ||| 2\n4 ||| 4",  # two problems
    "Print the sum.\nINPUT ||| OUTPUT\n1 2 ||| 3",  # the header is no test: one test is too few
    "<think>\nPrint the sum.\n1 2 ||| 3\n4 ||| 4",  # cut off while thinking
])
def test_completions_that_state_no_one_problem_are_invalid(completion):
    assert TASK.parse_problem(completion) is None


def test_tests_after_a_solution_are_not_read():
    completion = "Print the sum.\n1 2 ||| 3\n4 ||| 4\n```python\nprint(f'{1} ||| {2}')\n```\n5 ||| 5"
    assert TASK.parse_problem(completion).features["tests"] == [["1 2", "3"], ["4", "4"]]


PROGRAM = "nums = list(map(int, input().split()))\nprint(sum(nums))"
INDENTED = "\n".join("    " + line for line in PROGRAM.splitlines())


@pytest.mark.parametrize("completion, program", [
    # the Python fence, however it is labelled, never a shell command or sample output
    (f"```Python\n{PROGRAM}\n```", PROGRAM),
    (f"```python3\n{PROGRAM}\n```", PROGRAM),
    (f"```Python3\n{PROGRAM}\n```", PROGRAM),
    (f"```py\n{PROGRAM}\n```\n```bash\npython main.py < in.txt\n```", PROGRAM),
    (f"```python\n{PROGRAM}\n```\nOutput:\n```text\n6\n```", PROGRAM),
    (f"```python\n{PROGRAM}\n```\nRun it:\n```\n$ echo 1 2 3 | python main.py\n6\n```", PROGRAM),
    ("```bash\npython main.py\n```", None),
    (f"```\n{PROGRAM}\n```", PROGRAM),  # unlabelled, and it reads input
    ("```\n6\n```", None),  # unlabelled, and no program
    # a harness after the program: the fence that reads input
    (f"```python\n{PROGRAM}\n```\nCheck:\n```python\nassert sum([1, 2]) == 3\n```", PROGRAM),
    # indented code is dedented, in a fence and in tags
    (f"1. Code:\n   ```python\n{INDENTED}\n   ```", PROGRAM),
    (f"<answer>\n{INDENTED}\n</answer>", PROGRAM),
    # cut off: an unclosed fence at the end, an unclosed <answer>
    (f"```python\n{PROGRAM}\n```\nFaster:\n```python\nimport sys", None),
    (f"<answer>\n```python\n{PROGRAM}\n```", None),
    # in tags, a fence elsewhere is no answer; commentary after the tags does not undo it
    (f"<answer>{PROGRAM}</answer>\nAlternative:\n```python\nprint(0)\n```", PROGRAM),
    (f"<answer>{PROGRAM}</answer>\nThis runs in O(n) time: 1 2 3 gives 6.", PROGRAM),
])
def test_extract_program_from_instruct_completions(completion, program):
    assert TASK.extract_answer(completion) == program


@pytest.mark.parametrize("completion, program", [
    # The rule shared with extract_tagged_answer: the answer comes after the last </think>, and a <think> left
    # open means the completion was cut off before it answered.
    (f"<think>\nDraft:\n```python\nprint(0)\n```\n</think>\n```python\n{PROGRAM}\n```", PROGRAM),
    (f"<think>\n<answer>print(0)</answer>\n</think>\n<answer>{PROGRAM}</answer>", PROGRAM),
    (f"<think>\nDraft:\n```python\n{PROGRAM}\n```\nLet me check", None),
    (f"<think>\n<answer>{PROGRAM}</answer>", None),
])
def test_only_what_follows_the_thinking_is_the_program(completion, program):
    assert TASK.extract_answer(completion) == program
