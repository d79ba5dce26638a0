"""The `selfplay` command: train, verify, list."""

from __future__ import annotations

import argparse
import contextlib
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
    train.add_argument("--dry-run", action="store_true",
                       help="check the config and build everything but the model weights; write nothing")
    train.add_argument("--resume", metavar="RUN_DIR", default=None,
                       help="continue a run that was stopped, from its last checkpoint (its own config is used)")

    verify = commands.add_parser("verify", help='judge JSON lines {"problem": ..., "answers": [...]} from stdin')
    verify.add_argument("--task", default="arithmetic")
    verify.add_argument("--verifier", default="sympy")
    verify.add_argument("overrides", nargs="*", metavar="section.key=value",
                        help="e.g. task.options.answer_format=plain or verifier.options.ties=no_label")

    evaluate = commands.add_parser("eval", help="held-out accuracy of a model per difficulty bucket")
    evaluate.add_argument("model_dir", metavar="MODEL",
                          help="a save_pretrained folder, such as a checkpoint, or a hub id (Qwen/Qwen2.5-3B-Instruct)")
    evaluate.add_argument("--config", default=None,
                          help="the config whose task, prompts and evaluation set to use (default: the run's, for a "
                               "folder inside a run directory; required otherwise)")
    evaluate.add_argument("--task", default=None, help="the task (default: the config's)")
    evaluate.add_argument("--k", type=int, default=8, help="samples per problem for maj@k and pass@k (0: greedy only)")
    evaluate.add_argument("--output", default=None, help="where to write the JSON (default: MODEL_DIR/eval.json)")
    evaluate.add_argument("overrides", nargs="*", metavar="section.key=value",
                          help="e.g. evaluation.max_difficulty=6 or task.options.answer_format=plain")

    report = commands.add_parser("report", help="plots of a run, as one HTML file and PNG files")
    report.add_argument("run_dir", metavar="RUN_DIR")

    experiment = commands.add_parser("experiment", help="train every method of experiment.methods on the same "
                                     "settings, then compare them")
    experiment.add_argument("args", nargs="*", metavar="[CONFIG] [section.key=value ...]")
    experiment.add_argument("--no-progress", action="store_true", help="no progress bars")
    experiment.add_argument("--jobs", type=int, default=1,
                            help="runs at a time, each in its own process with its share of the cores (default 1)")

    compare = commands.add_parser("compare", help="finished runs side by side: one table (Markdown, CSV) and plots")
    # "*", not "+": no RUN_DIR is then compare_runs' one-line error, like every other bad input
    compare.add_argument("run_dirs", nargs="*", metavar="RUN_DIR")
    compare.add_argument("--output", default="comparison",
                         help="the folder for the table and the plots (default: ./comparison)")

    commands.add_parser("list", help="name the built-in tasks, verifiers and proposer rewards")

    # Overrides may come before or after flags (`train a=1 --no-progress b=2`): argparse leaves the later ones over.
    args, extra = parser.parse_known_args(argv)
    unknown = [item for item in extra
               if "=" not in item or item.startswith("-") or args.command in ("list", "compare")]
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command in ("train", "experiment"):
        args.args += extra
    elif args.command in ("verify", "eval"):
        args.overrides += extra
    try:
        if args.command in ("train", "experiment"):
            from selfplay.distributed import leave_process_group

            status = _train(args) if args.command == "train" else _experiment(args)
            leave_process_group()
            return status
        if args.command == "verify":
            return _verify(args)
        if args.command == "eval":
            return _eval(args)
        if args.command == "report":
            from selfplay.report import build_report

            print(f"report written to {build_report(args.run_dir)}")
            return 0
        if args.command == "compare":
            from selfplay.compare import compare_runs

            result = compare_runs(args.run_dirs, args.output)
            print(result["markdown"])
            print(f"compare.md, compare.csv and {len(result['paths']) - 2} plots written to {args.output}/")
            return 0
        return _list()
    except ConfigError as error:
        print(f"selfplay: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a full disk, a folder made read-only mid-run: what was written stays valid
        resume = " (resume with: selfplay train --resume RUN_DIR)" if args.command in ("train", "experiment") else ""
        print(f"selfplay: error: cannot write: {error.strerror or error}{resume}", file=sys.stderr)
        return 2


def _config_and_overrides(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    paths = [a for a in args.args if "=" not in a]
    if len(paths) > 1:
        raise ConfigError(f"give at most one config file, got {len(paths)}: {' '.join(paths)}")
    return (paths[0] if paths else None), [a for a in args.args if "=" in a]


def _train(args: argparse.Namespace) -> int:
    from selfplay.config import load_config
    from selfplay.loop import train
    from selfplay.rundir import RunDir

    if args.resume is not None:
        if args.args or args.dry_run:
            raise ConfigError("--resume takes only the run directory: the run's own config.yaml is used")
        run_dir = RunDir.open_existing(args.resume)  # locked until this process is done with it
        try:
            config = load_config(run_dir.path / "config.yaml")
            print(f"selfplay: resuming the run in {run_dir.path}", file=sys.stderr)
            summary = train(config, run_dir, progress=not args.no_progress, resume=True)
        finally:
            run_dir.unlock()
        if summary:  # the main process's; with several processes the others have none
            print(format_summary(summary, run_dir.path))
        return 0
    path, overrides = _config_and_overrides(args)
    config = load_config(path, overrides)
    if args.dry_run:
        from selfplay.loop import plan

        print(json.dumps(plan(config), indent=2))
        print("dry run: the config is valid; nothing was written")
        return 0
    output_dir = config.run.output_dir or f"runs/{time.strftime('%Y%m%d-%H%M%S')}"
    created = not Path(output_dir).exists()
    run_dir = RunDir.create(output_dir)  # locked until this process is done with it
    print(f"selfplay: writing the run to {run_dir.path}", file=sys.stderr)
    try:
        summary = train(config, run_dir, progress=not args.no_progress)
    except Exception:
        # It failed while starting (a model that does not load, a setting found wrong late): leave no folder
        # behind, or an empty one if it was there before, so that the corrected command is accepted.
        if not run_dir.metrics_path.exists():
            run_dir.discard(created)
        raise
    finally:
        run_dir.unlock()
    if summary:
        print(format_summary(summary, run_dir.path))
    return 0


def _experiment(args: argparse.Namespace) -> int:
    """selfplay/experiment.py: each method (and seed) trained, then all compared."""
    from selfplay.experiment import run_experiment

    path, overrides = _config_and_overrides(args)
    result = run_experiment(path, overrides, progress=not args.no_progress, jobs=args.jobs,
                            on_finished=lambda summary, folder: print(format_summary(summary, folder), file=sys.stderr))
    print(result["markdown"])
    print(f"comparison written to {Path(result['paths'][0]).parent}/")
    return 0


def format_summary(summary: dict[str, Any], path: Path) -> str:
    """The end-of-run summary: held-out accuracy per bucket before and after, the curriculum, time and memory."""
    lines = [
        f"{summary.get('method', 'selfplay')} finished: {summary['steps']} steps, "
        f"{summary['wall_seconds']:.0f} s in all "
        f"(warm start included), peak memory {summary['peak_memory_mb']:.0f} MB   (run directory: {path})",
        warm_start_line(summary["warm_start"]),
    ]
    if "budget" in summary:
        budget = summary["budget"]
        lines.append(f"budget: {budget['optimizer_steps']} optimizer steps, "
                     f"{budget['sampled_answers']} sampled answers, "
                     f"{budget['trained_examples']} answers trained on")
    lines += [
        "",
        "held-out accuracy (greedy), per difficulty bucket:",
    ]
    start, end = summary["evaluation"]["start"], summary["evaluation"]["end"]
    lines.append("  bucket     start     end    change     n")
    for bucket, before in start["accuracy"].items():
        after = end["accuracy"][bucket]
        change = 100 * (after - before)
        lines.append(f"  {bucket:<8} {before:7.1%} {after:7.1%} {change:+7.1f} pt {start['count'][bucket]:5d}")
    curriculum = summary["curriculum"] if summary.get("method", "selfplay") == "selfplay" else []  # no proposer
    if curriculum:
        lines += ["", "curriculum (means over spans of steps):",
                  "  steps        difficulty  carries  valid  solver reward  solve rate in (0,1)"]
    for span in curriculum:
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
    """What each role's warm start did, a line each, and a warning line for a warm start that missed its target."""
    from selfplay.warmstart import describe, miss_line, warm_start_records

    records = warm_start_records(warm)
    lines = [describe(role, record) for role, record in records]
    lines += [f"WARNING: {miss_line(record)}" for _, record in records if record.get("target_met") is False]
    return "\n".join(lines)


def _verify(args: argparse.Namespace) -> int:
    """One JSON answer per input line, whatever the line or the verifier does: a bad line is a one-line error (and
    exit status 2 at the end), never a traceback. Anything the task or the verifier prints goes to stderr, so
    stdout holds the JSON lines only."""
    import yaml

    from selfplay.components import make_task, make_verifier
    from selfplay.config import TaskConfig, VerifierConfig
    from selfplay.rundir import finite

    options: dict[str, dict[str, Any]] = {"task": {}, "verifier": {}}
    limit: dict[str, Any] = {}
    for override in args.overrides:
        key, separator, text = override.partition("=")
        if separator and key == "verifier.time_limit_seconds":
            limit["time_limit_seconds"] = yaml.safe_load(text)
            continue
        section, _, name = key.partition(".options.")
        if not separator or section not in options or not name:
            raise ConfigError("verify takes task.options.KEY=VALUE, verifier.options.KEY=VALUE or "
                              f"verifier.time_limit_seconds=SECONDS, got {override!r}")
        options[section][name] = yaml.safe_load(text)
    output = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # a user's module may print on import, a verifier as it judges
        task = make_task(TaskConfig(args.task, options["task"]))
        verifier = make_verifier(VerifierConfig(args.verifier, options["verifier"], **limit))
        failed = False
        for number, line in enumerate(_input_lines(), start=1):
            if isinstance(line, str) and not line.strip():
                continue
            try:
                result = _verify_line(task, verifier, line)
                text = json.dumps(finite(result), allow_nan=False, default=str)
            except Exception as error:  # noqa: BLE001 - whatever went wrong, this line gets its one answer
                result = f"{type(error).__name__}: {error}"[:200]
                text = ""
            if isinstance(result, str):  # what is wrong with the line
                failed = True
                print(f"selfplay: error: line {number}: {result}", file=sys.stderr)
                text = json.dumps({"rewards": [], "label": None, "status": "invalid", "error": result})
            output.write(text + "\n")
            output.flush()
    return 2 if failed else 0


def _input_lines() -> Any:
    """stdin's lines, each decoded alone: a line that is not UTF-8 is reported as such (a bytes object), and the
    lines after it are still read."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream without bytes underneath (tests hand a StringIO)
        yield from sys.stdin
        return
    for raw in stream:
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield raw


def _verify_line(task: Any, verifier: Any, line: str | bytes) -> dict[str, Any] | str:
    """The JSON answer to one input line, or what is wrong with the line."""
    from agents.model import guarded
    from selfplay.judging import judge_group
    from selfplay.types import Attempt

    if isinstance(line, bytes):
        return "not UTF-8 text"
    case = _read_case(line)
    if isinstance(case, str):
        return case
    problem_text, answers = case
    # guarded, as in training: a task's parser that raises on a line reads nothing from it
    problem = guarded(task.parse_problem, problem_text)
    attempts = [Attempt(answer, guarded(task.extract_answer, answer)) for answer in answers]
    if problem is None:
        result = {"rewards": [None] * len(answers), "label": None, "status": "invalid",
                  "reason": "the task cannot parse this problem"}
    else:
        verdict = judge_group(verifier, task, problem, attempts)
        result = {"rewards": verdict.rewards, "label": verdict.label, "status": verdict.status,
                  "diagnostics": verdict.diagnostics}
    result["extracted"] = [attempt.answer for attempt in attempts]
    return result


def _eval(args: argparse.Namespace) -> int:
    """Evaluate a saved model or a hub model. Inside a run directory, the run's config supplies the task, its
    options, the solver's sampling settings and the warm-start range (buckets inside it are in-distribution);
    elsewhere `--config` must (a tiny model's prompts would silently mean nothing to another model)."""
    from agents import LanguageModel, Sampling
    from selfplay.compare import difficulty
    from selfplay.components import make_task
    from selfplay.config import load_config
    from selfplay.evaluation import evaluate, load_eval_set

    model_dir = Path(args.model_dir)
    if model_dir.exists() and not (model_dir / "config.json").is_file():
        raise ConfigError(f"no model in {model_dir}: expected a save_pretrained folder with config.json")
    run_config = next((parent / "config.yaml" for parent in model_dir.resolve().parents
                       if (parent / "config.yaml").is_file()), None) if model_dir.exists() else None
    if args.config is None and run_config is None:
        raise ConfigError(f"{args.model_dir} is not inside a run directory: name the config to evaluate it with, "
                          "--config CONFIG (configs/default.yaml is the embedded default's)")
    overrides = list(args.overrides)
    if args.task is not None:
        overrides.insert(0, f"task.name={args.task}")
    config = load_config(args.config or run_config, overrides)
    task = make_task(config.task)
    model = LanguageModel.load(args.model_dir, config.model.chat_template, config.model.dtype)
    eval_set = load_eval_set(task, config.evaluation)
    solver_args = config.grpo_config("solver", "unused")
    max_new_tokens = config.evaluation.max_new_tokens or solver_args.max_completion_length
    result = evaluate(model, task, eval_set, max_new_tokens, args.k, config.evaluation.temperature, progress=True,
                      sampling=Sampling.of(solver_args), markers=config.instruments.markers)
    warm = config.model.warm_start
    trained = range(warm.min_difficulty, warm.max_difficulty + 1) if warm.steps and run_config else None
    result["distribution"] = {bucket: ("unknown" if trained is None or difficulty(bucket) is None else
                                       "in" if difficulty(bucket) in trained else "out")
                              for bucket in result["count"]}
    result["model"], result["task"] = args.model_dir, task.name
    result["config"] = str(args.config or run_config)
    hub_output = Path(f"eval-{args.model_dir.replace('/', '--')}.json")
    output = Path(args.output) if args.output else model_dir / "eval.json" if model_dir.exists() else hub_output
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(format_eval(result))
    print(f"written to {output}")
    return 0


def format_eval(result: dict[str, Any]) -> str:
    metrics = [name for name in result if name == "accuracy" or "@" in name]
    names = {m: "greedy" if m == "accuracy" else m for m in metrics}
    widths = {m: max(9, len(names[m]) + 2) for m in metrics}
    lines = ["  bucket  dist    " + "".join(f"{names[m]:>{widths[m]}}" for m in metrics) + "      n"]
    for bucket, count in result["count"].items():
        # a bucket may lack a score: no sampled answer wrote a marker, say
        cells = "".join(f"{result[m][bucket]:{widths[m]}.1%}" if bucket in result[m] else f"{'-':>{widths[m]}}"
                        for m in metrics)
        lines.append(f"  {bucket:<7} {result['distribution'][bucket]:<7} {cells} {count:6d}")
    return "\n".join(lines)


def _read_case(line: str) -> tuple[str, list[str]] | str:
    """The problem and answers of one input line, or what is wrong with it."""
    if len(line) > MAX_VERIFY_LINE_CHARS:
        return f"line longer than {MAX_VERIFY_LINE_CHARS} characters"
    try:
        case = json.loads(line)
    except json.JSONDecodeError as error:
        return f"not JSON: {error.msg}"
    except RecursionError:
        return "not JSON this reader can take: nested too deeply"
    except ValueError as error:  # an integer of more digits than Python converts, say
        return f"not JSON this reader can take: {str(error).splitlines()[0][:100]}"
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
