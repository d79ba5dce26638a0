"""`selfplay compare RUN_DIR ...`: finished runs of any training method side by side, as one table and plots.

Each run is read from its `summary.json` (method, budget, held-out accuracy at the start and the end) and its
`metrics.jsonl` (the instruments and the evaluations over steps). Held-out accuracy is split by distribution:
a difficulty bucket is in-distribution when it lies inside the solver's warm-start range, since that is what the
model was shown with true answers; the buckets beyond it were not part of the warm start (training may still
reach them: a proposer can ask longer problems, and the fixed problem set of the other methods spans
`method.min_difficulty`-`max_difficulty`). A run without a known range counts every bucket as in-distribution,
and the table says so.

    OUTPUT_DIR/
      compare.md  compare.csv        one row per run
      accuracy.png                   held-out greedy accuracy over steps, in and out of distribution
      end_accuracy_by_bucket.png     end accuracy per bucket, one bar per run
      instruments_<name>.png ...     each instrument over steps (and verifier_precision.png, solver_accuracy.png)
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from selfplay.errors import ConfigError  # noqa: E402
from selfplay.instruments import INSTRUMENT_KEYS  # noqa: E402
from selfplay.report import empty_axes, series, smooth, smoothing_window  # noqa: E402
from selfplay.rundir import read_metrics  # noqa: E402

# Late-run means average the steps in the last fifth of a run: where a method has settled, not where it started.
LATE_SHARE = 0.2

# Per-step metrics shown as late-run means and plotted over steps, besides the instruments.
OTHER_STEP_KEYS = ("verifier/precision", "solver/accuracy")

# Titles of the per-step plots; a key not listed here is its own title.
STEP_TITLES = {
    "instruments/response_chars": "Mean response length (characters)",
    "instruments/epistemic_rate": "Epistemic markers (\"Wait\", \"Let me check\", ...) per response",
    "instruments/epistemic_share": "Share of responses with an epistemic marker",
    "instruments/distinct_2grams": "Distinct character 2-grams of the responses",
    "instruments/distinct_3grams": "Distinct character 3-grams of the responses",
    "instruments/unique_problems": "Share of distinct problems",
    "instruments/unique_answers": "Distinct answers per problem, over answers",
    "instruments/format_entropy": "Entropy of the answer formats (bits)",
    "verifier/precision": "Verifier precision (its label = the truth)",
    "solver/accuracy": "Solver accuracy on its training problems (ground truth)",
}


@dataclass
class Run:
    """One finished run as the comparison sees it."""

    name: str  # the folder's name, or the path as given where two folders share a name
    path: Path
    summary: dict[str, Any]
    metrics: list[dict[str, Any]]  # every line with a step, the start evaluation (step 0) included
    in_range: tuple[int, int] | None  # the solver's warm-start difficulties, None when unknown

    @property
    def method(self) -> str:
        return str(self.summary.get("method") or "selfplay")  # runs from before methods existed are self-play

    @property
    def label(self) -> str:
        return f"{self.name} ({self.method})"

    @property
    def steps(self) -> list[dict[str, Any]]:
        """The training steps, without the start evaluation."""
        return [m for m in self.metrics if m["step"] > 0]


def compare_runs(run_dirs: list[str | Path], output_dir: str | Path) -> dict[str, Any]:
    """Write the table (`compare.md`, `compare.csv`) and the plots of the runs to `output_dir`. Returns the rows
    (one dict per run, the same keys in the same order for all), the Markdown text and the paths written."""
    runs = load_runs(run_dirs)
    output = Path(output_dir)
    if output.exists() and not output.is_dir():
        raise ConfigError(f"{output} is a file; give --output a folder for the table and the plots")
    output.mkdir(parents=True, exist_ok=True)
    columns = table_columns(runs)
    rows = [{column: row.get(column) for column in columns} for row in map(table_row, runs)]
    markdown = markdown_table(columns, rows) + "\n\n" + table_notes(runs) + "\n"
    (output / "compare.md").write_text(markdown)
    with (output / "compare.csv").open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: "" if value is None else value for key, value in row.items()} for row in rows)
    paths = [output / "compare.md", output / "compare.csv"]
    paths.append(_save(_accuracy_over_steps(runs), output / "accuracy.png"))
    paths.append(_save(_end_accuracy_by_bucket(runs), output / "end_accuracy_by_bucket.png"))
    for key in step_keys(runs):
        if any(series(run.steps, key)[1] for run in runs):
            paths.append(_save(_over_steps(runs, key), output / f"{key.replace('/', '_')}.png"))
    return {"rows": rows, "markdown": markdown, "paths": paths}


def load_runs(run_dirs: list[str | Path]) -> list[Run]:
    """The runs, checked: each a finished run directory, none given twice."""
    if not run_dirs:
        raise ConfigError("give at least one run directory to compare")
    paths = [Path(path) for path in run_dirs]
    seen: dict[Path, Path] = {}
    for path in paths:
        resolved = path.resolve()
        if resolved in seen:
            raise ConfigError(f"{path} is given twice (as {seen[resolved]} before); give each run directory once")
        seen[resolved] = path
    names = [path.resolve().name for path in paths]
    runs = []
    for path, name in zip(paths, names):
        if not (path / "metrics.jsonl").is_file():
            raise ConfigError(f"{path} is not a finished run directory (no metrics.jsonl)")
        if not (path / "summary.json").is_file():
            raise ConfigError(f"{path} is not a finished run directory: it has metrics.jsonl but no summary.json "
                              "(the run is still going, or was interrupted)")
        try:
            summary = json.loads((path / "summary.json").read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path / 'summary.json'} is not valid JSON ({error}); is it a finished run?") from None
        if not isinstance(summary, dict):
            raise ConfigError(f"{path / 'summary.json'} holds no JSON object; is it a finished run?")
        metrics = [m for m in read_metrics(path) if isinstance(m, dict) and isinstance(m.get("step"), int)]
        # Two folders of one name (a/run, b/run) would be two rows no reader could tell apart: show the paths.
        shown = str(path) if names.count(name) > 1 else name
        runs.append(Run(shown, path, summary, metrics, solver_range(summary.get("warm_start"))))
    return runs


def solver_range(warm_start: Any) -> tuple[int, int] | None:
    """The difficulties the solver was warm-started on, from the summary's `warm_start` record: one record for
    shared weights, or one per role; None when there was no warm start or the record does not say.

    >>> solver_range({"steps": 900, "min_difficulty": 1, "max_difficulty": 2})
    (1, 2)
    >>> solver_range({"proposer": {"steps": 9, "min_difficulty": 1, "max_difficulty": 3},
    ...               "solver": {"steps": 9, "min_difficulty": 2, "max_difficulty": 2}})
    (2, 2)
    >>> solver_range({"steps": 0}), solver_range(None)
    (None, None)
    """
    if not isinstance(warm_start, dict):
        return None
    record = warm_start if "steps" in warm_start or "min_difficulty" in warm_start else warm_start.get("solver")
    if not isinstance(record, dict) or record.get("steps") == 0:
        return None
    low, high = record.get("min_difficulty"), record.get("max_difficulty")
    return (low, high) if isinstance(low, int) and isinstance(high, int) else None


def difficulty(bucket: str) -> int | None:
    """The difficulty an evaluation bucket is named after (`3d` -> 3), None for another name."""
    match = re.fullmatch(r"(\d+)d?", bucket)
    return int(match.group(1)) if match else None


def in_distribution(bucket: str, in_range: tuple[int, int] | None) -> bool:
    """Whether a bucket lies inside the warm-start range; every bucket does when the range is unknown."""
    if in_range is None:
        return True
    level = difficulty(bucket)
    return level is not None and in_range[0] <= level <= in_range[1]


def bucket_mean(scores: dict[str, Any], in_range: tuple[int, int] | None, part: str) -> float | None:
    """The mean score over the buckets in (`part` = "in") or out of distribution; None when there are none."""
    chosen = [value for bucket, value in scores.items()
              if isinstance(value, (int, float)) and in_distribution(bucket, in_range) == (part == "in")]
    return mean(chosen) if chosen else None


def late_mean(run: Run, key: str) -> float | None:
    """The mean of a per-step metric over the last `LATE_SHARE` of the run's steps (the last step always counts);
    None where it was not recorded there."""
    steps = run.steps
    if not steps:
        return None
    cutoff = (1 - LATE_SHARE) * max(m["step"] for m in steps)
    values = [m[key] for m in steps if m["step"] > cutoff and isinstance(m.get(key), (int, float))]
    return mean(values) if values else None


def step_keys(runs: list[Run]) -> list[str]:
    """The per-step metrics to compare: every instrument any run recorded (the known ones in their order, then
    the others), then `OTHER_STEP_KEYS`."""
    found = {key for run in runs for m in run.steps for key in m if key.startswith("instruments/")}
    return ([key for key in INSTRUMENT_KEYS if key in found] + sorted(found - set(INSTRUMENT_KEYS))
            + list(OTHER_STEP_KEYS))


def _sampled_metrics(runs: list[Run]) -> list[str]:
    """maj@k and pass@k, where any run's end evaluation has them."""
    return sorted({name for run in runs for name in _evaluation(run, "end") if name.startswith(("maj@", "pass@"))})


