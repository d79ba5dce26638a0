"""Issue #19's table: what each way of self-training does to a tiny solver that reasons in words and doubts itself.

    python benchmarks/markers.py --output runs/markers --jobs 2                 # the experiment, then the tables
    python benchmarks/markers.py --output runs/markers-generic --jobs 2 --kernels default   # generic float kernels
    python benchmarks/markers.py --report runs/markers                          # the tables of a finished one

The experiment is `selfplay experiment configs/reasoning.yaml` (every method, 3 seeds, from one warm start per
seed), run from nothing: its warm starts and evaluation sets are cached inside the output folder, so nothing is
shared with earlier runs. `--kernels default` sets ATEN_CPU_CAPABILITY=default (torch's generic kernels, as on a
CPU without AVX2/AVX-512), which changes every training trajectory. Printed, per method, the median [min, max]
over the seeds of:

- held-out greedy accuracy in the warm-start range (1-2 digit sums) and beyond it (3-digit), start -> end;
- the share of sampled held-out answers (8 per problem, temperature 1) with an epistemic marker, start -> end, in
  and beyond the warm-start range, and the accuracy of the sampled answers with a marker and without one, at the
  end (does doubting help?);
- markers per training answer over the first and the last fifth of the steps, and the answers' length;
- from the training answers' written columns (`a+b=s`), over the last fifth of the steps: columns summed wrong
  per answer, the share of those followed by the marker and the column summed again right (a slip caught), and
  markers that follow a right sum (a false alarm).

Every number comes from the run folders (summary.json, metrics.jsonl, the problem records); nothing is typed in.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import datasets  # noqa: E402

from selfplay.rundir import load_problems, read_metrics  # noqa: E402

datasets.disable_progress_bars()

CONFIG = "configs/reasoning.yaml"
IN, OUT = ("1d", "2d"), ("3d",)
LATE = 0.2  # the last fifth of the steps
# One written column, `a+b=s` or `a+b+1=s`, and what follows it up to the next column
_COLUMN = re.compile(r"(\d)\+(\d)(\+1)?=(\d+)")


def column_checks(completion: str, marker: str = "wait") -> tuple[int, int, int, int]:
    """(columns, columns summed wrong, wrong ones caught, markers after a right sum) in one written answer. A wrong
    sum is caught when the marker follows it and then the same column, summed right.

    >>> column_checks("<think>7+8=14 wait, 7+8=15 4+3+1=8</think><answer>85</answer>")
    (3, 1, 1, 0)
    >>> column_checks("<think>7+8=15 wait, 7+8=15 4+3+1=9</think>")
    (3, 1, 0, 1)
    """
    found = list(_COLUMN.finditer(completion))
    wrong = caught = false_alarms = 0
    for index, match in enumerate(found):
        a, b, carry, written = match.groups()
        right = int(written) == int(a) + int(b) + (1 if carry else 0)
        following = completion[match.end():found[index + 1].start() if index + 1 < len(found) else None]
        doubted = marker in following.lower()
        if not right:
            wrong += 1
            redo = found[index + 1] if index + 1 < len(found) else None
            caught += doubted and redo is not None and redo.groups()[:3] == match.groups()[:3] and \
                int(redo.group(4)) == int(a) + int(b) + (1 if carry else 0)
        elif doubted:
            false_alarms += 1
    return len(found), wrong, caught, false_alarms


def run_figures(folder: Path) -> dict[str, float | None]:
    """One run's figures (None where the run has none)."""
    summary = json.loads((folder / "summary.json").read_text())
    start, end = summary["evaluation"]["start"], summary["evaluation"]["end"]

    def mean_of(scores: dict, buckets: tuple[str, ...]) -> float | None:
        values = [scores[b] for b in buckets if b in scores]
        return statistics.fmean(values) if values else None

    steps = [m for m in read_metrics(folder) if m["step"] > 0]
    last = max(m["step"] for m in steps)
    early = [m for m in steps if m["step"] <= LATE * last]
    late = [m for m in steps if m["step"] > (1 - LATE) * last]

    def over(rows: list[dict], key: str) -> float | None:
        values = [m[key] for m in rows if isinstance(m.get(key), (int, float))]
        return statistics.fmean(values) if values else None

    records = load_problems(folder).filter(lambda r: r["role"] == "solver" and r["step"] > (1 - LATE) * last)
    checks = [column_checks(text) for answers in records["answers"] for text in answers]
    answers, wrong = len(checks), sum(c[1] for c in checks)
    return {
        "in_start": mean_of(start["accuracy"], IN), "in_end": mean_of(end["accuracy"], IN),
        "out_start": mean_of(start["accuracy"], OUT), "out_end": mean_of(end["accuracy"], OUT),
        "share_start": mean_of(start.get("marker_share@8", {}), IN),
        "share_end": mean_of(end.get("marker_share@8", {}), IN),
        "share_out_start": mean_of(start.get("marker_share@8", {}), OUT),
        "share_out_end": mean_of(end.get("marker_share@8", {}), OUT),
        "marked_end": mean_of(end.get("accuracy_marked@8", {}), IN),
        "unmarked_end": mean_of(end.get("accuracy_unmarked@8", {}), IN),
        "rate_early": over(early, "instruments/epistemic_rate"), "rate_late": over(late, "instruments/epistemic_rate"),
        "chars_late": over(late, "instruments/response_chars"),
        "wrong_per_answer": wrong / answers if answers else None,
        "caught": sum(c[2] for c in checks) / wrong if wrong else None,
        "false_alarms_per_answer": sum(c[3] for c in checks) / answers if answers else None,
    }


