"""Crash safety: a run killed at any moment resumes from its last checkpoint with nothing lost or counted twice."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from selfplay.cli import main
from selfplay.config import load_config
from selfplay.loop import train
from selfplay.resume import STATE_FILE, capture_state, random_state, restore_state
from selfplay.rundir import RunDir, load_problems, read_metrics
from selfplay.session import Session


class FakeTrainer:
    def __init__(self):
        self.weight = torch.nn.Parameter(torch.ones(3))
        self.optimizer = torch.optim.AdamW([self.weight], lr=0.1)
        self.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda step: 1 / (step + 1))

    def step(self):
        self.weight.grad = torch.full((3,), 0.5)
        self.optimizer.step()
        self.lr_scheduler.step()


def test_the_training_state_round_trips_through_a_file(tmp_path):
    trainer, rng = FakeTrainer(), random.Random(7)
    for _ in range(3):
        trainer.step()
    state = capture_state(5, [random_state(rng)], {"solver": trainer}, shards=2,
                          counters={"budget": {"optimizer_steps": 3}})
    torch.save(state, tmp_path / STATE_FILE)
    expected = (rng.random(), random.random(), np.random.rand(), torch.rand(2), trainer.lr_scheduler.get_last_lr())
    trainer.step()  # move everything on, then restore from the file

    fresh, rng2 = FakeTrainer(), random.Random(0)
    counters = restore_state(torch.load(tmp_path / STATE_FILE, weights_only=True), rng2, {"solver": fresh})
    assert counters == {"budget": {"optimizer_steps": 3}}
    got = (rng2.random(), random.random(), np.random.rand(), torch.rand(2), fresh.lr_scheduler.get_last_lr())
    assert got[:3] == expected[:3] and torch.equal(got[3], expected[3]) and got[4] == expected[4]
    saved = torch.load(tmp_path / STATE_FILE, weights_only=True)["trainers"]["solver"]["optimizer"]["state"][0]
    assert torch.equal(fresh.optimizer.state_dict()["state"][0]["exp_avg"], saved["exp_avg"])
    assert not torch.equal(trainer.optimizer.state_dict()["state"][0]["exp_avg"], saved["exp_avg"])  # it moved on


def test_a_state_from_before_per_process_generators_still_restores(tmp_path):
    # checkpoints written before every process's generators were kept hold one dict of them
    trainer, rng = FakeTrainer(), random.Random(7)
    state = capture_state(1, [random_state(rng)], {"solver": trainer}, shards=0, counters={})
    state["rng"] = state["rng"][0]
    expected = (rng.random(), torch.rand(2))
    restore_state(state, rng2 := random.Random(0), {"solver": FakeTrainer()})
    got = (rng2.random(), torch.rand(2))
    assert got[0] == expected[0] and torch.equal(got[1], expected[1])


def test_roll_back_forgets_everything_after_the_checkpoint(tmp_path):
    run_dir = RunDir.create(tmp_path / "run")
    (run_dir.path / "config.yaml").write_text("{}\n")
    lines = [json.dumps({"step": step}) for step in range(7)] + ['{"step": 7, "solver/acc']  # killed mid-line
    run_dir.metrics_path.write_text("\n".join(lines))
    for index in range(4):
        (run_dir.problems_path / f"shard-{index:05d}.parquet").write_text("x")
    (run_dir.problems_path / "shard-00004.parquet.tmp").write_text("half")
    for step in (0, 3, 6):
        run_dir.checkpoint_dir(step).mkdir(parents=True)
    (run_dir.checkpoints_path / ".step-000009-abc").mkdir()  # a checkpoint that was being written

    run_dir.roll_back(3, shards=2)
    assert [m["step"] for m in read_metrics(run_dir.path)] == [0, 1, 2, 3]
    assert sorted(p.name for p in run_dir.problems_path.iterdir()) == ["shard-00000.parquet", "shard-00001.parquet"]
    assert sorted(p.name for p in run_dir.checkpoints_path.iterdir()) == ["step-000000", "step-000003"]
    assert run_dir.shard_count == 2


def comparable(metrics: list[dict]) -> list[dict]:
    """Metrics without wall-clock times."""
    return [{k: v for k, v in m.items() if not k.startswith("time/") and "runtime" not in k and "step_time" not in k
             and "per_second" not in k} for m in metrics]


def records(path: Path) -> list[tuple]:
    return [(r["step"], r["role"], r["problem"], tuple(r["answers"])) for r in load_problems(path).to_list()]


class Crash(Exception):
    pass


def test_a_resumed_run_continues_exactly_where_it_stopped(tiny_overrides, tmp_path, monkeypatch):
    overrides = [*tiny_overrides, "schedule.steps=6", "run.save_every=2", "run.shard_every=1",
                 "evaluation.every=3", "schedule.replay_share=0.5"]  # the replay buffer resumes too
    whole = load_config(None, [*overrides, f"run.output_dir={tmp_path / 'whole'}"])
    train(whole, RunDir.create(whole.run.output_dir), progress=False)

    broken = load_config(None, [*overrides, f"run.output_dir={tmp_path / 'broken'}"])
    end_step = Session.end_step

    def crash_after_logging_step_5(self, step, *args, **kwargs):
        end_step(self, step, *args, **kwargs)
        if step == 5:  # step 5 is logged and its records are on disk; the checkpoint was at step 4
            raise Crash

    monkeypatch.setattr(Session, "end_step", crash_after_logging_step_5)
    with pytest.raises(Crash):
        train(broken, RunDir.create(broken.run.output_dir), progress=False)
    assert [m["step"] for m in read_metrics(broken.run.output_dir)] == [0, 1, 2, 3, 4, 5]
    monkeypatch.setattr(Session, "end_step", end_step)

    summary = train(broken, RunDir.open_existing(broken.run.output_dir), progress=False, resume=True)
    assert summary["steps"] == 6
    # Step 5 was rolled back and done again; with the random generators restored it is the same step 5.
    assert comparable(read_metrics(broken.run.output_dir)) == comparable(read_metrics(whole.run.output_dir))
    assert records(Path(broken.run.output_dir)) == records(Path(whole.run.output_dir))


def test_a_run_killed_at_a_random_moment_resumes_with_every_record_once(tiny_overrides, tmp_path):
    output = tmp_path / "killed"
    overrides = [o for o in tiny_overrides if not o.startswith("run.output_dir")]
    args = [*overrides, "schedule.steps=40", "run.save_every=3", "run.shard_every=2", "evaluation.every=0",
            f"run.output_dir={output}"]
    command = [sys.executable, "-m", "selfplay.cli", "train", *args, "--no-progress"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    first = output / "checkpoints" / "step-000003" / STATE_FILE
    deadline = time.time() + 300
    while not first.exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(random.Random().uniform(0.0, 1.5))  # somewhere after the first checkpoint, wherever that lands
    assert process.poll() is None, "the run ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL

    before = load_problems(output).num_rows
    logged = [m["step"] for m in read_metrics(output)]
    print(f"killed after step {max(logged)}: {before} problem records on disk")
    assert main(["train", "--resume", str(output), "--no-progress"]) == 0
    after = load_problems(output).to_list()
    print(f"after resuming: {len(after)} problem records")

    steps = [m["step"] for m in read_metrics(output)]
    assert steps == list(range(41))  # the step axis: every step once, in order
    solved = {m["step"]: m["solver/problems"] for m in read_metrics(output) if m["step"]}
    # proposer: 16 completions on the steps it trains (every 2nd), else the few the solver needs; solver: every
    # problem it answered (none if no problem was valid), 4 of them trained on
    proposed = 0
    for step in range(1, 41):
        rows = [r for r in after if r["step"] == step]
        proposer_rows = sum(r["role"] == "proposer" for r in rows)
        assert proposer_rows == 16 if step % 2 == 0 else 1 <= proposer_rows <= 4, step
        answered = [r for r in rows if r["role"] == "solver"]
        assert len(answered) == solved[step], step
        assert sum(r["trained"] for r in answered) <= 4 and (not answered or any(r["trained"] for r in answered))
        proposed += proposer_rows
    assert len(after) == proposed + sum(solved.values())
    assert json.loads((output / "summary.json").read_text())["steps"] == 40


def test_a_corrupt_checkpoint_is_a_one_line_error_and_nothing_is_touched(tiny_overrides, tmp_path, capsys):
    config = load_config(None, [*tiny_overrides, "schedule.steps=4", "run.save_every=2"])
    run_dir = RunDir.create(config.run.output_dir)
    train(config, run_dir, progress=False)
    (run_dir.path / "summary.json").unlink()  # as if it had been killed before the end: its last state is step 2
    (run_dir.checkpoint_dir(2) / STATE_FILE).write_bytes(b"\x00garbage")
    metrics_before = run_dir.metrics_path.read_text()
    assert main(["train", "--resume", str(run_dir.path)]) == 2
    err = capsys.readouterr().err
    assert "checkpoint" in err and "unreadable" in err and err.count("\n") == 2  # the resuming line and the error
    assert run_dir.metrics_path.read_text() == metrics_before


@pytest.mark.parametrize("case, message", [
    ("finished", "has finished"),
    ("not_a_run", "is not a run directory"),
    ("with_overrides", "--resume takes only the run directory"),
])
def test_resume_refuses_what_it_cannot_continue(tiny_overrides, tmp_path, capsys, case, message):
    folder = tmp_path / "run"
    folder.mkdir()
    args = ["train", "--resume", str(folder)]
    if case == "finished":
        (folder / "config.yaml").write_text("{}\n")
        (folder / "summary.json").write_text("{}\n")
    elif case == "with_overrides":
        args.append("schedule.steps=3")
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_an_unwritable_run_directory_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["train", f"run.output_dir={blocker / 'run'}"]) == 2
    err = capsys.readouterr().err
    assert "cannot create run directory" in err and err.count("\n") == 1
    assert blocker.read_text() == "not a folder"


def test_a_full_disk_stops_the_run_with_one_line_and_it_resumes(tiny_overrides, tmp_path, capsys, monkeypatch):
    import errno

    output = tmp_path / "full"
    overrides = [o for o in tiny_overrides if not o.startswith("run.output_dir")]
    args = ["train", *overrides, "schedule.steps=4", "run.save_every=2", f"run.output_dir={output}", "--no-progress"]
    log_metrics = RunDir.log_metrics

    def disk_full_at_step_3(self, metrics):
        if metrics["step"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        log_metrics(self, metrics)

    monkeypatch.setattr(RunDir, "log_metrics", disk_full_at_step_3)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "--resume" in err
    monkeypatch.setattr(RunDir, "log_metrics", log_metrics)
    assert main(["train", "--resume", str(output), "--no-progress"]) == 0
    assert [m["step"] for m in read_metrics(output)] == [0, 1, 2, 3, 4]


def test_a_missing_model_folder_is_a_one_line_error_that_leaves_nothing(tmp_path, capsys):
    output = tmp_path / "run"
    assert main(["train", f"model.name_or_path={tmp_path / 'no_such_model'}", "model.warm_start.steps=0",
                 f"run.output_dir={output}"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == f"selfplay: error: cannot load model '{tmp_path / 'no_such_model'}': no such folder"
    assert not output.exists()


def test_a_run_directory_another_process_trains_in_is_refused_with_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text("{}")
    holder = subprocess.Popen(  # stands in for a `selfplay train` running there: it holds the run's lock
        [sys.executable, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
         "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'%d' % os.getpid()); print('locked', flush=True); "
         "time.sleep(120)", str(run / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        before = sorted(p.name for p in run.iterdir())
        assert main(["train", "--resume", str(run), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert f"run directory {run} is in use by another selfplay process (pid {holder.pid})" in err
        assert err.count("\n") == 1 and sorted(p.name for p in run.iterdir()) == before
        assert main(["train", f"run.output_dir={run}", "--no-progress"]) == 2  # nor a new run into it
    finally:
        holder.kill()
        holder.wait()
    # the holder died without cleaning up: its lock went with it, nothing stale is left to refuse the resume
    RunDir.open_existing(run).unlock()


def crash_at(monkeypatch, step: int) -> None:
    """Make the next run raise Crash right after step `step` is logged and recorded."""
    end_step = Session.end_step

    def crashing(self, at, *args, **kwargs):
        end_step(self, at, *args, **kwargs)
        if at == step:
            raise Crash

    monkeypatch.setattr(Session, "end_step", crashing)


def crash_and_resume(overrides: list[str], tmp_path: Path, monkeypatch, step: int) -> tuple[Path, Path, dict]:
    """The same run twice: whole, and crashed right after `step` then resumed. Their folders, and the resumed
    run's summary."""
    whole = load_config(None, [*overrides, f"run.output_dir={tmp_path / 'whole'}"])
    train(whole, RunDir.create(whole.run.output_dir), progress=False)
    broken = load_config(None, [*overrides, f"run.output_dir={tmp_path / 'broken'}"])
    with monkeypatch.context() as patch:
        crash_at(patch, step)
        with pytest.raises(Crash):
            train(broken, RunDir.create(broken.run.output_dir), progress=False)
    summary = train(broken, RunDir.open_existing(broken.run.output_dir), progress=False, resume=True)
    return Path(whole.run.output_dir), Path(broken.run.output_dir), summary


