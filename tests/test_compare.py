"""`selfplay compare`: hand-written run directories, where every number in the table can be worked out by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from selfplay.cli import main
from selfplay.compare import compare_runs, solver_range
from selfplay.errors import ConfigError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def write_run(folder: Path, summary: dict, metrics: list[dict]) -> Path:
    folder.mkdir(parents=True)
    (folder / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in metrics))
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "config.yaml").write_text(f"schedule:\n  steps: {summary['steps']}\n")
    return folder


def eval_line(step: int, accuracy: dict[str, float]) -> dict:
    return {"step": step, **{f"eval/accuracy/{bucket}": value for bucket, value in accuracy.items()}}


# Self-play, shared weights warm-started on 1d-2d: 10 steps, evaluated at 0, 5 and 10.
SELFPLAY_START = {"1d": 0.5, "2d": 0.3, "3d": 0.1, "4d": 0.0}
SELFPLAY_END = {"1d": 0.9, "2d": 0.7, "3d": 0.4, "4d": 0.2}


def selfplay_run(folder: Path) -> Path:
    metrics = [eval_line(0, SELFPLAY_START)]
    for step in range(1, 11):
        line = {"step": step, "instruments/response_chars": 10.0 * step, "instruments/epistemic_share": step / 20,
                "instruments/format_entropy": 1.0, "verifier/precision": step / 10, "solver/accuracy": 0.5}
        if step == 5:
            line.update(eval_line(5, {"1d": 0.7, "2d": 0.5, "3d": 0.2, "4d": 0.1}))
        if step == 10:
            line.update(eval_line(10, SELFPLAY_END))
        metrics.append(line)
    summary = {
        "method": "selfplay", "steps": 10, "wall_seconds": 1234.5,
        "warm_start": {"steps": 900, "min_difficulty": 1, "max_difficulty": 2, "proposer_max_difficulty": 3},
        "evaluation": {"start": {"accuracy": SELFPLAY_START, "count": dict.fromkeys(SELFPLAY_START, 100)},
                       "end": {"accuracy": SELFPLAY_END, "maj@8": {"1d": 1.0, "2d": 0.8, "3d": 0.5, "4d": 0.1},
                               "pass@8": {"1d": 1.0, "2d": 1.0, "3d": 0.9, "4d": 0.5},
                               "count": dict.fromkeys(SELFPLAY_END, 100)}},
        "budget": {"sampled_answers": 19200, "optimizer_steps": 300},
    }
    return write_run(folder, summary, metrics)


def distill_run(folder: Path) -> Path:
    """Self-distillation with separate weights, the solver warm-started on 1d-3d; 5 steps; no verifier."""
    start, end = {"1d": 0.6, "2d": 0.4, "3d": 0.2, "4d": 0.1}, {"1d": 0.8, "2d": 0.6, "3d": 0.4, "4d": 0.3}
    metrics = [eval_line(0, start)] + [
        {"step": step, "instruments/response_chars": 100.0 + step, "instruments/unique_answers": 0.25}
        for step in range(1, 6)]
    metrics[-1].update(eval_line(5, end))
    summary = {
        "method": "self_distill", "steps": 5, "wall_seconds": 60.0,
        "warm_start": {"proposer": {"steps": 500, "min_difficulty": 1, "max_difficulty": 4},
                       "solver": {"steps": 500, "min_difficulty": 1, "max_difficulty": 3}},
        "evaluation": {"start": {"accuracy": start, "count": dict.fromkeys(start, 50)},
                       "end": {"accuracy": end, "count": dict.fromkeys(end, 50)}},
        "budget": {"trained_examples": 12000},
    }
    return write_run(folder, summary, metrics)


def old_run(folder: Path) -> Path:
    """A run from before methods and budgets were recorded, without a warm start: 1 step."""
    start, end = {"1d": 0.2, "2d": 0.0}, {"1d": 0.4, "2d": 0.1}
    metrics = [eval_line(0, start), {"step": 1, **eval_line(1, end), "verifier/precision": 0.75}]
    summary = {"steps": 1, "wall_seconds": 5.0, "warm_start": {"steps": 0},
               "evaluation": {"start": {"accuracy": start, "count": {"1d": 9, "2d": 9}},
                              "end": {"accuracy": end, "count": {"1d": 9, "2d": 9}}}}
    return write_run(folder, summary, metrics)


@pytest.fixture
def runs(tmp_path) -> list[Path]:
    return [selfplay_run(tmp_path / "sp"), distill_run(tmp_path / "distill"), old_run(tmp_path / "old")]


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> dict[str, dict]:
    """The rows of the three runs by name, compared once for the whole table of cases (plots take a while)."""
    folder = tmp_path_factory.mktemp("compare")
    runs = [selfplay_run(folder / "sp"), distill_run(folder / "distill"), old_run(folder / "old")]
    return {row["run"]: row for row in compare_runs(runs, folder / "out")["rows"]}


EXPECTED_COLUMNS = [
    "run", "method", "steps", "budget/sampled_answers", "budget/optimizer_steps", "budget/trained_examples",
    "wall_seconds", "in_distribution",
    "accuracy/in/start", "accuracy/in/end", "accuracy/out/start", "accuracy/out/end",
    "maj@8/in/start", "maj@8/in/end", "maj@8/out/start", "maj@8/out/end",
    "pass@8/in/start", "pass@8/in/end", "pass@8/out/start", "pass@8/out/end",
    # instruments in their fixed order, then the verifier and the solver
    "late/instruments/response_chars", "late/instruments/epistemic_share", "late/instruments/unique_answers",
    "late/instruments/format_entropy", "late/verifier/precision", "late/solver/accuracy",
]


@pytest.mark.parametrize("run, column, expected", [
    ("sp", "method", "selfplay"),
    ("sp", "in_distribution", "1d-2d"),
    ("sp", "budget/sampled_answers", 19200),
    ("sp", "budget/trained_examples", None),
    ("sp", "wall_seconds", 1234.5),
    # in: 1d, 2d; out: 3d, 4d
    ("sp", "accuracy/in/start", (0.5 + 0.3) / 2),
    ("sp", "accuracy/out/start", (0.1 + 0.0) / 2),
    ("sp", "accuracy/in/end", (0.9 + 0.7) / 2),
    ("sp", "accuracy/out/end", (0.4 + 0.2) / 2),
    ("sp", "maj@8/in/end", (1.0 + 0.8) / 2),
    ("sp", "maj@8/out/end", (0.5 + 0.1) / 2),
    ("sp", "pass@8/out/end", (0.9 + 0.5) / 2),
    # the last 20% of 10 steps: steps 9 and 10
    ("sp", "late/instruments/response_chars", (90 + 100) / 2),
    ("sp", "late/instruments/epistemic_share", (9 / 20 + 10 / 20) / 2),
    ("sp", "late/verifier/precision", (0.9 + 1.0) / 2),
    ("sp", "late/instruments/unique_answers", None),
    # the solver's range is used, not the proposer's: in 1d-3d, out 4d
    ("distill", "method", "self_distill"),
    ("distill", "in_distribution", "1d-3d"),
    ("distill", "accuracy/in/start", (0.6 + 0.4 + 0.2) / 3),
    ("distill", "accuracy/out/end", 0.3),
    ("distill", "maj@8/in/end", None),
    ("distill", "budget/trained_examples", 12000),
    ("distill", "budget/sampled_answers", None),
    # the last 20% of 5 steps: step 5 only
    ("distill", "late/instruments/response_chars", 105.0),
    ("distill", "late/verifier/precision", None),
    # no method recorded: self-play; no warm start: every bucket is in-distribution
    ("old", "method", "selfplay"),
    ("old", "in_distribution", "unknown"),
    ("old", "accuracy/in/start", 0.1),
    ("old", "accuracy/in/end", 0.25),
    ("old", "accuracy/out/end", None),
    # one step: the last step always counts
    ("old", "late/verifier/precision", 0.75),
])
def test_table_values(rows, run, column, expected):
    assert rows[run][column] == (pytest.approx(expected) if isinstance(expected, float) else expected)


def test_files_and_columns(runs, tmp_path):
    output = tmp_path / "out"
    result = compare_runs(runs, output)
    assert [list(row) for row in result["rows"]] == [EXPECTED_COLUMNS] * 3
    with (output / "compare.csv").open() as stream:
        table = list(csv.DictReader(stream))
    assert list(table[0]) == EXPECTED_COLUMNS
    assert [row["run"] for row in table] == ["sp", "distill", "old"]
    assert float(table[0]["accuracy/out/end"]) == pytest.approx(0.3)
    assert table[2]["accuracy/out/end"] == "" and table[2]["budget/sampled_answers"] == ""

    markdown = (output / "compare.md").read_text()
    lines = markdown.splitlines()
    assert lines[0] == "| " + " | ".join(EXPECTED_COLUMNS) + " |"
    cells = {line.split(" | ")[0].strip("| "): line.strip("| ").split(" | ") for line in lines[2:5]}
    old = dict(zip(EXPECTED_COLUMNS, cells["old"]))
    assert old["accuracy/in/end"] == "0.250" and old["accuracy/out/end"] == "-" and old["method"] == "selfplay"
    assert dict(zip(EXPECTED_COLUMNS, cells["sp"]))["wall_seconds"] == "1234"
    # the run without a warm-start range is named in a note under the table
    assert "No warm-start range is known for old" in markdown

    plots = ["accuracy.png", "end_accuracy_by_bucket.png", "instruments_response_chars.png",
             "instruments_epistemic_share.png", "instruments_unique_answers.png", "instruments_format_entropy.png",
             "verifier_precision.png", "solver_accuracy.png"]
    assert sorted(path.name for path in result["paths"]) == sorted(["compare.md", "compare.csv", *plots])
    for name in plots:
        png = (output / name).read_bytes()
        assert png.startswith(PNG_SIGNATURE) and len(png) > 5_000, name  # a drawn plot, not an empty canvas
    # an instrument no run recorded gets no plot
    assert not (output / "instruments_epistemic_rate.png").exists()


def test_two_folders_of_one_name_are_told_apart_by_path(tmp_path):
    first, second = old_run(tmp_path / "a" / "run"), old_run(tmp_path / "b" / "run")
    rows = compare_runs([first, second], tmp_path / "out")["rows"]
    assert [row["run"] for row in rows] == ["a/run", "b/run"]


def test_cli(runs, tmp_path, capsys):
    output = tmp_path / "comparison"
    assert main(["compare", *map(str, runs), "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("| run | method | steps |")
    assert "| distill | self_distill | 5 |" in printed
    assert f"compare.md, compare.csv and 8 plots written to {output}/" in printed
    assert (output / "compare.csv").is_file()


def test_cli_default_output_is_comparison_in_the_current_folder(runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["compare", str(runs[0])]) == 0
    assert (tmp_path / "comparison" / "compare.md").is_file()


def error_case(tmp_path: Path, case: str) -> list[str]:
    """The arguments of one bad `selfplay compare` call."""
    if case == "no runs":
        return []
    if case == "missing":
        return [str(tmp_path / "nowhere")]
    if case == "empty folder":
        (tmp_path / "empty").mkdir()
        return [str(tmp_path / "empty")]
    run = old_run(tmp_path / "run")
    if case == "still going":
        (run / "summary.json").unlink()
    if case == "no metrics":
        (run / "metrics.jsonl").unlink()
    if case == "broken summary":
        (run / "summary.json").write_text('{"steps": 1, "evalu')
    if case == "twice":
        return [str(run), str(tmp_path / "run" / ".." / "run")]
    return [str(run)]


@pytest.mark.parametrize("case, message", [
    ("no runs", "give at least one run directory to compare"),
    ("missing", "nowhere is not a finished run directory (no metrics.jsonl)"),
    ("empty folder", "empty is not a finished run directory (no metrics.jsonl)"),
    ("no metrics", "run is not a finished run directory (no metrics.jsonl)"),
    ("still going", "run is not a finished run directory: it has metrics.jsonl but no summary.json"),
    ("broken summary", "summary.json is not valid JSON"),
    ("twice", "is given twice"),
])
def test_errors(tmp_path, capsys, case, message):
    arguments = error_case(tmp_path, case)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compare_runs(arguments, tmp_path / "out")
    assert main(["compare", *arguments, "--output", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("selfplay: error: ") and message in error
    assert error.count("\n") == 1  # one line


def test_output_that_is_a_file_is_an_error(runs, tmp_path):
    (tmp_path / "taken").write_text("")
    with pytest.raises(ConfigError, match="is a file"):
        compare_runs(runs, tmp_path / "taken")


@pytest.mark.parametrize("warm_start, expected", [
    ({"steps": 900, "min_difficulty": 1, "max_difficulty": 2}, (1, 2)),
    # separate weights: the solver's range
    ({"proposer": {"steps": 9, "min_difficulty": 1, "max_difficulty": 5},
      "solver": {"steps": 9, "min_difficulty": 2, "max_difficulty": 3}}, (2, 3)),
    # no warm start, or nothing said about the solver: unknown
    ({"steps": 0}, None),
    ({"solver": {"steps": 0}}, None),
    ({"proposer": {"steps": 9, "min_difficulty": 1, "max_difficulty": 5}}, None),
    ({"steps": 9}, None),
    (None, None),
])
def test_solver_range(warm_start, expected):
    assert solver_range(warm_start) == expected


def seeded(folder: Path, seed: int, end_1d: float, chars: float) -> Path:
    """A self-play run of one seed: as `selfplay_run`, with its own seed, end accuracy on 1d and lengths."""
    path = selfplay_run(folder)
    summary = json.loads((path / "summary.json").read_text())
    summary["evaluation"]["end"]["accuracy"] = {**SELFPLAY_END, "1d": end_1d}
    (path / "summary.json").write_text(json.dumps(summary))
    metrics = [json.loads(line) for line in (path / "metrics.jsonl").read_text().splitlines()]
    for line in metrics:
        if "instruments/response_chars" in line:
            line["instruments/response_chars"] = chars
    (path / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in metrics))
    (path / "config.yaml").write_text(f"run:\n  seed: {seed}\n  output_dir: {folder}\nschedule:\n  steps: 10\n")
    return path


def test_runs_alike_but_for_the_seed_are_summed_up_as_one_group(tmp_path):
    runs = [seeded(tmp_path / "selfplay" / f"seed-{seed}", seed, end_1d, chars)
            for seed, end_1d, chars in ((0, 0.9, 10.0), (1, 0.5, 30.0), (2, 0.7, 20.0))]
    runs.append(distill_run(tmp_path / "distill"))
    result = compare_runs(runs, tmp_path / "out")
    assert [row["run"] for row in result["rows"]] == ["seed-0", "seed-1", "seed-2", "distill"]
    group, alone = result["groups"]
    assert (group["group"], group["runs"], alone["group"], alone["runs"]) == ("selfplay", 3, "distill (self_distill)", 1)
    # accuracy/in/end: the mean of 1d and 2d (0.7) per run: 0.8, 0.6, 0.7
    assert (group["accuracy/in/end"], group["accuracy/in/end/min"], group["accuracy/in/end/max"]) == \
        pytest.approx((0.7, 0.6, 0.8))
    assert (group["late/instruments/response_chars"], group["late/instruments/response_chars/min"]) == (20.0, 10.0)
    markdown = (tmp_path / "out" / "compare.md").read_text()
    assert markdown.startswith("Each group of runs alike but for the seed")
    assert "| selfplay | 3 |" in markdown and "0.700 [0.600, 0.800]" in markdown and "Each run:" in markdown
    with (tmp_path / "out" / "groups.csv").open() as stream:
        assert [row["group"] for row in csv.DictReader(stream)] == ["selfplay", "distill (self_distill)"]
    png = (tmp_path / "out" / "instruments_response_chars.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 5_000


def test_runs_of_other_settings_are_not_grouped(tmp_path):
    first, second = seeded(tmp_path / "a", 0, 0.9, 10.0), seeded(tmp_path / "b", 1, 0.5, 30.0)
    (second / "config.yaml").write_text("run:\n  seed: 1\nschedule:\n  steps: 11\n")
    result = compare_runs([first, second], tmp_path / "out")
    assert result["groups"] == [] and not (tmp_path / "out" / "groups.csv").exists()
