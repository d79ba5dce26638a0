"""The fast paths give what the simple ones give: answers generated in one batched call, groups judged together
(in parallel worker processes for sympy and the code sandbox), repeated problems and answers read once, truths
found again by problem text; and the loop's sampling (TRL samples nothing: it trains on the loop's samples) runs
with the KV cache, gradient checkpointing off."""

from __future__ import annotations

import json
import random
import types

import pytest
import sympy
import torch

import selfplay.truth as truth_module
from agents import LanguageModel, Proposer, Solver
from selfplay.config import ProposerRewardConfig, load_config
from selfplay.judging import judge_group, judge_groups, judge_problems, score_proposals
from selfplay.loop import distinct, train
from selfplay.rundir import RunDir
from selfplay.tasks import AlgebraTask, ArithmeticTask, CodingTask
from selfplay.trainer import RoleTrainer
from selfplay.types import Attempt, Proposal, Verdict
from tests.hostile_corpus import cases
from verifiers import CodeVerifier, MajorityVerifier, NoVerifier, SympyVerifier
from verifiers.base import Verifier, answer_keys


@pytest.fixture
def fresh_truths(monkeypatch):
    """Empty truth caches, so that each path computes its truths itself."""
    def clear():
        monkeypatch.setattr(truth_module, "_TRUTHS", type(truth_module._TRUTHS)())
        monkeypatch.setattr(truth_module, "_BY_TEXT", type(truth_module._BY_TEXT)())
    clear()
    return clear


def groups_for(task, count: int, seed: int = 0) -> list[tuple]:
    """Sampled problems with answers right, wrong, repeated, unreadable and hostile, as a phase brings them."""
    rng = random.Random(seed)
    hostile = [json.loads(line)["answers"] for _, role, line in cases(task.name) if role == "answers"]
    groups = []
    for index in range(count):
        problem = task.sample_problem(rng, rng.randint(1, 4))
        truth = SympyVerifier().truth(task, problem)
        answers = [truth, truth, "0", None, "x=1", *hostile[index % len(hostile)][:2], truth]
        groups.append((problem, answers))
    groups += groups[:3]  # a problem met twice in one batch
    return groups


@pytest.mark.parametrize("task", [ArithmeticTask(), AlgebraTask()], ids=["arithmetic", "algebra"])
@pytest.mark.parametrize("verifier", [SympyVerifier(), SympyVerifier(workers=1), MajorityVerifier(), NoVerifier()],
                         ids=["sympy", "sympy-one-worker", "majority", "none"])
def test_judging_a_batch_gives_the_verdicts_of_judging_one_by_one(task, verifier, fresh_truths):
    groups = groups_for(task, 40)
    fresh_truths()  # building the groups computed their truths
    together = verifier.judge_batch(task, groups)
    fresh_truths()
    assert together == [verifier.judge(task, problem, answers) for problem, answers in groups]


def test_algebra_truths_are_computed_in_parallel_workers(fresh_truths, monkeypatch):
    # the equations of a batch go to worker processes at the same time: more than one call in flight at once
    task, verifier = AlgebraTask(), SympyVerifier(workers=2)
    in_flight, most = [0], [0]
    call = truth_module.call_with_deadline

    def counting(*args, **kwargs):
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        try:
            return call(*args, **kwargs)
        finally:
            in_flight[0] -= 1

    monkeypatch.setattr(truth_module, "call_with_deadline", counting)
    groups = groups_for(task, 12, seed=1)
    fresh_truths()  # building the groups computed their truths
    verdicts = verifier.judge_batch(task, groups)
    assert most[0] > 1
    assert all(v.status == "ok" and v.rewards[:2] == [1.0, 1.0] for v in verdicts)


