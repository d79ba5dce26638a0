"""What one self-play step measured, as role-prefixed metrics and as problem records."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Sequence
from statistics import fmean as mean  # floats: statistics.mean sums exactly, as fractions (slow)
from typing import Any

from selfplay.instruments import distinct_ngrams, marker_counts
from selfplay.tasks.base import Task
from selfplay.types import Judged, Problem, Proposal

# Stored completions are cut to this many characters: records stay small whatever the model writes.
MAX_STORED_CHARS = 2000


def proposer_metrics(task: Task, proposals: list[Proposal], trained: bool) -> dict[str, float]:
    problems = [p.problem for p in proposals if p.problem is not None]
    metrics: dict[str, float] = {
        "proposer/trained": float(trained),
        "proposer/valid_rate": len(problems) / len(proposals) if proposals else 0.0,
        "proposer/unique_share": len({p.text for p in problems}) / len(problems) if problems else 0.0,
    }
    if problems:
        texts = [p.text for p in problems]
        metrics["proposer/distinct_2grams"] = distinct_ngrams(texts, 2)
        metrics["proposer/distinct_3grams"] = distinct_ngrams(texts, 3)
    rewards = [p.reward for p in proposals if p.reward is not None]
    if rewards:
        metrics["proposer/reward_mean"] = mean(rewards)
    if problems:
        difficulties = [task.difficulty(p) for p in problems]
        metrics["proposer/difficulty_mean"] = mean(difficulties)
        for level, count in sorted(Counter(difficulties).items()):
            metrics[f"proposer/difficulty_share/{level}"] = count / len(problems)
        # numeric features, each over the problems that have it (a chain of operations reports no carries)
        for name in dict.fromkeys(name for p in problems for name in p.features):
            values = [p.features[name] for p in problems if name in p.features]
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                metrics[f"proposer/features/{name}_mean"] = mean(values)
    return metrics


def solver_metrics(task: Task, judged: list[Judged], markers: Sequence[str] = ()) -> dict[str, float]:
    """The solver's step: answer rate, agreement, solve rates, and where the truth is known its accuracy (with
    `markers`, also split by whether an answer writes an epistemic marker: `instruments/accuracy_marked`,
    `instruments/accuracy_unmarked`, each where some answer falls in it) and the verifier's precision."""
    if not judged:
        return {"solver/problems": 0.0}
    rates = [j.verdict.solve_rate for j in judged if j.verdict.solve_rate is not None]
    attempts = [a for j in judged for a in j.attempts]
    keys = [answer_keys(task, j) for j in judged]  # each attempt's answer by value, per problem
    metrics: dict[str, float] = {
        "solver/problems": float(len(judged)),
        "solver/answer_rate": sum(a.answer is not None for a in attempts) / len(attempts),
        "solver/agreement_mean": mean(agreement_of(group) for group in keys),
        "verifier/invalid_rate": sum(j.verdict.status != "ok" for j in judged) / len(judged),
        "verifier/timeout_rate": sum(j.verdict.status == "timeout" for j in judged) / len(judged),
        "verifier/errors": float(sum("error" in j.verdict.diagnostics for j in judged)),
    }
    if rates:
        metrics["solver/reward_mean"] = mean(rates)
        metrics["solver/solve_rate/none"] = sum(r == 0 for r in rates) / len(rates)
        metrics["solver/solve_rate/some"] = sum(0 < r < 1 for r in rates) / len(rates)
        metrics["solver/solve_rate/all"] = sum(r == 1 for r in rates) / len(rates)
    # Accuracy where being right means equal in value to the truth; a task that decides it its own way (a coding
    # task runs the tests; its truth is a reference program) is measured by the held-out evaluation only.
    by_value = type(task).is_correct is Task.is_correct
    checked = [(j, j.truth) for j in judged if j.truth is not None and by_value]
    if checked:
        correct: list[bool] = []
        for group, j in zip(keys, judged):
            if j.truth is not None:
                truth = task.answer_key(j.truth)
                correct += [key == truth for key in group]
        metrics["solver/accuracy"] = sum(correct) / len(correct)
        if markers:
            flags = [marker_counts(a.completion, markers) > 0 for j, _ in checked for a in j.attempts]
            for flag, name in ((True, "marked"), (False, "unmarked")):
                chosen = [ok for ok, marked in zip(correct, flags) if marked == flag]
                if chosen:
                    metrics[f"instruments/accuracy_{name}"] = sum(chosen) / len(chosen)
        labelled = [(j, t) for j, t in checked if j.verdict.label is not None]
        if labelled:
            right = [(task.difficulty(j.problem), task.answer_key(j.verdict.label) == task.answer_key(t))
                     for j, t in labelled]
            metrics["verifier/precision"] = mean(float(ok) for _, ok in right)
            for level in sorted({level for level, _ in right}):  # per difficulty: where the vote can be trusted
                metrics[f"verifier/precision/{level}"] = mean(float(ok) for d, ok in right if d == level)
        metrics["verifier/label_rate"] = len(labelled) / len(checked)
    return metrics


