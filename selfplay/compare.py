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
from statistics import mean, median
from typing import Any

import yaml

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
    "instruments/accuracy_marked": "Accuracy of the sampled answers with an epistemic marker",
    "instruments/accuracy_unmarked": "Accuracy of the sampled answers without an epistemic marker",
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
    settings: str | None = None  # its config.yaml but for the seed and the folder: runs alike but for the seed

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
    (one dict per run, the same keys in the same order for all), the Markdown text and the paths written. Where
    runs differ only in their seed, `compare.md` starts with a table of each group's median [min, max] (also in
    `groups.csv`: each number's median, min and max), and the plots draw each group's median and range."""
    runs = load_runs(run_dirs)
    output = Path(output_dir)
    if output.exists() and not output.is_dir():
        raise ConfigError(f"{output} is a file; give --output a folder for the table and the plots")
    output.mkdir(parents=True, exist_ok=True)
    columns = table_columns(runs)
    rows = [{column: row.get(column) for column in columns} for row in map(table_row, runs)]
    groups = group_runs(runs)
    markdown = markdown_table(columns, rows) + "\n\n" + table_notes(runs) + "\n"
    paths = [output / "compare.md", output / "compare.csv"]
    group_table: list[dict[str, Any]] = []
    if any(len(group.runs) > 1 for group in groups):
        group_table = group_rows(groups, columns, rows)
        shown = ["group", "runs", *(column for column in columns if column not in ("group", "runs", *TEXT_COLUMNS))]
        markdown = (f"Each group of runs alike but for the seed: the median [min, max] over its runs.\n\n"
                    f"{markdown_table(shown, [{c: _spread(row, c) for c in shown} for row in group_table])}\n\n"
                    f"Each run:\n\n{markdown}")
        write_csv(output / "groups.csv", list(group_table[0]), group_table)
        paths.append(output / "groups.csv")
    (output / "compare.md").write_text(markdown)
    write_csv(output / "compare.csv", columns, rows)
    paths.append(_save(_accuracy_over_steps(groups), output / "accuracy.png"))
    paths.append(_save(_end_accuracy_by_bucket(groups), output / "end_accuracy_by_bucket.png"))
    for key in step_keys(runs):
        if any(series(run.steps, key)[1] for run in runs):
            paths.append(_save(_over_steps(groups, key), output / f"{key.replace('/', '_')}.png"))
    return {"rows": rows, "groups": group_table, "markdown": markdown, "paths": paths}


# Columns of words, not numbers: a group's table leaves them out (its runs' names are in the table below it)
TEXT_COLUMNS = ("run", "method", "in_distribution")


def group_rows(groups: list[Group], columns: list[str], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per group: its name, how many runs, and each number column's median, min and max over its runs (None
    where no run has it)."""
    by_run = {row["run"]: row for row in rows}
    table = []
    for group in groups:
        row: dict[str, Any] = {"group": group.label, "runs": len(group.runs)}
        for column in columns:
            if column in TEXT_COLUMNS:
                continue
            values = [value for run in group.runs if isinstance(value := by_run[run.name][column], (int, float))
                      and not isinstance(value, bool)]
            row[column], row[f"{column}/min"], row[f"{column}/max"] = (
                (median(values), min(values), max(values)) if values else (None, None, None))
        table.append(row)
    return table


def _spread(row: dict[str, Any], column: str) -> Any:
    """A group's cell: the median, with its range where the runs differ."""
    value, low, high = row[column], row.get(f"{column}/min"), row.get(f"{column}/max")
    if column in ("group", "runs") or value is None or low == high:
        return value
    return f"{_cell(value)} [{_cell(low)}, {_cell(high)}]"


def write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: "" if value is None else value for key, value in row.items()} for row in rows)


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
    names = distinct_names([path.resolve() for path in paths])
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
        runs.append(Run(name, path, summary, metrics, solver_range(summary.get("warm_start")), settings_of(path)))
    return runs


def settings_of(path: Path) -> str | None:
    """A run's config.yaml without `run.seed` and `run.output_dir`, as one string; None without a readable one."""
    try:
        config = yaml.safe_load((path / "config.yaml").read_text())
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(config, dict):
        return None
    run = dict(config.get("run") or {})
    run.pop("seed", None), run.pop("output_dir", None)
    return json.dumps({**config, "run": run}, sort_keys=True, default=str)


@dataclass
class Group:
    """Runs alike but for their seed (or one run alone): tables give their median and range, plots one line."""

    label: str
    runs: list[Run]


def group_runs(runs: list[Run]) -> list[Group]:
    """The runs grouped by their method and settings but for the seed, in the order first seen; a group is named
    after its method where no other group has that method, else after its first run."""
    grouped: dict[Any, list[Run]] = {}
    for run in runs:
        grouped.setdefault((run.method, run.settings) if run.settings is not None else id(run), []).append(run)
    methods = [members[0].method for members in grouped.values()]
    return [Group(members[0].label if len(members) == 1 else
                  members[0].method if methods.count(members[0].method) == 1 else f"{members[0].name} and others",
                  members) for members in grouped.values()]


