"""The self-play loop end to end on the tiny model: both phases, both weight modes, a user's own verifier."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from selfplay.config import load_config
from selfplay.loop import train
from selfplay.rundir import RunDir, load_problems, read_metrics
from selfplay.types import Verdict
from tests.conftest import adam_moves, learning_signals
from verifiers.base import Verifier


def run(overrides: list[str]):
    config = load_config(None, overrides)
    run_dir = RunDir.create(config.run.output_dir)
    summary = train(config, run_dir, progress=False)
    return config, run_dir, summary


def step_metrics(run_dir: RunDir) -> list[dict]:
    """The per-step lines of metrics.jsonl (step 0 holds the evaluation before training)."""
    return [m for m in read_metrics(run_dir.path) if m["step"] > 0]


def weights(folder: Path) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in AutoModelForCausalLM.from_pretrained(folder).state_dict().items()}


def same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


def test_separate_weights_each_role_changes_only_in_its_own_phase(tiny_overrides):
    # Separate models, a checkpoint after every step, the proposer trained at steps 2 and 4 only. In its own
    # phases a role moves exactly when AdamW must move it (`adam_moves`: not before some group's rewards have
    # differed, at every step after). Operands of more than 2 digits are invalid here, so the warm-started
    # proposer (shown up to 4 digits) writes a mix of valid and invalid problems and its rewards differ; with the
    # majority vote a solver group has equal rewards only when all its answers agree: both roles almost always
    # move at each of their steps, but no sample is certain, so the test reads from the records whether they must.
    config, run_dir, _ = run([*tiny_overrides, "model.shared=false", "run.save_every=1", "task.options.max_digits=2",
                              "verifier.name=majority", "evaluation.max_difficulty=2"])
    warm = json.loads((run_dir.path / "summary.json").read_text())["warm_start"]
    moved = {}
    for role in ("proposer", "solver"):
        history = [weights(Path(warm[role]["cache"]))]
        history += [weights(run_dir.checkpoint_dir(step) / role) for step in range(1, 5)]
        moved[role] = [not same(before, after) for before, after in zip(history, history[1:])]

    assert not moved["proposer"][0] and not moved["proposer"][2]  # steps 1 and 3: no proposer phase
    assert moved["proposer"] == adam_moves(learning_signals(run_dir.path, "proposer", 4))
    assert moved["solver"] == adam_moves(learning_signals(run_dir.path, "solver", 4))  # trained every step


def test_without_a_verifier_the_solver_does_not_move(tiny_overrides):
    # `none` gives every answer the same reward: GRPO's advantages are zero and the solver's weights end exactly
    # where the warm start left them, while the proposer (rewarded -1 for invalid problems) may move
    # (the task and evaluation settings of the test above: the same separate warm starts, cached)
    config, run_dir, _ = run([*tiny_overrides, "model.shared=false", "verifier.name=none", "schedule.steps=2",
                              "task.options.max_digits=2", "evaluation.max_difficulty=2"])
    warm = json.loads((run_dir.path / "summary.json").read_text())["warm_start"]
    assert same(weights(Path(warm["solver"]["cache"])), weights(run_dir.checkpoint_dir(2) / "solver"))
    assert json.loads((run_dir.path / "summary.json").read_text())["budget"]["optimizer_steps"] > 0


def test_shared_weights_run_writes_metrics_and_records(tiny_overrides):
    config, run_dir, summary = run(tiny_overrides)
    assert read_metrics(run_dir.path)[0]["step"] == 0 and "eval/accuracy/1d" in read_metrics(run_dir.path)[0]
    metrics = step_metrics(run_dir)
    assert [m["step"] for m in metrics] == [1, 2, 3, 4]
    for m in metrics:
        assert 0.0 <= m["proposer/valid_rate"] <= 1.0
        assert m["proposer/trained"] == float(m["step"] % 2 == 0)
        # the distinct problems answered (4 of them trained on): up to 16 proposed and 1 replayed
        assert 1 <= m["solver/problems"] <= 16 + 1
        assert "solver/trl/loss" in m and "solver/reward_mean" in m and "proposer/reward_mean" in m
    assert all("proposer/trl/loss" in m for m in metrics if m["step"] % 2 == 0)
    assert not any("proposer/trl/loss" in m for m in metrics if m["step"] % 2 == 1)

    problems = load_problems(run_dir.path)
    by_role = {role: problems.filter(lambda r: r["role"] == role) for role in ("proposer", "solver")}
    # every proposer completion of every step: 16 when the proposer trains, else the 4 the solver uses
    # (replayed problems take some of those 4 once the replay holds any)
    assert len(by_role["proposer"].filter(lambda r: r["trained"])) == 2 * 16
    assert 2 * 3 <= len(by_role["proposer"].filter(lambda r: not r["trained"])) <= 2 * 4
    assert len(by_role["solver"]) == sum(m["solver/problems"] for m in metrics)
    assert len(by_role["solver"].filter(lambda r: r["trained"])) >= 4  # some steps' groups are all distinct
    solver_row = by_role["solver"][0]
    assert len(solver_row["answers"]) == len(solver_row["rewards"]) == 4
    assert solver_row["truth"] is not None and solver_row["valid"]
    scored = by_role["proposer"].filter(lambda r: r["valid"])
    assert len(scored) > 0 and all(len(r["answers"]) == 4 and r["proposer_reward"] is not None for r in scored)
    assert (run_dir.checkpoint_dir(4) / "model" / "config.json").is_file()
    assert summary["steps"] == 4 and summary["peak_memory_mb"] > 0
    # the vote's calibration counts every solver problem that had a readable answer, once
    calibration = summary["vote_calibration"]["run"]
    counted = sum(cell["problems"] for cells in calibration.values() for cell in cells.values())
    readable = len(by_role["solver"].filter(lambda r: any(a is not None for a in r["extracted"])))
    assert counted == readable > 0


def test_each_step_samples_once_and_both_roles_learn_from_those_samples(tiny_overrides, monkeypatch):
    # One pass per step: the proposer writes once, the solver answers once (its problems and the replayed ones
    # together), the verifier judges each group once, and both trainers get exactly those samples: TRL samples
    # nothing of its own.
    import selfplay.loop
    from agents.model import LanguageModel
    from selfplay.session import Session
    from selfplay.trainer import RoleTrainer

    events: list[tuple] = []
    sample, judge, train_phase, evaluate = (LanguageModel.sample, selfplay.loop.judge, RoleTrainer.train_phase,
                                            Session.evaluate)
    evaluating = []

    def sampling(self, texts, count, *args, **kwargs):
        samples = sample(self, texts, count, *args, **kwargs)
        if not evaluating:
            events.append(("write" if texts == ["P:"] else "answer", len(texts), count, samples))
        return samples

    def judging(verifier, task, problems, groups):
        judged = judge(verifier, task, problems, groups)
        events.append(("judge", judged))
        return judged

    def training(self, groups, step=0):
        events.append(("train", self.role, groups))
        return train_phase(self, groups, step)

    def evaluation(self, *args):
        evaluating.append(True)
        try:
            return evaluate(self, *args)
        finally:
            evaluating.pop()

    monkeypatch.setattr(LanguageModel, "sample", sampling)
    monkeypatch.setattr(selfplay.loop, "judge", judging)
    monkeypatch.setattr(RoleTrainer, "train_phase", training)
    monkeypatch.setattr(Session, "evaluate", evaluation)
    _, run_dir, _ = run([*tiny_overrides, "model.shared=false"])

    steps = [[]]
    for event in events:
        if event[0] == "write" and steps[-1]:  # the proposer's writing starts a step
            steps.append([])
        steps[-1].append(event)
    assert len(steps) == 4
    for step, events_of_step in enumerate(steps, start=1):
        kinds = [event[0] for event in events_of_step]
        trains = ["train"] if step % 2 else ["train", "train"]
        assert kinds == ["write", "answer", "judge", *trains], kinds
        written = events_of_step[0][3][0]
        # a batch of proposer groups when it trains, else only what the solver uses beside 0 or 1 replayed
        assert len(written) == 16 if step % 2 == 0 else 3 <= len(written) <= 4
        answered = events_of_step[1][3]
        judged = events_of_step[2][1]
        assert [[a.sample for a in item.attempts] for item in judged] == answered  # judged what was answered
        solver_groups = [e for e in events_of_step if e[0] == "train" and e[1] == "solver"][0][2]
        judged_samples = {id(a.sample) for item in judged for a in item.attempts}
        assert len(solver_groups) == 4
        assert all(id(sample) in judged_samples for group in solver_groups for sample in group.samples)
        for group in solver_groups:  # each group's rewards are the verdict on those very samples
            item = next(item for item in judged if item.attempts[0].sample is group.samples[0])
            assert group.rewards == list(item.verdict.rewards)
        if step % 2 == 0:
            proposer_groups = [e for e in events_of_step if e[0] == "train" and e[1] == "proposer"][0][2]
            assert [s for group in proposer_groups for s in group.samples] == written


def test_partial_credit_reaches_the_solver_and_not_the_records(tiny_overrides, monkeypatch):
    # with solver_reward.partial_credit, every solver group the trainer gets carries the credited rewards of the
    # very answers judged (judging.credited), while the verdicts, which the records and the proposer read, do not
    import selfplay.loop
    from selfplay.components import make_task
    from selfplay.judging import credited
    from selfplay.trainer import RoleTrainer

    judged_items, solver_phases = [], []
    judge, train_phase = selfplay.loop.judge, RoleTrainer.train_phase

    def judging(verifier, task, problems, groups):
        judged = judge(verifier, task, problems, groups)
        judged_items.extend(judged)
        return judged

    def training(self, groups, step=0):
        if self.role == "solver":
            solver_phases.append(groups)
        return train_phase(self, groups, step)

    monkeypatch.setattr(selfplay.loop, "judge", judging)
    monkeypatch.setattr(RoleTrainer, "train_phase", training)
    config, run_dir, _ = run([*tiny_overrides, "solver_reward.partial_credit=0.5"])
    task = make_task(config.task)
    by_sample = {id(item.attempts[0].sample): item for item in judged_items}
    checked = 0
    for groups in solver_phases:
        for group in groups:
            item = by_sample[id(group.samples[0])]
            if any(reward is not None for reward in group.rewards):  # not a copy drawn again to fill the phase
                assert group.rewards == credited(task, item, 0.5)
                checked += 1
    assert checked >= 4
    assert all(reward in (0.0, 1.0, None) for item in judged_items for reward in item.verdict.rewards)


@pytest.fixture
def fixed_start(tmp_path) -> list[str]:
    """A tiny model saved on disk and no warm start: every run starts from these weights whatever its seed, so
    only the random streams can tell two seeds apart."""
    from agents import LanguageModel

    torch.manual_seed(0)
    LanguageModel.load("builtin:tiny").save(tmp_path / "start")
    return [f"model.name_or_path={tmp_path / 'start'}", "model.warm_start.steps=0"]


def proposals_by_step(run_dir: RunDir) -> dict[int, list[str]]:
    rows = load_problems(run_dir.path).filter(lambda row: row["role"] == "proposer").to_list()
    return {step: [row["completion"] for row in rows if row["step"] == step]
            for step in sorted({row["step"] for row in rows})}


def test_two_seeds_sample_differently_from_the_same_start(tiny_overrides, fixed_start, tmp_path):
    # TRL reseeds torch with its config's seed when a role's trainer is made: with a fixed role seed, every
    # run.seed sampled the same problems. Step 1's are sampled by the loop (the proposer trains at step 2),
    # step 2's by TRL.
    proposals = {}
    for seed in (0, 7):
        _, run_dir, _ = run([*tiny_overrides, *fixed_start, "schedule.steps=2", f"run.seed={seed}",
                             f"run.output_dir={tmp_path / f'seed-{seed}'}"])
        proposals[seed] = proposals_by_step(run_dir)
    assert proposals[0][1] != proposals[7][1]
    assert proposals[0][2] != proposals[7][2]


def test_one_seed_run_twice_logs_the_same_metrics(tiny_overrides, tmp_path):
    # Everything but wall-clock times (the loop's `time/...`, TRL's `step_time`) is decided by run.seed: the warm
    # start, sampling, the loop's draws, training.
    logged = []
    for attempt in range(2):
        _, run_dir, _ = run([*tiny_overrides, "schedule.steps=2", f"run.output_dir={tmp_path / f'attempt-{attempt}'}"])
        logged.append([{k: v for k, v in m.items() if not (k.startswith("time/") or k.endswith("/step_time"))}
                       for m in read_metrics(run_dir.path)])
        logged[-1].append(proposals_by_step(run_dir))
    assert logged[0] == logged[1]


def test_learning_rate_schedule_spans_the_run_instead_of_restarting(tiny_overrides):
    # TRL rebuilds the scheduler on every train() call; a linear decay must still fall step after step.
    _, run_dir, _ = run([*tiny_overrides, "schedule.proposer_every=never", "solver.lr_scheduler_type=linear"])
    rates = [m["solver/trl/learning_rate"] for m in step_metrics(run_dir)]
    assert len(rates) == 4
    assert all(later < earlier for earlier, later in zip(rates, rates[1:])), rates


def test_frozen_proposer_never_trains(tiny_overrides):
    _, run_dir, _ = run([*tiny_overrides, "schedule.proposer_every=never"])
    assert all(m["proposer/trained"] == 0.0 and "proposer/trl/loss" not in m for m in step_metrics(run_dir))


@dataclass
class EvenAnswerVerifier(Verifier):
    """A user's own verifier: rewards even answers. Counts its calls so the test can see it was used."""

    bonus: float = 1.0
    calls: ClassVar[int] = 0
    name: ClassVar[str] = "even"

    def judge(self, task, problem, answers):
        EvenAnswerVerifier.calls += 1
        keys = [task.answer_key(a) for a in answers]
        rewards = [self.bonus if k is not None and k.denominator == 1 and k.numerator % 2 == 0 else 0.0 for k in keys]
        return Verdict(rewards, label=None, diagnostics={"custom": True})