def test_the_code_verifier_judges_a_batch_as_one_by_one():
    task, verifier = CodingTask(), CodeVerifier(workers=4)
    correct = "print(sum(map(int, input().split())))"
    problem = task.parse_problem("Print the sum of the integers on the line.\n1 2 ||| 3\n4 5 ||| 9")
    other = task.parse_problem("Print the product of the integers on the line.\n2 3 ||| 6\n4 5 ||| 20")
    groups = [(problem, [correct, "print(3)", None, correct]), (other, [correct, "print(6)"]),
              (other, ["x" * 30_000])]
    together = verifier.judge_batch(task, groups)
    one_by_one = [CodeVerifier(workers=1).judge(task, p, a) for p, a in groups]
    assert together == one_by_one
    assert [v.rewards for v in together] == [[1.0, 0.5, 0.0, 1.0], [0.0, 0.5], [0.0]]


class Broken(Verifier):
    """judge_batch raises, or answers with the wrong shapes; judge itself works."""

    name = "broken"

    def __init__(self, failure: str):
        self.failure = failure

    def judge(self, task, problem, answers):
        return Verdict([1.0] * len(answers), label="ok")

    def judge_batch(self, task, groups):
        if self.failure == "raises":
            raise RuntimeError("boom")
        if self.failure == "too few":
            return [Verdict([1.0], label="ok")]
        if self.failure == "rewards not a list":
            return [Verdict(None, label="none") for _ in groups]
        return [Verdict([1.0], label="short") for _ in groups]  # one reward per group of two answers


@pytest.mark.parametrize("failure", ["raises", "too few", "wrong rewards", "rewards not a list"])
def test_a_broken_batch_falls_back_to_one_by_one(failure):
    task = ArithmeticTask()
    problems = [task.parse_problem("1+2"), task.parse_problem("3+4")]
    groups = [[Attempt("3", "3"), Attempt("4", "4")]] * 2
    verdicts = judge_groups(Broken(failure), task, problems, groups)
    assert verdicts == [judge_group(Broken(failure), task, p, g) for p, g in zip(problems, groups)]
    assert [v.label for v in verdicts] == ["ok", "ok"]


def test_repeated_answers_are_read_once_and_read_the_same():
    task = ArithmeticTask()
    answers = ["403", "0403", "403", None, "4O3", "403.0"]
    assert answer_keys(task, answers) == [task.answer_key(a) for a in answers]
    solver = Solver(types.SimpleNamespace(), task, 10, 1.0, 1.0)
    completions = ["304\n", "304\n", "x", "", "304\n"]
    attempts = solver.read(completions)
    assert [(a.completion, a.answer) for a in attempts] == [(c, task.extract_answer(c)) for c in completions]


def test_a_truth_found_by_text_is_the_computed_one(fresh_truths):
    task, verifier = ArithmeticTask(), SympyVerifier()
    problem = task.parse_problem("123+456")
    first = verifier.compute(task, problem)
    assert verifier.compute(task, problem) == first == ("ok", "579", "")
    # another task object (other options) does not reuse the entry
    other = ArithmeticTask(max_digits=2)
    assert verifier.compute(other, other.sample_problem(random.Random(0), 1))[0] == "ok"
    limits = verifier.limits()
    assert truth_module._seen(task, problem, limits) != truth_module._seen(other, problem, limits)


def random_cheap_statement(rng: random.Random, depth: int = 0):
    """Sums, products and reciprocals of rational numbers, as tasks state them (unevaluated)."""
    if depth >= 3 or rng.random() < 0.3:
        return sympy.Rational(rng.randint(-999, 999), rng.choice([1, 1, 1, 2, 3, 7]))
    kind = rng.choice(["add", "mul", "inverse"])
    if kind == "inverse":
        return sympy.Pow(random_cheap_statement(rng, depth + 1), -1, evaluate=False)
    parts = [random_cheap_statement(rng, depth + 1) for _ in range(rng.randint(2, 3))]
    return (sympy.Add if kind == "add" else sympy.Mul)(*parts, evaluate=False)


def test_cheap_truths_are_the_values_sympy_computes():
    rng = random.Random(0)
    statements = [random_cheap_statement(rng) for _ in range(300)]
    statements.append(sympy.Add(1, sympy.Pow(sympy.Integer(0), -1, evaluate=False), evaluate=False))  # 1/0
    for statement in statements:
        assert truth_module.cheap_truth(statement) == truth_module.compute_truth(statement), statement


# ---------------------------------------------------------------------------------------------------------------
# generation


