"""Verifier throughput: groups of answers judged per second by `majority`, `sympy` (its safety limits on, as by
default) and `code`, one group at a time and as one batch (`judge_batch`, as the loop hands a phase's groups
over), on new problems and on problems met again.

    python benchmarks/verifier_throughput.py [--groups 256] [--answers 8]

Groups: arithmetic and algebra problems sampled from their tasks, each with `--answers` answers (right ones,
wrong ones, repeats, an unreadable one); coding problems from the shipped set with a correct program, a wrong one
and one that crashes, each run in the sandbox on every test. "new" starts from empty truth caches (sympy) and a
fresh verifier, after a warm-up on other problems, each path on problems of its own; "again" judges the same
groups a second time, as the loop meets a problem when scoring it, when
training on it and when measuring it. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Besides each shipped problem's reference solution, a coding group holds a wrong program and one that crashes.
WRONG_PROGRAMS = ["print(0)", "raise SystemExit(1)"]


def sampled_groups(task, answer_pool, count: int, answers: int, seed: int) -> tuple:
    """`count` problems the task samples, each with `answers` answers drawn from `answer_pool(problem)`."""
    rng = random.Random(seed)
    groups = []
    for _ in range(count):
        problem = task.sample_problem(rng, rng.randint(1, 4))
        pool = answer_pool(problem)
        groups.append((problem, [rng.choice(pool) for _ in range(answers)]))
    return task, groups


def arithmetic_answers(problem) -> list:
    truth = problem.features["left"] + problem.features["right"]
    return [str(truth), str(truth), str(truth + 1), str(truth - 10), "x", None]


ALGEBRA_ANSWERS = ["x=1", "x=1, y=2", "x=-3", "(2, -1)", "banana", None]


def coding_groups(count: int, seed: int) -> tuple:
    from selfplay.tasks import CodingTask

    task = CodingTask()
    rng = random.Random(seed)
    groups = []
    for index in range(count):
        problem = task.sample_problem(rng, 1 + index % 2)
        groups.append((problem, [problem.features["reference"], *WRONG_PROGRAMS]))
    return task, groups


def clear_truths() -> None:
    try:
        import selfplay.truth as truths
    except ImportError:  # older checkouts kept the truths in the verifier's module
        import verifiers.sympy_verifier as truths

    truths._TRUTHS.clear()
    getattr(truths, "_BY_TEXT", {}).clear()  # (not in older checkouts)


def rate(make, task, groups, batched: bool) -> tuple[float, float]:
    """Groups per second for new problems and for the same groups again."""
    clear_truths()
    verifier = make()
    figures = []
    for _ in range(2):
        started = time.perf_counter()
        if batched:
            verifier.judge_batch(task, groups)
        else:
            for problem, answers in groups:
                verifier.judge(task, problem, answers)
        figures.append(len(groups) / (time.perf_counter() - started))
    return figures[0], figures[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=256)
    parser.add_argument("--answers", type=int, default=8)
    parser.add_argument("--coding-groups", type=int, default=16, help="each runs 3 programs on every test")
    args = parser.parse_args()

    from selfplay.tasks import AlgebraTask, ArithmeticTask
    from verifiers import CodeVerifier, MajorityVerifier, SympyVerifier

    # Each path judges its own problems (sympy keeps caches of its own besides the truths), after a warm-up.
    cases = [
        ("majority", "arithmetic", MajorityVerifier, lambda seed: sampled_groups(
            ArithmeticTask(), arithmetic_answers, args.groups, args.answers, seed)),
        ("sympy", "arithmetic", SympyVerifier, lambda seed: sampled_groups(
            ArithmeticTask(), arithmetic_answers, args.groups, args.answers, seed)),
        ("sympy", "algebra", SympyVerifier, lambda seed: sampled_groups(
            AlgebraTask(), lambda _: ALGEBRA_ANSWERS, args.groups, args.answers, seed)),
        ("code", "coding", CodeVerifier, lambda seed: coding_groups(args.coding_groups, seed)),
    ]
    rows = []
    for name, task_name, make, sample in cases:
        rate(make, *sample(0), batched=False)
        single_new, single_again = rate(make, *sample(1), batched=False)
        # (an older checkout, measured for comparison, has no judge_batch)
        batch_new, batch_again = (rate(make, *sample(2), batched=True) if hasattr(make, "judge_batch")
                                  else (float("nan"), float("nan")))
        task, groups = sample(1)
        rows.append({"verifier": name, "task": task_name, "groups": len(groups), "answers": len(groups[0][1]),
                     "one_by_one_new": single_new, "one_by_one_again": single_again,
                     "batch_new": batch_new, "batch_again": batch_again})
    print(f"groups judged per second ({args.answers} answers per group; coding: {1 + len(WRONG_PROGRAMS)} programs)")
    print(f"{'verifier':<10}{'task':<12}{'one by one':>12}{'batch':>10}{'speed-up':>10}"
          f"{'again, 1 by 1':>15}{'again, batch':>14}")
    for row in rows:
        print(f"{row['verifier']:<10}{row['task']:<12}{row['one_by_one_new']:>12,.0f}{row['batch_new']:>10,.0f}"
              f"{row['batch_new'] / row['one_by_one_new']:>9.1f}x{row['one_by_one_again']:>15,.0f}"
              f"{row['batch_again']:>14,.0f}")
    print(json.dumps({"benchmark": "verifiers", "rows": rows}))


if __name__ == "__main__":
    main()
