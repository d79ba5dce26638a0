"""Held-out evaluation sets and greedy per-bucket accuracy."""

from __future__ import annotations

import json

import pytest

from agents import Sampling
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

    def generate(self, prompts, num_samples, sampling, **_):
        assert sampling.temperature == 0  # evaluation is greedy
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
    for bucket, accuracy in result["accuracy_full_width"].items():  # both operands of the bucket's digits
        rows = [json.loads(f) for f, b in zip(dataset["features"], dataset["bucket"]) if b == bucket]
        full = [r for r in rows if len(str(r["left"])) == len(str(r["right"])) == r["digits"]]
        assert 0 < len(full) < len(rows) or bucket == "1d"
        assert accuracy == pytest.approx(sum(r["left"] % 2 == 0 for r in full) / len(full))


class TableModel:
    """Greedy and sampled answers (already reversed, as the task expects) looked up in a table by prompt."""

    def __init__(self, greedy: dict[str, str], samples: dict[str, list[str]]):
        self.greedy, self.samples = greedy, samples

    def generate(self, prompts, num_samples, sampling, **_):
        if sampling.temperature == 0:
            return [[self.greedy[p]] for p in prompts]
        return [self.samples[p][:num_samples] for p in prompts]


def test_maj_at_k_and_pass_at_k_on_hand_made_samples():
    from datasets import Dataset

    # problem, truth, greedy answer (reversed), 4 sampled answers (reversed)
    table = [
        ("1+1", "2", "2", ["2", "2", "3", "4"]),  # greedy right, majority right, pass
        ("2+2", "4", "5", ["4", "5", "5", "x"]),  # greedy wrong, majority wrong (5), pass (one 4)
        ("3+3", "6", "6", ["7", "8", "9", "1"]),  # greedy right, no majority right, no pass
        ("4+4", "8", "9", ["8", "9", "8", "9"]),  # tie 8/9: first seen (8) wins -> majority right
    ]
    dataset = Dataset.from_dict({
        "problem": [p for p, *_ in table], "truth": [t for _, t, *_ in table], "bucket": ["1d"] * 4,
        "difficulty": [1] * 4, "features": ["{}"] * 4})
    model = TableModel({f"{p}=": g[::-1] for p, _, g, _ in table}, {f"{p}=": [a[::-1] for a in s] for p, _, _, s in table})
    result = evaluate(model, TASK, dataset, max_new_tokens=4, k=4)
    assert result["accuracy"] == {"1d": 0.5}
    assert result["maj@4"] == {"1d": 0.5}
    assert result["pass@4"] == {"1d": 0.75}
    assert result["count"] == {"1d": 4}


def test_sampled_answers_are_split_by_whether_they_write_a_marker():
    from datasets import Dataset

    tagged = ArithmeticTask(ops="+", answer_format="tagged", solver_template="{problem}=")
    samples = {
        # 1d: two of four sampled answers doubt, one of them rightly; both plain answers are right
        "1+1=": ["<think>wait, 1+1=2</think><answer>2</answer>", "<think>Hmm</think><answer>3</answer>",
                 "<answer>2</answer>", "<answer>2</answer>"],
        # 2d: nobody doubts
        "10+10=": ["<answer>20</answer>", "<answer>21</answer>"] * 2,
    }
    dataset = Dataset.from_dict({"problem": ["1+1", "10+10"], "truth": ["2", "20"], "bucket": ["1d", "2d"],
                                 "difficulty": [1, 2], "features": ["{}"] * 2})
    model = TableModel({prompt: group[0] for prompt, group in samples.items()}, samples)
    result = evaluate(model, tagged, dataset, max_new_tokens=40, k=4, markers=["wait", "hmm"])
    assert result["marker_share@4"] == {"1d": 0.5, "2d": 0.0}
    assert result["accuracy_marked@4"] == {"1d": 0.5}  # no 2d answer doubts: no score rather than a made-up one
    assert result["accuracy_unmarked@4"] == {"1d": 1.0, "2d": 0.5}
    assert "marker_share@4" not in evaluate(model, tagged, dataset, max_new_tokens=40, k=4)  # no markers given
    from selfplay.cli import format_eval

    shown = format_eval({**result, "distribution": {"1d": "in", "2d": "out"}})
    assert "accuracy_marked@4" in shown.splitlines()[0] and shown.splitlines()[2].split()[-3] == "-"


class RecordingModel(TableModel):
    """Answers from a table and keeps the sampling settings of every generate call."""

    def __init__(self, *tables):
        super().__init__(*tables)
        self.sampling: list[Sampling] = []

    def generate(self, prompts, num_samples, sampling, **_):
        self.sampling.append(sampling)
        return super().generate(prompts, num_samples, sampling)


