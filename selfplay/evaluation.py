"""Held-out evaluation: problems generated with their ground truth from a fixed seed, bucketed by difficulty.

An evaluation set is a `datasets.Dataset` saved on disk (under a hash of the task and the settings) and rebuilt
identically from the same seed. Evaluation decodes greedily: it measures what the solver believes, not its luck.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from datasets import Dataset, load_from_disk

from agents.model import LanguageModel
from selfplay.cache import publish_folder
from selfplay.errors import ConfigError
from selfplay.tasks.base import Task
from verifiers.sympy_verifier import SympyVerifier


@dataclass
class EvalConfig:
    # Evaluate the solver every this many steps (0: only before the first step and after the last).
    every: int = 50
    # Problems per difficulty bucket (fewer where the bucket has fewer distinct problems).
    per_bucket: int = 200
    # Difficulty buckets (operand digits for arithmetic): the warm-start range and at least two beyond it.
    min_difficulty: int = 1
    max_difficulty: int = 5
    # The seed the sets are generated from; keep it apart from run.seed so the sets stay put across runs.
    seed: int = 1234
    # Where generated sets are saved, by a hash of the task and these settings.
    cache_dir: str = ".cache/selfplay/eval"
    # Longest solver completion at evaluation; None: the solver's max_completion_length.
    max_new_tokens: int | None = None


def bucket_name(difficulty: int) -> str:
    return f"{difficulty}d"


def generate_eval_set(task: Task, config: EvalConfig) -> Dataset:
    """Distinct problems per difficulty bucket, each with its sympy ground truth, in a fixed order."""
    rng = random.Random(config.seed)
    truth = SympyVerifier()
    rows: dict[str, list[Any]] = defaultdict(list)
    for difficulty in range(config.min_difficulty, config.max_difficulty + 1):
        seen: set[str] = set()
        for _ in range(config.per_bucket * 20):  # small buckets run out of distinct problems: stop trying
            if len(seen) == config.per_bucket:
                break
            problem = task.sample_problem(rng, difficulty)
            if task.parse_problem(problem.text) is None:
                raise ConfigError(f"evaluation bucket {bucket_name(difficulty)} holds problems the task rejects "
                                  f"({problem.text}); lower evaluation.max_difficulty or the task's limits")
            if problem.text in seen:
                continue
            seen.add(problem.text)
            rows["problem"].append(problem.text)
            rows["truth"].append(truth.truth(task, problem))
            rows["bucket"].append(bucket_name(difficulty))
            rows["difficulty"].append(difficulty)
            rows["features"].append(json.dumps(problem.features))
    return Dataset.from_dict(dict(rows))


def load_eval_set(task: Task, config: EvalConfig) -> Dataset:
    """The evaluation set for this task and these settings, from disk when it was made before."""
    settings = {**asdict(config), "cache_dir": None, "every": None, "max_new_tokens": None}
    fingerprint = json.dumps({"task": task.name, "options": vars(task), "eval": settings}, sort_keys=True, default=str)
    folder = Path(config.cache_dir) / hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    if (folder / "dataset_info.json").is_file():
        return load_from_disk(str(folder))
    publish_folder(folder, generate_eval_set(task, config).save_to_disk)
    return load_from_disk(str(folder))


def evaluate(model: LanguageModel, task: Task, eval_set: Dataset, max_new_tokens: int) -> dict[str, Any]:
    """Greedy accuracy per bucket, and per bucket split by whether the problem needs a carry (where the task
    reports carries)."""
    problems = [task.parse_problem(text) for text in eval_set["problem"]]
    completions = model.generate([task.solver_prompt(p) for p in problems], 1, max_new_tokens, temperature=0)
    hits: dict[str, list[bool]] = defaultdict(list)
    by_carries: dict[str, list[bool]] = defaultdict(list)
    for problem, [completion], truth, bucket in zip(problems, completions, eval_set["truth"], eval_set["bucket"]):
        correct = task.answer_key(task.extract_answer(completion)) == task.answer_key(truth)
        hits[bucket].append(correct)
        if "carries" in problem.features:
            carry = "carry" if problem.features["carries"] else "no_carry"
            by_carries[f"{bucket}/{carry}"].append(correct)
    order = sorted(hits, key=lambda name: int(name.rstrip("d")) if name.rstrip("d").isdigit() else name)
    return {
        "accuracy": {bucket: sum(hits[bucket]) / len(hits[bucket]) for bucket in order},
        "accuracy_by_carries": {key: sum(v) / len(v) for key, v in sorted(by_carries.items())},
        "count": {bucket: len(hits[bucket]) for bucket in order},
    }