def test_custom_verifier_by_import_path_is_used_in_training(tiny_overrides, tmp_path):
    config_file = tmp_path / "custom.yaml"
    config_file.write_text("verifier:\n  name: tests.test_loop:EvenAnswerVerifier\n  options:\n    bonus: 0.5\n")
    EvenAnswerVerifier.calls = 0
    config = load_config(config_file, tiny_overrides)
    run_dir = RunDir.create(config.run.output_dir)
    train(config, run_dir, progress=False)
    assert EvenAnswerVerifier.calls >= 4 * 4  # at least every solver group of every step
    solver_rows = load_problems(run_dir.path).filter(lambda r: r["role"] == "solver")
    rewards = {r for row in solver_rows for r in row["rewards"]}
    assert rewards <= {0.0, 0.5}
    for row in solver_rows:
        for extracted, reward in zip(row["extracted"], row["rewards"]):
            even = extracted is not None and extracted.lstrip("-").isdigit() and int(extracted) % 2 == 0
            assert reward == (0.5 if even else 0.0)


def test_majority_committee_is_warm_started_under_its_own_seeds_and_judges(tiny_overrides, monkeypatch):
    from verifiers.majority import MajorityVerifier

    asked = []
    ask = MajorityVerifier._committee_answers
    monkeypatch.setattr(MajorityVerifier, "_committee_answers",
                        lambda self, task, problems: asked.append(len(problems)) or ask(self, task, problems))
    # rlvr draws its problems from the task (a short warm start writes few valid ones); the member trains its
    # own warm start, as long as the solver's
    config, run_dir, _ = run([*tiny_overrides, "method.name=rlvr", "verifier.name=majority",
                              "verifier.options.committee=1", "schedule.steps=2", "model.warm_start.steps=20",
                              "model.warm_start.proposer_steps=20"])
    (member,) = json.loads((run_dir.path / "committee.json").read_text())
    solver = json.loads((run_dir.path / "warm_start.json").read_text())  # shared weights: one record
    assert member["seed"] == config.run.seed + 1001 and member["roles"] == ["solver"] and member["steps_used"] > 0
    assert member["cache"] != solver["cache"]
    assert not same(weights(Path(member["cache"])), weights(Path(solver["cache"])))
    solver_rows = load_problems(run_dir.path).filter(lambda r: r["role"] == "solver")
    assert 0 < len(solver_rows) <= sum(asked)  # the member answered every problem the verifier judged