def table_columns(runs: list[Run]) -> list[str]:
    budget = dict.fromkeys(key for run in runs for key in (run.summary.get("budget") or {}))
    return (["run", "method", "steps"] + [f"budget/{key}" for key in budget]
            + ["wall_seconds", "in_distribution"]
            + [f"accuracy/{part}/{moment}" for part in ("in", "out") for moment in ("start", "end")]
            + [f"{name}/{part}/end" for name in _sampled_metrics(runs) for part in ("in", "out")]
            + [f"late/{key}" for key in step_keys(runs)])


def table_row(run: Run) -> dict[str, Any]:
    row: dict[str, Any] = {"run": run.name, "method": run.method, "steps": run.summary.get("steps")}
    row.update({f"budget/{key}": value for key, value in (run.summary.get("budget") or {}).items()})
    row["wall_seconds"] = run.summary.get("wall_seconds")
    row["in_distribution"] = "unknown" if run.in_range is None else f"{run.in_range[0]}d-{run.in_range[1]}d"
    for moment in ("start", "end"):
        for part in ("in", "out"):
            row[f"accuracy/{part}/{moment}"] = bucket_mean(_evaluation(run, moment).get("accuracy") or {},
                                                           run.in_range, part)
    for name, scores in _evaluation(run, "end").items():
        if name.startswith(("maj@", "pass@")) and isinstance(scores, dict):
            for part in ("in", "out"):
                row[f"{name}/{part}/end"] = bucket_mean(scores, run.in_range, part)
    for key in step_keys([run]):
        row[f"late/{key}"] = late_mean(run, key)
    return row


