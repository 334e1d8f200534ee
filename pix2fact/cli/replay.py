"""`pix2fact replay`: step through a saved trajectory, list a run's tasks, or re-execute its tool calls.

    pix2fact replay RUN_DIR                     list the tasks with their status and verdict
    pix2fact replay RUN_DIR --task ID           step through one trajectory (Enter: next, q: quit)
    pix2fact replay RUN_DIR --task ID --all     print every step at once (the default when piped)
    pix2fact replay RUN_DIR --execute           re-run the recorded tool calls against today's tools;
                                                exit code 0 when every result is identical, 1 if not
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.table import Table

from pix2fact.cli.show import find_record, find_verdict, print_header, print_verdict, render_event
from pix2fact.errors import ConfigError
from pix2fact.replay import ExecutionReport, execute_again
from pix2fact.store import VERDICTS, RunStore
from pix2fact.trajectory import TaskRecord

MAX_DIFFERENCES_SHOWN = 20  # per task; the table counts them all


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("replay", help="step through a trajectory or re-execute a run's tool calls", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, metavar="RUN_DIR", help="a run folder under results/")
    parser.add_argument("--task", metavar="ID", help="the task to step through, or the only task to re-execute (default: list the tasks)")
    parser.add_argument("--epoch", type=int, help="which epoch of the task (default: 1 when stepping, every epoch with --execute)")
    parser.add_argument("--all", action="store_true", help="print every step at once instead of waiting for Enter (default when stdin is not a terminal)")
    # `dest` differs from the flag because `execute` names the command's entry point.
    parser.add_argument("--execute", dest="re_execute", action="store_true", help="re-execute the recorded tool calls and report results that differ")
    parser.add_argument("--web", type=Path, help="--execute: web snapshot folder (default: the run's own, or the sample's)")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace, console: Console) -> int:
    store = RunStore(args.run)
    store.read_manifest()
    if args.epoch is not None and args.epoch < 1:
        raise ConfigError(f"--epoch must be at least 1, got {args.epoch}")

    if args.re_execute:
        report = asyncio.run(execute_again(args.run, web=args.web, task_id=args.task, epoch=args.epoch))
        print_execution(report, console)
        return 0 if report.identical else 1

    if args.task is None:
        list_tasks(store, console)
        return 0

    record = find_record(store, args.task, args.epoch or 1)
    next_step = None if args.all or not _interactive(console) else _prompt(console)
    step_through(record, find_verdict(store, record), console, next_step)
    return 0


def list_tasks(store: RunStore, console: Console) -> None:
    """Print one row per finished task: status, verdict, failure class, steps and answer."""
    verdicts = {(row["task_id"], row.get("epoch", 1)): row for row in store.read_jsonl(VERDICTS)}
    table = Table(title=f"{store.folder.name}: pick a task with --task ID")
    for column in ("task", "epoch", "status", "verdict", "failure", "steps", "answer"):
        table.add_column(column, overflow="fold")
    for record in sorted(store.load_records().records, key=lambda item: item.key):
        verdict = verdicts.get(record.key, {})
        table.add_row(record.task_id, str(record.epoch), record.status, verdict.get("verdict", "-"), verdict.get("failure") or "-", str(record.steps), record.final_answer or "-")
    console.print(table)


def step_through(record: TaskRecord, verdict: dict | None, console: Console, next_step: Callable[[], bool] | None = None) -> int:
    """Print a trajectory one event at a time and return how many events were shown.

    Args:
        next_step: Called before each event after the first; returning False stops. None prints
            every event at once.
    """
    print_header(record, console)
    shown = 0
    for event in record.events:
        if shown and next_step is not None and not next_step():
            return shown
        console.print(render_event(event))
        shown += 1

    if shown and next_step is not None and not next_step():
        return shown
    print_verdict(record, verdict, console)
    return shown


def _interactive(console: Console) -> bool:
    try:
        return sys.stdin.isatty() and console.is_terminal
    except (AttributeError, ValueError, OSError):  # a closed or replaced stdin
        return False


def _prompt(console: Console) -> Callable[[], bool]:
    def next_step() -> bool:
        try:
            reply = console.input("[dim]Enter: next step · q: quit[/] ")
        except EOFError:
            return False
        return reply.strip().lower() not in ("q", "quit")

    return next_step


def print_execution(report: ExecutionReport, console: Console) -> None:
    """Print the summary table, then every difference of each task (up to a limit)."""
    table = Table(title=f"Re-executed tool calls of {Path(report.folder).name} (web: {report.web})")
    for column in ("task", "epoch", "calls", "result", "first difference"):
        table.add_column(column, overflow="fold")
    for task in report.tasks:
        if task.error:
            result, first = "error", task.error
        elif task.differences:
            difference = task.differences[0]
            result, first = f"{len(task.differences)} difference(s)", f"step {difference.step} {difference.tool}: {difference.field}"
        else:
            result, first = "identical", "-"
        table.add_row(task.task_id, str(task.epoch), f"{task.executed}/{task.calls}", result, first)
    console.print(table)

    for task in report.tasks:
        for difference in task.differences[:MAX_DIFFERENCES_SHOWN]:
            console.print(
                f"{task.task_id} (epoch {task.epoch}) step {difference.step} · {difference.tool} · {difference.field}:\n"
                f"    recorded: {difference.recorded}\n    now:      {difference.now}",
                highlight=False, markup=False,
            )
        if len(task.differences) > MAX_DIFFERENCES_SHOWN:
            console.print(f"{task.task_id}: {len(task.differences) - MAX_DIFFERENCES_SHOWN} more difference(s) not shown", highlight=False)

    same = sum(task.identical for task in report.tasks)
    if report.identical:
        console.print(f"All {same} task(s) identical: the tools and the web return what they returned when the run was recorded.")
    else:
        console.print(f"{len(report.tasks) - same} of {len(report.tasks)} task(s) differ from the recording.", highlight=False)