@pytest.fixture(scope="module")
def tiny_solver() -> Solver:
    config = load_config(None, [])
    torch.manual_seed(0)
    model = LanguageModel.load("builtin:tiny", "off", "auto", config.model.tiny)
    return Solver(model, ArithmeticTask(max_digits=3), 10, 1.0, 1.0)


def test_answers_generated_in_one_batch_equal_those_generated_one_problem_at_a_time(tiny_solver):
    task = tiny_solver.task
    rng = random.Random(3)
    problems = [task.sample_problem(rng, rng.randint(1, 3)) for _ in range(12)]  # prompts of several lengths
    batched = tiny_solver.solve(problems, 2, temperature=0)
    alone = [tiny_solver.solve([problem], 2, temperature=0)[0] for problem in problems]
    assert [[a.completion for a in group] for group in batched] == [[a.completion for a in group] for group in alone]


def scored(texts, task, solver, verifier, attempts, temperature=None):
    """The loop's path from the proposer's completions to their rewards: each distinct valid problem answered
    `attempts` times and judged once, then every proposal rewarded (its solve rate) from its problem's judgement."""
    proposals = [Proposal(text, problem) for text, problem in zip(texts, Proposer(None, task, None).parse(texts))]
    judged = judge_problems(distinct(p.problem for p in proposals), solver, verifier, task, attempts, temperature)
    return score_proposals(proposals, {item.problem.key: item for item in judged}, lambda v: v.solve_rate,
                           ProposerRewardConfig(invalid_penalty=-1.0, repetition_penalty=0.0))


def test_repeated_proposals_are_answered_once_with_the_rewards_of_answering_each(tiny_solver):
    task, verifier = tiny_solver.task, SympyVerifier()
    texts = ["12+34", "5+6", "12+34", "not a problem", "5+6", "12+34", "7+8"]
    solve = tiny_solver.solve
    calls = []
    tiny_solver.solve = lambda problems, *args: calls.append(len(problems)) or solve(problems, *args)
    try:  # greedy: the same answers however often asked
        proposals = scored(texts, task, tiny_solver, verifier, 4, temperature=0)
    finally:
        tiny_solver.solve = solve
    alone = [scored([text], task, tiny_solver, verifier, 4, temperature=0)[0] for text in texts]
    assert [p.reward for p in proposals] == [p.reward for p in alone]
    assert calls == [3]  # three distinct problems, in one call
    assert proposals[0].judged is proposals[2].judged is proposals[5].judged  # the copies share one judgement
    assert proposals[1].judged is proposals[4].judged is not proposals[0].judged


class FixedSolver:
    """Answers every problem with the same completions."""

    def __init__(self, task, completions):
        self.task, self.completions = task, completions
        self.asked: list[int] = []

    def solve(self, problems, attempts, temperature=None):
        self.asked.append(len(problems))
        return [Solver.read(self, self.completions[:attempts]) for _ in problems]


def test_proposals_with_one_statement_and_different_tests_are_not_merged():
    # a coding problem's tests are features: two proposals with the same statement are two problems, each judged
    # on its own tests (merged, one could be paid for the other's tests)
    task = CodingTask()
    statement = "Print the sum of the integers on the line."
    right, other = f"{statement}\n1 2 ||| 3\n4 5 ||| 9", f"{statement}\n1 2 ||| 4\n4 5 ||| 10"
    texts = [right, other, right]
    solver = FixedSolver(task, ["<answer>print(sum(map(int, input().split())))</answer>"] * 2)
    proposals = scored(texts, task, solver, CodeVerifier(), 2)
    assert [p.reward for p in proposals] == [1.0, 0.0, 1.0]
    assert solver.asked == [2]  # the first and third are one problem
    assert proposals[0].judged is proposals[2].judged is not proposals[1].judged


def decode_lengths(model: torch.nn.Module, seen: list[int]):
    """Record the sequence length of every forward pass made without gradients (generation)."""
    def hook(module, args, kwargs):
        if not torch.is_grad_enabled():
            ids = kwargs.get("input_ids", args[0] if args else None)
            seen.append(ids.shape[1] if ids is not None else kwargs["inputs_embeds"].shape[1])
    return model.register_forward_pre_hook(hook, with_kwargs=True)


