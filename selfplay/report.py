"""`selfplay report RUN_DIR`: the run's story as plots, in one self-contained HTML file and as PNG files.

Everything is read from `metrics.jsonl` and the problem shards, so a run that is still going, or was killed,
gets a report of what it has written so far.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from selfplay.errors import ConfigError  # noqa: E402
from selfplay.rundir import load_problems, read_metrics  # noqa: E402

PLOTS: list[tuple[str, str]] = [
    ("curriculum", "Curriculum: share of proposed problems at each difficulty, over training"),
    ("proposer", "Proposer: reward (on its training steps) and share of valid problems"),
    ("accuracy", "Solver: held-out accuracy per difficulty bucket"),
    ("solve_rates", "Solve rates of the problems the solver answered"),
    ("diversity", "Diversity of proposed problems"),
    ("verifier", "Verifier precision against the ground truth (overall and per difficulty), and solver accuracy"),
    ("markers", "Solver: answers with an epistemic marker (\"wait\", \"hmm\", ...), and accuracy with and without one"),
]


def build_report(run_dir: str | Path) -> Path:
    """Write RUN_DIR/report/report.html and one PNG per plot; returns the HTML file's path."""
    run_dir = Path(run_dir)
    if not (run_dir / "metrics.jsonl").is_file():
        raise ConfigError(f"{run_dir} is not a run directory (no metrics.jsonl)")
    metrics = read_metrics(run_dir)
    steps = [m for m in metrics if m["step"] > 0]
    problems = load_problems(run_dir)
    folder = run_dir / "report"
    folder.mkdir(exist_ok=True)
    drawers: dict[str, Callable[[Figure, list[dict[str, Any]], list[dict[str, Any]]], None]] = {
        "curriculum": _curriculum, "proposer": _proposer, "accuracy": _accuracy,
        "solve_rates": _solve_rates, "diversity": _diversity, "verifier": _verifier, "markers": _markers,
    }
    sections = [_warm_start_section(run_dir, folder)]
    for name, title in PLOTS:
        figure = plt.figure(figsize=(8, 3.6))
        drawers[name](figure, steps, metrics)
        sections.append(f"<h2>{html.escape(title)}</h2>\n" + _save(figure, title, folder, name))
    sections.append("<h2>Sample problems from early, middle and late in the run</h2>\n" + _samples(problems))
    config = (run_dir / "config.yaml").read_text() if (run_dir / "config.yaml").is_file() else "(no config.yaml)"
    status = "finished" if (run_dir / "summary.json").is_file() else "still running or interrupted"
    page = _PAGE.format(title=html.escape(f"selfplay run {run_dir.name}"), status=status,
                        steps=len(steps), body="\n".join(sections), config=html.escape(config))
    (folder / "report.html").write_text(page)
    return folder / "report.html"


def _warm_start_section(run_dir: Path, folder: Path) -> str:
    """What the warm start did (steps, the check set's accuracy, whether it met its target), a warning when it
    missed, and a plot of its checks (warm_start.png)."""
    from selfplay.warmstart import WARM_START_FILE, describe, miss_line, warm_start_records

    path = run_dir / WARM_START_FILE
    if not path.is_file():
        return "<h2>Warm start</h2>\n<p>No warm-start record (none was run, or the run predates the record).</p>"
    records = [(role, record) for role, record in warm_start_records(json.loads(path.read_text()))
               if record.get("steps")]
    if not records:
        return "<h2>Warm start</h2>\n<p>No warm start: the model started as it was loaded.</p>"
    lines = [f"<li>{html.escape(describe(role, record))}</li>" for role, record in records]
    lines += [f'<li class="warning">{html.escape(miss_line(record))}</li>' for _, record in records
              if record.get("target_met") is False]
    checked = [(role, record) for role, record in records if record.get("checks")]
    body = f"<h2>Warm start</h2>\n<ul>{''.join(lines)}</ul>"
    if checked:
        figure = plt.figure(figsize=(8, 3.2))
        axes = figure.add_subplot(1, 1, 1)
        for role, record in checked:
            buckets = dict.fromkeys(bucket for check in record["checks"] for bucket in check["accuracy"])
            for bucket in buckets:  # a stage's checks cover the difficulties it teaches: later ones start later
                seen = [check for check in record["checks"] if bucket in check["accuracy"]]
                axes.plot([c["step"] for c in seen], [c["accuracy"][bucket] for c in seen],
                          label=bucket if len(checked) == 1 else f"{role} {bucket}")
            for stage in record.get("stages", []):
                if stage["target"] is not None:
                    axes.axhline(stage["target"], color="grey", linestyle=":", linewidth=1)
        axes.set_xlabel("warm-start step")
        axes.set_ylabel("greedy accuracy (check set)")
        axes.set_ylim(-0.02, 1.02)
        axes.legend(fontsize=8, ncol=3)
        body += "\n" + _save(figure, "Warm start: the solver's accuracy at each check (dotted: the targets)", folder,
                             "warm_start")
    return body