@pytest.mark.parametrize("verifier", ["majority", "none"])
def test_other_verifiers_run(tiny_overrides, verifier):
    _, run_dir, _ = run([*tiny_overrides, f"verifier.name={verifier}", "schedule.steps=2"])
    solver_rows = load_problems(run_dir.path).filter(lambda r: r["role"] == "solver")
    if verifier == "none":
        assert {r for row in solver_rows for r in row["rewards"]} == {1.0}
        assert all(row["label"] is None for row in solver_rows)
    else:
        assert any(row["label"] is not None for row in solver_rows)


def test_kl_penalty_reloads_the_reference_model_from_disk(tiny_overrides):
    # beta > 0 makes TRL reload a reference model from the model's path, which an in-memory model lacks: the
    # warm-started model is loaded from its cache folder, so the solver's KL is measured.
    _, run_dir, _ = run([*tiny_overrides, "schedule.steps=2", "solver.beta=0.001", "proposer.beta=0.001"])
    assert all("solver/trl/kl" in m for m in step_metrics(run_dir))


def test_model_built_in_memory_is_saved_as_step_zero(tiny_overrides):
    # No warm start: the freshly built tiny model is written as checkpoint 0, then trained from there.
    _, run_dir, _ = run([*tiny_overrides, "schedule.steps=1", "model.warm_start.steps=0", "solver.beta=0.001"])
    assert (run_dir.checkpoint_dir(0) / "model" / "config.json").is_file()
    assert (run_dir.checkpoint_dir(1) / "model" / "config.json").is_file()


