"""The run directory: refuses to overwrite, writes whole files, reads back what it wrote."""

from __future__ import annotations

import json

import pytest

from selfplay.errors import ConfigError
from selfplay.rundir import RunDir, load_problems, read_metrics


def record(step: int, **fields) -> dict:
    row = {"step": step, "role": "solver", "trained": True, "completion": None, "valid": True, "problem": "1+1",
           "features": "{}", "difficulty": 1, "answers": ["2", "3"], "extracted": ["2", None],
           "rewards": [1.0, None], "label": "2", "truth": "2", "status": "ok", "solve_rate": 1.0,
           "proposer_reward": None}
    row.update(fields)
    return row


def test_create_refuses_non_empty_and_accepts_empty(tmp_path):
    (tmp_path / "empty").mkdir()
    RunDir.create(tmp_path / "empty")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(ConfigError, match="not empty"):
        RunDir.create(tmp_path / "full")


def test_records_round_trip_through_parquet_shards(tmp_path):
    run_dir = RunDir.create(tmp_path / "run")
    run_dir.add_records([record(1), record(1, role="proposer", valid=False, problem=None, rewards=[])])
    run_dir.flush_records()
    run_dir.flush_records()  # nothing pending: no empty shard
    run_dir.add_records([record(2, solve_rate=None)])
    run_dir.flush_records()
    assert sorted(p.name for p in (run_dir.path / "problems").iterdir()) == ["shard-00000.parquet",
                                                                             "shard-00001.parquet"]
    problems = load_problems(run_dir.path)
    assert problems["step"] == [1, 1, 2]
    assert problems[0]["rewards"] == [1.0, None] and problems[0]["extracted"] == ["2", None]
    assert problems[1]["problem"] is None and problems[2]["solve_rate"] is None
    # a reopened run directory continues the shard numbering instead of overwriting
    reopened = RunDir(run_dir.path)
    reopened.add_records([record(3)])
    reopened.flush_records()
    assert len(load_problems(run_dir.path)) == 4


def test_metrics_are_json_lines_and_a_partial_last_line_is_skipped(tmp_path):
    run_dir = RunDir.create(tmp_path / "run")
    run_dir.log_metrics({"step": 1, "solver/reward_mean": 0.5, "bad": float("nan")})
    run_dir.log_metrics({"step": 2, "solver/reward_mean": 0.75})
    with run_dir.metrics_path.open("a") as stream:
        stream.write('{"step": 3, "solver/rew')  # a run killed mid-write
    metrics = read_metrics(run_dir.path)
    assert [m["step"] for m in metrics] == [1, 2]
    assert metrics[0]["bad"] is None  # NaN is not JSON


def test_json_files_are_written_whole(tmp_path):
    run_dir = RunDir.create(tmp_path / "run")
    run_dir.write_json("summary.json", {"a": [1, 2], "b": float("inf")})
    assert json.loads((run_dir.path / "summary.json").read_text()) == {"a": [1, 2], "b": None}
    assert not list(run_dir.path.glob(".*.tmp"))
