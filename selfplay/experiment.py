"""`selfplay experiment`: every method of `experiment.methods` on otherwise identical settings, then compared.

    OUTPUT/<method>/                  one run per method (run.seed), or with `experiment.seeds`
    OUTPUT/<method>/seed-<seed>/      one per method and seed
    OUTPUT/comparison/                selfplay compare's table and plots of all of them
    OUTPUT/logs/<run>.log             with --jobs: what each run printed

A run that finished before (summary.json) is reused and one that was interrupted is resumed, so an experiment picks
up where it stopped. Runs of one seed share its warm start through the cache. With `jobs` > 1 the runs go that
many at a time, each in its own process with its share of the cores; a seed's first run goes before its others,
so that they find its warm start cached instead of each training it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selfplay.config import SelfPlayConfig, dump_config, load_config
from selfplay.errors import ConfigError


@dataclass
class PlannedRun:
    method: str
    seed: int
    folder: Path
    overrides: list[str]  # on top of the experiment's own: the method, the seed, the folder
    config: SelfPlayConfig

    @property
    def finished(self) -> bool:
        return (self.folder / "summary.json").is_file()

    @property
    def stopped(self) -> bool:
        """Started before and interrupted: it is continued."""
        return not self.finished and (self.folder / "config.yaml").is_file()


def plan(path: str | None, overrides: list[str]) -> tuple[Path, list[PlannedRun]]:
    """The experiment's folder and its runs, seed by seed, every config checked before anything runs (and an
    interrupted run's config compared with what it would be now)."""
    config = load_config(path, overrides)
    output = Path(config.run.output_dir or f"runs/experiment-{time.strftime('%Y%m%d-%H%M%S')}")
    seeds = config.experiment.seeds or [config.run.seed]
    runs = []
    for seed in seeds:
        for method in config.experiment.methods:
            folder = output / method / f"seed-{seed}" if config.experiment.seeds else output / method
            own = [f"run.seed={seed}", f"method.name={method}", f"run.output_dir={folder}"]
            runs.append(PlannedRun(method, seed, folder, own, load_config(path, [*overrides, *own])))
    for run in runs:
        if run.stopped and dump_config(load_config(run.folder / "config.yaml")) != dump_config(run.config):
            raise ConfigError(f"{run.folder} was started with other settings than these; continue it alone with "
                              f"selfplay train --resume {run.folder}, or choose another run.output_dir")
    return output, runs


def run_experiment(path: str | None, overrides: list[str], progress: bool = True, jobs: int = 1,
                   on_finished: Callable[[dict[str, Any], Path], None] | None = None) -> dict[str, Any]:
    """Train every planned run that has not finished, then compare them all; returns `compare_runs`' result.
    `on_finished(summary, folder)` is called after each run trained in this process (jobs = 1)."""
    from selfplay.compare import compare_runs

    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    output, runs = plan(path, overrides)
    for run in runs:
        if run.finished:
            _say(f"{_name(output, run)}: finished before, reused ({run.folder})")
    todo = [run for run in runs if not run.finished]
    if jobs == 1:
        for run in todo:
            summary = _train_here(output, run, progress)
            if on_finished:
                on_finished(summary, run.folder)
    else:
        failed = _train_in_processes(output, path, overrides, todo, jobs)
        if failed:
            raise ConfigError(f"{len(failed)} of {len(todo)} runs failed; see " +
                              ", ".join(str(output / "logs" / f"{_log_name(output, run)}.log") for run in failed))
    return compare_runs([run.folder for run in runs], output / "comparison")


def _train_here(output: Path, run: PlannedRun, progress: bool) -> dict[str, Any]:
    from selfplay.loop import train
    from selfplay.rundir import RunDir

    _say(f"{_name(output, run)}: {'resuming' if run.stopped else 'writing'} the run in {run.folder}")
    run_dir = RunDir.open_existing(run.folder) if run.stopped else RunDir.create(run.folder)
    return train(run.config, run_dir, progress=progress, resume=run.stopped)


def _train_in_processes(output: Path, path: str | None, overrides: list[str], todo: list[PlannedRun],
                        jobs: int) -> list[PlannedRun]:
    """Each run as `selfplay train` in a process of its own, `jobs` at a time, each with its share of the cores
    (unless OMP_NUM_THREADS says otherwise); returns the runs that failed."""
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS",
                                                            str(max(1, (os.cpu_count() or 1) // jobs)))}
    (output / "logs").mkdir(parents=True, exist_ok=True)
    first_of_seed: dict[int, threading.Event] = {}
    for run in todo:
        first_of_seed.setdefault(run.seed, threading.Event())
    firsts = {id(next(run for run in todo if run.seed == seed)) for seed in first_of_seed}

    def train(run: PlannedRun) -> bool:
        if id(run) not in firsts:
            first_of_seed[run.seed].wait()  # its seed's warm start is cached by then
        command = [sys.executable, "-m", "selfplay.cli", "train", "--no-progress"]
        command += ["--resume", str(run.folder)] if run.stopped else \
            [*([path] if path else []), *overrides, *run.overrides]
        _say(f"{_name(output, run)}: {'resuming' if run.stopped else 'writing'} the run in {run.folder}")
        try:
            with (output / "logs" / f"{_log_name(output, run)}.log").open("w") as log:
                code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
        finally:  # failed or not, the seed's other runs go on (a failed first leaves them to warm-start)
            if id(run) in firsts:
                first_of_seed[run.seed].set()
        _say(f"{_name(output, run)}: {'finished' if code == 0 else f'failed (exit code {code})'}")
        return code == 0

    # Every seed's first run is queued before any other, so no run waits for one that has not started.
    order = [run for run in todo if id(run) in firsts] + [run for run in todo if id(run) not in firsts]
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(train, order))
    return [run for run, ok in zip(order, results) if not ok]


def _name(output: Path, run: PlannedRun) -> str:
    return str(run.folder.relative_to(output))


def _log_name(output: Path, run: PlannedRun) -> str:
    return _name(output, run).replace("/", "-")


def _say(line: str) -> None:
    print(f"selfplay: {line}", file=sys.stderr, flush=True)
