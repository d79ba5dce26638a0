"""What the framework costs on top of TRL: time per solver step of `selfplay`'s phase trainer, against a bare TRL
`GRPOTrainer` taking the same steps in one `train()` call, on the same tiny model and batch shapes.

    python benchmarks/overhead.py [--steps 40] [--rounds 3]

Both sides start from the same weights and train on the same 8 problems x 8 answers per step. Since the loop
samples and judges each step itself and hands TRL those samples (trainer.py, `rollout_func`), neither side
generates while timed: each step's answers are sampled once, beforehand, with the solver's settings, and both sides
train on them. The bare side hands TRL the samples through the plainest `rollout_func` there is and scores them with
a reward that compares each answer with a precomputed sum (about as cheap as a reward can be); the `selfplay` side
runs what the loop runs for its solver each step: the `sympy` verifier judging every group once (`judge`), the
groups built as the loop builds them (`solver_groups`), and `RoleTrainer.train_phase` on them, one `train()` call
per step. (Before the one-pass loop, TRL generated on both sides and the `selfplay` side judged inside TRL's reward
call, `SolverReward`; sampling is now the loop's, outside this comparison.) Rounds alternate the two sides, so drift
on a shared machine hits both; the ratio of medians is the figure (issue #9's goal: at most 1.10). Prints a table
and one JSON line.
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
from collections import defaultdict

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

PROBLEMS, ANSWERS = 8, 8  # per step: one phase of 8 GRPO groups of 8 answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="solver steps per side per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import warnings

    from datasets import Dataset
    from transformers.trainer_callback import PrinterCallback
    from trl import GRPOTrainer

    from agents import LanguageModel, Sampling, Solver
    from selfplay.components import make_task, make_verifier
    from selfplay.config import load_config
    from selfplay.judging import judge, solver_groups
    from selfplay.loop import quiet_libraries
    from selfplay.trainer import RoleTrainer

    quiet_libraries()
    warnings.filterwarnings("ignore", message=".*rollout_func.*experimental.*")
    scratch = tempfile.mkdtemp(prefix="selfplay-overhead-")
    config = load_config(None, ["model.warm_start.steps=0", f"solver.num_generations={ANSWERS}",
                                f"solver.per_device_train_batch_size={PROBLEMS * ANSWERS}"])
    task, verifier = make_task(config.task), make_verifier(config.verifier)
    base = LanguageModel.load("builtin:tiny", "off", "auto", config.model.tiny)
    rng = random.Random(0)
    problems = [task.sample_problem(rng, rng.randint(1, 3)) for _ in range(PROBLEMS)]  # one step's problems
    truths = {task.solver_prompt(p): str(p.features["left"] + p.features["right"]) for p in problems}

    # Every step's answers, sampled once from the starting weights with the solver's settings: both sides train on
    # these, step by step.
    sampler = Solver(base, task, Sampling.of(config.grpo_config("solver", f"{scratch}/sampling")))
    answers = [sampler.solve(problems, ANSWERS) for _ in range(args.steps)]  # [step][problem][answer]

    def exact(prompts, completions, **_):
        return [float(task.extract_answer(c) == truths[p]) for p, c in zip(prompts, completions)]

    def bare_side() -> float:
        args_ = config.grpo_config("solver", f"{scratch}/bare")
        args_.max_steps = args.steps
        model = copy.deepcopy(base.model)
        prompts = [task.solver_prompt(p) for p in problems] * args.steps
        batches = iter(answers)

        def rollout(batch_prompts, trainer):
            # this step's samples of each prompt, in the order TRL repeats the prompt
            step = {task.solver_prompt(p): [a.sample for a in group] for p, group in zip(problems, next(batches))}
            taken: dict[str, int] = defaultdict(int)
            samples = []
            for prompt in batch_prompts:
                samples.append(step[prompt][taken[prompt] % ANSWERS])
                taken[prompt] += 1
            return {"prompt_ids": [list(s.prompt_ids) for s in samples],
                    "completion_ids": [list(s.completion_ids) for s in samples], "logprobs": None}

        trainer = GRPOTrainer(model=model, reward_funcs=[exact], args=args_, rollout_func=rollout,
                              train_dataset=Dataset.from_dict({"prompt": prompts}), processing_class=base.tokenizer)
        trainer.remove_callback(PrinterCallback)  # as the loop's trainers do
        started = time.perf_counter()
        trainer.train()
        return (time.perf_counter() - started) / args.steps

    def selfplay_side() -> float:
        args_ = config.grpo_config("solver", f"{scratch}/selfplay")
        model = LanguageModel(copy.deepcopy(base.model), base.tokenizer, False)
        solver = Solver(model, task, Sampling.of(args_))
        trainer = RoleTrainer("solver", model.model, args_, model.tokenizer, total_optimizer_steps=args.steps,
                              reward_name="verifier")
        gc.collect()
        gc.freeze()  # as the loop does: keep long-lived objects out of the collection TRL runs in every train()
        started = time.perf_counter()
        for step in range(1, args.steps + 1):
            judged = judge(verifier, task, problems, answers[step - 1])
            trainer.train_phase(solver_groups(solver, judged), step)
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
          f"{PROBLEMS} problems x {ANSWERS} answers per step, sampled beforehand)")
    print(json.dumps({"benchmark": "overhead", "steps": args.steps, "rounds": args.rounds,
                      "bare_seconds_per_step": bare, "selfplay_seconds_per_step": ours, "ratio": ratio}))


if __name__ == "__main__":
    main()
