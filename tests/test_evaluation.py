"""Held-out evaluation sets and greedy per-bucket accuracy."""

from __future__ import annotations

import json

import pytest

from selfplay.errors import ConfigError
from selfplay.evaluation import EvalConfig, evaluate, generate_eval_set, load_eval_set
from selfplay.tasks import ArithmeticTask

TASK = ArithmeticTask(ops="+", max_digits=6, answer_format="reversed", topic_prompt="P:", solver_template="{problem}=")


def settings(tmp_path, **changes) -> EvalConfig:
    return EvalConfig(**{"per_bucket": 30, "max_difficulty": 4, "cache_dir": str(tmp_path / "eval"), **changes})


def test_same_seed_same_set_and_saved_on_disk(tmp_path):
    first = generate_eval_set(TASK, settings(tmp_path))
    assert first.to_dict() == generate_eval_set(TASK, settings(tmp_path)).to_dict()
    saved = load_eval_set(TASK, settings(tmp_path))
    assert saved.to_dict() == first.to_dict()
    assert len(list((tmp_path / "eval").iterdir())) == 1
    assert load_eval_set(TASK, settings(tmp_path)).to_dict() == first.to_dict()  # from disk this time
    assert generate_eval_set(TASK, settings(tmp_path, seed=7)).to_dict() != first.to_dict()


def test_buckets_hold_distinct_problems_of_their_difficulty_with_true_answers(tmp_path):
    dataset = generate_eval_set(TASK, settings(tmp_path))
    assert sorted(set(dataset["bucket"])) == ["1d", "2d", "3d", "4d"]
    for bucket in ("2d", "3d", "4d"):
        rows = dataset.filter(lambda r: r["bucket"] == bucket)
        assert len(rows) == 30 and len(set(rows["problem"])) == 30
    for row in dataset:
        features = json.loads(row["features"])
        assert features["digits"] == row["difficulty"]
        assert int(row["truth"]) == features["left"] + features["right"]


def test_a_bucket_the_task_rejects_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="evaluation bucket 4d"):
        generate_eval_set(ArithmeticTask(max_digits=3), settings(tmp_path))


class ScriptedModel:
    """Answers correctly (reversed digits) exactly on problems whose left operand is even."""

    def generate(self, prompts, num_samples, max_new_tokens, temperature=1.0, **_):
        assert temperature == 0  # evaluation is greedy
        answers = []
        for prompt in prompts:
            left, right = prompt.rstrip("=").split("+")
            total = int(left) + int(right) + (0 if int(left) % 2 == 0 else 1)
            answers.append([str(total)[::-1]])
        return answers


def test_accuracy_per_bucket_counts_exactly_the_right_answers(tmp_path):
    dataset = generate_eval_set(TASK, settings(tmp_path))
    result = evaluate(ScriptedModel(), TASK, dataset, max_new_tokens=8)
    for bucket, accuracy in result["accuracy"].items():
        rows = dataset.filter(lambda r: r["bucket"] == bucket)
        even = sum(json.loads(f)["left"] % 2 == 0 for f in rows["features"])
        assert accuracy == pytest.approx(even / len(rows))
        assert result["count"][bucket] == len(rows)
    assert set(result["accuracy_by_carries"]) <= {f"{b}/{c}" for b in result["accuracy"] for c in ("carry", "no_carry")}
