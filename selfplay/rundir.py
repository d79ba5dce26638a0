"""The run directory: the resolved config, `metrics.jsonl`, problem records as Parquet shards, checkpoints.

    RUN_DIR/
      config.yaml               the resolved config of the run
      metrics.jsonl             one JSON object per step, role-prefixed keys (`proposer/reward_mean`, ...)
      problems/shard-00000.parquet ...   every proposed problem with answers, verdicts and rewards
      checkpoints/step-000100/{model | proposer, solver}/   save_pretrained folders
      summary.json              written when the run ends
      .lock                     locked (flock) while a process trains in the folder

Files are written to a temporary name and renamed into place, so a reader never sees a half-written one;
`metrics.jsonl` is appended to line by line instead, and readers skip a partial last line.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Dataset, Features, List, Value

from selfplay.distributed import from_main, is_main
from selfplay.errors import ConfigError

# The schema of a problem record; fixed so that every shard has the same columns and types.
RECORD_FEATURES = Features(
    {
        "step": Value("int64"),
        "role": Value("string"),  # "proposer": one proposer completion; "solver": one problem the solver trained on
        "trained": Value("bool"),  # whether this record was part of a training batch of its role
        "completion": Value("string"),  # the proposer's completion (proposer records)
        "valid": Value("bool"),
        "problem": Value("string"),
        "features": Value("string"),  # the task's problem features, as JSON
        "difficulty": Value("int64"),
        "answers": List(Value("string")),  # the solver's completions
        "extracted": List(Value("string")),  # the final answer extracted from each, null if none
        "rewards": List(Value("float64")),  # the verifier's reward for each, null if it could not judge
        "label": Value("string"),  # the answer the verifier believed
        "truth": Value("string"),  # the ground truth, where the task can state it (for measuring the verifier)
        "status": Value("string"),  # the verdict's status
        "solve_rate": Value("float64"),
        "proposer_reward": Value("float64"),
    }
)
_RECORD_SCHEMA = RECORD_FEATURES.arrow_schema


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        # With several processes only the main one writes; the others' records reach it through the loop.
        self.writer = is_main()
        self.metrics_path = self.path / "metrics.jsonl"
        self.problems_path = self.path / "problems"
        self.checkpoints_path = self.path / "checkpoints"
        self._pending: list[dict[str, Any]] = []
        self._shards = len(list(self.problems_path.glob("shard-*.parquet"))) if self.problems_path.is_dir() else 0

    @classmethod
    def create(cls, path: str | Path) -> RunDir:
        """A new run directory; an existing non-empty one is refused, never overwritten. With several processes
        the main one creates it and every process gets its answer."""
        return _on_main(cls._create, Path(path))

    @classmethod
    def open_existing(cls, path: str | Path) -> RunDir:
        """A run directory to resume: it must hold the run's config.yaml and not be finished."""
        return _on_main(cls._open_existing, Path(path))

    @classmethod
    def _create(cls, path: Path) -> RunDir:
        refusal = (f"run directory {path} already exists and is not empty; choose another run.output_dir, or "
                   f"continue it with: selfplay train --resume {path}")
        if path.exists() and not _unused(path):
            raise ConfigError(refusal)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(f"cannot create run directory {path}: {error.strerror or error}") from None
        _lock(path)
        if not _unused(path):  # another process started in it between the look and the lock
            unlock(path)
            raise ConfigError(refusal)
        try:
            (path / "problems").mkdir(exist_ok=True)
        except OSError as error:
            unlock(path)
            raise ConfigError(f"cannot create run directory {path}: {error.strerror or error}") from None
        return cls(path)

    @classmethod
    def _open_existing(cls, path: Path) -> RunDir:
        if not (path / "config.yaml").is_file():
            raise ConfigError(f"{path} is not a run directory (no config.yaml)")
        if (path / "summary.json").is_file():
            raise ConfigError(f"the run in {path} has finished (summary.json); there is nothing to resume")
        if not os.access(path, os.W_OK):
            raise ConfigError(f"run directory {path} is not writable")
        _lock(path)
        (path / "problems").mkdir(exist_ok=True)
        return cls(path)

    def unlock(self) -> None:
        """Let other processes train in this folder again (the lock also goes when this process ends)."""
        unlock(self.path)

    def discard(self, created: bool) -> None:
        """Undo a start that failed before its first step was logged: the folder is removed if this run created
        it (`created`), else emptied, so that the corrected command is accepted; then it is unlocked."""
        if self.writer:
            if created:
                shutil.rmtree(self.path, ignore_errors=True)
            else:
                for entry in self.path.iterdir():
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink(missing_ok=True)
        self.unlock()

    @property
    def shard_count(self) -> int:
        return self._shards

    def roll_back(self, step: int, shards: int) -> None:
        """Forget everything written after step `step`: later metric lines (and a half-written last line), problem
        shards from the `shards`-th on, later or half-written checkpoints (never the step-0 one, which may hold
        the run's starting weights), buffered records."""
        self._shards, self._pending = shards, []
        if not self.writer:
            return
        if self.metrics_path.is_file():
            kept = [line for line in self.metrics_path.read_text().splitlines() if _step_of(line) is not None
                    and _step_of(line) <= step]
            _atomic_write(self.metrics_path, "".join(f"{line}\n" for line in kept))
        for shard in self.problems_path.glob("shard-*.parquet*"):
            index = shard.name.removeprefix("shard-").split(".")[0]
            if shard.name.endswith(".tmp") or not index.isdigit() or int(index) >= shards:
                shard.unlink()
        if self.checkpoints_path.is_dir():
            for folder in self.checkpoints_path.iterdir():
                number = folder.name.removeprefix("step-")
                if folder.name.startswith(".") or (number.isdigit() and int(number) > max(step, 0)):
                    shutil.rmtree(folder, ignore_errors=True)

    def write_text(self, name: str, text: str) -> None:
        if not self.writer:
            return
        _atomic_write(self.path / name, text)

    def write_json(self, name: str, data: Any) -> None:
        self.write_text(name, json.dumps(finite(data), indent=2) + "\n")

    def log_metrics(self, metrics: dict[str, Any]) -> None:
        if not self.writer:
            return
        with self.metrics_path.open("a") as stream:
            stream.write(json.dumps(finite(metrics)) + "\n")

    def add_records(self, records: list[dict[str, Any]]) -> None:
        if not self.writer:
            return
        self._pending.extend(records)

    def flush_records(self) -> None:
        """Write the buffered records as the next Parquet shard."""
        if not self.writer or not self._pending:
            return
        # Written with pyarrow in the records' schema (`load_problems` reads it back as a `datasets.Dataset`):
        # `Dataset.from_list` would encode every row and hash the whole table first, for nothing.
        table = pa.Table.from_pylist(self._pending, schema=_RECORD_SCHEMA)
        target = self.problems_path / f"shard-{self._shards:05d}.parquet"
        staging = target.with_suffix(".parquet.tmp")
        pq.write_table(table, staging)
        os.replace(staging, target)
        self._shards += 1
        self._pending = []

    def checkpoint_dir(self, step: int) -> Path:
        return self.checkpoints_path / f"step-{step:06d}"


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The metrics of a run, one dict per step (a run still going may have a partial last line: it is skipped)."""
    lines = (Path(path) / "metrics.jsonl").read_text().splitlines()
    metrics = []
    for line in lines:
        try:
            metrics.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return metrics


def load_problems(path: str | Path) -> Dataset:
    """All problem records of a run as one `datasets.Dataset`."""
    shards = sorted(str(p) for p in (Path(path) / "problems").glob("shard-*.parquet"))
    if not shards:
        return Dataset.from_list([], features=RECORD_FEATURES)
    return Dataset.from_parquet(shards, features=RECORD_FEATURES)


# The lock file of a run directory. A process that trains in a folder holds an exclusive flock on it, so a second
# `train` or `train --resume` there is refused instead of writing every step twice. The kernel drops the lock when
# the process ends, however it ends, so a crashed run never leaves a stale lock behind.
LOCK_FILE = ".lock"
_HELD: dict[Path, int] = {}  # the run directories this process holds, by resolved path: the lock files' descriptors


def _lock(path: Path) -> None:
    """Lock run directory `path` for this process (again: nothing to do), or raise ConfigError if another holds
    it. A file system without locks (some network ones) is used unlocked."""
    key = path.resolve()
    if key in _HELD:
        return
    try:
        descriptor = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise ConfigError(f"cannot lock run directory {path}: {error.strerror or error}") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(descriptor, 32).decode(errors="replace").strip()
        os.close(descriptor)
        raise ConfigError(f"run directory {path} is in use by another selfplay process"
                          f"{f' (pid {holder})' if holder.isdigit() else ''}; wait for it to finish or stop it, "
                          "or choose another run.output_dir") from None
    except OSError:
        os.close(descriptor)
        return
    os.ftruncate(descriptor, 0)
    os.write(descriptor, f"{os.getpid()}\n".encode())
    _HELD[key] = descriptor


def unlock(path: str | Path) -> None:
    """Release this process's lock on run directory `path`, if it holds one."""
    descriptor = _HELD.pop(Path(path).resolve(), None)
    if descriptor is not None:
        os.close(descriptor)


def _unused(path: Path) -> bool:
    """Whether `path` is a folder a new run may start in: empty, or holding only what a start that was killed
    leaves (the lock file, an empty problems/)."""
    if not path.is_dir():
        return False
    for entry in path.iterdir():
        if entry.name == LOCK_FILE and entry.is_file():
            continue
        if entry.name == "problems" and entry.is_dir() and not any(entry.iterdir()):
            continue
        return False
    return True


def _on_main(make: Any, path: Path) -> RunDir:
    """`make(path)` on the main process; the others wait for it and open the same folder, or raise its error."""
    error = None
    if is_main():
        try:
            make(path)
        except ConfigError as raised:
            error = str(raised)
    error = from_main(error)
    if error is not None:
        raise ConfigError(error)
    return RunDir(path)


def _step_of(line: str) -> int | None:
    """The step of one metrics line, None for a line that is not a whole JSON object with a step."""
    try:
        step = json.loads(line).get("step")
    except (json.JSONDecodeError, AttributeError):
        return None
    return step if isinstance(step, int) else None


def _atomic_write(path: Path, text: str) -> None:
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(text)
    os.replace(staging, path)


def finite(value: Any) -> Any:
    """JSON has no NaN or infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value
