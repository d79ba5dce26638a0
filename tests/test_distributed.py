"""Two CPU processes (gloo, started by torchrun): records and metrics complete and written once, every majority
vote over a whole group, the proposer's problems on every process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from selfplay.rundir import load_problems, read_metrics
from tests.conftest import WARM_START


# A crash right after a step is logged and recorded, on every process once all have got there (torchrun stops
# the others as soon as one process fails).
CRASHING = """
import sys
from selfplay.cli import main
from selfplay.distributed import wait_for_everyone
from selfplay.session import Session

end_step = Session.end_step

def crashing(self, step, *args, **kwargs):
    end_step(self, step, *args, **kwargs)
    if step == {step}:
        wait_for_everyone()
        raise SystemExit(3)

Session.end_step = crashing
sys.exit(main(sys.argv[1:]))
"""


def settings(folder: Path, output: Path, warm_cache: str) -> list[str]:
    return [
        "schedule.steps=3", "schedule.proposer_every=2", "model.shared=true",
        *WARM_START, f"model.warm_start.cache_dir={warm_cache}",
        # per process: 8 completions = 2 whole groups of 4; per phase: 16 completions = 4 problems
        "solver.per_device_train_batch_size=8", "solver.num_generations=4",
        "proposer.per_device_train_batch_size=8", "proposer.num_generations=4",
        "verifier.name=majority", f"run.output_dir={output}", "run.save_every=2",
        "evaluation.per_bucket=20", "evaluation.max_difficulty=2", f"evaluation.cache_dir={folder / 'eval'}",
    ]


def on_two_processes(*program: str, expect: int = 0) -> subprocess.CompletedProcess:
    """`program` (`-m selfplay.cli ...` or a script and its arguments) on two CPU processes started by torchrun."""
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", *program]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert (done.returncode == 0) == (expect == 0), done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory, warm_cache) -> tuple[Path, subprocess.CompletedProcess]:
    """Three self-play steps on two processes, uninterrupted, from the suite's shared warm start (trained here,
    on both processes, if no earlier test has cached it; test_rlvr_on_two_processes... always trains its own)."""
    folder = tmp_path_factory.mktemp("two_processes")
    output = folder / "run"
    done = on_two_processes("-m", "selfplay.cli", "train", *settings(folder, output, warm_cache), "--no-progress")
    return output, done


def test_two_processes_write_every_step_once_and_vote_over_whole_groups(whole_run):
    output, done = whole_run
    assert done.stdout.count("selfplay finished") == 1  # one summary, from the main process

    assert [m["step"] for m in read_metrics(output)] == [0, 1, 2, 3]  # one line per step, not one per process
    records = load_problems(output).to_list()
    counts = Counter((r["step"], r["role"]) for r in records)
    # a proposer phase: 16 completions (8 per process), gathered once; other steps only what the solver needs
    assert counts[(2, "proposer")] == 16 and counts[(1, "proposer")] <= 4 and counts[(3, "proposer")] <= 4
    for step in (1, 2, 3):
        answered = [r for r in records if r["step"] == step and r["role"] == "solver"]
        # this step's proposals, or earlier ones the replay buffer kept (the same buffer on both processes)
        proposed = {r["problem"] for r in records if r["step"] <= step and r["role"] == "proposer"}
        valid = {r["problem"] for r in records if r["step"] == step and r["role"] == "proposer" and r["valid"]}
        assert valid <= {r["problem"] for r in answered}  # every valid proposal answered, to reward the proposer
        assert len({r["problem"] for r in answered}) == len(answered)  # each problem answered and judged once
        for row in answered:
            # A group split between processes would show up as two records of 2 answers each.
            assert len(row["answers"]) == 4 and len(row["rewards"]) == 4
            assert row["problem"] in proposed  # the solver answered the proposer's (gathered) problems
        assert 1 <= sum(row["trained"] for row in answered) <= 4  # its phase: 4 groups, repeated where fewer
    summary = json.loads((output / "summary.json").read_text())
    assert summary["steps"] == 3 and summary["budget"]["sampled_answers"] > 0
    # each phase's judged answers, each problem's once (a problem drawn again to fill the phase carries no weight)
    trained = [r for r in records if r["role"] == "solver" and r["trained"]]
    assert 0 < summary["budget"]["trained_examples"] == sum(x is not None for r in trained for x in r["rewards"])
    assert sorted(p.name for p in (output / "checkpoints").iterdir()) == ["step-000000", "step-000002", "step-000003"]


def comparable(metrics: list[dict]) -> list[dict]:
    return [{k: v for k, v in m.items() if not k.startswith("time/") and "runtime" not in k and "step_time" not in k
             and "per_second" not in k} for m in metrics]


def records(output: Path) -> list[tuple]:
    return [(r["step"], r["role"], r["problem"], tuple(r["answers"])) for r in load_problems(output).to_list()]


def test_a_run_on_two_processes_resumes_exactly(whole_run, tmp_path, warm_cache):
    # Crash after step 3 is logged: the run resumes from the checkpoint at step 2 and does step 3 again. Each
    # process samples from its own random generators (TRL seeds them apart), so each gets its own back; with the
    # main process's on both, step 3's answers would differ from the uninterrupted run's.
    whole, _ = whole_run
    output = tmp_path / "run"
    script = tmp_path / "crashing.py"
    script.write_text(CRASHING.format(step=3))
    on_two_processes(str(script), "train", *settings(whole.parent, output, warm_cache), "--no-progress", expect=3)
    assert [m["step"] for m in read_metrics(output)] == [0, 1, 2, 3] and not (output / "summary.json").exists()
    on_two_processes("-m", "selfplay.cli", "train", "--resume", str(output), "--no-progress")
    assert comparable(read_metrics(output)) == comparable(read_metrics(whole))
    assert records(output) == records(whole)


# Each process notes how many problems it answers each time `judge_problems` is called.
COUNTING = """
import os
import sys
import selfplay.methods
from selfplay.cli import main

