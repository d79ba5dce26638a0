"""Shared fixtures: tiny configs that run the whole loop on a CPU in seconds, offline."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

import pytest  # noqa: E402

# The tiny runs' warm start, every setting that shapes it written out rather than taken from the embedded default
# (which may change): 250 steps of batch 32 at 3e-3 on a cosine decay after 25 warm-up steps, with PyTorch's
# AdamW betas. Enough for the proposer to write valid problems. test_report.py and test_distributed.py use it too,
# so that one cached warm start serves most of the suite.
WARM_START = [
    "model.warm_start.steps=250",
    "model.warm_start.proposer_steps=250",  # the proposer's own warm start, with separate weights
    "model.warm_start.batch_size=32",
    "model.warm_start.learning_rate=3e-3",
    "model.warm_start.lr_scheduler_type=cosine",
    "model.warm_start.warmup_steps=25",
    "model.warm_start.adam_beta2=0.999",
    "model.warm_start.min_difficulty=1",
    "model.warm_start.max_difficulty=3",
    "model.warm_start.proposer_max_difficulty=4",
    "model.warm_start.proposer_share=0.25",
    "model.warm_start.hint_share=0",
    # no checks, no target, no weight averaging: a fixed number of steps (the embedded default measures instead)
    "model.warm_start.check_every=0",
    "model.warm_start.target_accuracy=null",
    "model.warm_start.average_decay=null",
]


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
        *WARM_START,
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


# ---------------------------------------------------------------------------------------------------------------
# when GRPO moves the weights: what a test of "the weights changed" may expect, whatever was sampled


def learning_signal(rewards: list[float | None]) -> bool:
    """Whether one GRPO group gives a gradient: two of its scored rewards differ. Equal rewards give every
    completion an advantage of exactly 0; an unscored one (None) gets 0 whatever the others get.

    >>> [learning_signal(group) for group in ([1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, None, None, None])]
    [True, False, False]
    """
    return len({reward for reward in rewards if reward is not None}) > 1


def learning_signals(path, role: str, steps: int, group_size: int = 4) -> list[bool | None]:
    """For each step 1..`steps`, whether `role`'s GRPO phase had a learning signal (None: no phase that step),
    read from the run's records: the solver's rows are its groups, the proposer's trained completions come in
    groups of `group_size` (TRL samples each prompt's group together)."""
    from selfplay.rundir import load_problems

    rows = load_problems(path).filter(lambda row: row["role"] == role and row["trained"]).to_list()
    signals = []
    for step in range(1, steps + 1):
        if role == "solver":
            groups = [row["rewards"] for row in rows if row["step"] == step]
        else:
            rewards = [row["proposer_reward"] for row in rows if row["step"] == step]
            groups = [rewards[start:start + group_size] for start in range(0, len(rewards), group_size)]
        signals.append(any(learning_signal(group) for group in groups) if groups else None)
    return signals


def adam_moves(signals: list[bool | None]) -> list[bool]:
    """Whether a fresh AdamW optimizer without weight decay moves the weights at each of its steps, given whether
    each had a learning signal (None: no step taken, so no move). The weights stay exactly where they are until the
    first step with a signal and move at every step taken after it, signal or not: Adam's momentum moves them.

    >>> adam_moves([False, None, True, False, None, False])
    [False, False, True, True, False, True]
    """
    seen, moves = False, []
    for signal in signals:
        seen = seen or bool(signal)
        moves.append(signal is not None and seen)
    return moves


def pytest_configure(config):
    """On a machine that cannot isolate programs (no bubblewrap, no namespaces), the code verifier refuses to
    start unless told `isolation: best_effort`. The suite tells it so there, in this process, and says so once:
    the verifier's other behaviour is still tested, and the escape tests skip (they need the isolation)."""
    import functools

    from selfplay import sandbox

    problem = sandbox.isolation_problem()
    if problem is not None:
        import verifiers.code

        build = verifiers.code.CodeVerifier.__init__
        verifiers.code.CodeVerifier.__init__ = functools.partialmethod(build, isolation="best_effort")
        sandbox.run_program.__defaults__ = (None, False)  # limits=None, isolated=False
        print(f"\nselfplay tests: the code verifier runs without isolation here ({problem})")
