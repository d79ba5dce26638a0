"""`selfplay report`: every plot drawn from a short real run, in PNG files and one self-contained HTML page."""

from __future__ import annotations

import base64
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from selfplay.cli import main
from selfplay.errors import ConfigError
from selfplay.report import PLOTS, build_report
from tests.conftest import WARM_START

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: dict[str, bytes] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and attrs.get("src", "").startswith("data:image/png;base64,"):
            self.images[attrs["id"]] = base64.b64decode(attrs["src"].split(",", 1)[1])


@pytest.fixture(scope="module")
def short_run(tmp_path_factory, warm_cache):
    output = tmp_path_factory.mktemp("report") / "run"
    overrides = ["schedule.steps=6", "schedule.proposer_every=2", "model.shared=true",
                 *WARM_START, f"model.warm_start.cache_dir={warm_cache}",
                 "solver.per_device_train_batch_size=16", "solver.num_generations=4",
                 "proposer.per_device_train_batch_size=16", "proposer.num_generations=4", "evaluation.every=3",
                 "evaluation.per_bucket=20", "evaluation.max_difficulty=3",
                 f"evaluation.cache_dir={output.parent / 'eval'}", f"run.output_dir={output}"]
    assert main(["train", *overrides, "--no-progress"]) == 0
    return output


def test_every_plot_is_written_and_embedded(short_run):
    page = build_report(short_run)
    for name, _ in PLOTS:
        png = (short_run / "report" / f"{name}.png").read_bytes()
        assert png.startswith(PNG_SIGNATURE) and len(png) > 5_000, name  # a drawn plot, not an empty canvas
    parser = Images()
    parser.feed(page.read_text())
    assert set(parser.images) == {name for name, _ in PLOTS}
    assert all(image.startswith(PNG_SIGNATURE) for image in parser.images.values())
    text = page.read_text()
    assert "early (step 1)" in text and "late (step 6)" in text and "the run is finished" in text


def test_report_of_an_interrupted_run(short_run, tmp_path):
    copy = tmp_path / "interrupted"
    shutil.copytree(short_run, copy)
    (copy / "summary.json").unlink()
    with (copy / "metrics.jsonl").open("a") as stream:
        stream.write('{"step": 7, "proposer/val')  # killed mid-line
    page = build_report(copy)
    assert "still running or interrupted" in page.read_text()
    assert all((copy / "report" / f"{name}.png").stat().st_size > 5_000 for name, _ in PLOTS)


def test_report_of_a_folder_that_is_no_run(tmp_path, capsys):
    with pytest.raises(ConfigError, match="not a run directory"):
        build_report(tmp_path)
    assert main(["report", str(tmp_path)]) == 2


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no headless browser installed")
def test_report_renders_in_a_headless_browser(short_run, tmp_path):
    page = build_report(short_run)
    screenshot = tmp_path / "page.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,3000",
                    f"--screenshot={screenshot}", page.as_uri()], check=True, timeout=120, capture_output=True)
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE) and screenshot.stat().st_size > 50_000


def test_the_warm_start_section_plots_every_difficulty_checked_and_warns_of_a_miss(tmp_path, monkeypatch):
    # A measured warm start's record: difficulty 1 alone (its checks skip difficulty 2), then both, and a target
    # missed at the step limit. The section says so, and the plot draws both difficulties over the steps each was
    # checked.
    import json

    import matplotlib.axes

    from selfplay.report import _warm_start_section
    from selfplay.warmstart import WARM_START_FILE

    checks = [{"step": 5, "accuracy": {"1d": 0.4}}, {"step": 10, "accuracy": {"1d": 0.96}},
              {"step": 15, "accuracy": {"1d": 0.97, "2d": 0.1}}, {"step": 20, "accuracy": {"1d": 0.98, "2d": 0.2}}]
    from dataclasses import asdict

    from selfplay.config import WarmStartConfig

    record = {**asdict(WarmStartConfig(steps=20)), "roles": ["solver"], "seed": 0,
              "steps_used": 20, "target_met": False, "checks": checks, "check": checks[-1], "cached": False,
              "cache": "somewhere", "stages": [{"difficulty": 1, "target": 0.95, "steps": 10, "met": True},
                                               {"difficulty": 2, "target": 0.5, "steps": 10, "met": False}]}
    (tmp_path / WARM_START_FILE).write_text(json.dumps({"solver": record}))
    drawn = {}
    plot = matplotlib.axes.Axes.plot

    def remember(axes, steps, values, **kwargs):
        drawn[kwargs["label"]] = (list(steps), list(values))
        return plot(axes, steps, values, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "plot", remember)
    (tmp_path / "report").mkdir()
    section = _warm_start_section(tmp_path, tmp_path / "report")
    assert drawn == {"1d": ([5, 10, 15, 20], [0.4, 0.96, 0.97, 0.98]), "2d": ([15, 20], [0.1, 0.2])}
    assert 'class="warning"' in section and "missed its target: difficulty 2 at 20% after 20 steps" in section
    assert (tmp_path / "report" / "warm_start.png").read_bytes().startswith(PNG_SIGNATURE)
