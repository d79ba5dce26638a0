"""Rehearsal (selfplay/replay.py): what the buffer keeps, how it draws, and that the loop trains on it."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from selfplay.config import load_config
from selfplay.errors import ConfigError
from selfplay.loop import train
from selfplay.replay import Replay
from selfplay.rundir import RunDir, load_problems
from selfplay.tasks.arithmetic import ArithmeticTask
from selfplay.types import Attempt, Judged, Verdict

TASK = ArithmeticTask()


def judged(text: str, rewards: list[float | None]) -> Judged:
    problem = TASK.parse_problem(text)
    return Judged(problem, [Attempt("", None)] * len(rewards), Verdict(rewards, None))


def texts(replay: Replay) -> dict[int, list[str]]:
    return {level: [p.text for p in problems.values()] for level, problems in replay.levels.items()}


def test_it_keeps_solved_problems_per_difficulty_newest_last_and_bounded():
    replay = Replay(TASK, size=2)
    replay.add([judged("1+2", [0.0, 1.0]), judged("3+4", [0.0, 0.0]), judged("5+6", [None, None]),
                judged("12+30", [1.0, 1.0]), judged("7+1", [1.0, 0.0])])
    assert texts(replay) == {1: ["1+2", "7+1"], 2: ["12+30"]}  # no answer rewarded: not kept
    replay.add([judged("1+2", [1.0, 1.0]), judged("8+8", [0.0, 1.0])])
    assert texts(replay) == {1: ["1+2", "8+8"], 2: ["12+30"]}  # 1+2 seen again is the newest; 7+1 the oldest
    assert len(replay) == 3


def test_a_draw_picks_a_difficulty_level_first_so_rare_levels_are_not_crowded_out():
    replay = Replay(TASK, size=1000)
    replay.add([judged("1+2", [1.0])] + [judged(f"{10 + i}+{20 + i}", [1.0]) for i in range(50)])
    drawn = replay.draw(random.Random(0), 2000)
    assert len(drawn) == 2000
    share = Counter(TASK.difficulty(p) for p in drawn)[1] / len(drawn)
    assert 0.4 < share < 0.6  # one 1-digit problem against fifty 2-digit ones, drawn about half the time
    assert Replay(TASK, size=10).draw(random.Random(0), 5) == []  # nothing solved yet: nothing to replay


def test_its_state_round_trips_through_json():
    replay = Replay(TASK, size=5)
    replay.add([judged("1+2", [1.0]), judged("12+30", [1.0]), judged("4+4", [1.0])])
    again = Replay(TASK, size=5)
    again.restore(json.loads(json.dumps(replay.state())))
    assert texts(again) == texts(replay)
    assert [p.key for p in again.draw(random.Random(3), 20)] == [p.key for p in replay.draw(random.Random(3), 20)]


@pytest.mark.parametrize("setting", ["schedule.replay_share=1", "schedule.replay_share=-0.1",
                                     "schedule.replay_size=0"])
def test_impossible_replay_settings_are_refused(setting):
    with pytest.raises(ConfigError, match="replay"):
        load_config(None, [setting])


def test_the_solver_trains_on_problems_it_solved_earlier(tiny_overrides):
    config = load_config(None, [*tiny_overrides, "schedule.steps=6", "schedule.replay_share=0.5",
                                "run.shard_every=1"])
    train(config, RunDir.create(config.run.output_dir), progress=False)
    rows = load_problems(config.run.output_dir).to_list()
    solved: set[str] = set()
    replayed = 0
    for step in range(1, 7):
        proposed = {r["problem"] for r in rows if r["role"] == "proposer" and r["step"] == step}
        answered = [r for r in rows if r["role"] == "solver" and r["step"] == step]
        old = [r for r in answered if r["problem"] not in proposed]
        assert {r["problem"] for r in old} <= solved  # a problem not proposed this step can only be one solved before
        assert all(r["trained"] for r in old)  # and a replayed problem is trained on, not only answered
        replayed += len(old)
        assert len(old) <= 2  # half of the 4 problems come from the buffer, unless they happen to be proposed again
        solved |= {r["problem"] for r in answered if any(x is not None and x > 0 for x in r["rewards"])}
    assert solved and replayed > 0


def test_a_replay_share_that_would_take_every_group_leaves_one_to_fresh_problems(tiny_overrides):
    # 4 groups per phase at replay_share 0.9 would be 4 replayed problems and none for the proposer to write
    config = load_config(None, [*tiny_overrides, "schedule.steps=5", "schedule.replay_share=0.9"])
    summary = train(config, RunDir.create(config.run.output_dir), progress=False)
    assert summary["steps"] == 5
    rows = load_problems(config.run.output_dir).to_list()
    for step in range(1, 6):
        proposed = {r["problem"] for r in rows if r["role"] == "proposer" and r["step"] == step}
        assert proposed  # the proposer wrote something every step
        trained = [r for r in rows if r["role"] == "solver" and r["step"] == step and r["trained"]]
        assert len([r for r in trained if r["problem"] not in proposed]) <= 3  # replayed: at most 3 of 4 groups
