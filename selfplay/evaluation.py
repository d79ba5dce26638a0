"""Held-out evaluation: problems generated with their ground truth from a fixed seed, bucketed by difficulty.

An evaluation set is a `datasets.Dataset` saved on disk (under a hash of the task and the settings) and rebuilt
identically from the same seed. Evaluation decodes greedily: it measures what the solver believes, not its luck.
Greedy decoding and maj@k/pass@k sampling both use the solver's sampling settings (its role's GRPOConfig, as TRL
samples its training answers), at temperature 0 and at `evaluation.temperature`.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from datasets import Dataset, load_from_disk

from agents.model import LanguageModel, Sampling
from selfplay.cache import publish_folder
from selfplay.errors import ConfigError
from selfplay.instruments import marker_counts
from selfplay.tasks.base import Task
from selfplay.truth import find
from selfplay.types import Problem


@dataclass
class EvalConfig:
    # Evaluate the solver every this many steps (0: only before the first step and after the last).
    every: int = 50
    # Problems per difficulty bucket (fewer where the bucket has fewer distinct problems). 1000 read an accuracy
    # of 50% to within about 1.6 points (one standard error), so that runs can be compared point by point; the
    # configs for real models use fewer, where each answer costs far more.
    per_bucket: int = 1000
    # Which problems: "buckets" (the task's own generator, one bucket per difficulty below), a named set of
    # `NAMED_SETS` (SQLM's test sets: "three_digit_multiplication", "linear_equations"), or a JSON-lines file
    # with one {"problem": text, "truth": optional, "bucket": optional} per line, each text read by the task's
    # parser (so a paper's own test set can be brought along).
    problems: str = "buckets"
    # Difficulty buckets (operand digits for arithmetic): the warm-start range and at least two beyond it.
    min_difficulty: int = 1
    max_difficulty: int = 5
    # The seed the sets are generated from. A data-set seed, fixed across runs on purpose and not derived from
    # run.seed: every run, whatever its seed, is scored on the same problems.
    seed: int = 1234
    # Where generated sets are saved, by a hash of the task and these settings.
    cache_dir: str = ".cache/selfplay/eval"
    # Longest solver completion at evaluation; None: the solver's max_completion_length.
    max_new_tokens: int | None = None
    # Also sample k answers per problem for maj@k and pass@k (0: greedy accuracy only).
    k: int = 0
    # Sampling temperature for maj@k and pass@k (the solver's other sampling settings apply).
    temperature: float = 1.0

    def check(self) -> None:
        """The buckets' order (each value's range is `config.RULES`')."""
        if self.min_difficulty > self.max_difficulty:
            raise ConfigError(f"evaluation.min_difficulty must be at most evaluation.max_difficulty, got "
                              f"{self.min_difficulty} > {self.max_difficulty}")


def bucket_name(difficulty: int) -> str:
    return f"{difficulty}d"


def generate_eval_set(task: Task, config: EvalConfig) -> Dataset:
    """The problems `config.problems` names, each with its ground truth, in a fixed order."""
    if config.problems == "buckets":
        chosen = bucket_problems(task, config)
    elif config.problems in NAMED_SETS:
        chosen = NAMED_SETS[config.problems](task, config)
    else:
        chosen = file_problems(task, Path(config.problems))
    unknown = [problem for problem, _, _, known in chosen if known is None]
    truths = task.truths(unknown)
    for problem, truth in zip(unknown, truths):
        if truth is None and task.formal(problem) is not None:  # it has a statement, but sympy gave no truth
            status, _, reason = find(task, problem)
            raise ConfigError(f"evaluation problem {problem.text[:80]!r} has no truth ({status}: {reason}); lower "
                              "evaluation.max_difficulty, or give the truths in a problems file")
    computed = iter(truths)
    rows: dict[str, list[Any]] = defaultdict(list)
    for problem, bucket, difficulty, known in chosen:
        rows["problem"].append(problem.text)
        rows["truth"].append(known if known is not None else next(computed))
        rows["bucket"].append(bucket)
        rows["difficulty"].append(difficulty)
        rows["features"].append(json.dumps(problem.features))
    return Dataset.from_dict(dict(rows))


# (problem, bucket, difficulty, truth where the set gives one)
Chosen = list[tuple[Problem, str, int, "str | None"]]


