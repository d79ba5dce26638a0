"""Two CPU processes (gloo, started by torchrun): records and metrics complete and written once, every majority
vote over a whole group, the proposer's problems on every process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

from selfplay.rundir import load_problems, read_metrics


def test_two_processes_write_every_step_once_and_vote_over_whole_groups(tmp_path):
    output = tmp_path / "run"
    args = [
        "schedule.steps=3", "schedule.proposer_every=2", "model.shared=true",
        "model.warm_start.steps=250", "model.warm_start.lr_scheduler_type=cosine", "model.warm_start.batch_size=32",
        f"model.warm_start.cache_dir={tmp_path / 'warm'}",
        # per process: 8 completions = 2 whole groups of 4; per phase: 16 completions = 4 problems
        "solver.per_device_train_batch_size=8", "solver.num_generations=4",
        "proposer.per_device_train_batch_size=8", "proposer.num_generations=4",
        "verifier.name=majority", f"run.output_dir={output}", "run.save_every=2",
        "evaluation.per_bucket=20", "evaluation.max_difficulty=2", f"evaluation.cache_dir={tmp_path / 'eval'}",
    ]
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "selfplay.cli",
               "train", *args, "--no-progress"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("selfplay finished") == 1  # one summary, from the main process

    assert [m["step"] for m in read_metrics(output)] == [0, 1, 2, 3]  # one line per step, not one per process
    records = load_problems(output).to_list()
    counts = Counter((r["step"], r["role"]) for r in records)
    for step in (1, 2, 3):
        assert counts[(step, "proposer")] == 16  # both processes' proposals, gathered once
        solved = [r for r in records if r["step"] == step and r["role"] == "solver"]
        proposed = {r["problem"] for r in records if r["step"] == step and r["role"] == "proposer"}
        assert len(solved) == 4  # 4 problems per phase, split 2 + 2 over the processes
        for row in solved:
            # A group split between processes would show up as two records of 2 answers each.
            assert len(row["answers"]) == 4 and len(row["rewards"]) == 4
            assert row["problem"] in proposed  # the solver trained on the proposer's (gathered) problems
    summary = json.loads((output / "summary.json").read_text())
    assert summary["steps"] == 3 and summary["budget"]["sampled_answers"] > 0
    assert sorted(p.name for p in (output / "checkpoints").iterdir()) == ["step-000000", "step-000002", "step-000003"]