def spread(values: list[float | None], scale: float = 100.0, digits: int = 1) -> str:
    """median [min, max] of the values that exist, scaled (percent by default); '-' for none."""
    present = [v * scale for v in values if v is not None]
    if not present:
        return "-"
    if len(present) == 1:
        return f"{present[0]:.{digits}f}"
    return f"{statistics.median(present):.{digits}f} [{min(present):.{digits}f}, {max(present):.{digits}f}]"


# The two tables: a header and, per column, how to write it from one method's runs (`cell` below)
TABLES = [
    ("| method | 1-2 digit sums, greedy % (start → end) | 3-digit sums | sampled answers with a marker %, 1-2 "
     "digits, start → end | 3 digits | 1-2 digits: accuracy of sampled answers with a marker % | without one % |",
     ["in_start → in_end", "out_start → out_end", "share_start → share_end", "share_out_start → share_out_end",
      "marked_end", "unmarked_end"]),
    ("| method | markers per training answer, first → last fifth of the steps | columns summed wrong per answer "
     "(last fifth) | of those, caught % | false alarms per answer | answer length (chars) |",
     ["rate_early/1 → rate_late/1", "wrong_per_answer/1", "caught", "false_alarms_per_answer/1", "chars_late/1"]),
]


def cell(runs: list[dict], spec: str) -> str:
    """`key`: a percentage; `key/1`: a number as it is (three decimals); `a → b`: both."""
    parts = []
    for key in spec.split(" → "):
        name, _, unscaled = key.partition("/")
        parts.append(spread([run[name] for run in runs], scale=1 if unscaled else 100,
                            digits=1 if not unscaled or name == "chars_late" else 3))
    return " → ".join(parts)


def tables(output: Path) -> str:
    methods: dict[str, list[dict]] = {}
    order = ["selfplay", "rlvr", "filtered", "self_distill", "sft", "rationalize"]  # the config's
    for summary in sorted(output.glob("*/seed-*/summary.json"), key=lambda path: (
            order.index(path.parent.parent.name) if path.parent.parent.name in order else len(order), path)):
        methods.setdefault(summary.parent.parent.name, []).append(run_figures(summary.parent))
    if not methods:
        raise SystemExit(f"no finished runs under {output} (OUTPUT/<method>/seed-<seed>/summary.json)")
    seeds = sorted({p.name for p in output.glob("*/seed-*")})
    lines = [f"Runs: {', '.join(seeds)} of each method, from {output}. Median [min, max] over the seeds."]
    for header, specs in TABLES:
        lines += ["", header, "|---" * (len(specs) + 1) + "|"]
        lines += [f"| {method} | " + " | ".join(cell(runs, spec) for spec in specs) + " |"
                  for method, runs in methods.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", help="the experiment's folder (must not hold another experiment)")
    parser.add_argument("--report", help="only print the tables of a finished experiment's folder")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument("--kernels", choices=("native", "default"), default="native")
    parser.add_argument("overrides", nargs="*", help="section.key=value, for the experiment")
    args = parser.parse_args()
    if args.report:
        print(tables(Path(args.report)))
        return
    if not args.output:
        parser.error("give --output (a new folder) or --report (a finished one)")
    output = Path(args.output).resolve()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRL_EXPERIMENTAL_SILENCE": "1"}
    if args.kernels == "default":
        env["ATEN_CPU_CAPABILITY"] = "default"
    command = [sys.executable, "-m", "selfplay.cli", "experiment", CONFIG, f"run.output_dir={output}",
               f"model.warm_start.cache_dir={output / 'cache' / 'warm_start'}",
               f"evaluation.cache_dir={output / 'cache' / 'eval'}", *args.overrides,
               "--jobs", str(args.jobs), "--no-progress"]
    started = time.time()
    done = subprocess.run(command, cwd=ROOT, env=env)
    if done.returncode:
        raise SystemExit(done.returncode)
    print(f"\nwall time: {time.time() - started:.0f} s, {args.jobs} runs at a time, kernels: {args.kernels}, "
          f"{os.cpu_count()} cores\n")
    print(tables(output))


if __name__ == "__main__":
    main()
