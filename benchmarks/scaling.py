"""Step time as the group size and the batch grow: the embedded default's self-play step with 1x, 2x and 4x the
answers per problem (`num_generations`, the problems per phase fixed), and 1x, 2x and 4x the problems per phase
(the group size fixed), for both roles.

    python benchmarks/scaling.py [--steps 12] [section.key=value ...]

Each setting runs `--steps` self-play steps after the (cached) warm start, one setting after another in this one
process; the figure is the median of `time/step_seconds` over the steps after the first. Per 1,000 answers is
the step time over the answers a step samples (the solver's, and the solver's answers that score the proposals),
so linear scaling shows as a constant. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("overrides", nargs="*", help="section.key=value ...")
    args = parser.parse_args()

    from selfplay.config import load_config
    from selfplay.loop import quiet_libraries, train
    from selfplay.rundir import RunDir, read_metrics

    quiet_libraries()
    base = load_config(None, args.overrides)
    group, batch = base.solver["num_generations"], base.solver["per_device_train_batch_size"]
    settings = [("base", 1, 1), ("group", 2, 1), ("group", 4, 1), ("batch", 1, 2), ("batch", 1, 4)]
    scratch = tempfile.mkdtemp(prefix="selfplay-scaling-")
    rows = []
    for index, (grown, group_factor, batch_factor) in enumerate(settings):
        k, size = group * group_factor, batch * group_factor * batch_factor  # problems per phase = size / k
        overrides = [*args.overrides, f"schedule.steps={args.steps}", "evaluation.every=0", "run.save_every=0",
                     *(f"{role}.{key}={value}" for role in ("proposer", "solver")
                       for key, value in (("num_generations", k), ("per_device_train_batch_size", size)))]
        config = load_config(None, overrides)
        run_dir = RunDir.create(f"{scratch}/run-{index}")
        summary = train(config, run_dir, progress=False)
        times = [m["time/step_seconds"] for m in read_metrics(run_dir.path)[2:]]  # after step 0 (eval) and 1
        seconds = statistics.median(times)
        answers = summary["budget"]["sampled_answers"] / config.schedule.steps
        rows.append({"grown": grown, "factor": max(group_factor, batch_factor), "group_size": k,
                     "problems_per_phase": size // k, "seconds_per_step": seconds, "answers_per_step": answers,
                     "seconds_per_1000_answers": 1000 * seconds / answers})
    print(f"{'grown':<8}{'x':>3}{'group':>7}{'problems':>10}{'answers/step':>14}{'s/step':>9}{'s/1000 ans':>12}"
          f"{'vs base':>9}")
    for row in rows:
        print(f"{row['grown']:<8}{row['factor']:>3}{row['group_size']:>7}{row['problems_per_phase']:>10}"
              f"{row['answers_per_step']:>14.0f}{row['seconds_per_step']:>9.3f}{row['seconds_per_1000_answers']:>12.3f}"
              f"{row['seconds_per_step'] / rows[0]['seconds_per_step']:>8.2f}x")
    print(json.dumps({"benchmark": "scaling", "steps": args.steps, "overrides": args.overrides, "rows": rows}))


if __name__ == "__main__":
    main()