def distinct_names(paths: list[Path]) -> list[str]:
    """The paths' last parts, or as many last parts as it takes to tell them all apart: two folders of one name
    (a/run, b/run) would be two rows no reader could tell apart.

    >>> distinct_names([Path("/x/rlvr/seed-0"), Path("/x/sft/seed-0"), Path("/x/sft/seed-1")])
    ['rlvr/seed-0', 'sft/seed-0', 'sft/seed-1']
    """
    for count in range(1, max(len(path.parts) for path in paths) + 1):
        names = ["/".join(path.parts[-count:]) for path in paths]
        if len(set(names)) == len(names):
            return names
    return [str(path) for path in paths]


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
    """The scores of sampled answers (maj@k, pass@k, marker_share@k, ...), where any run's end evaluation has
    them: maj@k and pass@k first."""
    found = {name for run in runs for name in _evaluation(run, "end") if "@" in name}
    return sorted(found, key=lambda name: (not name.startswith(("maj@", "pass@")), name))


def table_columns(runs: list[Run]) -> list[str]:
    budget = dict.fromkeys(key for run in runs for key in (run.summary.get("budget") or {}))
    return (["run", "method", "steps"] + [f"budget/{key}" for key in budget]
            + ["wall_seconds", "in_distribution"]
            + [f"accuracy/{part}/{moment}" for part in ("in", "out") for moment in ("start", "end")]
            + [f"{name}/{part}/{moment}" for name in _sampled_metrics(runs) for part in ("in", "out")
               for moment in ("start", "end")]
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
    for moment in ("start", "end"):
        for name, scores in _evaluation(run, moment).items():
            if "@" in name and isinstance(scores, dict):
                for part in ("in", "out"):
                    row[f"{name}/{part}/{moment}"] = bucket_mean(scores, run.in_range, part)
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


def _accuracy_over_steps(groups: list[Group]) -> Figure:
    """Two panels, in and out of distribution: each group's mean greedy accuracy over its buckets at each
    evaluation (a group of several runs: their median, and their range shaded). Not smoothed: evaluations are
    few, and each is already a mean over hundreds of problems."""
    figure = plt.figure(figsize=(10, 3.8))
    for index, part in enumerate(("in", "out")):
        axes = figure.add_subplot(1, 2, index + 1)
        drawn = False
        for color, group in enumerate(groups):
            curves = []
            for run in group.runs:
                curve = {}
                for m in run.metrics:
                    scores = {key.rsplit("/", 1)[1]: value for key, value in m.items()
                              if key.startswith("eval/accuracy/")}
                    value = bucket_mean(scores, run.in_range, part)
                    if value is not None:
                        curve[m["step"]] = value
                curves.append(curve)
            drawn |= _draw(axes, curves, group.label, f"C{color}", "o-")
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


def _draw(axes, curves: list[dict[int, float]], label: str, color: str, style: str = "-") -> bool:
    """One line: a run's curve, or the median of several runs' curves at the steps all of them have, with their
    range shaded. Returns whether anything was drawn."""
    steps = sorted(set.intersection(*(set(curve) for curve in curves))) if curves else []
    if not steps:
        return False
    values = [[curve[step] for curve in curves] for step in steps]
    axes.plot(steps, [median(v) for v in values], style, markersize=3, color=color, label=label)
    if len(curves) > 1:
        axes.fill_between(steps, [min(v) for v in values], [max(v) for v in values], color=color, alpha=0.2,
                          linewidth=0)
    return True


def _end_accuracy_by_bucket(groups: list[Group]) -> Figure:
    """Grouped bars: one group of bars per difficulty bucket, one bar per group of runs (their median, the
    range as an error bar)."""
    figure = plt.figure(figsize=(8, 3.6))
    axes = figure.add_subplot(1, 1, 1)
    ends = [[_evaluation(run, "end").get("accuracy") or {} for run in group.runs] for group in groups]
    buckets = sorted({bucket for group in ends for end in group for bucket in end},
                     key=lambda bucket: (difficulty(bucket) is None, difficulty(bucket) or 0, bucket))
    if not buckets:
        empty_axes(axes, "no end evaluation recorded")
        return figure
    width = 0.8 / len(groups)
    for index, (group, group_ends) in enumerate(zip(groups, ends)):
        chosen = []
        for position, bucket in enumerate(buckets):
            values = [end[bucket] for end in group_ends if isinstance(end.get(bucket), (int, float))]
            if values:
                chosen.append((position, median(values), min(values), max(values)))
        if chosen:
            middle = [m for _, m, _, _ in chosen]
            error = [[m - low for _, m, low, _ in chosen], [high - m for _, m, _, high in chosen]]
            axes.bar([position - 0.4 + width * (index + 0.5) for position, *_ in chosen], middle, width,
                     color=f"C{index}", label=group.label, yerr=error if len(group.runs) > 1 else None,
                     capsize=2)
    axes.set_xticks(range(len(buckets)), buckets)
    axes.set_xlabel("difficulty bucket")
    axes.set_ylabel("greedy accuracy at the end")
    axes.set_ylim(0, 1.05)
    axes.legend(fontsize=8)
    figure.suptitle("Held-out accuracy per bucket at the end of each run", fontsize=10)
    return figure


def _over_steps(groups: list[Group], key: str) -> Figure:
    """One smoothed line per group of a per-step metric (a group of several runs: the median of their smoothed
    lines, and their range shaded)."""
    figure = plt.figure(figsize=(8, 3.6))
    axes = figure.add_subplot(1, 1, 1)
    for index, group in enumerate(groups):
        curves = []
        for run in group.runs:
            x, y = series(run.steps, key)
            if y:
                curves.append(dict(zip(x, smooth(y, smoothing_window(run.steps)))))
        _draw(axes, curves, group.label, f"C{index}")
    axes.set_xlabel("step")
    axes.set_ylabel(key, fontsize=8)
    axes.legend(fontsize=8)
    figure.suptitle(STEP_TITLES.get(key, key), fontsize=10)
    return figure