def test_generation_uses_the_kv_cache_even_with_gradient_checkpointing_on(tiny_solver):
    model = tiny_solver.model.model
    model.gradient_checkpointing_enable()
    model.train()
    seen: list[int] = []
    handle = decode_lengths(model, seen)
    try:
        tiny_solver.solve([tiny_solver.task.parse_problem("12+34")], 2, temperature=1.0)
    finally:
        handle.remove()
    # one pass over the prompt, then one token at a time: the cache holds the rest
    assert seen[0] > 1 and len(seen) > 1 and set(seen[1:]) == {1}
    assert model.is_gradient_checkpointing and model.training  # given back as it was
    model.gradient_checkpointing_disable()


def test_a_runs_sampling_uses_the_kv_cache_with_gradient_checkpointing_on(tiny_overrides, monkeypatch):
    # a run with activation (gradient) checkpointing on: TRL generates nothing (it trains on the loop's samples),
    # and the loop's own sampling, checkpointing on when it starts, decodes one token at a time
    checkpointing: list[bool] = []
    chunks: list[list[int]] = []  # the sequence length of each forward pass, per generate call
    trl_generated: list[int] = []
    sample, sample_chunk = LanguageModel.sample, LanguageModel._sample_chunk

    def sampling(self, *args, **kwargs):
        checkpointing.append(self.model.is_gradient_checkpointing)
        return sample(self, *args, **kwargs)

    def generating(self, *args, **kwargs):
        seen: list[int] = []
        handle = decode_lengths(self.model, seen)
        try:
            return sample_chunk(self, *args, **kwargs)
        finally:
            handle.remove()
            chunks.append(seen)

    monkeypatch.setattr(LanguageModel, "sample", sampling)
    monkeypatch.setattr(LanguageModel, "_sample_chunk", generating)
    monkeypatch.setattr(RoleTrainer, "_generate_single_turn", lambda self, prompt_ids, *args, **kwargs:
                        trl_generated.append(len(prompt_ids)))
    config = load_config(None, [*tiny_overrides, "schedule.steps=1", "solver.activation_checkpointing=true"])
    summary = train(config, RunDir.create(config.run.output_dir), progress=False)
    assert summary["budget"]["optimizer_steps"] == 1 and trl_generated == []
    assert any(checkpointing)  # the run did turn it on
    # one pass over the prompts (all but their last token, when their samples share it: `_prompt_cache`), then
    # one token at a time: the cache holds the rest
    assert chunks and all(set(seen[1:]) <= {1} for seen in chunks)
    assert any(seen[0] > 1 for seen in chunks) and any(len(seen) > 1 for seen in chunks)


def test_one_generate_call_per_generation_batch(tiny_solver):
    model = tiny_solver.model
    rng = random.Random(5)
    problems = [tiny_solver.task.sample_problem(rng, 2) for _ in range(40)]
    chunks = []
    chunk = model._sample_chunk
    model._sample_chunk = lambda prompts, samples, *args: chunks.append(len(prompts) * samples) or chunk(
        prompts, samples, *args)
    try:
        tiny_solver.solve(problems, 8)  # 320 answers: one call under the default of 1,024 sequences
        assert chunks == [320]
        chunks.clear()
        model.generation_batch = 64
        tiny_solver.solve(problems, 8)
        assert chunks == [64] * 5
    finally:
        del model._sample_chunk
        model.generation_batch = 1024


def test_each_role_trainer_is_made_once_per_run(tiny_overrides, monkeypatch):
    made = []
    init = RoleTrainer.__init__

    def counting(self, role, *args, **kwargs):
        made.append(role)
        init(self, role, *args, **kwargs)

    monkeypatch.setattr(RoleTrainer, "__init__", counting)
    config = load_config(None, [*tiny_overrides, "schedule.steps=4", "model.shared=false"])
    summary = train(config, RunDir.create(config.run.output_dir), progress=False)
    assert summary["budget"]["optimizer_steps"] == 6  # 4 solver phases and 2 proposer phases ...
    assert sorted(made) == ["proposer", "solver"]  # ... by two trainers