def bucket_problems(task: Task, config: EvalConfig) -> Chosen:
    """Distinct problems per difficulty bucket, from the task's own generator."""
    rng = random.Random(config.seed)
    chosen: Chosen = []
    for difficulty in range(config.min_difficulty, config.max_difficulty + 1):
        seen: set[str] = set()
        for _ in range(config.per_bucket * 20):  # small buckets run out of distinct problems: stop trying
            if len(seen) == config.per_bucket:
                break
            try:
                problem = task.sample_problem(rng, difficulty)
            except (ValueError, NotImplementedError) as error:
                raise ConfigError(f"evaluation bucket {bucket_name(difficulty)}: {error}; "
                                  "set evaluation.min_difficulty / max_difficulty for this task") from None
            if task.formal(problem) is not None and task.parse_problem(problem.text) is None:
                raise ConfigError(f"evaluation bucket {bucket_name(difficulty)} holds problems the task rejects "
                                  f"({problem.text}); lower evaluation.max_difficulty or the task's limits")
            if problem.text not in seen:
                seen.add(problem.text)
                chosen.append((problem, bucket_name(difficulty), difficulty, None))
    return chosen


def three_digit_multiplication(task: Task, config: EvalConfig) -> Chosen:
    """SQLM's arithmetic test (Chen et al. 2025, Table 1): a three-digit number times a three-digit number,
    `per_bucket` distinct problems in one bucket, `3x3d`."""
    rng, seen, chosen = random.Random(config.seed), set(), []
    while len(chosen) < config.per_bucket:
        text = f"{rng.randint(100, 999)}*{rng.randint(100, 999)}"
        problem = task.parse_problem(text)
        if problem is None:
            raise ConfigError(f"evaluation.problems=three_digit_multiplication: task {task.name!r} does not read "
                              f"{text!r} (it needs '*' among its ops and at least 3 digits)")
        if text not in seen:
            seen.add(text)
            chosen.append((problem, "3x3d", 3, None))
    return chosen


def linear_equations(task: Task, config: EvalConfig) -> Chosen:
    """Linear equations, SQLM's algebra test in kind (OMEGA's problems are not shipped: pass them as a file):
    the algebra task's four levels, one unknown or two, coefficients of one digit or two; `per_bucket` each."""
    if task.name != "algebra":
        raise ConfigError(f"evaluation.problems=linear_equations needs the algebra task, not {task.name!r}")
    return bucket_problems(task, replace(config, min_difficulty=1, max_difficulty=4))


NAMED_SETS = {"three_digit_multiplication": three_digit_multiplication, "linear_equations": linear_equations}


def file_problems(task: Task, path: Path) -> Chosen:
    """The problems of a JSON-lines file, each read by the task's parser; a line it cannot read is an error."""
    if not path.is_file():
        raise ConfigError(f"evaluation.problems must be 'buckets', one of {', '.join(NAMED_SETS)}, or a JSON-lines "
                          f"file; {str(path)!r} is none of them")
    chosen: Chosen = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row["problem"]
        except (ValueError, TypeError, KeyError):
            raise ConfigError(f"{path}:{number}: expected a JSON object with a 'problem' string") from None
        problem = task.parse_problem(text) if isinstance(text, str) else None
        if problem is None:
            raise ConfigError(f"{path}:{number}: task {task.name!r} cannot read this problem: {str(text)[:80]!r}")
        truth = row.get("truth")
        if truth is None and task.formal(problem) is None and task.name != "coding":
            raise ConfigError(f"{path}:{number}: no 'truth', and task {task.name!r} cannot compute one")
        difficulty = task.difficulty(problem)
        chosen.append((problem, str(row.get("bucket", bucket_name(difficulty))), difficulty,
                       None if truth is None else str(truth)))
    if not chosen:
        raise ConfigError(f"{path}: no problems")
    return chosen


def load_eval_set(task: Task, config: EvalConfig) -> Dataset:
    """The evaluation set for this task and these settings, from disk when it was made before."""
    settings = {key: value for key, value in asdict(config).items()
                if key in ("problems", "per_bucket", "min_difficulty", "max_difficulty", "seed")}  # what shapes it
    if Path(config.problems).is_file():
        settings["file"] = hashlib.sha256(Path(config.problems).read_bytes()).hexdigest()
    fingerprint = json.dumps({"task": task.name, "options": vars(task), "eval": settings}, sort_keys=True, default=str)
    folder = Path(config.cache_dir) / hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    if (folder / "dataset_info.json").is_file():
        return load_from_disk(str(folder))
    publish_folder(folder, generate_eval_set(task, config).save_to_disk)
    return load_from_disk(str(folder))