def test_shared_weights_change_every_step_once_rewards_differ(tiny_overrides):
    # One model and one AdamW state for both roles: each step's proposer phase (steps 2 and 4), then its solver
    # phase, is a step of the same optimizer, and the model moves at every one of them from the first whose group
    # rewards differed (`adam_moves`), in practice the first solver phase.
    config, run_dir, _ = run([*tiny_overrides, "run.save_every=1", "verifier.name=majority"])
    snapshots = [weights(run_dir.checkpoint_dir(step) / "model") for step in range(1, 5)]
    signals = {role: learning_signals(run_dir.path, role, 4) for role in ("proposer", "solver")}
    moves = adam_moves([signals[role][step - 1] for step in range(1, 5) for role in ("proposer", "solver")])
    must_move = [moves[2 * step - 2] or moves[2 * step - 1] for step in range(2, 5)]  # from step 1's checkpoint on
    assert [not same(a, b) for a, b in zip(snapshots, snapshots[1:])] == must_move


def test_chat_template_model_trains_through_trl_conversations(tmp_path, tiny_overrides):
    # A model with a chat template: TRL gets conversational prompts and applies the template itself.
    from agents import LanguageModel, TinyModelConfig

    model = LanguageModel.load("builtin:tiny", tiny=TinyModelConfig(layers=1, width=32, heads=2))
    model.tokenizer.chat_template = (
        "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}"
    )
    model.save(tmp_path / "chat-model")
    _, run_dir, _ = run([*tiny_overrides, "schedule.steps=2", "schedule.proposer_every=1",
                         f"model.name_or_path={tmp_path / 'chat-model'}", "model.chat_template=on",
                         "model.warm_start.steps=100"])
    metrics = step_metrics(run_dir)
    assert len(metrics) == 2 and all("proposer/trl/loss" in m for m in metrics)