def answer_keys(task: Task, judged: Judged) -> list[Any]:
    """Each attempt's answer by value (`Task.answer_key`; None where it has none), each distinct answer read once."""
    known = {answer: task.answer_key(answer) for answer in {a.answer for a in judged.attempts}}
    return [known[a.answer] for a in judged.attempts]


def agreement(task: Task, judged: Judged) -> float:
    """The share of attempts that give the most common parsable answer (by value), whatever the verifier."""
    return agreement_of(answer_keys(task, judged))


def agreement_of(keys: list[Any]) -> float:
    """The share of `keys` (a group's answers by value) that give the most common one that is not None."""
    counts = Counter(key for key in keys if key is not None)
    return max(counts.values()) / len(keys) if counts else 0.0


def records(step: int, task: Task, proposals: list[Proposal], proposer_trained: bool, judged: list[Judged],
            solver_trained: Collection[tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    """One record per proposer completion and one per problem the solver answered (schema: rundir.py), `trained`
    where the solver was trained on its answers (the problems keyed in `solver_trained`; None: all of them)."""
    rows = []
    for proposal in proposals:
        row = _problem_row(step, "proposer", proposer_trained, task, proposal.problem, proposal.judged)
        row.update(completion=proposal.completion[:MAX_STORED_CHARS], proposer_reward=proposal.reward)
        rows.append(row)
    for item in judged:
        trained = solver_trained is None or item.problem.key in solver_trained
        rows.append(_problem_row(step, "solver", trained, task, item.problem, item))
    return rows


def _problem_row(step: int, role: str, trained: bool, task: Task, problem: Problem | None,
                 judged: Judged | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "step": step, "role": role, "trained": trained, "completion": None, "valid": problem is not None,
        "problem": problem.text if problem else None,
        "features": json.dumps(problem.features) if problem else None,
        "difficulty": task.difficulty(problem) if problem else None,
        "answers": [], "extracted": [], "rewards": [], "label": None, "truth": None, "status": None,
        "solve_rate": None, "proposer_reward": None,
    }
    if judged is not None:
        row.update(
            answers=[a.completion[:MAX_STORED_CHARS] for a in judged.attempts],
            extracted=[a.answer[:MAX_STORED_CHARS] if a.answer is not None else None for a in judged.attempts],
            rewards=list(judged.verdict.rewards),
            label=judged.verdict.label,
            status=judged.verdict.status,
            solve_rate=judged.verdict.solve_rate,
            truth=judged.truth,
        )
    return row


def eval_metrics(result: dict[str, Any]) -> dict[str, float]:
    """`eval/accuracy/3d`, `eval/maj@8/3d`, ...: the per-bucket scores of one evaluation."""
    return {f"eval/{name}/{bucket}": value for name, scores in result.items()
            if name not in ("count", "accuracy_by_carries") for bucket, value in scores.items()}


def curriculum(metrics: list[dict[str, Any]], windows: int = 5) -> list[dict[str, float]]:
    """The proposer's problems and the solver's reward over the run, averaged over `windows` equal spans of steps."""
    steps = [m for m in metrics if m["step"] > 0]
    size = max(1, -(-len(steps) // windows))
    spans = []
    for start in range(0, len(steps), size):
        span = steps[start : start + size]
        row = {"first_step": span[0]["step"], "last_step": span[-1]["step"]}
        for key in ("proposer/difficulty_mean", "proposer/features/carries_mean", "proposer/valid_rate",
                    "solver/reward_mean", "solver/solve_rate/some"):
            values = [m[key] for m in span if m.get(key) is not None]
            if values:
                row[key] = sum(values) / len(values)
        spans.append(row)
    return spans


def precision_by_bucket(task: Task, rows: list[dict[str, Any]], spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """How often the verifier's label equals the ground truth, per difficulty bucket, over the same spans of steps
    as `curriculum`, from the solver's problem records. Next to the solver's accuracy on the same problems, it
    tells a verifier that is right from one that merely agrees with itself."""
    table = []
    for span in spans:
        cells: dict[str, dict[str, float]] = {}
        chosen = [r for r in rows if r["role"] == "solver" and span["first_step"] <= r["step"] <= span["last_step"]
                  and r["truth"] is not None]
        for difficulty in sorted({r["difficulty"] for r in chosen}):
            group = [r for r in chosen if r["difficulty"] == difficulty]
            labelled = [r for r in group if r["label"] is not None]
            truth_keys = [task.answer_key(r["truth"]) for r in group]
            answers = [task.answer_key(e) == t for r, t in zip(group, truth_keys) for e in r["extracted"]]
            cells[f"{difficulty}d"] = {
                "precision": (sum(task.answer_key(r["label"]) == task.answer_key(r["truth"]) for r in labelled)
                              / len(labelled)) if labelled else None,
                "accuracy": sum(answers) / len(answers) if answers else None,
                "problems": len(group),
            }
        table.append({"first_step": span["first_step"], "last_step": span["last_step"], "buckets": cells})
    return table


def vote_calibration(task: Task, rows: list[dict[str, Any]], last_step: int | None = None
                     ) -> dict[str, dict[str, dict[str, float]]]:
    """Does agreement mean correctness? Per difficulty bucket and per size of the largest group of answers that
    agree (by value, out of the answers drawn), how many problems had it and the share whose most common answer
    equals the truth, from the solver's problem records up to `last_step` (None: all). A label-free verifier
    can only be trusted where the share rises with the agreement; where confident answers are wrong as often as
    split ones, no filter on agreement makes its labels clean.

    >>> from selfplay.tasks import ArithmeticTask
    >>> rows = [{"role": "solver", "step": 1, "difficulty": 2, "truth": "12", "extracted": e}
    ...         for e in (["12", "12", "13"], ["11", "11", "11"], ["12", "012", "13"], ["14", None, None])]
    >>> table = vote_calibration(ArithmeticTask(), rows)["2d"]
    >>> table["2"], table["3"]  # two agreeing answers were right both times; the unanimous one was wrong
    ({'problems': 2, 'majority_right': 1.0}, {'problems': 1, 'majority_right': 0.0})
    """
    table: dict[str, dict[int, list[bool]]] = {}
    for row in rows:
        if row["role"] != "solver" or row["truth"] is None or (last_step is not None and row["step"] > last_step):
            continue
        counts = Counter(key for key in (task.answer_key(answer) for answer in row["extracted"]) if key is not None)
        if not counts:
            continue
        (winner, agreeing), = counts.most_common(1)
        cells = table.setdefault(f"{row['difficulty']}d", {})
        cells.setdefault(agreeing, []).append(winner == task.answer_key(row["truth"]))
    return {bucket: {str(agreeing): {"problems": len(right), "majority_right": sum(right) / len(right)}
                     for agreeing, right in sorted(cells.items())}
            for bucket, cells in sorted(table.items(), key=lambda item: int(item[0].rstrip("d")))}