def evaluate(model: LanguageModel, task: Task, eval_set: Dataset, max_new_tokens: int, k: int = 0,
             temperature: float = 1.0, progress: bool = False, sampling: Sampling | None = None,
             markers: Sequence[str] = ()) -> dict[str, Any]:
    """Per bucket: greedy accuracy; with `k` > 0 also maj@k (the most common of k sampled answers is right) and
    pass@k (at least one of k is right), sampled at `temperature`. `sampling`: the solver's sampling settings
    (None: TRL's defaults), with `max_new_tokens` and the temperature replaced. Greedy accuracy is also split by
    whether the problem needs a carry (where the task reports carries).

    With `k` and `markers` (epistemic markers, instruments.py): the share of sampled answers that write one
    (`marker_share@k`), and the accuracy of the sampled answers with one and without (`accuracy_marked@k`,
    `accuracy_unmarked@k`; a bucket without such answers is left out): does doubting help?"""
    sampling = replace(sampling or Sampling(), max_new_tokens=max_new_tokens)
    # The columns as lists, in one read (a datasets Column reads its rows back one by one on every pass)
    columns = eval_set.to_dict()
    problems = [Problem(text, json.loads(features)) for text, features in zip(columns["problem"], columns["features"])]
    prompts = [task.solver_prompt(p) for p in problems]
    truths = columns["truth"]
    greedy = [task.is_correct(p, task.extract_answer(c), t) for p, [c], t in
              zip(problems, model.generate(prompts, 1, sampling.at(0), progress="greedy" if progress else None),
                  truths)]
    scores: dict[str, list[float]] = {"accuracy": greedy}
    if k:
        samples = model.generate(prompts, k, sampling.at(temperature), progress=f"{k} samples" if progress else None)
        majority, passed, sampled_right = [], [], []
        for problem, group, truth in zip(problems, samples, truths):
            answers = [task.extract_answer(c) for c in group]
            correct = {answer: task.is_correct(problem, answer, truth) for answer in set(answers)}
            sampled_right.append([correct[answer] for answer in answers])
            keys = [task.answer_key(answer) for answer in answers]
            winner = majority_key(keys)
            majority.append(float(winner is not None and correct[answers[keys.index(winner)]]))
            passed.append(float(any(correct.values())))
        scores[f"maj@{k}"], scores[f"pass@{k}"] = majority, passed
    buckets = columns["bucket"]
    order = sorted(set(buckets), key=lambda name: int(name.rstrip("d")) if name.rstrip("d").isdigit() else name)
    result: dict[str, Any] = {
        name: {b: mean_of(values, buckets, b) for b in order} for name, values in scores.items()}
    split = [f"{b}/{'carry' if p.features['carries'] else 'no_carry'}" if "carries" in p.features else None
             for b, p in zip(buckets, problems)]
    result["accuracy_by_carries"] = {key: mean_of(greedy, split, key) for key in sorted({s for s in split if s})}
    # A bucket of sums has one operand of its digits and the other drawn up to them; also the accuracy on the
    # problems whose two operands both have them (where the task records its operands)
    full = [b if {"left", "right", "digits"} <= p.features.keys() and
            len(str(abs(p.features["left"]))) == len(str(abs(p.features["right"]))) == p.features["digits"] else None
            for b, p in zip(buckets, problems)]
    if any(full):
        result["accuracy_full_width"] = {b: mean_of(greedy, full, b) for b in order if b in full}
    if k and markers:
        result.update(marker_split(samples, sampled_right, buckets, order, markers, k))
    result["count"] = {b: buckets.count(b) for b in order}
    return result


def marker_split(samples: list[list[str]], sampled_right: list[list[bool]], buckets: list[str], order: list[str],
                 markers: Sequence[str], k: int) -> dict[str, dict[str, float]]:
    """Per bucket, over every sampled answer (and whether it is right): the share that write an epistemic marker,
    and the accuracy of those that do and of those that do not (buckets without any left out)."""
    marked: dict[str, list[bool]] = defaultdict(list)
    right: dict[tuple[str, bool], list[bool]] = defaultdict(list)
    for group, group_right, bucket in zip(samples, sampled_right, buckets):
        for completion, is_right in zip(group, group_right):
            flag = marker_counts(completion, markers) > 0
            marked[bucket].append(flag)
            right[bucket, flag].append(is_right)
    result: dict[str, dict[str, float]] = {f"marker_share@{k}": {}, f"accuracy_marked@{k}": {},
                                           f"accuracy_unmarked@{k}": {}}
    for bucket in order:
        result[f"marker_share@{k}"][bucket] = sum(marked[bucket]) / len(marked[bucket])
        for flag, name in ((True, f"accuracy_marked@{k}"), (False, f"accuracy_unmarked@{k}")):
            if right[bucket, flag]:
                result[name][bucket] = sum(right[bucket, flag]) / len(right[bucket, flag])
    return result


def majority_key(keys: list[Any]) -> Any:
    """The most common parsable answer (first seen wins a tie), None if none parsed.

    >>> majority_key([None, 3, 4, 4, 3]), majority_key([None, None])
    (3, None)
    """
    counts = Counter(key for key in keys if key is not None)
    return max(counts, key=counts.__getitem__) if counts else None


def mean_of(values: list[float], groups: list[str | None], group: str) -> float:
    chosen = [value for value, name in zip(values, groups) if name == group]
    return sum(chosen) / len(chosen)
