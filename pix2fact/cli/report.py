"""`pix2fact report`: write a static HTML page of one run that opens from disk.

The page shows the leaderboard, then per task the image with the annotated region and every
crop drawn on it, the crops, the searches, the pages, the steps and the verdict with its
failure class and evidence.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from pix2fact.report import DEFAULT_NAME, build_report, files_folder


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("report", help="write an HTML report of a run", description=__doc__)
    parser.add_argument("run", type=Path, metavar="RUN_DIR", help="a run folder under results/")
    parser.add_argument("--out", type=Path, metavar="FILE", help=f"the HTML file to write; its images go in FILE's name + _files beside it (default: RUN_DIR/{DEFAULT_NAME})")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace, console: Console) -> int:
    page = build_report(args.run, args.out)
    console.print(f"report: {page} (images in {files_folder(page)})", highlight=False, soft_wrap=True)
    return 0
