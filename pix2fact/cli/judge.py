"""`pix2fact judge`: grade a saved run again without re-running the agent."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from pix2fact.cli.tables import print_leaderboard
from pix2fact.leaderboard import summarize_run
from pix2fact.runner import judge_run
from pix2fact.store import RunStore


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("judge", help="grade a saved run again", description=__doc__)
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR", help="run folders to grade")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace, console: Console) -> int:
    summaries = []
    for folder in args.runs:
        store = RunStore(folder)
        store.read_manifest()
        verdicts = judge_run(store)
        console.print(f"{folder}: graded {len(verdicts)} task(s)")
        summaries.append(summarize_run(folder))
    print_leaderboard(summaries, console)
    return 0
