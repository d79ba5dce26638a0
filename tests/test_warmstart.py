"""The warm start: supervised examples from the task, trained once, then loaded from the cache."""

from __future__ import annotations

import json

from agents import LanguageModel
from selfplay.config import WarmStartConfig
from selfplay.rundir import read_metrics
from selfplay.tasks import ArithmeticTask
from selfplay.warmstart import warm_start_examples
from tests.test_loop import run

TASK = ArithmeticTask(ops="+", max_digits=6, answer_format="reversed", topic_prompt="P:", solver_template="{problem}=")


def test_examples_cover_both_roles_with_true_answers():
    model = LanguageModel.load("builtin:tiny")
    config = WarmStartConfig(min_difficulty=1, max_difficulty=2, proposer_max_difficulty=4)
    examples = warm_start_examples(TASK, model, config, ("proposer", "solver"), count=400, seed=0)
    proposer = [r for r in examples if r["prompt"] == "P:"]
    solver = [r for r in examples if r["prompt"] != "P:"]
    assert len(proposer) == 100 and len(solver) == 300  # proposer_share 0.25: writing a problem is the easy part
    assert max(TASK.parse_problem(r["completion"]).features["digits"] for r in proposer) == 4
    for row in solver:
        problem = TASK.parse_problem(row["prompt"].rstrip("="))
        assert problem.features["digits"] <= 2
        assert int(row["completion"][::-1]) == problem.features["left"] + problem.features["right"]
    assert examples.to_dict() == warm_start_examples(TASK, model, config, ("proposer", "solver"), 400, 0).to_dict()


def test_second_run_reuses_the_cached_warm_start(tiny_overrides, tmp_path):
    cache = tmp_path / "fresh_cache"
    first = [o for o in tiny_overrides if "warm_start.cache_dir" not in o and "output_dir" not in o]
    first += [f"model.warm_start.cache_dir={cache}", "schedule.steps=1"]
    _, run_a, summary_a = run([*first, f"run.output_dir={tmp_path / 'a'}"])
    _, run_b, summary_b = run([*first, f"run.output_dir={tmp_path / 'b'}"])
    assert summary_a["warm_start"]["cached"] is False and summary_b["warm_start"]["cached"] is True
    assert summary_a["warm_start"]["cache"] == summary_b["warm_start"]["cache"]
    assert len(list(cache.iterdir())) == 1
    # the same starting weights: the evaluation before the first step is identical
    assert read_metrics(run_a.path)[0] == read_metrics(run_b.path)[0]
    written = json.loads((run_b.path / "summary.json").read_text())
    assert set(written["evaluation"]) == {"start", "end", "history"}
    assert written["evaluation"]["end"]["accuracy"].keys() == written["evaluation"]["start"]["accuracy"].keys()
