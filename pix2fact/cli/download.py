"""`pix2fact download`: fetch the Pix2Fact release (task file and images) from Hugging Face."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from pix2fact.download import DATASET_URL, DATASET_URL_VARIABLE, download_dataset


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("download", help="download the Pix2Fact release from Hugging Face", description=__doc__)
    parser.add_argument("--dest", type=Path, default=Path("data"), help="folder for the task file and images (default: data/)")
    parser.add_argument("--limit", type=int, help="download only the first N tasks and their images (default: all)")
    parser.add_argument("--dataset-url", help=f"dataset page URL (default: ${DATASET_URL_VARIABLE}, else {DATASET_URL})")
    parser.add_argument("--revision", default="main", help="branch, tag or commit of the dataset (default: main)")
    parser.add_argument("--workers", type=int, default=4, help="files downloaded at the same time (default: 4)")
    parser.set_defaults(execute=execute)


class RichDownloadProgress:
    """One progress bar over all image bytes, with speed and time left."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task_id = None

    def __enter__(self) -> "RichDownloadProgress":
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def start(self, total_bytes: int | None, files: int) -> None:
        self.task_id = self.progress.add_task(f"{files} image(s)", total=total_bytes)

    def advance(self, count: int) -> None:
        if self.task_id is not None:
            self.progress.advance(self.task_id, count)


def execute(args: argparse.Namespace, console: Console) -> int:
    console.print(f"Downloading the Pix2Fact release into [bold]{args.dest}[/] ...")
    with RichDownloadProgress(console) as progress:
        result = download_dataset(args.dest, url=args.dataset_url, limit=args.limit, revision=args.revision, workers=args.workers, progress=progress)

    console.print(f"{result.tasks} task(s) in [bold]{result.task_file}[/], {result.fetched_bytes:,} byte(s) fetched now.")
    console.print(f"Next: pix2fact run --agent AGENT --tasks {result.task_file} --web live --search PROVIDER", highlight=False)
    return 0
