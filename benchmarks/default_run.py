"""The embedded default's figures over several seeds, each run from nothing (fresh caches), as a first run is.

    python benchmarks/default_run.py --seeds 0,1,2,3,4                # default, majority, none: 15 runs
    python benchmarks/default_run.py --seeds 0,1,2 --configs default  # one config
    python benchmarks/default_run.py --seeds 0 --kernels native,default   # also under generic float kernels
    python benchmarks/default_run.py --seeds 0,1,2,3,4 --results runs.jsonl   # keep each run's figures as it ends
    python benchmarks/default_run.py --report runs.jsonl [more.jsonl ...]     # the tables from kept figures
    python benchmarks/default_run.py --one [CONFIG] [section.key=value ...]  # one run in this process

Every run is its own process with its own warm-start and evaluation caches, so nothing is shared between runs.
`--kernels default` sets ATEN_CPU_CAPABILITY=default for the run: torch's generic kernels, as on a CPU without
AVX2/AVX-512, which round differently and so change every training trajectory. Printed: per seed, held-out greedy
accuracy per bucket at the start (after the warm start) and at the end, what the warm start did, the wall time;
then median, min and max over the seeds; then the claims the README makes, checked on every seed:

- the warm start's start accuracy spreads by at most 10 points per bucket over seeds and kernels (per config file);
- with `sympy`, the bucket the warm start half-knows (its target difficulty) gains at least 20 points and no
  bucket loses more than 5;
- with `none`, the solver's weights end exactly where the warm start left them;
- with `majority`, the change per bucket is reported, whatever it is;
- `climb_majority` (configs/climb_majority.yaml, issue #18 item 3) and `climb_majority_one_model` (the same
  without its committee of other models): label-free, reported per seed against the issue's bar (no bucket loses more than 5 points, one gains at least 10), with the vote's precision per bucket
  over the run and its calibration (is the most common answer right more often when more answers agree?).
- `climb` (configs/climb.yaml, issue #18): 3-digit sums from at most 10% to at least 50%, and 4-digit sums up by at
  least 5 points; `climb_rlvr_1-4` and `climb_rlvr_1-3` are the same budget on uniformly drawn problems, reported.

    python benchmarks/default_run.py --seeds 0,1,2 --configs climb,climb_rlvr_1-4,climb_rlvr_1-3 --jobs 2

The last line is one JSON object with every run's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# name -> the config file and overrides of its runs
CONFIGS = {
    "default": [],
    "majority": ["configs/arithmetic_majority.yaml"],
    "none": ["configs/arithmetic_none.yaml"],
    "climb": ["configs/climb.yaml"],
    # the same solver budget without a proposer: GRPO with `sympy` on 2000 problems drawn uniformly from 1-4 (1-3)
    # digit sums
    "climb_rlvr_1-4": ["configs/climb.yaml", "method.name=rlvr", "method.max_difficulty=4"],
    "climb_rlvr_1-3": ["configs/climb.yaml", "method.name=rlvr", "method.max_difficulty=3"],
    # label-free: majority vote with the anchors' filters, on the climb's representation (issue #18, item 3)
    "climb_majority": ["configs/climb_majority.yaml"],
    # the same without the committee, with the filters that did best on one model: at least 6 of 8 answers agree,
    # the proposer paid for 5-7 of 8 (6-7 with that share), the solver held nearer its warm start (KL 0.2); 300
    # steps, as measured
    "climb_majority_one_model": ["configs/climb_majority.yaml", "schedule.steps=300", "verifier.options.committee=0",
                                 "verifier.options.committee_labels=false", "verifier.options.committee_rounds=0",
                                 "verifier.options.min_share=0.75", "proposer_reward.options.low=4",
                                 "proposer_reward.options.high=8", "solver.beta=0.2"],
}
ROOT = Path(__file__).resolve().parent.parent
MAX_START_SPREAD, MIN_GAIN, MAX_LOSS = 10.0, 20.0, 5.0  # points
LABEL_FREE_GAIN, LABEL_FREE_LOSS = 10.0, 5.0  # points: issue #18's bar for label-free runs, reported per seed
CLIMB_START, CLIMB_END, CLIMB_NEXT_GAIN = 10.0, 50.0, 5.0  # points: 3d from at most, to at least; 4d gains


def run_one(args: list[str]) -> dict:
    """One run in this process, from fresh caches; returns its figures."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    threads = os.environ.get("SELFPLAY_THREADS")
    if threads:
        import torch

        torch.set_num_threads(int(threads))
    from selfplay.config import load_config
    from selfplay.loop import train
    from selfplay.rundir import RunDir

    paths = [a for a in args if "=" not in a]
    overrides = [a for a in args if "=" in a]
    scratch = tempfile.mkdtemp(prefix="selfplay-benchmark-")
    overrides += [f"model.warm_start.cache_dir={scratch}/warm_start", f"evaluation.cache_dir={scratch}/eval"]
    config = load_config(paths[0] if paths else None, overrides)
    run_dir = RunDir.create(config.run.output_dir or f"{scratch}/run")
    summary = train(config, run_dir, progress=False)
    solver = summary["warm_start"].get("solver", summary["warm_start"])
    return {
        "config": paths[0] if paths else "default",
        "overrides": overrides[:-2],
        "seed": config.run.seed,
        "kernels": os.environ.get("ATEN_CPU_CAPABILITY", "native"),
        "wall_seconds": round(summary["wall_seconds"], 1),
        "peak_memory_mb": round(summary["peak_memory_mb"]),
        "warm_start": {key: solver.get(key) for key in ("steps_used", "target_met", "max_difficulty", "check")},
        "accuracy_start": summary["evaluation"]["start"]["accuracy"],
        "accuracy_end": summary["evaluation"]["end"]["accuracy"],
        "accuracy_full_width_start": summary["evaluation"]["start"].get("accuracy_full_width"),
        "accuracy_full_width_end": summary["evaluation"]["end"].get("accuracy_full_width"),
        "solver_weights_moved": weights_moved(Path(solver["cache"]), run_dir.path, config.model.shared),
        "verifier_by_bucket": summary["verifier_by_bucket"],
        "vote_calibration": summary["vote_calibration"],
    }