def test_a_fine_tuning_method_resumes_exactly_too(tiny_overrides, tmp_path, monkeypatch):
    overrides = [*tiny_overrides, "method.name=sft", "schedule.steps=5", "run.save_every=2", "model.shared=false"]
    whole, resumed, summary = crash_and_resume(overrides, tmp_path, monkeypatch, 3)
    assert comparable(read_metrics(resumed)) == comparable(read_metrics(whole))
    assert records(resumed) == records(whole)
    assert summary["budget"] == json.loads((whole / "summary.json").read_text())["budget"]


@pytest.mark.parametrize("shared", ["true", "false"])
def test_a_lora_run_resumes_exactly(shared, tiny_overrides, tmp_path, monkeypatch):
    # the adapters (two, or one shared) come back from the checkpoint; the base is rebuilt from the warm start
    overrides = [*tiny_overrides, "model.lora.enabled=true", "proposer.beta=0", f"model.shared={shared}",
                 "schedule.steps=4", "run.save_every=2", "verifier.name=majority", "task.options.max_digits=2",
                 "evaluation.max_difficulty=2"]
    whole, resumed, _ = crash_and_resume(overrides, tmp_path, monkeypatch, 3)
    assert comparable(read_metrics(resumed)) == comparable(read_metrics(whole))
    assert records(resumed) == records(whole)


