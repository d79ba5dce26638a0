"""A committee that learns (selfplay/committee.py): what each member is taught in a round, and rounds in a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selfplay.committee import round_examples
from selfplay.config import load_config
from selfplay.loop import train
from selfplay.rundir import RunDir, read_metrics
from selfplay.tasks import ArithmeticTask
from tests.test_loop import same, weights
from verifiers.majority import MajorityVerifier


class Member:
    """A stand-in model that answers each prompt with a fixed text."""

    use_chat_template = False

    def __init__(self, replies: dict[str, str]):
        self.replies = replies

    def generate(self, prompts, count, sampling):
        return [[self.replies[prompt]] for prompt in prompts]

    def training_prompt(self, prompt):
        return prompt


def test_each_member_learns_its_own_agreeing_answer_else_another_members():
    task = ArithmeticTask()
    problems = [task.parse_problem(text) for text in ("1+2", "3+4", "5+6")]
    prompts = [task.solver_prompt(problem) for problem in problems]
    first = Member(dict(zip(prompts, ["<think>1+2=3</think><answer>3</answer>", "8", "11"])))
    second = Member(dict(zip(prompts, ["3", "7.0", "12"])))
    rows = round_examples(task, [first, second], None, [(problems[0], "3"), (problems[1], "7"),
                                                        (problems[2], "10")])
    # 1+2: both agree, each keeps its own words; 3+4: only the second gives 7, and the first learns its answer;
    # 5+6 labelled 10: no member gives it now, so nobody learns it
    assert rows == [[(prompts[0], "<think>1+2=3</think><answer>3</answer>"), (prompts[1], "7.0")],
                    [(prompts[0], "3"), (prompts[1], "7.0")]]


@pytest.mark.parametrize(("options", "message"), [
    ({"committee_rounds": 2}, "needs a committee"),
    ({"committee": 1, "committee_rounds": 2, "committee_round_steps": 0}, "committee_round_steps >= 1"),
    ({"committee": 1, "committee_rounds": -1}, "committee_rounds must be a whole number"),
    ({"committee": 1, "committee_rounds": 2, "committee_learning_rate": 0}, "committee_learning_rate"),
])
def test_bad_round_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        MajorityVerifier(**options)


def committee_run(tiny_overrides, output: Path, extra: tuple[str, ...] = ()):
    config = load_config(None, [*tiny_overrides, "verifier.name=majority", "verifier.options.committee=1",
                                "verifier.options.committee_labels=true", "verifier.options.committee_rounds=2",
                                "verifier.options.committee_round_steps=3",
                                f"run.output_dir={output}", *extra])
    run_dir = RunDir.create(config.run.output_dir)
    return config, run_dir, train(config, run_dir, progress=False)


def test_the_members_train_at_the_end_of_each_round_only(tiny_overrides, tmp_path):
    _, run_dir, _ = committee_run(tiny_overrides, tmp_path / "run", ("run.save_every=1",))
    (member,) = json.loads((run_dir.path / "committee.json").read_text())
    history = [weights(Path(member["cache"]))]
    history += [weights(run_dir.checkpoint_dir(step) / "committee-1") for step in range(1, 5)]
    moved = [not same(before, after) for before, after in zip(history, history[1:])]
    metrics = {m["step"]: m for m in read_metrics(run_dir.path) if m["step"] > 0}
    rounds = [step for step in (2, 4) if metrics[step].get("committee/committee-1/examples")]
    assert rounds, "the member labelled nothing in four steps: nothing to test"
    assert moved == [step in rounds for step in range(1, 5)]
    assert all("committee/round_problems" not in metrics[step] for step in (1, 3))
    assert all(metrics[step]["committee/committee-1/loss"] > 0 for step in rounds)


def test_a_run_whose_committee_learns_resumes_exactly(tiny_overrides, tmp_path, monkeypatch):
    # saved at step 2 and resumed at step 3: the member's weights, its optimizer and the problems labelled at
    # step 3 come back, so the round at step 4 is the same
    from tests.test_resume import comparable, crash_and_resume, records

    overrides = [*tiny_overrides, "verifier.name=majority", "verifier.options.committee=1",
                 "verifier.options.committee_labels=true", "verifier.options.committee_rounds=2",
                 "verifier.options.committee_round_steps=3", "run.save_every=2",
                 "run.shard_every=1"]
    whole, resumed, _ = crash_and_resume(overrides, tmp_path, monkeypatch, 3)
    assert comparable(read_metrics(resumed)) == comparable(read_metrics(whole))
    assert records(resumed) == records(whole)
    assert same(weights(whole / "checkpoints" / "step-000004" / "committee-1"),
                weights(resumed / "checkpoints" / "step-000004" / "committee-1"))
