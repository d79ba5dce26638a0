"""What the framework costs on top of TRL: time per solver step of `selfplay`'s phase trainer, against a bare TRL
`GRPOTrainer` taking the same steps in one `train()` call, on the same tiny model and batch shapes.

    python benchmarks/overhead.py [--steps 40] [--rounds 3]

Both sides start from the same weights and train on the same 8 problems x 8 answers per step. The bare side's
reward compares each answer with a precomputed sum (about as cheap as a reward can be); the `selfplay` side runs
what the loop runs in its solver phase: `RoleTrainer.train_phase` with the `sympy` verifier through
`SolverReward`, one `train()` call per step. Rounds alternate the two sides, so drift on a shared machine hits
both; the ratio of medians is the figure (issue #9's goal: at most 1.10). Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import random
import statistics
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="solver steps per side per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from datasets import Dataset
    from transformers.trainer_callback import PrinterCallback
    from trl import GRPOTrainer

    from agents import LanguageModel, Solver
    from selfplay.components import make_task, make_verifier
    from selfplay.config import load_config
    from selfplay.judging import SolverReward
    from selfplay.loop import quiet_libraries
    from selfplay.trainer import RoleTrainer

    quiet_libraries()
    scratch = tempfile.mkdtemp(prefix="selfplay-overhead-")
    config = load_config(None, ["model.warm_start.steps=0"])
    task, verifier = make_task(config.task), make_verifier(config.verifier)
    base = LanguageModel.load("builtin:tiny", "off", "auto", config.model.tiny)
    rng = random.Random(0)
    problems = [task.sample_problem(rng, rng.randint(1, 3)) for _ in range(8)]  # one step's problems
    truths = {task.solver_prompt(p): str(p.features["left"] + p.features["right"]) for p in problems}

    def exact(prompts, completions, **_):
        return [float(task.extract_answer(c) == truths[p]) for p, c in zip(prompts, completions)]

    def bare_side() -> float:
        args_ = config.grpo_config("solver", f"{scratch}/bare")
        args_.max_steps = args.steps
        model = copy.deepcopy(base.model)
        prompts = [task.solver_prompt(p) for p in problems] * args.steps
        trainer = GRPOTrainer(model=model, reward_funcs=[exact], args=args_,
                              train_dataset=Dataset.from_dict({"prompt": prompts}), processing_class=base.tokenizer)
        trainer.remove_callback(PrinterCallback)  # as the loop's trainers do
        started = time.perf_counter()
        trainer.train()
        return (time.perf_counter() - started) / args.steps

    def selfplay_side() -> float:
        args_ = config.grpo_config("solver", f"{scratch}/selfplay")
        model = LanguageModel(copy.deepcopy(base.model), base.tokenizer, False)
        solver = Solver(model, task, args_.max_completion_length, args_.temperature, args_.top_p)
        reward = SolverReward(task, solver, verifier)
        trainer = RoleTrainer("solver", model.model, reward, args_, model.tokenizer, total_optimizer_steps=args.steps)
        dataset = Dataset.from_dict({"prompt": [solver.training_prompt(p) for p in problems],
                                     "problem_index": list(range(len(problems)))})
        gc.collect()
        gc.freeze()  # as the loop does: keep long-lived objects out of the collection TRL runs in every train()
        started = time.perf_counter()
        for step in range(1, args.steps + 1):
            reward.problems = problems
            trainer.train_phase(dataset, step)
            reward.take()
        elapsed = time.perf_counter() - started
        gc.unfreeze()
        return elapsed / args.steps

    bare, ours = [], []
    for _ in range(args.rounds):
        bare.append(bare_side())
        ours.append(selfplay_side())
    ratio = statistics.median(ours) / statistics.median(bare)
    print(f"{'side':<28}{'median s/step':>14}{'all rounds':>32}")
    print(f"{'bare TRL GRPOTrainer':<28}{statistics.median(bare):14.4f}   " + " ".join(f"{t:.4f}" for t in bare))
    print(f"{'selfplay solver phase':<28}{statistics.median(ours):14.4f}   " + " ".join(f"{t:.4f}" for t in ours))
    print(f"ratio selfplay / bare: {ratio:.2f}  (goal <= 1.10; {args.steps} steps x {args.rounds} rounds, "
          f"8 problems x 8 answers per step)")
    print(json.dumps({"benchmark": "overhead", "steps": args.steps, "rounds": args.rounds,
                      "bare_seconds_per_step": bare, "selfplay_seconds_per_step": ours, "ratio": ratio}))


if __name__ == "__main__":
    main()
