"""The run directory: refuses to overwrite, is locked while a process trains in it, writes whole files, reads back
what it wrote."""

from __future__ import annotations

import fcntl
import json
import os

import pytest

from selfplay.errors import ConfigError
from selfplay.rundir import LOCK_FILE, RunDir, load_problems, read_metrics, unlock


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


def hold_lock(path) -> int:
    """Lock run directory `path` as another process would: flock is per open file, so a second open in this
    process is refused like another process's."""
    descriptor = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(descriptor, b"4242\n")
    return descriptor


def test_a_run_directory_in_use_is_refused_until_its_lock_is_released(tmp_path):
    path = tmp_path / "run"
    path.mkdir()
    other = hold_lock(path)  # a process that started in it and has written nothing yet
    with pytest.raises(ConfigError, match=r"in use by another selfplay process \(pid 4242\)"):
        RunDir.create(path)
    (path / "config.yaml").write_text("{}")
    with pytest.raises(ConfigError, match="in use by another selfplay process"):
        RunDir.open_existing(path)
    os.close(other)  # that process ended (however it ended: the kernel drops the lock)
    run_dir = RunDir.open_existing(path)
    assert (path / LOCK_FILE).read_text() == f"{os.getpid()}\n"
    with pytest.raises(BlockingIOError):
        hold_lock(path)  # now this process holds it against the others ...
    RunDir.open_existing(path)  # ... and may open it again itself (a crashed run resumed in one process)
    run_dir.unlock()
    os.close(hold_lock(path))


def test_a_folder_left_with_only_a_lock_file_and_empty_problems_is_accepted(tmp_path):
    path = tmp_path / "run"
    RunDir.create(path).unlock()
    assert sorted(p.name for p in path.iterdir()) == [LOCK_FILE, "problems"]
    RunDir.create(path).unlock()  # what a start killed at once leaves is not "not empty"
    (path / "problems" / "shard-00000.parquet").write_text("x")
    with pytest.raises(ConfigError, match="not empty"):
        RunDir.create(path)


def test_discard_removes_a_folder_it_created_and_empties_one_it_was_given(tmp_path):
    created = RunDir.create(tmp_path / "new")
    created.write_text("config.yaml", "{}")
    created.discard(created=True)
    assert not (tmp_path / "new").exists()
    (tmp_path / "given").mkdir()
    given = RunDir.create(tmp_path / "given")
    given.write_text("config.yaml", "{}")
    given.discard(created=False)
    assert (tmp_path / "given").is_dir() and not any((tmp_path / "given").iterdir())
    os.close(hold_lock(tmp_path / "given"))  # and it is unlocked
    unlock(tmp_path / "never-locked")  # releasing what this process does not hold is nothing
