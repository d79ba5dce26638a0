"""Run the embedded default (or any config) and print its figures: wall time, peak memory, held-out accuracy per
bucket before and after self-play, and the curriculum; then one JSON line for machines.

    python benchmarks/default_run.py [--cold] [CONFIG] [section.key=value ...]

--cold warm-starts from scratch (a fresh cache), so the wall time includes the warm start, as a first run's does.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile

from selfplay.cli import format_summary
from selfplay.config import load_config
from selfplay.loop import train
from selfplay.rundir import RunDir


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold", action="store_true", help="warm-start from scratch instead of from the cache")
    parser.add_argument("args", nargs="*", help="[CONFIG] [section.key=value ...]")
    args = parser.parse_args()
    paths = [a for a in args.args if "=" not in a]
    overrides = [a for a in args.args if "=" in a]
    scratch = tempfile.mkdtemp(prefix="selfplay-benchmark-")
    if args.cold:
        overrides.append(f"model.warm_start.cache_dir={scratch}/warm_start")
    config = load_config(paths[0] if paths else None, overrides)
    run_dir = RunDir.create(config.run.output_dir or f"{scratch}/run")
    summary = train(config, run_dir)
    print(format_summary(summary, run_dir.path))
    print(json.dumps({
        "benchmark": "default_run",
        "config": paths[0] if paths else "default",
        "overrides": overrides,
        "cold_warm_start": args.cold,
        "wall_seconds": round(summary["wall_seconds"], 1),
        "peak_memory_mb": round(summary["peak_memory_mb"]),
        "accuracy_start": summary["evaluation"]["start"]["accuracy"],
        "accuracy_end": summary["evaluation"]["end"]["accuracy"],
    }))


if __name__ == "__main__":
    main()