judge = selfplay.methods.judge_problems

def counting(problems, *args, **kwargs):
    with open({log!r}, "a") as log:
        log.write(f"{{os.environ['RANK']}} {{len(problems)}}\\n")
    return judge(problems, *args, **kwargs)

selfplay.methods.judge_problems = counting
sys.exit(main(sys.argv[1:]))
"""


def test_a_fine_tuning_method_on_two_processes(whole_run, tmp_path, warm_cache):
    # `filtered`: each process answers its share of the step's problems; every process fine-tunes on all the
    # kept answers (a process keeping none while the other trains would leave DDP waiting). Under the majority
    # vote every group with a readable answer has one the verifier accepts, so answers are kept whatever was
    # sampled (sympy accepts only right ones, which the tiny solver may not write in 3 steps).
    output, log = tmp_path / "run", tmp_path / "judged.log"
    script = tmp_path / "counting.py"
    script.write_text(COUNTING.format(log=str(log)))
    # the warm start the whole run used (shared weights: the same one whatever the method)
    args = [a for a in settings(whole_run[0].parent, output, warm_cache) if not a.startswith("proposer")]
    done = on_two_processes(str(script), "train", *args, "method.name=filtered", "method.problems=50",
                            "--no-progress")
    assert done.stdout.count("filtered finished") == 1
    assert sorted(log.read_text().split("\n")[:-1]) == ["0 2"] * 3 + ["1 2"] * 3  # 2 of the 4 problems each
    assert [m["step"] for m in read_metrics(output)] == [0, 1, 2, 3]
    rows = load_problems(output).to_list()
    assert Counter(r["step"] for r in rows) == {1: 4, 2: 4, 3: 4}  # 4 problems per step, recorded once
    assert all(len(r["answers"]) == 4 for r in rows)  # each answered 4 times, by one process
    summary = json.loads((output / "summary.json").read_text())
    kept = [m["method/kept_examples"] for m in read_metrics(output)[1:]]
    assert summary["budget"]["trained_examples"] == sum(kept) > 0
    assert summary["budget"]["optimizer_steps"] == sum(k > 0 for k in kept)


def test_rlvr_on_two_processes_records_every_group(tmp_path):
    # each process judges the groups of its share of the phase; all of them are recorded, by the main process.
    # A short warm start of its own: both processes train it (data-parallel), the main one caches it, once.
    output, warm = tmp_path / "run", tmp_path / "warm"
    args = [a for a in settings(tmp_path, output, str(warm)) if not a.startswith(("verifier", "proposer"))]
    on_two_processes("-m", "selfplay.cli", "train", *args, "model.warm_start.steps=40", "method.name=rlvr",
                     "method.problems=50", "--no-progress")
    rows = load_problems(output).to_list()
    assert Counter(r["step"] for r in rows) == {1: 4, 2: 4, 3: 4}
    assert all(len(r["answers"]) == 4 for r in rows)
    record = json.loads((output / "summary.json").read_text())["warm_start"]
    assert record["cached"] is False and record["steps"] == 40
    assert [p.name for p in warm.iterdir()] == [Path(record["cache"]).name]  # one folder, no staging left


@pytest.mark.parametrize("count", [0, 1, 2, 5, 6, 7])
def test_every_process_gets_an_equal_share_and_its_own_items_make_the_whole(monkeypatch, count):
    # every process samples the same number of problems (a vLLM server and sharded weights need every process in
    # each call): short shares are padded with copies, and the processes' own items, gathered, are the list again
    import selfplay.distributed as distributed

    items, shares = list(range(count)), []
    monkeypatch.setattr(distributed, "processes", lambda: 3)
    for index in range(3):
        monkeypatch.setattr(distributed, "process_index", lambda index=index: index)
        shares.append(distributed.my_share(items))
    assert len({len(share) for share, _ in shares}) == 1  # the same size everywhere
    assert all(len(share) == -(-count // 3) for share, _ in shares)
    assert [x for share, own in shares for x in share[:own]] == items
