"""The warm start: supervised training (TRL's SFTTrainer) on problems the task generates, with their true answers.

It stands in for pretraining when the model starts from nothing (`builtin:tiny`): the solver is shown an easy
range of problems, the proposer a wider one, so self-play has something to build on. The result is cached on disk
under a hash of everything that shapes it, so the next run with the same settings loads it instead.
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from datasets import Dataset
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from agents.model import LanguageModel
from selfplay.cache import publish_folder
from selfplay.config import WarmStartConfig
from selfplay.distributed import is_main, wait_for_everyone
from selfplay.tasks.base import Task
from verifiers.sympy_verifier import SympyVerifier

ROLES = ("proposer", "solver")


def warm_start_examples(task: Task, model: LanguageModel, config: WarmStartConfig, roles: tuple[str, ...],
                        count: int, seed: int, hint_template: str | None = None) -> Dataset:
    """`count` prompt/completion pairs: proposer examples (topic prompt -> a problem of difficulty up to
    `proposer_max_difficulty`) and solver examples (a problem in the warm-start range -> its true answer), a
    `hint_share` of them with the answer also given as a hint in the prompt (`hint_template`)."""
    rng = random.Random(seed)
    truth = SympyVerifier()
    prompts, completions = [], []
    proposer_every = max(1, round(1 / config.proposer_share)) if config.proposer_share > 0 else 0
    for index in range(count):
        if len(roles) == 1:
            role = roles[0]
        else:  # one proposer example every `proposer_every`: writing a problem is far easier than solving one
            role = "proposer" if proposer_every and index % proposer_every == 0 else "solver"
        if role == "proposer":
            problem = task.sample_problem(rng, rng.randint(1, config.proposer_max_difficulty))
            prompt, completion = task.proposer_prompt(), task.proposal_text(problem)
        else:
            problem = task.sample_problem(rng, rng.randint(config.min_difficulty, config.max_difficulty))
            answer = task.reference_answer(problem) or truth.truth(task, problem)
            prompt, completion = task.solver_prompt(problem), task.format_answer(answer)
            if hint_template and rng.random() < config.hint_share:
                prompt = hinted_prompt(hint_template, prompt, answer, task)
        prompts.append(model.training_prompt(prompt))
        completions.append(completion if not model.use_chat_template else [{"role": "assistant",
                                                                             "content": completion}])
    return Dataset.from_dict({"prompt": prompts, "completion": completions})


def hinted_prompt(template: str, prompt: str, truth: str, task: Task) -> str:
    """The solver's prompt with the true answer shown as a hint (`method.hint_template`)."""
    return template.replace("{answer}", task.format_answer(truth)).replace("{truth}", truth).replace("{prompt}", prompt)


def warm_start_key(fingerprint: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True, default=str).encode()).hexdigest()[:16]


def warm_start(model: LanguageModel, task: Task, config: WarmStartConfig, roles: tuple[str, ...], seed: int,
               fingerprint: dict[str, Any], hint_template: str | None = None) -> tuple[LanguageModel, dict[str, Any]]:
    """The warm-started model (from the cache when it holds one) and a record of what was done."""
    hint_template = hint_template if config.hint_share and "solver" in roles else None
    shaped_by = {"fingerprint": fingerprint, "warm_start": {**asdict(config), "cache_dir": None}, "roles": roles,
                 "seed": seed, "task": {"name": task.name, **vars(task)}}
    if hint_template:  # kept out of the key otherwise, so existing caches stay valid
        shaped_by["hint_template"] = hint_template
    else:
        shaped_by["warm_start"].pop("hint_share")
    key = warm_start_key(shaped_by)
    folder = Path(config.cache_dir) / key
    record = {**asdict(config), "roles": list(roles), "seed": seed, "cache": str(folder)}
    cached = (folder / "config.json").is_file()
    if not cached:  # with several processes, all train it (data-parallel) and the main one saves it
        _train(model, task, config, roles, seed, hint_template)
        if is_main():
            publish_folder(folder, model.save)
    wait_for_everyone()
    # Always load it back from the folder: the run then starts from exactly what is cached, and the model knows
    # its path (TRL reloads a reference model from there when beta > 0).
    return LanguageModel.load(str(folder), "on" if model.use_chat_template else "off"), {**record, "cached": cached}


def _train(model: LanguageModel, task: Task, config: WarmStartConfig, roles: tuple[str, ...], seed: int,
           hint_template: str | None) -> None:
    import torch
    from trl import SFTConfig, SFTTrainer

    dataset = warm_start_examples(task, model, config, roles, config.steps * config.batch_size, seed, hint_template)
    with tempfile.TemporaryDirectory() as scratch:
        args = SFTConfig(
            output_dir=scratch,
            max_steps=config.steps,
            per_device_train_batch_size=config.batch_size,
            learning_rate=config.learning_rate,
            lr_scheduler_type=config.lr_scheduler_type,
            warmup_steps=min(100, config.steps // 10),
            logging_steps=config.steps,  # one line at the end; the progress bar shows the rest
            save_strategy="no",
            report_to="none",
            seed=seed,
            use_cpu=not torch.cuda.is_available(),
            bf16=False,
            activation_checkpointing=False,
            dataloader_drop_last=True,
        )
        trainer = SFTTrainer(model=model.model, args=args, train_dataset=dataset, processing_class=model.tokenizer)
        # A progress bar, but no log dicts printed on stdout, which belongs to the run's summary.
        trainer.remove_callback(PrinterCallback)
        trainer.remove_callback(ProgressCallback)
        trainer.add_callback(_BarOnly)
        trainer.train()


class _BarOnly(ProgressCallback):
    """transformers' progress bar without its printing of every log dict."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        pass