def test_tensorboard_step_axis_is_continuous_across_phases(tiny_overrides):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _, run_dir, _ = run([*tiny_overrides, "solver.report_to=tensorboard", "proposer.report_to=tensorboard"])
    events = {}
    event_files = list((run_dir.path / "tensorboard").iterdir())
    assert len(event_files) == 2  # one writer per role, kept open across phases
    for event_file in event_files:
        accumulator = EventAccumulator(str(event_file))
        accumulator.Reload()
        for tag in accumulator.Tags()["scalars"]:
            # TRL's TensorBoard callback files training logs under "train/"
            events[tag.removeprefix("train/")] = [event.step for event in accumulator.Scalars(tag)]
    # TRL's own metrics, renamed by role, at the self-play step (not restarting at 1 each phase)
    assert events["solver/trl/loss"] == [1, 2, 3, 4]
    assert events["proposer/trl/loss"] == [2, 4]  # the proposer trains every 2nd step
    # the loop's own metrics on the same axis
    assert events["proposer/valid_rate"] == [1, 2, 3, 4]
    assert events["solver/reward_mean"] == [1, 2, 3, 4]


def test_algebra_self_play_on_the_tiny_model(tiny_overrides):
    from pathlib import Path as _Path

    config_file = _Path(__file__).parents[1] / "configs" / "tiny_algebra.yaml"
    config = load_config(config_file, [*tiny_overrides, "schedule.steps=2", "schedule.proposer_every=1",
                                       "evaluation.per_bucket=3", "model.warm_start.steps=100",
                                       "model.warm_start.proposer_steps=100"])
    assert config.task.name == "algebra" and config.task.options["answer_format"] == "plain"
    run_dir = RunDir.create(config.run.output_dir)
    train(config, run_dir, progress=False)
    metrics = step_metrics(run_dir)
    assert len(metrics) == 2 and all("proposer/trl/loss" in m for m in metrics)
    rows = load_problems(run_dir.path).filter(lambda r: r["role"] == "solver")
    assert len(rows) > 0 and all(row["truth"] is not None for row in rows)  # sympy.solve gave every truth


