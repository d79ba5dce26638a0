"""Does a committee that learns from its own agreed labels come to label more, and as well? (issue #18, item 3)

Outside self-play: the committee's members (warm-started models, e.g. from a `climb_majority` run's
committee.json) label a pool of fresh problems where all of them give the same answer; each member is then
fine-tuned on those labels as a round of `committee_rounds` trains it (`selfplay.committee.round_examples`: its own
greedy answer where it gives the label, else another member's; the warm start's batch size), and the round repeats
on a new pool. Before and after each round, on held-out problems of each difficulty: each member's greedy accuracy,
the share of problems the committee labels (all members agree) and how often that label is right. The truth is
used for these measurements only; nothing trains on it.

    python benchmarks/committee_rounds.py MEMBER_FOLDER MEMBER_FOLDER [--config configs/climb_majority.yaml]
        [--rounds 6] [--steps 100] [--learning-rate 3e-4] [--pool 6000] [--held-out 1000]

Prints one line per measurement and a JSON line with all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from dataclasses import replace

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("members", nargs="+", help="folders of warm-started models (a run's committee.json 'cache')")
    parser.add_argument("--config", default="configs/climb_majority.yaml", help="the task and warm-start settings")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=100, help="optimizer steps per member per round")
    parser.add_argument("--learning-rate", type=float, default=3e-4)
    parser.add_argument("--pool", type=int, default=6000, help="fresh problems labelled per round")
    parser.add_argument("--held-out", type=int, default=1000, help="held-out problems per difficulty")
    args = parser.parse_args()

    from datasets import Dataset

    from agents.model import LanguageModel, Sampling
    from selfplay.committee import round_examples
    from selfplay.components import make_task
    from selfplay.config import load_config
    from selfplay.warmstart import fine_tune
    from verifiers.base import answer_keys

    config = load_config(args.config, [])
    task = make_task(config.task)
    members = [LanguageModel.load(folder, config.model.chat_template) for folder in args.members]
    greedy = Sampling(max_new_tokens=config.solver["max_completion_length"], temperature=0)
    rng = random.Random(7)
    held_out = {level: [task.sample_problem(rng, level) for _ in range(args.held_out)] for level in (2, 3)}
    truths = {level: answer_keys(task, task.truths(problems)) for level, problems in held_out.items()}

    def read(member: LanguageModel, problems: list) -> list:
        replies = member.generate([task.solver_prompt(problem) for problem in problems], 1, greedy)
        return [task.extract_answer(group[0]) for group in replies]

    def answers(member: LanguageModel, problems: list) -> list:
        return answer_keys(task, read(member, problems))

    def agreed(votes: list[list]) -> list[int]:
        return [i for i, key in enumerate(votes[0]) if key is not None and all(v[i] == key for v in votes)]

    results = []

    def measure(label: str) -> None:
        row: dict = {"after": label}
        for level, problems in held_out.items():
            votes = [answers(member, problems) for member in members]
            labelled = agreed(votes)
            row[f"{level}d"] = {
                "accuracy": [round(sum(k == t for k, t in zip(v, truths[level])) / len(problems), 3) for v in votes],
                "labelled": round(len(labelled) / len(problems), 3),
                "precision": round(sum(votes[0][i] == truths[level][i] for i in labelled) / max(1, len(labelled)), 3),
            }
        results.append(row)
        print(json.dumps(row), flush=True)

    measure("start")
    settings = replace(config.model.warm_start, learning_rate=args.learning_rate)
    for round_index in range(args.rounds):
        pool = [task.sample_problem(rng, rng.choices([1, 2, 3], [0.15, 0.7, 0.15])[0]) for _ in range(args.pool)]
        texts = [read(member, pool) for member in members]
        labels = [(pool[i], texts[0][i]) for i in agreed([answer_keys(task, t) for t in texts])]
        rows = round_examples(task, members, greedy, labels)
        for index, (member, examples) in enumerate(zip(members, rows)):
            dataset = Dataset.from_dict({"prompt": [p for p, _ in examples], "completion": [c for _, c in examples]})
            fine_tune(member, dataset, settings, args.steps, 100 * round_index + index, progress=False)
        measure(f"round {round_index + 1} ({len(labels)} of {len(pool)} problems labelled)")
    print(json.dumps({"benchmark": "committee_rounds", "members": args.members, "rounds": args.rounds,
                      "steps": args.steps, "learning_rate": args.learning_rate, "results": results}))


if __name__ == "__main__":
    main()
