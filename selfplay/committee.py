"""A committee that learns: the self-improving transformers' rounds (Lee et al. 2025) for majority's committee.

The committee (verifiers/majority.py, `committee`) is a few models warm-started as the solver is, under other
seeds, whose agreed answer labels the solver's problems. Left alone they label only what they already agree on.
With `committee_rounds: N`, every N steps each member is fine-tuned on the problems labelled since the last
round, the label as the committee wrote it: each member learns from its own greedy completion where it gave the
label, else from the first member's that did. So the members learn from one another's agreement, not from any
truth, and what they can label grows round by round. (Measured outside self-play on two committees, 2-digit sums:
agreement 62% -> 91% and 63% -> 84% of problems over six rounds at an unchanged 89-92% precision; README,
"Label-free self-play", with the price: one committee came to agree on 3-digit sums, always wrongly.)

Every process holds the members and trains them on the same problems (the loop's judged groups are gathered), so
they stay the same everywhere. Their weights and the problems waiting for the next round go into each checkpoint.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

from agents.model import LanguageModel, Sampling, guarded
from selfplay.config import SelfPlayConfig
from selfplay.tasks.base import Task
from selfplay.trainer import PhaseSFTTrainer, phase_dataset
from selfplay.trl_config import build_sft_config
from selfplay.types import Judged, Problem
from verifiers.base import answer_keys


def member_name(index: int) -> str:
    """A member's folder in a checkpoint: committee-1, committee-2, ..."""
    return f"committee-{index + 1}"


class CommitteeRounds:
    """The rounds of one run's committee: `after_step` keeps the step's labelled problems and, every `every`
    steps, fine-tunes each member on them (`steps` optimizer steps each, TRL's SFTTrainer, one optimizer per
    member kept across rounds)."""

    def __init__(self, config: SelfPlayConfig, run_dir: Path, task: Task, members: list[LanguageModel],
                 sampling: Sampling, every: int, steps: int, learning_rate: float):
        self.task, self.members, self.sampling = task, members, sampling
        self.every, self.steps = every, steps
        self.pending: list[tuple[Problem, str]] = []  # labelled since the last round, in order
        warm = config.model.warm_start
        rounds = max(1, config.schedule.steps // every)
        self.trainers = []
        for index, member in enumerate(members):
            # the warm start's batch and optimizer settings, at the round's learning rate
            args = build_sft_config({"per_device_train_batch_size": warm.batch_size, "learning_rate": learning_rate,
                                     "lr_scheduler_type": "constant", "adam_beta2": warm.adam_beta2,
                                     "seed": config.run.seed + index, "logging_steps": steps},
                                    run_dir / "trl" / member_name(index))
            self.trainers.append(PhaseSFTTrainer(member_name(index), member.model, args, member.tokenizer,
                                                 rounds * steps))

    def after_step(self, step: int, judged: list[Judged]) -> dict[str, float]:
        """Keep this step's labelled problems; at the end of a round, train the members on all of them. Returns the
        round's metrics (`committee/...`) when one ended, else nothing."""
        self.pending += [(item.problem, item.verdict.label) for item in judged if item.verdict.label is not None]
        if step % self.every or not self.pending:
            return {}
        labelled = list({problem.key: (problem, label) for problem, label in self.pending}.values())  # the last
        examples = round_examples(self.task, self.members, self.sampling, labelled)
        metrics = {"committee/round_problems": float(len(labelled))}
        for index, (trainer, rows) in enumerate(zip(self.trainers, examples)):
            name = member_name(index)
            metrics[f"committee/{name}/examples"] = float(len(rows))
            if rows:
                logs = trainer.train_steps(phase_dataset({"prompt": [prompt for prompt, _ in rows],
                                                          "completion": [text for _, text in rows]}), self.steps, step)
                if f"{name}/trl/loss" in logs:
                    metrics[f"committee/{name}/loss"] = logs[f"{name}/trl/loss"]
        self.pending = []
        return metrics

    def state(self) -> list[list[Any]]:
        """The problems waiting for the next round, for a checkpoint."""
        return [[problem.text, problem.features, label] for problem, label in self.pending]

    def restore(self, state: list[list[Any]]) -> None:
        self.pending = [(Problem(text, features), label) for text, features, label in state]


def round_examples(task: Task, members: list[LanguageModel], sampling: Sampling,
                   labelled: list[tuple[Problem, str]]) -> list[list[tuple[Any, Any]]]:
    """Per member, its (prompt, completion) rows: for each labelled problem, the member's own greedy completion
    if its answer is the label, else the first member's that is; a problem no member now answers with its label
    is left out."""
    prompts = [task.solver_prompt(problem) for problem, _ in labelled]
    label_keys = answer_keys(task, [label for _, label in labelled])
    replies = []  # per member: per problem, its completion if it gives the label, else None
    for member in members:
        texts = [group[0] for group in member.generate(prompts, 1, sampling)]
        keys = answer_keys(task, [guarded(task.extract_answer, text) for text in texts])
        replies.append([text if agrees(key, label) else None
                        for text, key, label in zip(texts, keys, label_keys)])
    rows: list[list[tuple[Any, Any]]] = [[] for _ in members]
    for position, prompt in enumerate(prompts):
        first = next((texts[position] for texts in replies if texts[position] is not None), None)
        if first is None:
            continue
        for index, member in enumerate(members):
            text = replies[index][position] or first
            completion = [{"role": "assistant", "content": text}] if member.use_chat_template else text
            rows[index].append((member.training_prompt(prompt), completion))
    return rows


def agrees(key: Hashable | None, label: Hashable | None) -> bool:
    return key is not None and key == label