def test_coding_self_play_on_the_tiny_model_with_the_sandboxed_verifier(tiny_overrides):
    from pathlib import Path as _Path

    config_file = _Path(__file__).parents[1] / "configs" / "tiny_coding.yaml"
    # the config's own GRPO batches and difficulty ranges (no 3 or 4); the tests' small warm-start batch
    overrides = [o for o in tiny_overrides if "per_device_train_batch_size" not in o and "num_generations" not in o
                 and "difficulty" not in o]
    config = load_config(config_file, [*overrides, "schedule.steps=2", "schedule.proposer_every=1",
                                       "evaluation.per_bucket=3", "model.warm_start.steps=20",
                                       "model.warm_start.proposer_steps=20"])
    assert config.task.name == "coding" and config.verifier.name == "code"
    run_dir = RunDir.create(config.run.output_dir)
    summary = train(config, run_dir, progress=False)
    metrics = step_metrics(run_dir)
    assert len(metrics) == 2 and all("proposer/trl/loss" in m for m in metrics)
    assert set(summary["evaluation"]["start"]["accuracy"]) == {"1d", "2d"}
    rows = load_problems(run_dir.path).filter(lambda r: r["role"] == "proposer" and r["trained"])
    assert len(rows) == 2 * 16 and all(r["proposer_reward"] is not None for r in rows)


def test_the_reasoning_config_teaches_thinking_in_words_and_measures_its_doubts(tmp_path, warm_cache):
    # configs/reasoning.yaml, shortened: a short warm start is enough for every answer to start with <think>
    config = load_config(Path(__file__).parents[1] / "configs" / "reasoning.yaml", [
        "schedule.steps=2", "model.warm_start.steps=60", "model.warm_start.proposer_steps=60",
        "model.warm_start.average_decay=null",
        "model.warm_start.target_accuracy=null", "model.warm_start.check_every=0", "model.warm_start.batch_size=32",
        f"model.warm_start.cache_dir={warm_cache}", "solver.per_device_train_batch_size=16",
        "solver.num_generations=4", "proposer.per_device_train_batch_size=16", "proposer.num_generations=4",
        f"run.output_dir={tmp_path / 'run'}", f"evaluation.cache_dir={tmp_path / 'eval'}",
        "evaluation.per_bucket=10", "evaluation.k=2", "evaluation.every=0"])
    run_dir = RunDir.create(config.run.output_dir)
    summary = train(config, run_dir, progress=False)
    answers = [text for row in load_problems(run_dir.path) if row["role"] == "solver" for text in row["answers"]]
    assert sum(text.startswith("<think>") for text in answers) > 0.9 * len(answers)
    tokenizer = AutoTokenizer.from_pretrained(run_dir.checkpoint_dir(2) / "solver")
    assert tokenizer.tokenize("<think>1</think>") == ["<think>", "1", "</think>"]
    for line in step_metrics(run_dir):
        assert {"instruments/epistemic_rate", "instruments/epistemic_share", "instruments/response_chars"} <= set(line)
    assert set(summary["evaluation"]["end"]["marker_share@2"]) == {"1d", "2d", "3d"}