def _evaluation(run: Run, moment: str) -> dict[str, Any]:
    """The summary's evaluation at "start" or "end" ({} where it has none)."""
    evaluation = run.summary.get("evaluation") or {}
    return evaluation.get(moment) or {}


def markdown_table(columns: list[str], rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row[column]) for column in columns) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    """A value as Markdown: `-` when missing, three decimals for shares, fewer for larger numbers."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table_notes(runs: list[Run]) -> str:
    notes = [
        "accuracy/in and accuracy/out: held-out greedy accuracy, the mean over the difficulty buckets inside "
        "(in) and beyond (out) the solver's warm-start range (column in_distribution); maj@k and pass@k likewise, "
        "at the end. Training problems may reach beyond the warm-start range (a proposer's, or "
        "method.max_difficulty).",
        f"late/...: the mean over the last {LATE_SHARE:.0%} of a run's steps. `-`: not recorded.",
    ]
    unknown = [run.name for run in runs if run.in_range is None]
    if unknown:
        notes.append(f"No warm-start range is known for {', '.join(unknown)}: every bucket counts as "
                     "in-distribution there, so its out-of-distribution columns are empty.")
    return "\n".join(f"- {note}" for note in notes)


def _save(figure: Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)
    return path


def _accuracy_over_steps(runs: list[Run]) -> Figure:
    """Two panels, in and out of distribution: each run's mean greedy accuracy over its buckets at each evaluation.
    Not smoothed: evaluations are few, and each is already a mean over hundreds of problems."""
    figure = plt.figure(figsize=(10, 3.8))
    for index, part in enumerate(("in", "out")):
        axes = figure.add_subplot(1, 2, index + 1)
        drawn = False
        for color, run in enumerate(runs):
            points = []
            for m in run.metrics:
                scores = {key.rsplit("/", 1)[1]: value for key, value in m.items() if key.startswith("eval/accuracy/")}
                value = bucket_mean(scores, run.in_range, part)
                if value is not None:
                    points.append((m["step"], value))
            if points:
                axes.plot(*zip(*points), "o-", markersize=3, color=f"C{color}", label=run.label)
                drawn = True
        axes.set_title(f"{part} of distribution" if part == "out" else "in distribution", fontsize=9)
        if not drawn:
            empty_axes(axes, "no buckets here" if part == "out" else "no evaluation recorded")
            continue
        axes.set_xlabel("step (0: before training)")
        axes.set_ylabel("greedy accuracy, mean over buckets")
        axes.set_ylim(-0.02, 1.02)
        axes.legend(fontsize=8)
    figure.suptitle("Held-out greedy accuracy over training", fontsize=10)
    return figure


def _end_accuracy_by_bucket(runs: list[Run]) -> Figure:
    """Grouped bars: one group per difficulty bucket, one bar per run."""
    figure = plt.figure(figsize=(8, 3.6))
    axes = figure.add_subplot(1, 1, 1)
    ends = [_evaluation(run, "end").get("accuracy") or {} for run in runs]
    buckets = sorted({bucket for end in ends for bucket in end},
                     key=lambda bucket: (difficulty(bucket) is None, difficulty(bucket) or 0, bucket))
    if not buckets:
        empty_axes(axes, "no end evaluation recorded")
        return figure
    width = 0.8 / len(runs)
    for index, (run, end) in enumerate(zip(runs, ends)):
        chosen = [(position, end[bucket]) for position, bucket in enumerate(buckets)
                  if isinstance(end.get(bucket), (int, float))]
        if chosen:
            axes.bar([position - 0.4 + width * (index + 0.5) for position, _ in chosen], [v for _, v in chosen],
                     width, color=f"C{index}", label=run.label)
    axes.set_xticks(range(len(buckets)), buckets)
    axes.set_xlabel("difficulty bucket")
    axes.set_ylabel("greedy accuracy at the end")
    axes.set_ylim(0, 1.05)
    axes.legend(fontsize=8)
    figure.suptitle("Held-out accuracy per bucket at the end of each run", fontsize=10)
    return figure


def _over_steps(runs: list[Run], key: str) -> Figure:
    """One smoothed line per run of a per-step metric."""
    figure = plt.figure(figsize=(8, 3.6))
    axes = figure.add_subplot(1, 1, 1)
    for index, run in enumerate(runs):
        x, y = series(run.steps, key)
        if y:
            axes.plot(x, smooth(y, smoothing_window(run.steps)), color=f"C{index}", label=run.label)
    axes.set_xlabel("step")
    axes.set_ylabel(key, fontsize=8)
    axes.legend(fontsize=8)
    figure.suptitle(STEP_TITLES.get(key, key), fontsize=10)
    return figure