def _save(figure: Figure, title: str, folder: Path, name: str) -> str:
    """Title the figure, write it as folder/name.png and return the <img> that embeds it in the page."""
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    (folder / f"{name}.png").write_bytes(buffer.getvalue())
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f'<img id="{name}" alt="{html.escape(title)}" src="data:image/png;base64,{encoded}">'


def series(steps: list[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    points = [(m["step"], m[key]) for m in steps if m.get(key) is not None]
    return [p[0] for p in points], [p[1] for p in points]


def smooth(values: list[float], window: int) -> list[float]:
    """Trailing mean over `window` points, so noisy per-step metrics read as trends."""
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def smoothing_window(steps: list[dict[str, Any]]) -> int:
    return max(1, len(steps) // 40)


def empty_axes(axes, text: str = "nothing recorded yet") -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, color="gray")


def _curriculum(figure: Figure, steps, metrics) -> None:
    axes = figure.add_subplot(1, 1, 1)
    levels = sorted({int(key.rsplit("/", 1)[1]) for m in steps for key in m
                     if key.startswith("proposer/difficulty_share/")})
    if not steps or not levels:
        return empty_axes(axes)
    window = smoothing_window(steps)
    grid = [smooth([m.get(f"proposer/difficulty_share/{level}", 0.0) for m in steps], window) for level in levels]
    image = axes.imshow(grid, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1,
                        extent=(steps[0]["step"] - 0.5, steps[-1]["step"] + 0.5, levels[0] - 0.5, levels[-1] + 0.5))
    x, mean = series(steps, "proposer/difficulty_mean")
    if mean:  # the frontier: where the proposer's problems are on average
        axes.plot(x, smooth(mean, window), color="white", linewidth=1.5, label="mean difficulty")
        axes.legend(loc="upper left")
    axes.set_xlabel("self-play step")
    axes.set_ylabel("difficulty")
    axes.set_yticks(levels)
    figure.colorbar(image, ax=axes, label="share of problems")


def _proposer(figure: Figure, steps, metrics) -> None:
    axes = figure.add_subplot(1, 1, 1)
    if not steps:
        return empty_axes(axes)
    x, valid = series(steps, "proposer/valid_rate")
    axes.plot(x, smooth(valid, smoothing_window(steps)), label="valid problems")
    x, reward = series(steps, "proposer/reward_mean")
    if reward:
        axes.plot(x, reward, "o-", markersize=3, label="proposer reward (training steps)")
    x, informative = series(steps, "solver/solve_rate/some")
    if informative:
        axes.plot(x, smooth(informative, smoothing_window(steps)), label="problems solved sometimes, not always")
    axes.set_xlabel("self-play step")
    axes.legend(fontsize=8)


def _accuracy(figure: Figure, steps, metrics) -> None:
    axes = figure.add_subplot(1, 1, 1)
    keys = sorted({k for m in metrics for k in m if k.startswith("eval/accuracy/")},
                  key=lambda k: int(re.sub(r"\D", "", k.rsplit("/", 1)[1]) or 0))
    if not keys:
        return empty_axes(axes, "no evaluation recorded yet")
    for key in keys:
        x, y = series(metrics, key)
        axes.plot(x, y, "o-", markersize=3, label=key.rsplit("/", 1)[1])
    axes.set_xlabel("self-play step (0: before training)")
    axes.set_ylabel("greedy accuracy")
    axes.set_ylim(-0.02, 1.02)
    axes.legend(fontsize=8, ncol=3)


def _solve_rates(figure: Figure, steps, metrics) -> None:
    axes = figure.add_subplot(1, 1, 1)
    parts = [("solver/solve_rate/none", "never solved"), ("solver/solve_rate/some", "sometimes"),
             ("solver/solve_rate/all", "always")]
    chosen = [m for m in steps if all(m.get(key) is not None for key, _ in parts)]
    if not chosen:
        return empty_axes(axes)
    window = smoothing_window(chosen)
    axes.stackplot([m["step"] for m in chosen], *[smooth([m[key] for m in chosen], window) for key, _ in parts],
                   labels=[label for _, label in parts], alpha=0.8)
    axes.set_xlabel("self-play step")
    axes.set_ylabel("share of problems")
    axes.legend(fontsize=8, loc="upper left")


def _diversity(figure: Figure, steps, metrics) -> None:
    _shares(figure, steps, [("proposer/unique_share", "unique problems"),
                            ("proposer/distinct_2grams", "distinct 2-grams"),
                            ("proposer/distinct_3grams", "distinct 3-grams")], "nothing recorded yet")


def _verifier(figure: Figure, steps, metrics) -> None:
    levels = sorted({int(key.rsplit("/", 1)[1]) for m in steps for key in m
                     if key.startswith("verifier/precision/")})
    _shares(figure, steps, [("verifier/precision", "verifier precision (label = truth)"),
                            ("solver/accuracy", "solver accuracy (ground truth)"),
                            ("solver/reward_mean", "solver reward (verifier)"),
                            *((f"verifier/precision/{level}", f"precision, difficulty {level}") for level in levels)],
            "no ground truth for this task", dotted=len(levels) > 0)


def _markers(figure: Figure, steps, metrics) -> None:
    _shares(figure, steps, [("instruments/epistemic_share", "share of answers with a marker"),
                            ("instruments/accuracy_marked", "accuracy of answers with one"),
                            ("instruments/accuracy_unmarked", "accuracy of answers without")],
            "nothing recorded yet")


def _shares(figure: Figure, steps, lines: list[tuple[str, str]], missing: str, dotted: bool = False) -> None:
    """Smoothed per-step metrics that lie in [0, 1], one line each; `missing` where none was recorded. With
    `dotted`, lines after the first three are drawn dotted (a breakdown of the first)."""
    axes = figure.add_subplot(1, 1, 1)
    drawn = False
    for index, (key, label) in enumerate(lines):
        x, y = series(steps, key)
        if y:
            style = ":" if dotted and index >= 3 else "-"
            axes.plot(x, smooth(y, smoothing_window(steps)), style, label=label)
            drawn = True
    if not drawn:
        return empty_axes(axes, missing)
    axes.set_xlabel("self-play step")
    axes.set_ylim(-0.02, 1.02)
    axes.legend(fontsize=8)


def _samples(problems, per_stage: int = 5) -> str:
    rows = [row for row in problems if row["role"] == "solver"] if len(problems) else []
    if not rows:
        return "<p>No problems recorded yet.</p>"
    steps = sorted({row["step"] for row in rows})
    stages = {"early": steps[0], "middle": steps[len(steps) // 2], "late": steps[-1]}
    parts = []
    for stage, step in stages.items():
        chosen = [row for row in rows if row["step"] == step][:per_stage]
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in (
                row["problem"], row["truth"], row["label"], json.dumps(row["extracted"]),
                json.dumps(row["rewards"]), row["solve_rate"])) + "</tr>"
            for row in chosen)
        parts.append(f"<h3>{stage} (step {step})</h3><table><tr><th>problem</th><th>truth</th><th>label</th>"
                     f"<th>answers</th><th>rewards</th><th>solve rate</th></tr>{body}</table>")
    return "\n".join(parts)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 900px; margin: 2em auto; color: #222; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin-bottom: 1em; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; text-align: left; }}
li.warning {{ color: #b00; font-weight: bold; }}
pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.8em; }}
</style></head>
<body>
<h1>{title}</h1>
<p>{steps} steps recorded; the run is {status}.</p>
{body}
<h2>Config</h2>
<pre>{config}</pre>
</body></html>
"""