def test_greedy_and_sampled_answers_use_the_solvers_settings():
    from datasets import Dataset

    dataset = Dataset.from_dict({"problem": ["1+1"], "truth": ["2"], "bucket": ["1d"], "difficulty": [1],
                                 "features": ["{}"]})
    solver = Sampling(max_new_tokens=10, temperature=0.7, top_k=5, min_p=0.1, repetition_penalty=1.2)
    model = RecordingModel({"1+1=": "2"}, {"1+1=": ["2", "3"]})
    evaluate(model, TASK, dataset, 4, 2, 1.5, sampling=solver)
    greedy, sampled = model.sampling
    # the solver's settings, with evaluation's length and temperatures (greedy: 0; maj@k: evaluation.temperature)
    assert greedy == Sampling(max_new_tokens=4, temperature=0, top_k=5, min_p=0.1, repetition_penalty=1.2)
    assert sampled == Sampling(max_new_tokens=4, temperature=1.5, top_k=5, min_p=0.1, repetition_penalty=1.2)
    # the warm start's call (four arguments): greedy with TRL's defaults
    model.sampling.clear()
    evaluate(model, TASK, dataset, 6)
    assert model.sampling == [Sampling(max_new_tokens=6, temperature=0)]


def test_a_bucket_the_task_cannot_generate_is_a_config_error(tmp_path):
    from selfplay.tasks import AlgebraTask, CodingTask

    with pytest.raises(ConfigError, match="evaluation bucket 5d"):
        generate_eval_set(AlgebraTask(), settings(tmp_path, max_difficulty=5))
    with pytest.raises(ConfigError, match="evaluation bucket 3d"):
        generate_eval_set(CodingTask(), settings(tmp_path, max_difficulty=3))


# ---------------------------------------------------------------------------------------------------------------
# Named sets and sets from a file


def test_three_digit_multiplication_is_sqlms_arithmetic_test(tmp_path):
    dataset = generate_eval_set(ArithmeticTask(ops="+-*"), settings(tmp_path, problems="three_digit_multiplication"))
    assert len(dataset) == 30 and set(dataset["bucket"]) == {"3x3d"} and len(set(dataset["problem"])) == 30
    for text, truth in zip(dataset["problem"], dataset["truth"]):
        left, right = text.split("*")
        assert 100 <= int(left) <= 999 and 100 <= int(right) <= 999 and int(truth) == int(left) * int(right)
    # a task that cannot read products cannot be tested on them
    with pytest.raises(ConfigError, match="three_digit_multiplication"):
        generate_eval_set(ArithmeticTask(ops="+"), settings(tmp_path, problems="three_digit_multiplication"))


def test_linear_equations_cover_one_and_two_unknowns(tmp_path):
    from selfplay.tasks import AlgebraTask

    dataset = generate_eval_set(AlgebraTask(), settings(tmp_path, problems="linear_equations", max_difficulty=1))
    assert set(dataset["bucket"]) == {"1d", "2d", "3d", "4d"}  # every level, whatever the bucket range says
    assert {truth.count("=") for truth in dataset["truth"]} == {1, 2}
    with pytest.raises(ConfigError, match="needs the algebra task"):
        generate_eval_set(TASK, settings(tmp_path, problems="linear_equations"))


def test_a_set_from_a_file_is_read_by_the_tasks_parser(tmp_path):
    path = tmp_path / "test.jsonl"
    path.write_text('{"problem": "What is 12 + 30?"}\n\n{"problem": "7+8", "truth": "15", "bucket": "easy"}\n')
    dataset = load_eval_set(ArithmeticTask(), settings(tmp_path, problems=str(path)))
    assert dataset["problem"] == ["12+30", "7+8"] and dataset["truth"] == ["42", "15"]
    assert dataset["bucket"] == ["2d", "easy"]
    # a changed file is a new set, not the cached one
    path.write_text('{"problem": "1+1"}\n')
    assert load_eval_set(ArithmeticTask(), settings(tmp_path, problems=str(path)))["truth"] == ["2"]


@pytest.mark.parametrize("content, fragment", [
    ('{"problem": "write a poem"}\n', "cannot read this problem"),
    ("not json\n", "expected a JSON object"),
    ('{"question": "1+1"}\n', "expected a JSON object"),
    ("\n", "no problems"),
])
def test_a_bad_problem_file_is_a_one_line_error(tmp_path, content, fragment):
    path = tmp_path / "test.jsonl"
    path.write_text(content)
    with pytest.raises(ConfigError, match=fragment):
        generate_eval_set(ArithmeticTask(), settings(tmp_path, problems=str(path)))


def test_an_unknown_set_name_lists_the_choices(tmp_path):
    with pytest.raises(ConfigError, match="three_digit_multiplication, linear_equations"):
        generate_eval_set(TASK, settings(tmp_path, problems="gsm8k"))
