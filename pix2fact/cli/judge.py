"""`pix2fact judge`: grade saved runs again, attribute failures, and optionally confirm them by re-running.

Each pass writes `verdicts/VERSION__UTCSTAMP.jsonl` in the run folder and replaces
`verdicts.jsonl` with it; the agent is not run again unless `--confirm` is given.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pix2fact.cli.tables import print_leaderboard
from pix2fact.environment import Environment
from pix2fact.errors import ConfigError
from pix2fact.judge import Verdict
from pix2fact.judge.batch import RunJudge, run_setting, write_verdict_files
from pix2fact.judge.counterfactual import confirm_settings, run_confirmations
from pix2fact.judge.report import FailureReport, run_failure_report
from pix2fact.judge.spec import JudgeSpec
from pix2fact.leaderboard import summarize_run
from pix2fact.plugins import parse_options
from pix2fact.runner import read_run_tasks
from pix2fact.store import RunStore


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("judge", help="grade saved runs again; --confirm re-runs failures with each cause fixed", description=__doc__)
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR", help="run folders to grade")
    parser.add_argument("--judge", default="rule", metavar="SPEC", help="rule, llm:PROVIDER[:MODEL] or both:PROVIDER[:MODEL]; providers: gemini, openai, anthropic, openai-compatible (default: rule)")
    parser.add_argument("--judge-cache", type=Path, metavar="DIR", help="folder of cached LLM judgements (default: $PIX2FACT_JUDGE_CACHE, else judge/ in the pix2fact cache folder)")
    parser.add_argument("--llm-attribution", metavar="PROVIDER[:MODEL]", help="let this model read the trajectories of failures the signals leave 'unknown' (default: off)")
    parser.add_argument("--confirm", action="store_true", help="re-run each failed task once per suspected cause with that cause fixed, and record which fixes made the answer correct")
    parser.add_argument("-A", "--agent-option", action="append", default=[], metavar="KEY=VALUE", help="with --confirm: an agent option, overriding the one the run recorded; repeat for several")
    parser.add_argument("--web", type=Path, metavar="PATH", help="with --confirm: web snapshot folder for the re-runs (default: the run's, else the sample's)")
    parser.add_argument("--concurrency", type=int, default=4, help="with --confirm: re-runs at the same time (default: 4)")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace, console: Console) -> int:
    if args.concurrency < 1:
        raise ConfigError(f"--concurrency must be at least 1, got {args.concurrency}")
    agent_options = parse_options(args.agent_option)
    summaries = []
    for folder in args.runs:
        store = RunStore(folder)
        manifest = store.read_manifest()
        verdicts, ran = asyncio.run(_judge(store, manifest, args, agent_options))
        judge = JudgeSpec.parse(args.judge)
        path = write_verdict_files(store, verdicts, judge.slug)
        rerun = f", {ran} counterfactual re-run(s)" if args.confirm else ""
        console.print(f"{folder}: graded {len(verdicts)} task(s) with judge {judge.version}{rerun}; wrote {path.relative_to(store.folder)} and verdicts.jsonl")
        print_failure_report(run_failure_report(folder), console)
        summaries.append(summarize_run(folder))
    print_leaderboard(summaries, console)
    return 0


async def _judge(store: RunStore, manifest: dict, args: argparse.Namespace, agent_options: dict) -> tuple[list[Verdict], int]:
    """Judge the run; with --confirm, re-run its failures with each fix and judge again."""
    tasks = {task.id: task for task in read_run_tasks(store)}
    records = store.load_records().records
    setting = run_setting(store.folder)
    run_judge = RunJudge(args.judge, cache_dir=args.judge_cache, llm_attribution=args.llm_attribution)
    try:
        verdicts = await run_judge.judge_all(tasks, records, store.folder, setting)
        if not args.confirm:
            return verdicts, 0
        settings = confirm_settings(manifest, agent_options)
        async with _confirm_environment(manifest, args.web) as environment:
            ran = await run_confirmations(store, verdicts, tasks, environment, settings, concurrency=args.concurrency)
        return await run_judge.judge_all(tasks, records, store.folder, setting), ran
    finally:
        await run_judge.aclose()


def _confirm_environment(manifest: dict, web: Path | None) -> Environment:
    web_options = manifest.get("web_options") or {}
    recorded = web or manifest.get("web")
    if recorded is None and web_options.get("mode") not in (None, "snapshot"):
        raise ConfigError(f"the run used --web {web_options.get('mode')}; confirmation re-runs need a snapshot: pass --web PATH")
    if recorded is None:
        from pix2fact.tasks.sample import ensure_sample

        recorded = ensure_sample() / "web"
    return Environment.from_snapshot(Path(recorded))


CLASS_LETTERS = {"grounding": "G", "shallow_search": "S", "long_tail": "L", "reasoning": "R", "abstention": "A", "harness": "I", "unknown": "?"}


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def print_failure_report(report: FailureReport, console: Console) -> None:
    """Print a run's failure classes with 95% Wilson intervals, confirmations, categories and examples."""
    if not report.failed:
        console.print(f"No failures to attribute ({report.total} verdict(s)).")
        return
    shown = [figures for figures in report.classes if figures.count or figures.also]

    console.print(f"{report.failed} of {report.total} task(s) have a failure class (judge {report.judge_version})")
    table = Table(title="Failure classes")
    for name in ("class", "tasks", "share", "95% CI", "also"):
        table.add_column(name, justify="left" if name == "class" else "right")
    for figures in shown:
        table.add_row(figures.name, str(figures.count), _percent(figures.share), f"{_percent(figures.ci_low)}-{_percent(figures.ci_high)}", str(figures.also))
    console.print(table)
    console.print("[dim]share = tasks with this primary class / failed tasks; 95% CI by Wilson (assumes independent tasks); also = tasks listing it as a secondary class[/]")

    if report.confirmation_run:
        confirmed = Table(title="Counterfactual confirmation")
        for name in ("class", "suspected", "confirmed", "unconfirmed", "untested"):
            confirmed.add_column(name, justify="left" if name == "class" else "right")
        for figures in shown:
            tested = figures.confirmed + figures.not_confirmed + figures.untested
            if tested:
                confirmed.add_row(figures.name, str(tested), str(figures.confirmed), str(figures.not_confirmed), str(figures.untested))
        console.print(confirmed)
        console.print("[dim]suspected = tasks with the class as primary or secondary; confirmed = the fix made the answer correct; untested = no fix applies or the re-run could not decide[/]")

    primary = [figures.name for figures in report.classes if figures.count]
    categories = Table(title="Failures per category (primary class)")
    categories.add_column("category")
    categories.add_column("failed", justify="right")
    for name in primary:
        categories.add_column(CLASS_LETTERS[name], justify="right")
    for category, counts in report.categories.items():
        categories.add_row(category, str(counts["failed"]), *[str(counts[name]) for name in primary])
    console.print(categories)
    console.print("[dim]" + ", ".join(f"{CLASS_LETTERS[name]} {name}" for name in primary) + "[/]")

    for figures in report.classes:
        for example in figures.examples:
            mark = ""
            if example.confirmed is not None:
                mark = " [confirmed]" if example.confirmed else " [unconfirmed]"
            source = " (LLM reading)" if example.attribution_source == "llm" else ""
            console.print(
                f"  {figures.name}{source}{mark}: {example.task_id} (epoch {example.epoch}) answered {example.answer!r}, "
                f"gold {example.gold!r}: {example.evidence}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
