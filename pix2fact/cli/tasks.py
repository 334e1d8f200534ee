"""`pix2fact tasks`: build the bundled sample set, or list the tasks of a set."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pix2fact.datasets import SAMPLE, resolve_tasks


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("tasks", help="build the sample set or list tasks", description=__doc__)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    build = actions.add_parser("build-sample", help="(re)build the sample tasks, images and web snapshot")
    build.add_argument("--seed", type=int, default=0, help="random seed of the generator (default: 0)")
    build.add_argument("--dest", type=Path, help="output folder (default: the cache folder, ~/.cache/pix2fact or $PIX2FACT_CACHE_DIR)")
    build.set_defaults(execute=execute_build)

    listing = actions.add_parser("list", help="list the tasks of a task set")
    listing.add_argument("--tasks", default=SAMPLE, help="'sample' or a CSV/JSONL task file (default: sample)")
    listing.add_argument("--images", type=Path, help="folder that image paths are relative to (default: the task file's folder)")
    listing.set_defaults(execute=execute_list)


def execute_build(args: argparse.Namespace, console: Console) -> int:
    from pix2fact.tasks.sample import build_sample, default_sample_dir

    dest = args.dest or default_sample_dir(args.seed)
    clock = time.monotonic()
    folder = build_sample(dest, seed=args.seed)
    console.print(f"Built the sample set in {time.monotonic() - clock:.1f} s: {folder}")
    return 0


def execute_list(args: argparse.Namespace, console: Console) -> int:
    resolved = resolve_tasks(args.tasks, images=args.images)
    table = Table(title=f"{resolved.name}: {len(resolved.tasks)} tasks")
    for column in ("id", "category", "question"):
        table.add_column(column)
    for task in resolved.tasks:
        table.add_row(task.id, task.category, task.question)
    console.print(table)
    return 0
