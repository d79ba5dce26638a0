"""Tests for selfplay.tasks.arithmetic: parsing proposer problems, reading solver answers, ground truth, sampling."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from selfplay.answers import MAX_TEXT_CHARS, parse_number
from selfplay.tasks import TASKS, ArithmeticTask
from selfplay.tasks.arithmetic import count_carries
from selfplay.types import Problem
from verifiers import SympyVerifier

# ---------------------------------------------------------------------------------------------------------------
# parse_problem


@pytest.mark.parametrize(
    "completion, expected",
    [
        # the canonical form
        ("123+456", "123+456"),
        # prose around it, the multiplication sign, and a question mark
        ("What is 347 × 829?", "347*829"),
        # spaces around the operator are dropped
        ("12 + 34", "12+34"),
        ("9 - 4", "9-4"),
        ("7*8", "7*8"),
        # a trailing sentence period is not a decimal point
        ("Compute 12+34.", "12+34"),
        # a trailing equals sign, as a completion might end
        ("12+34=", "12+34"),
        # leading zeros are canonicalised away
        ("Compute 007+08.", "7+8"),
        # leading zeros do not count towards max_digits
        ("0000001+2", "1+2"),
        # all zeros is the number zero
        ("000+5", "0+5"),
        # exactly max_digits digits is allowed
        ("999*999", "999*999"),
        # two separate problems: the last one is taken
        ("try 3*4, or rather 5+6", "5+6"),
        # a subtraction whose result is negative is still a valid problem
        ("3-5", "3-5"),
        # a chain of operations is not one binary problem, spaces and brackets or not
        ("1+2+3", None),
        ("2*3-1", None),
        ("1 + 2 + 3", None),
        ("10 - 3 + 2", None),
        ("(1+2)*3", None),
        ("3*(1+2)", None),
        ("3 * ( 1+2 )", None),
        ("[1+2]^2", None),
        # a factorial, scientific notation or a bracket on the last operand makes it another number
        ("12+34!", None),
        ("12+34e5", None),
        ("12+34E+5", None),
        ("12+34(5)", None),
        # brackets around the whole problem are fine
        ("What is (12+34)?", "12+34"),
        # a power is not an allowed operation
        ("2**3", None),
        ("12^3", None),
        # division is not supported
        ("8/2", None),
        # decimal operands, on either side
        ("1.5+2", None),
        ("12+3.5", None),
        ("3.5+12", None),
        # a negative operand
        ("-3+4", None),
        ("3 - -4", None),
        # more digits than max_digits (3 by default)
        ("1234+5", None),
        ("5+1234", None),
        ("0001234+5", None),
        # no problem at all
        ("I like numbers", None),
        ("", None),
        # a lone number
        ("42", None),
    ],
)
def test_parse_problem(completion, expected):
    # one operation, as the tiny model's default sets it (more operations: test_parse_problem_expressions)
    problem = ArithmeticTask(max_operations=1).parse_problem(completion)
    assert (problem.text if problem else None) == expected


@pytest.mark.parametrize(
    "ops, completion, expected",
    [
        # an op outside `ops` is invalid
        ("+", "7*8", None),
        ("+", "7-8", None),
        ("+-", "7×8", None),
        # the same op inside `ops` is fine
        ("*", "7×8", "7*8"),
        ("+", "7+8", "7+8"),
    ],
)
def test_parse_problem_respects_ops(ops, completion, expected):
    problem = ArithmeticTask(ops=ops).parse_problem(completion)
    assert (problem.text if problem else None) == expected


@pytest.mark.parametrize(
    "max_digits, completion, expected",
    [
        # the limit is on digits, inclusive
        (1, "9+9", "9+9"),
        (1, "10+1", None),
        (6, "123456+654321", "123456+654321"),
        (6, "1234567+1", None),
    ],
)
def test_parse_problem_respects_max_digits(max_digits, completion, expected):
    problem = ArithmeticTask(max_digits=max_digits).parse_problem(completion)
    assert (problem.text if problem else None) == expected


def test_parse_problem_features():
    # one operation keeps the features the warm start and the instruments use, plus the expression tree
    problem = ArithmeticTask().parse_problem("What is 58 + 067?")
    assert problem == Problem("58+67", {"left": 58, "op": "+", "right": 67, "digits": 2, "carries": 2,
                                        "operations": 1, "expression": ["+", "58", "67"]})


def test_tiny_default_reads_as_before():
    # the embedded default's options: `12+34` reads exactly as it did, features and all
    task = ArithmeticTask(ops="+", max_digits=6, max_operations=1)
    for text in ["12+34", "12 + 34", "12+34=", "What is 12+34?"]:
        assert task.parse_problem(text) == Problem("12+34", {"left": 12, "op": "+", "right": 34, "digits": 2,
                                                             "carries": 0, "operations": 1,
                                                             "expression": ["+", "12", "34"]})
    for text in ["12+34+5", "12*34", "12-34", "-12+34", "1.5+2", "1/2", "2^3"]:
        assert task.parse_problem(text) is None


# With the ops and limits of a chat-model config: several operations, division, powers, decimals.
CHAT = ArithmeticTask(ops="+-*/^", max_digits=6, max_operations=4)


@pytest.mark.parametrize(
    "completion, text, features",
    [
        # several operations: the canonical text drops brackets the precedence does not need
        ("Compute (234 × 567) + 89.", "234*567+89",
         {"operations": 2, "digits": 3, "expression": ["+", ["*", "234", "567"], "89"]}),
        ("Evaluate $(138 + 188) \\cdot 8$.", "(138+188)*8",
         {"operations": 2, "digits": 3, "expression": ["*", ["+", "138", "188"], "8"]}),
        # one operation on whole numbers: left/op/right as before; carries only for + - *
        ("12 divided by 4", "12/4",
         {"left": 12, "op": "/", "right": 4, "operations": 1, "digits": 2, "expression": ["/", "12", "4"]}),
        ("What is 4,582 + 739?", "4582+739",
         {"left": 4582, "op": "+", "right": 739, "carries": 3, "operations": 1, "digits": 4,
          "expression": ["+", "4582", "739"]}),
        # decimals count all their digits; a minus sign is an operation
        ("What is 12.75 - 3.5?", "12.75-3.5", {"operations": 1, "digits": 4, "expression": ["-", "12.75", "3.5"]}),
        ("What is -25 + 63?", "-25+63", {"operations": 2, "digits": 2, "expression": ["+", ["-", "25"], "63"]}),
        ("Find the product of 321 and 654.", "321*654",
         {"left": 321, "op": "*", "right": 654, "carries": 5, "operations": 1, "digits": 3,
          "expression": ["*", "321", "654"]}),
    ],
)
def test_parse_problem_expressions(completion, text, features):
    problem = CHAT.parse_problem(completion)
    assert problem == Problem(text, features)
    # the canonical text reads back to the same problem
    assert CHAT.parse_problem(problem.text) == problem


@pytest.mark.parametrize(
    "options, completion, read",
    [
        # max_operations bounds the count, a minus sign included
        ({"max_operations": 2}, "1+2+3", True),
        ({"max_operations": 2}, "1+2+3+4", False),
        ({"max_operations": 2}, "-1+2+3", False),
        # decimals and fractions only where division is allowed: without it every answer is whole
        ({"ops": "+-*"}, "1.5+2", False),
        ({"ops": "+-*/"}, "1.5+2", True),
        ({"ops": "+-*"}, "\\frac{3}{4}+1", False),
        # an operator outside ops, a minus sign too
        ({"ops": "+*"}, "-3+4", False),
        ({"ops": "+-*/"}, "2^3", False),
        # max_digits applies to every operand, the exponent too
        ({"max_digits": 2}, "12*34+56", True),
        ({"max_digits": 2}, "12*34+567", False),
        ({"max_digits": 2}, "2^100", False),
        # a power whose value needs more than max_answer_digits digits is not computed at all
        ({"max_answer_digits": 64}, "2^200", True),
        ({"max_answer_digits": 64}, "2^213", False),
        ({"max_answer_digits": 64, "max_digits": 3}, "999^999", False),
        # a division by zero is no problem; a fraction's answer counts its numerator and denominator
        ({}, "5/0", False),
        ({}, "7/(3-3)", False),
        ({"max_digits": 3, "max_answer_digits": 6}, "1/999", True),
        ({"max_digits": 3, "max_answer_digits": 6}, "1/999+1/998", False),
        # 0^0 is undefined
        ({}, "0^0", False),
    ],
)
def test_parse_problem_respects_limits(options, completion, read):
    task = ArithmeticTask(**{"ops": "+-*/^", "max_digits": 6, "max_operations": 4, **options})
    assert (task.parse_problem(completion) is not None) == read


def test_parse_problem_ignores_text_past_the_limit():
    # a problem beyond MAX_TEXT_CHARS is never read
    assert ArithmeticTask().parse_problem("x" * MAX_TEXT_CHARS + "1+2") is None


@pytest.mark.parametrize("length, read", [
    # a problem or an answer that ends exactly at max_text_chars is read
    (100, True),
    # one character later it is cut: `1+` is no problem, `<answer>7</answer` no answer
    (101, False),
])
def test_max_text_chars_bounds_what_is_read(length, read):
    task = ArithmeticTask(max_text_chars=100)
    assert (task.parse_problem(" " * (length - 3) + "1+2") is not None) == read
    tag = "<answer>7</answer>"
    assert (task.extract_answer("x" * (length - len(tag)) + tag) == "7") == read


@pytest.mark.parametrize("answer, expected", [
    # exactly max_answer_digits digits is a number; one more is not (a fraction counts both parts)
    ("9" * 6, Fraction(999_999)),
    ("9" * 7, None),
    ("123/456", Fraction(123, 456)),
    ("1234/567", None),
    ("12345.6", Fraction(123456, 10)),
    ("12345.67", None),
])
def test_max_answer_digits(answer, expected):
    assert ArithmeticTask(max_digits=3, max_answer_digits=6).answer_key(answer) == expected


def test_parse_problem_never_raises_on_many_leading_zeros():
    # "0"*5000 + "1" strips to one digit, so it passes the max_digits check, then int() of 5001 chars raises
    problem = ArithmeticTask().parse_problem("0" * 5000 + "1+2")
    assert problem is None or problem.text == "1+2"


# ---------------------------------------------------------------------------------------------------------------
# extract_answer and answer_key


@pytest.mark.parametrize(
    "answer_format, completion, expected",
    [
        # tagged: the tag content
        ("tagged", "<think>hm</think><answer>42</answer>", "42"),
        # tagged: boxed works too
        ("tagged", r"\boxed{7}", "7"),
        # tagged: a completion that is only a number counts
        ("tagged", " 403 ", "403"),
        # tagged: the tag content is returned even when it is not a number (answer_key rejects it later)
        ("tagged", "<answer>x</answer>", "x"),
        # tagged: a bare number with other text is not an answer
        ("tagged", "12 apples", None),
        # tagged: a reversed-looking string is not a number, so not an answer
        ("tagged", "321-", None),
        ("tagged", "no idea", None),
        # plain: the leading number
        ("plain", "42", "42"),
        ("plain", " 12 and more", "12"),
        ("plain", "-5", "-5"),
        # plain: tags are not read
        ("plain", "<answer>42</answer>", None),
        ("plain", "abc", None),
        # reversed: digits read least significant first
        ("reversed", "24", "42"),
        ("reversed", "304", "403"),
        # reversed: the sign is written last, so "321-" means -123
        ("reversed", "321-", "-123"),
        # reversed: only the leading run of digits counts
        ("reversed", "21 abc", "12"),
        ("reversed", "abc", None),
    ],
)
def test_extract_answer(answer_format, completion, expected):
    assert ArithmeticTask(answer_format=answer_format).extract_answer(completion) == expected


@pytest.mark.parametrize(
    "answer_format, answer, expected",
    [
        # format_answer is extract_answer's inverse: what the warm start teaches is what gets read back
        ("tagged", "403", "<answer>403</answer>"),
        ("plain", "403", "403"),
        ("reversed", "403", "304"),
        ("reversed", "-123", "321-"),
    ],
)
def test_format_answer_inverts_extract(answer_format, answer, expected):
    task = ArithmeticTask(answer_format=answer_format)
    assert task.format_answer(answer) == expected
    assert task.extract_answer(expected) == answer


@pytest.mark.parametrize(
    "answer, expected",
    [
        # answers are keyed by value
        ("403", Fraction(403)),
        ("0403", Fraction(403)),
        ("403.0", Fraction(403)),
        ("-123", Fraction(-123)),
        # unparsable answers have no key
        ("abc", None),
        ("", None),
        (None, None),
        ("9**9", None),
    ],
)
def test_answer_key(answer, expected):
    assert ArithmeticTask().answer_key(answer) == expected


# ---------------------------------------------------------------------------------------------------------------
# formal statement and sympy ground truth


@pytest.mark.parametrize(
    "text, truth",
    [
        # addition
        ("347+829", "1176"),
        ("0+0", "0"),
        # subtraction, including a negative result
        ("829-347", "482"),
        ("3-5", "-2"),
        ("5-5", "0"),
        # multiplication
        ("347*829", "287663"),
        ("0*999", "0"),
        ("999*999", "998001"),
    ],
)
def test_formal_gives_the_ground_truth(text, truth):
    task = ArithmeticTask()
    problem = task.parse_problem(text)
    assert SympyVerifier().truth(task, problem) == truth


@pytest.mark.parametrize(
    "text, truth",
    [
        # several operations, precedence, brackets
        ("234*567+89", "132767"),
        ("(138+188)*8", "2608"),
        ("10-(4-3)", "9"),
        # rationals: the truth is a fraction parse_number reads
        ("3/4", "3/4"),
        ("1.5+2.25", "15/4"),
        ("-3/4-1", "-7/4"),
        ("7/3*3", "7"),
        # powers (computed in the verifier's worker) and a minus sign
        ("2^10", "1024"),
        ("1.5^2", "9/4"),
        ("(-2)^3", "-8"),
        ("-(2^2)+1", "-3"),
    ],
)
def test_formal_gives_the_truth_of_expressions(text, truth):
    problem = CHAT.parse_problem(text)
    assert SympyVerifier().truth(CHAT, problem) == truth
    assert parse_number(truth) is not None


def test_formal_of_a_problem_recorded_before_expressions():
    # eval sets and replay buffers written before the expression feature still state their problems
    task = ArithmeticTask()
    old = Problem("12+34", {"left": 12, "op": "+", "right": 34, "digits": 2, "carries": 0})
    assert SympyVerifier().truth(task, old) == "46"
    # malformed features state nothing
    for features in [{}, {"expression": ["%", "1", "2"]}, {"expression": "1e5"}, {"expression": ["+", "1"]}]:
        assert task.formal(Problem("x", features)) is None


def test_formal_is_unevaluated():
    # built from parsed values and left unevaluated: the verifier, not the task, does the arithmetic
    task = ArithmeticTask()
    statement = task.formal(task.parse_problem("2+3"))
    assert statement != 5 and statement.doit() == 5


# ---------------------------------------------------------------------------------------------------------------
# count_carries


@pytest.mark.parametrize(
    "left, op, right, expected",
    [
        # addition: two column carries
        (58, "+", 67, 2),
        # no carries
        (12, "+", 34, 0),
        (123, "+", 0, 0),
        (0, "+", 0, 0),
        # a ripple: every column carries
        (999, "+", 1, 3),
        # a carry in the only column
        (5, "+", 5, 1),
        # order does not matter
        (1, "+", 999, 3),
        # subtraction: borrows ripple through zeros
        (100, "-", 1, 2),
        (10, "-", 1, 1),
        # subtraction counts larger minus smaller
        (1, "-", 100, 2),
        # no borrows
        (99, "-", 11, 0),
        # multiplication: digit pairs with a product of at least 10
        (23, "*", 45, 3),
        (99, "*", 99, 4),
        (11, "*", 11, 0),
        (25, "*", 4, 1),
    ],
)
def test_count_carries(left, op, right, expected):
    assert count_carries(left, op, right) == expected


# ---------------------------------------------------------------------------------------------------------------
# sample_problem and difficulty


@pytest.mark.parametrize(
    "ops, difficulty",
    [
        # one digit: operands 0..9
        ("+-*", 1),
        # the default tiny-model setting
        ("+", 2),
        # harder, and a single op
        ("*", 3),
        # beyond max_digits: sampling is not limited by it
        ("-", 5),
    ],
)
def test_sample_problem_respects_difficulty_and_ops(ops, difficulty):
    task = ArithmeticTask(ops=ops)
    rng = random.Random(1234)
    for _ in range(200):
        problem = task.sample_problem(rng, difficulty)
        features = problem.features
        assert features["op"] in ops
        assert max(len(str(features["left"])), len(str(features["right"]))) == difficulty
        assert task.difficulty(problem) == difficulty
        assert problem.text == f"{features['left']}{features['op']}{features['right']}"


@pytest.mark.parametrize("ops", ["/", "^", "+-*/^"])
def test_sample_problem_with_division_and_powers(ops):
    # no zero divisor, powers within max_answer_digits, and every problem reads back and has a truth
    task = ArithmeticTask(ops=ops, max_digits=3, max_answer_digits=12)
    rng = random.Random(3)
    for _ in range(100):
        problem = task.sample_problem(rng, rng.randint(1, 3))
        assert task.parse_problem(problem.text) == problem
        assert task.difficulty(problem) == problem.features["digits"]
        assert task.formal(problem) is not None


def test_sample_problem_uses_every_op():
    rng = random.Random(0)
    ops = {ArithmeticTask().sample_problem(rng, 2).features["op"] for _ in range(200)}
    assert ops == {"+", "-", "*"}


@pytest.mark.parametrize(
    "seed",
    [
        # a couple of seeds: the same seed gives the same problems
        0,
        12345,
    ],
)
def test_sample_problem_is_deterministic(seed):
    task = ArithmeticTask()
    rng_a, rng_b = random.Random(seed), random.Random(seed)
    sequence_a = [task.sample_problem(rng_a, 3) for _ in range(20)]
    sequence_b = [task.sample_problem(rng_b, 3) for _ in range(20)]
    assert sequence_a == sequence_b
    # and a different seed gives different problems (so the test above is not trivially true)
    rng_c = random.Random(seed + 1)
    assert [task.sample_problem(rng_c, 3) for _ in range(20)] != sequence_a


def test_sampled_problems_parse_back_to_themselves():
    # what the warm start generates is exactly what parse_problem would produce from its text
    task = ArithmeticTask(max_digits=3)
    rng = random.Random(7)
    for _ in range(100):
        problem = task.sample_problem(rng, rng.randint(1, 3))
        assert task.parse_problem(problem.text) == problem


# ---------------------------------------------------------------------------------------------------------------
# options


@pytest.mark.parametrize(
    "options, message",
    [
        # ops must be non-empty
        ({"ops": ""}, "ops"),
        # ops outside + - * / ^ (this test listed "/" here before division was read)
        ({"ops": "%"}, "ops"),
        ({"ops": "+="}, "ops"),
        ({"ops": "+x"}, "ops"),
        # max_operations out of range, both ends
        ({"max_operations": 0}, "max_operations"),
        ({"max_operations": 17}, "max_operations"),
        # max_digits out of range, both ends
        ({"max_digits": 0}, "max_digits"),
        ({"max_digits": 31}, "max_digits"),
        # answers too short for a product of two max_digits operands, or absurdly long
        ({"max_digits": 3, "max_answer_digits": 5}, "max_answer_digits"),
        ({"max_answer_digits": 1001}, "max_answer_digits"),
        # the text limit, both ends
        ({"max_text_chars": 99}, "max_text_chars"),
        ({"max_text_chars": 1_000_001}, "max_text_chars"),
        # padding, both ends
        ({"pad_operands": -1}, "pad_operands"),
        ({"pad_operands": 31}, "pad_operands"),
        ({"pad_answer": -1}, "pad_answer"),
        ({"pad_answer": 31}, "pad_answer"),
        # the template must have a slot for the problem
        ({"solver_template": "Solve it:"}, "solver_template"),
    ],
)
def test_bad_options_raise(options, message):
    with pytest.raises(ValueError, match=message):
        ArithmeticTask(**options)


@pytest.mark.parametrize(
    "options",
    [
        # the boundary values are allowed
        {"max_digits": 1},
        {"max_digits": 30},
        {"max_digits": 3, "max_answer_digits": 6},
        {"max_answer_digits": 1000},
        {"max_text_chars": 100},
        {"max_text_chars": 1_000_000},
        {"solver_template": "{problem_reversed}="},
        {"pad_operands": 30},
        {"pad_answer": 30},
        # a single op, or any subset
        {"ops": "*"},
        {"ops": "-+"},
        {"ops": "+-*/^"},
        {"max_operations": 1},
        {"max_operations": 16},
    ],
)
def test_good_options_accepted(options):
    task = ArithmeticTask(**options)
    for key, value in options.items():
        assert getattr(task, key) == value


def test_prompts():
    task = ArithmeticTask(topic_prompt="P:", solver_template="{problem}=")
    assert task.proposer_prompt() == "P:"
    assert task.solver_prompt(task.parse_problem("12+34")) == "12+34="
    assert TASKS["arithmetic"] is ArithmeticTask


def test_prompt_with_reversed_operands():
    # least significant digit first, each number on its own; the answer's format is a separate option
    task = ArithmeticTask(ops="+-*", max_digits=6, topic_prompt="P:", solver_template="{problem_reversed}=",
                          answer_format="reversed")
    assert task.solver_prompt(task.parse_problem("120+3456")) == "021+6543="
    assert task.solver_prompt(task.parse_problem("-7*305")) == "-7*503="
    assert task.format_answer("3576") == "6753"
    padded = ArithmeticTask(max_digits=6, topic_prompt="P:", solver_template="{problem_reversed}=", pad_operands=4)
    assert padded.solver_prompt(padded.parse_problem("12+34567")) == "2100+76543="  # longer numbers are kept whole
    both = ArithmeticTask(solver_template="{problem} is {problem_reversed} backwards")
    assert both.solver_prompt(both.parse_problem("12*345")) == "12*345 is 21*543 backwards"


@pytest.mark.parametrize("answer_format", ["plain", "reversed"])
def test_padded_answers_are_taught_at_one_length_and_read_by_value(answer_format):
    task = ArithmeticTask(answer_format=answer_format, pad_answer=7)
    for answer in ("122", "0", "-12", "12345678"):
        taught = task.format_answer(answer)
        assert len(taught) == max(7, len(answer))  # longer answers are kept whole
        assert task.answer_key(task.extract_answer(taught)) == int(answer)
    assert task.format_answer("122") == ("2210000" if answer_format == "reversed" else "0000122")
    # the solver may write an answer padded or not: both are the same value
    padded = "2210000" if answer_format == "reversed" else "0000122"
    unpadded = "221" if answer_format == "reversed" else "122"
    assert task.answer_key(task.extract_answer(unpadded)) == task.answer_key(task.extract_answer(padded)) == 122
    # the tagged format is as chat models write it: never padded
    assert ArithmeticTask(pad_answer=7).format_answer("122") == "<answer>122</answer>"


def test_closeness_counts_the_label_digits_in_their_places():
    task = ArithmeticTask()
    assert task.closeness("579", "579") == 1.0
    assert task.closeness("589", "579") == pytest.approx(2 / 3)
    assert task.closeness("1579", "579") == 0.75  # a digit too many is one wrong place
    assert task.closeness("79", "579") == pytest.approx(2 / 3)  # a digit too few too
    assert task.closeness("975", "579") == pytest.approx(1 / 3)  # digits, not as a set: in their places
    assert task.closeness(r"\boxed{579}", "579") == 1.0  # read as the task reads answers
    # nothing for a wrong sign, a fraction, an unreadable answer or a label that is not a whole number
    assert [task.closeness(answer, "579") for answer in ("-579", "579/2", "five", None, "9" * 200)] == [0.0] * 5
    assert task.closeness("1", "1/2") == 0.0
    assert 0.0 <= task.closeness("0", "0") <= 1.0


@pytest.mark.parametrize("text", ["\u0663+\u0664", "\uff17*2", "1+\u096a"])
def test_parse_problem_rejects_look_alike_digits(text):
    # digits from other scripts are not ASCII digits: no problem is read from them
    assert ArithmeticTask().parse_problem(text) is None


@pytest.mark.parametrize(
    "problem, answer, plausible",
    [
        ("123+456", "579", True), ("999+1", "1000", True), ("123+456", "57", False), ("123+456", "57900", False),
        ("5+4", "9", True), ("0+0", "0", True), ("123+456", "-579", False), ("123+456", "579/2", False),
        ("12*34", "408", True), ("99*99", "9801", True), ("10*10", "100", True), ("12*34", "40", False),
        ("0*345", "0", True), ("0*345", "345", False),
        # what it cannot tell from the form passes: other operations, and answers it cannot read
        ("123-456", "-333", True), ("12/5", "2.4", True), ("1+2*3", "7", True), ("123+456", "five", True),
    ],
)
def test_plausible_answers_by_digit_counts(problem, answer, plausible):
    task = ArithmeticTask(ops="+-*/", max_operations=2)
    assert task.plausible(task.parse_problem(problem), answer) is plausible


# ---------------------------------------------------------------------------------------------------------------
# teaching a written procedure: column addition in <think>, slips caught with a marker (issue #19)


def check_columns(problem: Problem, completion: str, marker: str = "wait,") -> int:
    """Check a taught column addition the way a reader would, and return how many slips it has: every column
    adds the operands' digits at its place and the carry, a slip is a wrong sum followed by the marker and the
    same column summed right, and the answer after </think> is the sum."""
    import re

    thinking, answer = re.fullmatch(r"<think>(.*)</think>(<answer>\d+</answer>)", completion).groups()
    left, right = problem.features["left"], problem.features["right"]
    steps = re.findall(rf"(\d)\+(\d)(\+1)?=(\d+)(?: {re.escape(marker)} \1\+\2\3?=(\d+))?", thinking)
    assert " ".join(f"{a}+{b}{c}={s}" + (f" {marker} {a}+{b}{c}={t}" if t else "")
                    for a, b, c, s, t in steps) == thinking  # nothing else in the thinking
    carry, slips = 0, 0
    for place, (a, b, plus_one, written, corrected) in enumerate(steps):
        assert (int(a), int(b)) == (left // 10**place % 10, right // 10**place % 10)
        assert bool(plus_one) == bool(carry)
        total = int(a) + int(b) + carry
        if corrected:
            slips += 1
            assert abs(int(written) - total) == 1 and int(corrected) == total
        else:
            assert int(written) == total
        carry = total // 10
    assert answer == f"<answer>{left + right}</answer>"
    return slips


def test_columns_are_taught_right_for_every_sum_and_slips_come_at_the_share_asked():
    task = ArithmeticTask(ops="+", teach="columns", slip_share=0.2, pad_operands=3, max_digits=3)
    rng, draws, slipped = random.Random(0), 3000, 0
    for _ in range(draws):
        problem = task.sample_problem(rng, rng.randint(1, 3))
        completion = task.teaching_completion(problem, task.truth(problem), rng)
        slips = check_columns(problem, completion)
        assert slips <= 1
        slipped += slips
        # at least pad_operands columns, one per digit of the longer operand
        assert completion.count("=") - slips == max(3, len(str(max(problem.features["left"],
                                                                    problem.features["right"]))))
        assert task.is_correct(problem, task.extract_answer(completion), task.truth(problem))
    assert 0.17 < slipped / draws < 0.23  # 600 expected; the binomial's sd is 22


def test_a_slip_is_counted_as_an_epistemic_marker():
    from selfplay.instruments import marker_counts

    task = ArithmeticTask(teach="columns", slip_share=1.0)
    completion = task.teaching_completion(task.parse_problem("58+67"), "125", random.Random(3))
    assert check_columns(task.parse_problem("58+67"), completion) == 1
    assert marker_counts(completion) == 1 and marker_counts(completion.replace("wait,", "so")) == 0


@pytest.mark.parametrize("text", ["12*34", "7-9", "1.5+2"])
def test_what_is_not_a_sum_of_two_whole_numbers_is_taught_its_answer(text):
    task = ArithmeticTask(ops="+-*/", teach="columns", slip_share=1.0)
    problem = task.parse_problem(text)
    assert task.teaching_completion(problem, task.truth(problem), random.Random(0)) == \
        f"<answer>{task.truth(problem)}</answer>"


def test_the_default_teaches_the_answer_alone_and_draws_nothing():
    task, rng = ArithmeticTask(answer_format="reversed", pad_answer=4), random.Random(5)
    assert task.teaching_completion(task.parse_problem("47+38"), "85", rng) == "5800"
    assert rng.random() == random.Random(5).random()  # the default run's warm start is left as it was


@pytest.mark.parametrize("options, message", [
    ({"teach": "columns", "answer_format": "reversed"}, "answer_format: tagged"),
    ({"teach": "essay"}, "teach must be"),
    ({"slip_share": 1.5}, "slip_share"),
    ({"slip_share": True}, "slip_share"),
    ({"slip_marker": "  "}, "slip_marker"),
])
def test_bad_teaching_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        ArithmeticTask(**options)
