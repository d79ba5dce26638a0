"""Where a self-play step's time goes: the proposer writing, the solver answering (one pass, whose answers both
score the proposals and train the solver), verification, the two updates, logging and writes. Runs the embedded
default (or any config) and times each part from the inside.

    python benchmarks/breakdown.py [--steps 30] [CONFIG] [section.key=value ...]

Each part is timed by wrapping the functions that do it, and counts only its own time: parsing the problems and
reading the answers inside generation count as "verification", and everything inside the held-out evaluation is
"evaluation". An update is a role's `train_phase` (TRL's forward and backward passes, log-probabilities, optimizer
step, bookkeeping). "loop, other" is the rest of the loop's wall time. The warm start runs before the first step
and is not counted. Issue #9's goal: verification plus logging and writes at most 5% of a step. Prints a table
and one JSON line. ("scoring generation", the solver's second sampling pass before issue #17, is kept in the table
so that runs of older versions of the project, which have one, line up: it is 0 now.)
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import tempfile
import time
from collections import defaultdict
from typing import Any, Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

# Parts in the order a step runs them; the goal is about the two marked ones.
PARTS = ["proposer generation", "scoring generation", "proposer update", "solver generation", "solver update",
         "verification", "logging and writes", "evaluation", "loop, other"]
GOAL_PARTS = ("verification", "logging and writes")


class Clock:
    """Exclusive time per part: a wrapped call's time, less the time of wrapped calls inside it. Inside an
    `absorbing` part (the evaluation), nested wrapped calls count as that part."""

    def __init__(self, absorbing: tuple[str, ...] = ("evaluation",)):
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.absorbing = absorbing
        self._stack: list[list[Any]] = []  # [part, seconds of nested timed calls]

    def wrap(self, owner: Any, name: str, part: str | Callable[[tuple], str]) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            if self._stack and self._stack[-1][0] in self.absorbing:
                return original(*args, **kwargs)
            label = part(args) if callable(part) else part
            self._stack.append([label, 0.0])
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                _, nested = self._stack.pop()
                self.seconds[label] += elapsed - nested
                self.calls[label] += 1
                if self._stack:
                    self._stack[-1][1] += elapsed

        setattr(owner, name, timed)


def instrument(clock: Clock) -> None:
    import selfplay.loop
    from agents.proposer import Proposer
    from agents.solver import Solver
    from selfplay.session import Session
    from selfplay.trainer import RoleTrainer

    clock.wrap(RoleTrainer, "train_phase", lambda args: f"{args[0].role} update")
    clock.wrap(Proposer, "write", "proposer generation")
    clock.wrap(Solver, "solve", "solver generation")  # the one pass: scores the proposals, trains the solver
    clock.wrap(Proposer, "parse", "verification")
    clock.wrap(Solver, "read", "verification")  # extracting the answers from the solver's completions
    clock.wrap(selfplay.loop, "judge", "verification")  # the verifier on each group, and the truths
    clock.wrap(selfplay.loop, "score_proposals", "verification")
    clock.wrap(Session, "end_step", "logging and writes")
    clock.wrap(Session, "solver_step_metrics", "logging and writes")
    clock.wrap(selfplay.loop, "proposer_metrics", "logging and writes")
    clock.wrap(selfplay.loop, "records", "logging and writes")
    clock.wrap(Session, "evaluate", "evaluation")
    clock.wrap(Session, "save", "logging and writes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("args", nargs="*", help="[CONFIG] [section.key=value ...]")
    args = parser.parse_args()

    from selfplay.config import load_config
    from selfplay.loop import train
    from selfplay.session import Session
    from selfplay.rundir import RunDir

    paths = [a for a in args.args if "=" not in a]
    overrides = [f"schedule.steps={args.steps}", "evaluation.every=0", "run.save_every=0",
                 *(a for a in args.args if "=" in a)]
    config = load_config(paths[0] if paths else None, overrides)
    clock = Clock()
    instrument(clock)
    span: dict[str, float] = {}
    begin, finish = Session.begin, Session.finish

    def timed_begin(self, *a, **k):
        done = begin(self, *a, **k)
        clock.seconds.clear()  # the step-0 evaluation and the first checkpoint come before the loop
        span["start"] = time.perf_counter()
        return done

    def timed_finish(self, *a, **k):
        span["end"] = time.perf_counter()
        return finish(self, *a, **k)

    Session.begin, Session.finish = timed_begin, timed_finish
    run_dir = RunDir.create(tempfile.mkdtemp(prefix="selfplay-breakdown-") + "/run")
    train(config, run_dir, progress=True)

    wall = span["end"] - span["start"]
    seconds = dict(clock.seconds)
    seconds["loop, other"] = wall - sum(seconds.values())
    steps = config.schedule.steps
    print(f"\n{steps} self-play steps ({paths[0] if paths else 'the embedded default'}): {wall:.1f} s, "
          f"{wall / steps:.3f} s per step")
    print(f"{'part':<24}{'s per step':>12}{'share':>9}")
    for part in PARTS:
        value = seconds.get(part, 0.0)
        print(f"{part:<24}{value / steps:12.4f}{100 * value / wall:8.1f}%")
    goal = sum(seconds.get(part, 0.0) for part in GOAL_PARTS) / wall
    print(f"verification + logging and writes: {100 * goal:.1f}% of the step (goal <= 5%)")
    print(json.dumps({"benchmark": "breakdown", "config": paths[0] if paths else "default", "overrides": overrides,
                      "steps": steps, "seconds_per_step": wall / steps,
                      "shares": {part: seconds.get(part, 0.0) / wall for part in PARTS},
                      "verification_and_logging_share": goal}))


if __name__ == "__main__":
    main()
