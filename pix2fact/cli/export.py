"""`pix2fact export`: write a run in the benchmark's own CSV layout, or as JSON lines."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from rich.console import Console

from pix2fact.export import FORMATS, check_format, export_run
from pix2fact.runner import read_run_tasks
from pix2fact.store import RunStore, write_atomic

logger = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("export", help="write a run as the benchmark's CSV or as JSON lines", description=__doc__)
    parser.add_argument("run", type=Path, metavar="RUN_DIR", help="a run folder under results/")
    parser.add_argument("--format", default="official-csv", metavar="FORMAT", help=f"one of: {', '.join(FORMATS)} (default: official-csv)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="file to write (default: standard output)")
    parser.add_argument("--images", type=Path, metavar="DIR", help="official-csv: write local_image_path relative to this folder (default: absolute paths)")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace, console: Console) -> int:
    check_format(args.format)
    text, rows = export_run(args.run, args.format, images=args.images)

    store = RunStore(args.run)
    unfinished = len(read_run_tasks(store)) - len({record.task_id for record in store.load_records().records})
    if unfinished > 0:
        logger.warning("%s: %d task(s) of the run have no finished record and are not exported", args.run, unfinished)

    if args.out is None:
        console.out(text, end="", highlight=False)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out, text)
    console.print(f"Wrote {rows} row(s) in {args.format} to {args.out}", highlight=False)
    return 0
