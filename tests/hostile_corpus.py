"""A corpus of hostile inputs for the parsers and verifiers (issue #7): what a proposer or solver rewarded for
breaking them might write. Each family is a list of texts; `cases(task)` turns them into `selfplay verify` input
lines, each text once as the problem (with ordinary answers) and once as the answers (to an ordinary problem).

Sizes are chosen so that each line still fits `selfplay verify`'s line limit (1,000,000 characters of JSON), except
the two `oversize` texts, which check that a longer line is refused cleanly too.
"""

from __future__ import annotations

import json
import random


def _fill(unit: str, characters: int) -> str:
    """`unit` repeated to about `characters` characters of JSON."""
    return unit * max(1, characters // len(json.dumps(unit)[1:-1]))


def _random_text(seed: int, characters: int, alphabet: str) -> str:
    return "".join(random.Random(seed).choices(alphabet, k=characters))


MEGA = 900_000  # a "megabyte" text, in JSON characters
RANDOM_MEGABYTE = _random_text(0, MEGA, "0123456789+-*/=()xy ^!.,<>{}[]|\n\t")

FAMILIES: dict[str, list[str]] = {
    "huge_powers": [
        "9**9**9**9", "2^10^10", "2**2**2**2**2**2", "10**10**10", "(2**64)**(2**64)", "pow(9, 9**9)",
        "2 ** 1000000", "9^9^9^9", "1e999999", "2⁹⁹⁹⁹", "x**99999999 = 1", "12+34**5", "Pow(2, 10**100)",
        "2**-1000000", "3x^2 = 12", "(x+1)**1000 = 0", "1E+308*1E+308", "float('inf')",
    ],
    "factorials": [
        "factorial(10**9)", "99999!", "1000000!", "(10**9)!", "gamma(10**9)", "!!!!!!", "5!!!!!!!!", "x! = 3",
        "factorial(factorial(20))", "math.factorial(10**8)", "sympy.factorial(99999)", "binomial(10**9, 5*10**8)",
        "3!+4", "12+34!", "12!+34!", "x = 9999999!",
    ],
    "long_numbers": [
        "1" * 100_000, "9" * 999_000, "0" * 100_000 + "1", "1" * 100_000 + "+1", "1+" + "2" * 100_000,
        "-" + "9" * 100_000, "1." + "0" * 100_000, "1/" + "3" * 100_000, "1" + ",000" * 30_000,
        "x = " + "7" * 100_000, "3x = " + "9" * 100_000, "1e" + "9" * 1000, "0." + "3" * 100_000,
        "9" * 65, "9" * 64, "9" * 1000 + "*" + "9" * 1000, "x = 1/" + "0" * 1000, "1" * 4301,
    ],
    "nesting": [
        "(" * 10_000 + "1" + ")" * 10_000, "(" * 10_000, ")" * 10_000, "[" * 10_000 + "1" + "]" * 10_000,
        "{" * 10_000 + "1" + "}" * 10_000, "\\boxed{" * 10_000 + "1" + "}" * 10_000,
        "<answer>" * 10_000 + "1" + "</answer>" * 10_000, "-(" * 10_000 + "1" + ")" * 10_000,
        "(1+" * 10_000 + "1" + ")" * 10_000, "x = (((3)))", "((x)) = 2", "(" * 100 + "12+34" + ")" * 100,
        "<answer>(" * 5_000 + "</answer>", "\\boxed{\\boxed{\\boxed{7}}}",
    ],
    "python_code": [
        "__import__('os').system('ls')", "exec('import os; os.system(\"ls\")')", "eval('1+1')",
        "open('/etc/passwd').read()", "import os\nos.system('rm -rf /')", "__builtins__.__dict__['eval']('2')",
        "compile('1', 'a', 'exec')", "globals()", "import sys; sys.exit(1)", "raise SystemExit", "while True: pass",
        "print(1)", "import os; os.fork()", "import subprocess; subprocess.run(['ls'])", "breakpoint()", "input()",
        "quit()", "getattr(__builtins__, 'exec')('1')", "import socket; socket.socket()",
        "open('/tmp/x', 'w').write('x' * 10**9)", "import ctypes; ctypes.string_at(0)", "x = [1] * 10**10",
    ],
    "attribute_access": [
        "().__class__.__bases__[0].__subclasses__()", "(1).__class__", "''.__class__.__mro__[1]", "x.__dict__",
        "[].__class__.__base__.__subclasses__()[59]", "1 .real", "(1).bit_length()", "sympy.Integer(1)",
        "Symbol('x').subs", "__class__", "self.__init__.__globals__", "a.b.c.d = 1", "12 .__add__(34)",
        "x.real = 3",
    ],
    "lambdas": [
        "lambda: 1", "(lambda x: x)(1)", "(lambda f: f(f))(lambda f: f(f))", "lambda: __import__('os')",
        "x = lambda: 3", "map(lambda x: x, range(10**9))", "[x for x in range(10**10)]", "sum(range(10**12))",
        "(lambda: 2)()+1", "def f(): return 1", "x = (lambda y: y)(3)",
    ],
    "unicode_digits": [
        "\u0663+\u0664", "\u0661\u0662+\u0663\u0664", "\u06f1\u06f2+\u06f3\u06f4", "\uff11\uff12+\uff13\uff14",
        "\uff11\uff12\uff0b\uff13\uff14", "\u00b2\u00b3+\u00b9", "\u2081\u2082+\u2083\u2084",
        "\U0001d7cf\U0001d7d0+\U0001d7d1\U0001d7d2", "\U0001d7d9\U0001d7da+\U0001d7db\U0001d7dc",
        "\u0967\u0968+\u0969\u096a", "\u09e7\u09e8+\u09e9\u09ea", "\u0e51\u0e52+\u0e53\u0e54", "\u2460+\u2461",
        "\u216b+\u2163", "\u00bd", "\u00b9/\u2082", "\u22123", "12\u22123", "x = \u0663", "\u0663x = \u0666",
        "3x\uff1d6", "1\u200b2+3", "\u202e12+34", "\ufeff12+34", "1\u03032+3", "12\u00a0+\u00a034", "1\uff12+3",
        "\ud800", "12+34\udfff", "\U0001f600+1", "\u0663" * 150_000, "46\u0663", "x\u2009=\u20093",
    ],
    "control_characters": [
        "\x00", "12+34\x00", "\x00" * 1000, "1\x002+3", "\x1b[31m12+34", "\r\n\r\n", "\x07\x08", "\x7f",
        "12+\x0034", "<answer>\x00</answer>", "\x00<answer>46</answer>", "\u2028", "\x0b\x0c", "x\x00= 3",
        "\x00" * 150_000, "1\r+\r2", "x =\x00 3", "\x1a\x1c\x1d\x1e",
    ],
    "megabyte": [
        _fill("a", MEGA), _fill(" ", MEGA), _fill("\n", MEGA), _fill("<answer>", MEGA), _fill("1+", MEGA),
        _fill("x = 1; ", MEGA), _fill("(", MEGA), _fill("=", MEGA), _fill("```\n", MEGA), _fill("\\boxed{", MEGA),
        _fill("1 ||| 2\n", MEGA), _fill("\t", MEGA), _fill("1 ", MEGA), _fill("x ", MEGA), _fill("- ", MEGA),
        _fill("1" + " " * 50, MEGA), _fill("3x" + " " * 50, MEGA), _fill("```" + "\n" * 50, MEGA),
        RANDOM_MEGABYTE,
    ],
    "oversize": ["a" * (2**20), "1+" * (2**19)],
    "empty_and_whitespace": [
        "", " ", "\n", "\t", " \t\n\r ", "\u3000", "\u00a0", "<answer></answer>", "<answer> </answer>", "\\boxed{}",
        "\\boxed{", "<answer>", "</answer>", "```\n```", "```python\n```", "|||", " ||| ",
    ],
    "equals_signs": [
        "1+1=2=3", "x = 1 = 2", "x=y=z=1", "====", "12+34 = 46 = 46", "x + 1 = 2 = x", "2x = 4; x = 2 = 3", "x == 2",
        "x=2, x=3", "x=1=y", "a = b = c = d", "=12+34=", "x = 1\ny = 2 = 3", "x <= 3", "x != 3", "x := 3",
        "2x = 4 = 2x", "x=" * 5000 + "1",
    ],
    "valid_prefix": [
        "12+34)", "12+34**9**9**9", "12+34; __import__('os').system('ls')", "12+34\x00", "12+34" + "(" * 10_000,
        "12+34" + "9" * 100_000, "12+34!", "12+34.5", "12+34e999999", "2x + 3 = 7" + "**9**9", "2x + 3 = 7 = 8",
        "<answer>46</answer>" + "<answer>" * 1000, "46\x00", "46 and also 9**9**9", "x=2" + "=" * 1000,
        "x = 2 lambda: 0", "2x + 3 = 7; " + "x" * 100_000, "46" + " " * 100_000 + "47", "12+34" + " " * 100_000,
        "2x = 4" + "\n" * 100_000 + "3y = 9",
    ],
}

# The hostile texts a task does read a problem from, and the problem it reads; every other text is invalid as a
# problem. The solver is shown the canonical problem, never the text around it.
READ_AS = {
    "arithmetic": {
        "eval('1+1')": "1+1",  # a problem inside code is still the problem; nothing is evaluated
        "\u202e12+34": "12+34",  # a direction override before it
        "\ufeff12+34": "12+34",
        "1\u03032+3": "2+3",  # a combining mark splits `12`
        "12+34\udfff": "12+34",  # a lone surrogate after it
        "12+34\x00": "12+34",
        "1\x002+3": "2+3",
        "1\r+\r2": "1+2",  # carriage returns are spaces
        "12\u22123": "12-3",  # the unicode minus sign
        "12\xa0+\xa034": "12+34",  # no-break spaces
        "1+1=2=3": "1+1",  # what follows `=` is the proposer's claim, not part of the problem
        "12+34 = 46 = 46": "12+34",
        "12+34)": "12+34",
        "12+34; __import__('os').system('ls')": "12+34",
        "12+34" + " " * 100_000: "12+34",
    },
    "algebra": {
        _fill("x = 1; ", MEGA): "x = 1",  # the last of many equal equations
        "2x = 4; x = 2 = 3": "2x = 4",  # a chain of `=` is no equation; the one before it is
        "x = 1\ny = 2 = 3": "x = 1",
        "x = 2 lambda: 0": "x = 2",  # prose after an equation
        "2x + 3 = 7; " + "x" * 100_000: "2x = 4",
        "2x = 4" + "\n" * 100_000 + "3y = 9": "2x = 4",  # 3y = 9 lies past the first 20,000 characters
    },
}

# The hostile answers that earn reward 1 under `sympy` (the answer stated in a tag amid the garbage); every other
# hostile answer earns 0. An answer followed by more (`<answer>46</answer><answer>...`, `x = 2 lambda: 0`) is not a
# final answer (selfplay/answers.py).
REWARDED = {
    "arithmetic": {"\x00<answer>46</answer>"},
    "algebra": set(),
}

# Ordinary problems and answers the hostile texts are paired with, per task.
ORDINARY = {
    "arithmetic": ("12+34", ["46", "<answer>46</answer>", "45"]),
    "algebra": ("2x + 3 = 7", ["x=2", "<answer>x = 2</answer>", "3"]),
}


def cases(task: str) -> list[tuple[str, str, str]]:
    """(family, role, JSON line) for every text of every family: once as the problem, once as all the answers
    (bare, tagged and boxed)."""
    problem, answers = ORDINARY[task]
    lines = []
    for family, texts in FAMILIES.items():
        for text in texts:
            lines.append((family, "problem", json.dumps({"problem": text, "answers": answers})))
            hostile_answers = [text] if len(text) > 1000 else [text, f"<answer>{text}</answer>", f"\\boxed{{{text}}}"]
            lines.append((family, "answers", json.dumps({"problem": problem, "answers": hostile_answers})))
    return lines


# The coding task: hostile test lines in problems, hostile programs as answers. Every program runs in the sandbox
# (a process per test), so this subset is small.
_STATEMENT = "Print the sum of the integers on the line."
_TESTS = "1 2 ||| 3\n4 5 ||| 9"
CODING_PROBLEMS = [
    _STATEMENT + "\n" + "1 2 ||| " + "9" * 100_000 + "\n3 4 ||| 7",  # a test over max_test_chars
    _STATEMENT + "\n__import__('os').system('ls') ||| 3\n1 ||| 1",
    _STATEMENT + "\n\x00 ||| \x00\n1 ||| 1",
    _STATEMENT + "\n||| 3\n1 2 |||",
    _STATEMENT + "\n1 ||| 2 ||| 3\n1 ||| 1",
    _STATEMENT + "\n" + "|||" * 1000,
    _STATEMENT + "\n\u0663 ||| \u0663\n\uff11 ||| \uff11",
    _STATEMENT + "\n" + "1 2 ||| 3\n" * 10_000,
    _STATEMENT + "\n" + "(" * 150 + " ||| " + ")" * 150 + "\n1 ||| 1",
    "(" * 10_000 + "\n1 2 ||| 3\n4 5 ||| 9",
    "",
    "\n" * 100_000 + _TESTS,
    _fill("1 ||| 2\n", MEGA),
    _STATEMENT + "\n9**9**9**9 ||| 1\nfactorial(10**9) ||| 2",
    _STATEMENT + "\n1 2 ||| 3\n" + "x" * 100_000 + "\n4 5 ||| 9",
]
CODING_PROGRAMS = [
    "print(sum(map(int, input().split())))",  # a correct program, for contrast
    "9**9**9**9",
    "print(__import__('os').system('ls'))",
    "open('/etc/passwd').read()",
    "exec('import os; os.system(\"ls\")')",
    "while True: pass",
    "import os; os.fork()",
    "().__class__.__bases__[0].__subclasses__()",
    "(lambda f: f(f))(lambda f: f(f))",
    "x = [1] * 10**10",
    "print('\\x00' * 10**7)",
    "import sys; sys.setrecursionlimit(10**6)\ndef f(n): return f(n + 1)\nf(0)",
    "\x00",
    "",
    "(" * 10_000,
    "print(\u0663)",
]


def coding_cases() -> list[tuple[str, str, str]]:
    """(family, role, JSON line) for the coding task: hostile problems with an ordinary program, and ordinary
    problems with hostile programs (in tags, fenced, and bare)."""
    good = CODING_PROGRAMS[0]
    lines = [("coding_problem", "problem", json.dumps({"problem": text, "answers": [f"<answer>{good}</answer>"]}))
             for text in CODING_PROBLEMS]
    problem = _STATEMENT + "\n" + _TESTS
    for program in CODING_PROGRAMS:
        answers = [f"<answer>{program}</answer>", f"```python\n{program}\n```", program]
        lines.append(("coding_program", "answers", json.dumps({"problem": problem, "answers": answers})))
    return lines
