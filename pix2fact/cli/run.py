"""`pix2fact run`: evaluate an agent on a task set, save every trajectory, judge, print the table."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from rich.console import Console

from pix2fact.cli.progress import RunProgress
from pix2fact.cli.tables import print_leaderboard
from pix2fact.cli.web import add_web_arguments, web_config
from pix2fact.datasets import SAMPLE, resolve_tasks, sample_is_built
from pix2fact.errors import ConfigError
from pix2fact.judge.spec import JudgeSpec
from pix2fact.models.pricing import load_prices
from pix2fact.leaderboard import summarize_run
from pix2fact.loop import Limits
from pix2fact.plugins import parse_options
from pix2fact.runner import RunConfig, execute_run, prepare_run
from pix2fact.store import RunStore
from pix2fact.toolset import SETTINGS

logger = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("run", help="run an agent on a task set", description=__doc__)
    parser.add_argument("--agent", default="baseline", help="agent name (baseline, gemini, gpt, claude, openai-compatible), path/to/file.py:Class or module:Class (default: baseline)")
    parser.add_argument("-A", "--agent-option", action="append", default=[], metavar="KEY=VALUE", help="option passed to the agent; repeat for several")
    parser.add_argument("--model", help="model name for model agents (default: the agent's own default)")
    parser.add_argument("--base-url", help="API base URL for model agents (default: the SDK's environment variable)")
    parser.add_argument("--tasks", default=SAMPLE, help="'sample' for the bundled sample set, or a CSV/JSONL task file (default: sample)")
    parser.add_argument("--images", type=Path, help="folder that image paths in the task file are relative to (default: the task file's folder)")
    add_web_arguments(parser)
    parser.add_argument("--task-id", action="append", default=[], metavar="ID", help="run only this task id; repeat for several")
    parser.add_argument("--limit", type=int, help="run only the first N tasks (default: all)")
    parser.add_argument("--skip-invalid", action="store_true", help="skip task rows that fail validation instead of stopping (default: stop)")
    parser.add_argument("--concurrency", type=int, default=4, help="tasks run at the same time (default: 4)")
    parser.add_argument("--epochs", type=int, default=1, help="times each task is run (default: 1)")
    parser.add_argument("--setting", default="agentic", choices=SETTINGS, help="evaluation setting (default: agentic)")
    parser.add_argument("--coords", default="pixels", choices=("pixels", "norm1000"), help="crop box convention: original pixels, or 0-1000 [ymin, xmin, ymax, xmax] (default: pixels)")
    parser.add_argument("--crop-expand", type=float, default=0.0, help="c3/c4 only: pad the annotated region by this fraction of the image size, e.g. 0.15 (default: 0)")
    parser.add_argument("--max-steps", type=int, default=30, help="agent turns per task (default: 30)")
    parser.add_argument("--max-tokens", type=int, help="input+output tokens per task (default: no limit)")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="wall time per task in seconds (default: 600)")
    parser.add_argument("--out", type=Path, default=Path("results"), help="folder that run folders are written to (default: results/)")
    parser.add_argument("--run-id", help="name of the run folder (default: derived from agent, model, tasks and settings, so the same command resumes)")
    parser.add_argument("--resume", metavar="RUN_ID", help="resume this existing run; fails if its folder does not exist")
    parser.add_argument("--tool-results", type=Path, metavar="RUN_DIR", help="return this run's recorded results for every tool call but answer, instead of calling live tools (default: live tools)")
    parser.add_argument("--judge", default="rule", metavar="SPEC", help="grader: rule, llm:PROVIDER[:MODEL] or both:PROVIDER[:MODEL] (see pix2fact judge; default: rule)")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace, console: Console) -> int:
    judge = JudgeSpec.parse(args.judge)  # a bad --judge fails before any task runs
    load_prices()  # so does a bad PIX2FACT_PRICES file, instead of after the run
    if args.tasks == SAMPLE and not sample_is_built():
        console.print("Building the sample task set on first use (images and web snapshot; under a minute)...")
    config = build_config(args)
    prepared = prepare_run(config)
    _log_to_run_folder(prepared.store.folder)

    console.print(f"Run [bold]{prepared.run_id}[/]: {len(prepared.pending)} task(s) to run, {len(prepared.finished)} already finished")
    progress = RunProgress(console)
    try:
        with progress:
            outcome = asyncio.run(execute_run(prepared, progress, judge))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C: see runner._StopOnInterrupt
        saved = len(prepared.store.load_records().records)
        console.print(f"[yellow]Interrupted.[/] {saved} finished task(s) are saved in {prepared.store.folder}; run the same command again to resume.")
        return 130

    summary = summarize_run(outcome.folder)
    print_leaderboard([summary], console)
    console.print(f"Trajectories, crops and verdicts: {outcome.folder}")
    return 0


def build_config(args: argparse.Namespace) -> RunConfig:
    """Turn parsed options into a RunConfig, checking each value."""
    for name, minimum in (("concurrency", 1), ("epochs", 1), ("max_steps", 1)):
        value = getattr(args, name)
        if value < minimum:
            raise ConfigError(f"--{name.replace('_', '-')} must be at least {minimum}, got {value}")
    if args.max_tokens is not None and args.max_tokens < 1:
        raise ConfigError(f"--max-tokens must be at least 1, got {args.max_tokens}; leave it out for no limit")
    if args.max_seconds <= 0:
        raise ConfigError(f"--max-seconds must be positive, got {args.max_seconds}")
    if not 0 <= args.crop_expand <= 1:
        raise ConfigError(f"--crop-expand is a fraction of the image size between 0 and 1, got {args.crop_expand}")

    options = parse_options(args.agent_option)
    if args.model:
        options["model"] = args.model
    if args.base_url:
        options["base_url"] = args.base_url

    resolved = resolve_tasks(args.tasks, images=args.images, limit=args.limit, skip_invalid=args.skip_invalid, task_ids=args.task_id)
    if args.tool_results is not None:
        RunStore(args.tool_results).read_manifest()  # raises "not a run folder" before any work starts
    web = web_config(args, resolved)

    return RunConfig(
        agent=args.agent,
        agent_options=options,
        tasks=resolved.tasks,
        tasks_source=resolved.name,
        full_set_hash=resolved.full_set_hash,
        web_snapshot=web.path,
        web=web,
        out=args.out,
        run_id=args.resume or args.run_id,
        resume=bool(args.resume),
        concurrency=args.concurrency,
        epochs=args.epochs,
        setting=args.setting,
        coords=args.coords,
        crop_expand=args.crop_expand,
        limits=Limits(max_steps=args.max_steps, max_tokens=args.max_tokens, max_seconds=args.max_seconds),
        tool_results=args.tool_results,
    )


def _log_to_run_folder(folder: Path) -> None:
    """Keep an INFO log of the run beside its trajectories."""
    root = logging.getLogger("pix2fact")
    for handler in list(root.handlers):
        if getattr(handler, "_pix2fact_run_log", False):
            root.removeHandler(handler)
            handler.close()

    handler = logging.FileHandler(folder / "run.log", encoding="utf-8")
    handler._pix2fact_run_log = True  # type: ignore[attr-defined]
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