def weights_moved(warm_folder: Path, run_path: Path, shared: bool) -> float:
    """The largest absolute change of any solver weight between the warm start and the run's last checkpoint."""
    from safetensors.torch import load_file

    last = sorted((run_path / "checkpoints").glob("step-*"))[-1] / ("model" if shared else "solver")
    before, after = load_file(warm_folder / "model.safetensors"), load_file(last / "model.safetensors")
    return max(float((before[name] - after[name]).abs().max()) for name in before)


def run_in_process(config: str, seed: int, kernels: str, threads: int | None, extra: list[str],
                   results: Path | None = None) -> dict:
    """`run_one` in a fresh Python process (so that ATEN_CPU_CAPABILITY takes effect before torch loads)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    if kernels != "native":
        env["ATEN_CPU_CAPABILITY"] = kernels
    else:
        env.pop("ATEN_CPU_CAPABILITY", None)
    if threads:
        env["SELFPLAY_THREADS"] = str(threads)
    command = [sys.executable, __file__, "--one", *CONFIGS[config], f"run.seed={seed}", *extra]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"run {config} seed {seed} ({kernels}) failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["name"] = config
    if results:
        with results.open("a") as file:
            file.write(json.dumps(result) + "\n")
    print(f"  done: {config:<8} seed {seed} {kernels:<7} {result['wall_seconds']:6.1f} s", file=sys.stderr, flush=True)
    return result


def points(value: float) -> str:
    return f"{100 * value:5.1f}"


def median_range(values: list[float]) -> str:
    return f"{100 * statistics.median(values):5.1f} [{100 * min(values):5.1f}, {100 * max(values):5.1f}]"


def settings_of(run: dict) -> str:
    """A run's config file and overrides, less its seed: runs that differ only by seed share one table.

    >>> settings_of({"config": "configs/climb_majority.yaml", "overrides": ["run.seed=1", "schedule.steps=300"]})
    'configs/climb_majority.yaml schedule.steps=300'
    >>> settings_of({"config": "default", "overrides": ["run.seed=4"]})
    'default'
    """
    return " ".join([run["config"], *(o for o in run.get("overrides", []) if not o.startswith("run.seed="))])


def report(results: list[dict]) -> list[str]:
    """The tables and the checked claims; returns the claims that failed."""
    failures = []
    buckets = list(results[0]["accuracy_start"])
    for name, settings in dict.fromkeys((r["name"], settings_of(r)) for r in results):
        runs = [r for r in results if (r["name"], settings_of(r)) == (name, settings)]
        print(f"\n== {name} ({settings}): held-out greedy accuracy, %, start -> end ==")
        print(f"{'seed':>4} {'kernels':<8}" + "".join(f"{b:>16}" for b in buckets) + "   warm steps  wall s  moved")
        for r in runs:
            cells = "".join(f"{points(r['accuracy_start'][b])} ->{points(r['accuracy_end'][b])}" for b in buckets)
            warm = r["warm_start"]
            print(f"{r['seed']:>4} {r['kernels']:<8}{cells}   {warm['steps_used']!s:>10}  {r['wall_seconds']:6.1f}"
                  f"  {r['solver_weights_moved']:.2g}")
        for label, key in (("start", "accuracy_start"), ("end", "accuracy_end")):
            print(f"{label:>13}: " + "  ".join(f"{b} {median_range([r[key][b] for r in runs])}" for b in buckets))
        gains = {b: [r["accuracy_end"][b] - r["accuracy_start"][b] for r in runs] for b in buckets}
        print(f"{'change':>13}: " + "  ".join(f"{b} {median_range(gains[b])}" for b in buckets))
        print(f"{'wall seconds':>13}: median {statistics.median(r['wall_seconds'] for r in runs):.0f} "
              f"[{min(r['wall_seconds'] for r in runs):.0f}, {max(r['wall_seconds'] for r in runs):.0f}]")
        if name == "default":
            for r in runs:
                target = f"{r['warm_start']['max_difficulty']}d"  # the difficulty its target is on
                gain = 100 * (r["accuracy_end"][target] - r["accuracy_start"][target])
                worst = min(100 * (r["accuracy_end"][b] - r["accuracy_start"][b]) for b in buckets)
                if gain < MIN_GAIN or worst < -MAX_LOSS:
                    failures.append(f"sympy seed {r['seed']} ({r['kernels']}): {target} gained {gain:+.1f} points "
                                    f"(at least {MIN_GAIN:+.0f} claimed), worst bucket {worst:+.1f}")
        if name == "climb":
            for r in runs:
                start, end = 100 * r["accuracy_start"]["3d"], 100 * r["accuracy_end"]["3d"]
                next_gain = 100 * (r["accuracy_end"]["4d"] - r["accuracy_start"]["4d"])
                if start > CLIMB_START or end < CLIMB_END or next_gain < CLIMB_NEXT_GAIN:
                    failures.append(f"climb seed {r['seed']} ({r['kernels']}): 3d {start:.1f} -> {end:.1f} (from at "
                                    f"most {CLIMB_START:.0f} to at least {CLIMB_END:.0f} claimed), 4d "
                                    f"{next_gain:+.1f} (at least {CLIMB_NEXT_GAIN:+.0f} claimed)")
        full = [r for r in runs if r.get("accuracy_full_width_end")]
        if full:  # problems whose two operands both have the bucket's digits
            print(f"{'both operands':>13}: " + "  ".join(
                f"{b} {median_range([r['accuracy_full_width_start'][b] for r in full])} -> "
                f"{median_range([r['accuracy_full_width_end'][b] for r in full])}"
                for b in full[0]["accuracy_full_width_end"] if b != "1d"))
        if name.endswith("majority"):
            label_free(runs, buckets)
        if name == "none":
            failures += [f"none seed {r['seed']} ({r['kernels']}): solver weights moved by "
                         f"{r['solver_weights_moved']:.3g}" for r in runs if r["solver_weights_moved"] != 0]
    for config in dict.fromkeys(r["config"] for r in results):  # each config file has its own warm start
        chosen = [r for r in results if r["config"] == config]
        spread = {b: [r["accuracy_start"][b] for r in chosen] for b in buckets}
        widths = {b: 100 * (max(v) - min(v)) for b, v in spread.items()}
        print(f"\nstart accuracy over every run of {config} (seeds and kernels): "
              + "  ".join(f"{b} {median_range(spread[b])}" for b in buckets))
        failures += [f"start accuracy of {b} spreads by {w:.1f} points over {config} (at most "
                     f"{MAX_START_SPREAD:.0f})" for b, w in widths.items() if w > MAX_START_SPREAD]
    missed = [f"warm start missed its target: {r['name']} seed {r['seed']} ({r['kernels']})" for r in results
              if r["warm_start"]["target_met"] is False]
    return failures + missed


def label_free(runs: list[dict], buckets: list[str]) -> None:
    """What a majority-vote run needs besides its accuracy: issue #18's bar per seed (no bucket loses more than
    5 points, one gains at least 10), the vote's precision against the truth per bucket over the run (median over
    seeds), and the vote's calibration: how often the most common answer is right, by how many answers agree."""
    for r in runs:
        changes = {b: 100 * (r["accuracy_end"][b] - r["accuracy_start"][b]) for b in buckets}
        met = min(changes.values()) >= -LABEL_FREE_LOSS and max(changes.values()) >= LABEL_FREE_GAIN
        print(f"{'bar':>13}: seed {r['seed']} ({r['kernels']}) {'met' if met else 'not met'}: worst "
              f"{min(changes, key=changes.get)} {min(changes.values()):+.1f}, best {max(changes, key=changes.get)} "
              f"{max(changes.values()):+.1f} points (no loss over {LABEL_FREE_LOSS:.0f}, a gain of "
              f"{LABEL_FREE_GAIN:.0f} wanted)")
    if not all(r.get("verifier_by_bucket") for r in runs):
        return
    print("vote precision (label = truth) on the solver's training problems, %, median over seeds [range]:")
    levels = sorted({b for r in runs for span in r["verifier_by_bucket"] for b in span["buckets"]},
                    key=lambda b: int(b.rstrip("d")))
    print(f"{'steps':>13}" + "".join(f"{b:>20}" for b in levels))
    for index, span in enumerate(runs[0]["verifier_by_bucket"]):
        cells = []
        for b in levels:
            values = [cell["precision"] for r in runs if index < len(r["verifier_by_bucket"])
                      for cell in [r["verifier_by_bucket"][index]["buckets"].get(b)]
                      if cell and cell["precision"] is not None]
            cells.append(f"{median_range(values):>20}" if values else f"{'-':>20}")
        print(f"{span['first_step']:>6}-{span['last_step']:<6}" + "".join(cells))
    print("calibration over the first span, all seeds pooled: problems, and % whose most common answer is right,")
    print("by how many of the answers agree:")
    pooled: dict[str, dict[int, list[float]]] = {}
    for r in runs:
        for bucket, cells in r["vote_calibration"]["first_span"].items():
            for agreeing, cell in cells.items():
                counts = pooled.setdefault(bucket, {}).setdefault(int(agreeing), [0, 0.0])
                counts[0] += cell["problems"]
                counts[1] += cell["problems"] * cell["majority_right"]
    for bucket, cells in sorted(pooled.items(), key=lambda item: int(item[0].rstrip("d"))):
        print(f"{bucket:>13}: " + "  ".join(f"{agreeing} agree: {n:>4} {100 * right / n:5.1f}"
                                              for agreeing, (n, right) in sorted(cells.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated run seeds")
    parser.add_argument("--configs", default="default,majority,none", help=f"some of {', '.join(CONFIGS)}")
    parser.add_argument("--kernels", default="native", help="native and/or default (ATEN_CPU_CAPABILITY), comma-separated")
    parser.add_argument("--jobs", type=int, default=1,
                        help="runs at a time (each then uses cores/jobs threads; wall times are then not a lone run's)")
    parser.add_argument("--results", type=Path, help="append each run's figures to this JSON-lines file as it ends")
    parser.add_argument("--report", nargs="+", type=Path, metavar="JSONL",
                        help="no runs: the tables and claims from figures kept with --results")
    parser.add_argument("--one", action="store_true", help="one run in this process: [CONFIG] [overrides]")
    parser.add_argument("args", nargs="*", help="with --one: [CONFIG] [section.key=value ...]; else overrides for "
                                                "every run")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.args)))
        return
    if args.report:
        results = [json.loads(line) for path in args.report for line in path.read_text().splitlines() if line]
        if not results:
            raise SystemExit(f"no runs in {', '.join(map(str, args.report))}")
        conclude(results)
        return
    names = [name.strip() for name in args.configs.split(",")]
    unknown = [name for name in names if name not in CONFIGS]
    if unknown:
        raise SystemExit(f"unknown config {unknown[0]!r}; choose from {', '.join(CONFIGS)}")
    jobs = [(name, int(seed), kernels.strip()) for kernels in args.kernels.split(",")
            for seed in args.seeds.split(",") for name in names]
    threads = max(1, (os.cpu_count() or 2) // args.jobs) if args.jobs > 1 else None
    print(f"{len(jobs)} runs, {args.jobs} at a time", file=sys.stderr)
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda job: run_in_process(*job, threads, args.args, args.results), jobs))
    conclude(results)


def conclude(results: list[dict]) -> None:
    """The tables, the claims that do not hold, and one JSON line with every run."""
    failures = report(results)
    print("\nclaims: " + ("all hold on every run" if not failures else f"{len(failures)} do not hold"))
    for failure in failures:
        print(f"  - {failure}")
    print(json.dumps({"benchmark": "default_run", "runs": results, "failures": failures}))


if __name__ == "__main__":
    main()
