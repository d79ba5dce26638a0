"""Shared fixtures: tiny configs that run the whole loop on a CPU in seconds, offline."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def warm_cache(tmp_path_factory) -> str:
    """One warm-start cache for the whole session: the first run trains it, later runs load it."""
    return str(tmp_path_factory.mktemp("warm_start_cache"))


@pytest.fixture
def tiny_overrides(tmp_path, warm_cache) -> list[str]:
    """A self-play run of a few steps: 4 problems x 4 answers per solver phase, the proposer trained every 2nd
    step, after a short warm start (enough for the proposer to write valid problems). Shared weights, unlike the
    embedded default: one model to warm-start is faster; tests of separate weights say so."""
    return [
        "schedule.steps=4",
        "schedule.proposer_every=2",
        "model.shared=true",
        "model.warm_start.steps=250",
        "model.warm_start.lr_scheduler_type=cosine",
        "model.warm_start.batch_size=32",
        f"model.warm_start.cache_dir={warm_cache}",
        "solver.per_device_train_batch_size=16",
        "solver.num_generations=4",
        "proposer.per_device_train_batch_size=16",
        "proposer.num_generations=4",
        f"run.output_dir={tmp_path / 'run'}",
        f"evaluation.cache_dir={tmp_path / 'eval'}",
        "evaluation.per_bucket=20",
        "evaluation.max_difficulty=3",
    ]
