"""The `selfplay` command: train, verify, list."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from selfplay.errors import ConfigError

# A `verify` input line longer than this is refused before parsing.
MAX_VERIFY_LINE_CHARS = 1_000_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="selfplay", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="run self-play (the embedded default without a CONFIG)")
    train.add_argument("args", nargs="*", metavar="[CONFIG] [section.key=value ...]",
                       help="a YAML config, then overrides such as schedule.steps=20")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")

    verify = commands.add_parser("verify", help='judge JSON lines {"problem": ..., "answers": [...]} from stdin')
    verify.add_argument("--task", default="arithmetic")
    verify.add_argument("--verifier", default="sympy")
    verify.add_argument("overrides", nargs="*", metavar="section.key=value",
                        help="e.g. task.options.answer_format=plain or verifier.options.ties=no_label")

    commands.add_parser("list", help="name the built-in tasks, verifiers and proposer rewards")

    # Overrides may come before or after flags (`train a=1 --no-progress b=2`): argparse leaves the later ones over.
    args, extra = parser.parse_known_args(argv)
    unknown = [item for item in extra if "=" not in item or item.startswith("-") or args.command == "list"]
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command == "train":
        args.args += extra
    elif args.command == "verify":
        args.overrides += extra
    try:
        if args.command == "train":
            return _train(args)
        if args.command == "verify":
            return _verify(args)
        return _list()
    except ConfigError as error:
        print(f"selfplay: error: {error}", file=sys.stderr)
        return 2


def _train(args: argparse.Namespace) -> int:
    from selfplay.config import load_config
    from selfplay.loop import train
    from selfplay.rundir import RunDir

    paths = [a for a in args.args if "=" not in a]
    overrides = [a for a in args.args if "=" in a]
    if len(paths) > 1:
        raise ConfigError(f"give at most one config file, got {len(paths)}: {' '.join(paths)}")
    config = load_config(paths[0] if paths else None, overrides)
    output_dir = config.run.output_dir or f"runs/{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir = RunDir.create(output_dir)
    print(f"selfplay: writing the run to {run_dir.path}", file=sys.stderr)
    summary = train(config, run_dir, progress=not args.no_progress)
    print(format_summary(summary, run_dir.path))
    return 0


def format_summary(summary: dict[str, Any], path: Path) -> str:
    """The end-of-run summary: held-out accuracy per bucket before and after, the curriculum, time and memory."""
    lines = [
        f"self-play finished: {summary['steps']} steps in {summary['wall_seconds']:.0f} s, "
        f"peak memory {summary['peak_memory_mb']:.0f} MB   (run directory: {path})",
        warm_start_line(summary["warm_start"]),
        "",
        "held-out accuracy (greedy), per difficulty bucket:",
    ]
    start, end = summary["evaluation"]["start"], summary["evaluation"]["end"]
    lines.append("  bucket     start     end    change     n")
    for bucket, before in start["accuracy"].items():
        after = end["accuracy"][bucket]
        lines.append(f"  {bucket:<8} {before:7.1%} {after:7.1%} {100 * (after - before):+7.1f} pt {start['count'][bucket]:5d}")
    lines += ["", "curriculum (means over spans of steps):",
              "  steps        difficulty  carries  valid  solver reward  solve rate in (0,1)"]
    for span in summary["curriculum"]:
        cells = [span.get(key) for key in ("proposer/difficulty_mean", "proposer/features/carries_mean",
                                           "proposer/valid_rate", "solver/reward_mean", "solver/solve_rate/some")]
        shown = ["   -  " if value is None else f"{value:6.2f}" for value in cells]
        lines.append(f"  {span['first_step']:>4}-{span['last_step']:<6} {shown[0]:>10}  {shown[1]:>7}  {shown[2]:>5}"
                     f"  {shown[3]:>13}  {shown[4]:>19}")
    table = summary["verifier_by_bucket"]
    buckets = sorted({b for span in table for b in span["buckets"]}, key=lambda name: int(name.rstrip("d")))
    if buckets:
        lines += ["", "verifier precision (label = truth) / solver accuracy on its training problems, per bucket:",
                  "  steps       " + "".join(f"{bucket:>14}" for bucket in buckets)]
        for span in table:
            cells = []
            for bucket in buckets:
                cell = span["buckets"].get(bucket)
                if cell is None:
                    cells.append(f"{'-':>14}")
                    continue
                precision = "  - " if cell["precision"] is None else f"{cell['precision']:4.0%}"
                cells.append(f"{precision:>7} /{cell['accuracy']:4.0%}")
            lines.append(f"  {span['first_step']:>4}-{span['last_step']:<6}" + "".join(cells))
    return "\n".join(lines)


def warm_start_line(warm: dict[str, Any]) -> str:
    records = [warm] if "steps" in warm else [dict(w, role=role) for role, w in warm.items()]
    parts = []
    for record in records:
        if not record.get("steps"):
            parts.append("no warm start")
            continue
        parts.append(f"{record.get('role', 'warm start')}: {record['steps']} supervised steps on difficulty "
                     f"{record['min_difficulty']}-{record['max_difficulty']} (proposer shown up to "
                     f"{record['proposer_max_difficulty']}), {'loaded from' if record['cached'] else 'saved to'} "
                     f"{record['cache']}")
    return "; ".join(parts)


def _verify(args: argparse.Namespace) -> int:
    import yaml

    from selfplay.components import make_task, make_verifier
    from selfplay.config import TaskConfig, VerifierConfig
    from selfplay.judging import judge_group
    from selfplay.types import Attempt

    options: dict[str, dict[str, Any]] = {"task": {}, "verifier": {}}
    for override in args.overrides:
        key, separator, text = override.partition("=")
        section, _, name = key.partition(".options.")
        if not separator or section not in options or not name:
            raise ConfigError(f"verify takes task.options.KEY=VALUE or verifier.options.KEY=VALUE, got {override!r}")
        options[section][name] = yaml.safe_load(text)
    task = make_task(TaskConfig(args.task, options["task"]))
    verifier = make_verifier(VerifierConfig(args.verifier, options["verifier"]))
    failed = False
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        case = _read_case(line)
        if isinstance(case, str):
            failed = True
            print(f"selfplay: error: line {number}: {case}", file=sys.stderr)
            print(json.dumps({"rewards": [], "label": None, "status": "invalid", "error": case}), flush=True)
            continue
        problem_text, answers = case
        problem = task.parse_problem(problem_text)
        attempts = [Attempt(answer, task.extract_answer(answer)) for answer in answers]
        if problem is None:
            result = {"rewards": [None] * len(answers), "label": None, "status": "invalid",
                      "reason": "the task cannot parse this problem"}
        else:
            verdict = judge_group(verifier, task, problem, attempts)
            result = {"rewards": verdict.rewards, "label": verdict.label, "status": verdict.status,
                      "diagnostics": verdict.diagnostics}
        result["extracted"] = [attempt.answer for attempt in attempts]
        print(json.dumps(result), flush=True)
    return 2 if failed else 0


def _read_case(line: str) -> tuple[str, list[str]] | str:
    """The problem and answers of one input line, or what is wrong with it."""
    if len(line) > MAX_VERIFY_LINE_CHARS:
        return f"line longer than {MAX_VERIFY_LINE_CHARS} characters"
    try:
        case = json.loads(line)
    except json.JSONDecodeError as error:
        return f"not JSON: {error.msg}"
    if not isinstance(case, dict) or not isinstance(case.get("problem"), str):
        return 'expected an object with "problem" (a string) and "answers" (a list of strings)'
    answers = case.get("answers")
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        return '"answers" must be a list of strings'
    return case["problem"], answers


def _list() -> int:
    from selfplay.rewards import PROPOSER_REWARDS
    from selfplay.tasks import TASKS
    from verifiers import VERIFIERS

    for title, table in (("tasks", TASKS), ("verifiers", VERIFIERS), ("proposer rewards", PROPOSER_REWARDS)):
        print(f"{title}:")
        for name, cls in table.items():
            doc = (cls.__doc__ or "").strip().splitlines()
            print(f"  {name:<14} {doc[0] if doc else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