def test_under_deepspeed_or_fsdp_no_state_is_saved_and_resume_is_refused(tiny_overrides, tmp_path,
                                                                                 monkeypatch, capsys):
    # their optimizer states are split over the processes: a checkpoint could hold the main process's only
    monkeypatch.setattr("selfplay.session.sharded", lambda: True)
    config = load_config(None, [*tiny_overrides, "schedule.steps=3", "run.save_every=1"])
    with monkeypatch.context() as patch:
        crash_at(patch, 2)
        with pytest.raises(Crash):
            train(config, RunDir.create(config.run.output_dir), progress=False)
    run_dir = RunDir(config.run.output_dir)
    assert not run_dir.checkpoint_dir(1).exists() and not list(run_dir.checkpoints_path.glob("*/state.pt"))
    metrics_before = run_dir.metrics_path.read_text()
    assert main(["train", "--resume", str(run_dir.path), "--no-progress"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "selfplay: error: --resume does not work under DeepSpeed or FSDP yet: they split the optimizer state over "
        "the processes and a checkpoint holds the main process's only")
    assert run_dir.metrics_path.read_text() == metrics_before


def test_a_model_built_in_memory_survives_a_crash_before_its_first_state(tmp_path, monkeypatch):
    # No warm start: the run's starting weights exist only as checkpoints/step-000000. Killed during the step-0
    # evaluation, resumed, killed after step 1, resumed again: the anchor must still be there each time.
    config = load_config(None, ["model.warm_start.steps=0", "schedule.steps=3", "run.save_every=1",
                                "solver.per_device_train_batch_size=16", "solver.num_generations=4",
                                "proposer.per_device_train_batch_size=16", "proposer.num_generations=4",
                                f"run.output_dir={tmp_path / 'run'}", f"evaluation.cache_dir={tmp_path / 'eval'}",
                                "evaluation.per_bucket=5", "evaluation.max_difficulty=2"])
    evaluate = Session.evaluate

    def crash_at_start(self, step, metrics):
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(Session, "evaluate", crash_at_start)
        with pytest.raises(Crash):
            train(config, RunDir.create(config.run.output_dir), progress=False)
    anchor = Path(config.run.output_dir) / "checkpoints" / "step-000000"
    assert (anchor / "proposer").is_dir() and not (anchor / STATE_FILE).exists()
    assert Session.evaluate is evaluate
    with monkeypatch.context() as patch:
        crash_at(patch, 1)
        with pytest.raises(Crash):
            train(config, RunDir.open_existing(config.run.output_dir), progress=False, resume=True)
    assert (anchor / "proposer").is_dir() and (anchor / STATE_FILE).is_file()
    summary = train(config, RunDir.open_existing(config.run.output_dir), progress=False, resume=True)
    assert [m["step"] for m in read_metrics(config.run.output_dir)] == [0, 1, 2, 3]
    assert summary["steps"] == 3


def test_wall_time_counts_every_session_of_a_resumed_run(tiny_overrides, monkeypatch):
    config = load_config(None, [*tiny_overrides, "schedule.steps=3", "run.save_every=1"])
    with monkeypatch.context() as patch:
        crash_at(patch, 2)
        with pytest.raises(Crash):
            train(config, RunDir.create(config.run.output_dir), progress=False)
    state = torch.load(RunDir(config.run.output_dir).checkpoint_dir(2) / STATE_FILE, weights_only=True)
    summary = train(config, RunDir.open_existing(config.run.output_dir), progress=False, resume=True)
    assert summary["wall_seconds"] > state["counters"]["elapsed"] > 0


def test_an_experiment_does_not_resume_a_method_started_with_other_settings(tiny_overrides, tmp_path, capsys):
    output = tmp_path / "experiment"
    overrides = [o for o in tiny_overrides if not o.startswith("run.output_dir")]
    config = load_config(None, [*overrides, "method.name=sft", f"run.output_dir={output / 'sft'}"])
    run_dir = RunDir.create(config.run.output_dir)
    run_dir.write_text("config.yaml", (Path(__file__).parent.parent / "configs" / "default.yaml").read_text())
    args = ["experiment", *overrides, "experiment.methods=[sft]", f"run.output_dir={output}", "--no-progress"]
    assert main(args) == 2
    assert "was started with other settings" in capsys.readouterr().err
