"""Downloading the Pix2Fact release: its task file and the images its rows name.

The release is the Hugging Face dataset `DATASET_URL` (override it with `--dataset-url` or
`PIX2FACT_DATASET_URL`). It holds a CSV task file in the current release's columns at the top
of the repository (`Pix2Fact_1k.csv`) and the images at the paths its `local_image_path` column
gives. `download_dataset`:

1. lists the repository's files (with their sizes and hashes);
2. downloads the task file as published and reads its rows, keeping the first `limit`;
3. downloads each row's image to `DEST/local_image_path`, resuming `.part` files;
4. writes `DEST/pix2fact.csv`, which `--tasks` reads: the kept rows whose image is on disk,
   with image paths relative to `DEST`.

Image failures do not stop the other images. They are collected, the task file is written
without those rows, and a `DownloadError` listing them is raised at the end, so running the
command again fetches only what is still missing.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

import httpx

from pix2fact.hub import DownloadError, HubFile, HubRepo

logger = logging.getLogger(__name__)

DATASET_URL = "https://huggingface.co/datasets/pix2fact/Pix2FactBenchmark"
DATASET_URL_VARIABLE = "PIX2FACT_DATASET_URL"
RELEASE_TASK_FILES = ("Pix2Fact_1k.csv",)
TASK_FILE = "pix2fact.csv"
IMAGE_COLUMN = "local_image_path"


class DownloadProgress(Protocol):
    """Progress callbacks of a download; the CLI draws them with rich."""

    def start(self, total_bytes: int | None, files: int) -> None: ...

    def advance(self, count: int) -> None: ...


class _Silent:
    def start(self, total_bytes: int | None, files: int) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


@dataclass
class DownloadResult:
    """Summary of a download: the task file written, its task count, images and bytes fetched."""

    task_file: Path
    tasks: int
    images: int
    fetched_bytes: int
    failures: list[str] = field(default_factory=list)


def dataset_url(override: str | None = None) -> str:
    """Return the dataset URL: the option, else `PIX2FACT_DATASET_URL`, else `DATASET_URL`."""
    return (override or os.environ.get(DATASET_URL_VARIABLE) or DATASET_URL).strip()


def pick_task_file(files: dict[str, HubFile], url: str) -> HubFile:
    """Choose the release's task file among the listed files."""
    for name in RELEASE_TASK_FILES:
        if name in files:
            return files[name]
    top_level = [path for path in files if "/" not in path and path.lower().endswith((".csv", ".jsonl"))]
    if len(top_level) == 1:
        return files[top_level[0]]

    shown = ", ".join(sorted(files)[:8]) or "no files"
    raise DownloadError(
        f"no task file found in {url}: expected {' or '.join(RELEASE_TASK_FILES)} (or one top-level CSV/JSONL file) "
        f"but the dataset lists {shown}; the release layout may have changed"
    )


def read_rows(data: bytes, name: str) -> tuple[list[str], list[dict[str, str]]]:
    """Parse the release's CSV task file into its header and rows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DownloadError(f"the task file {name} is not UTF-8 text (byte {error.start}); the release layout may have changed") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    header = list(reader.fieldnames or [])
    if IMAGE_COLUMN not in header:
        raise DownloadError(f"the task file {name} has no {IMAGE_COLUMN!r} column (columns: {header}); the release layout may have changed")
    return header, rows


def image_path(row: dict[str, str], row_number: int) -> str:
    """Return a row's image path, relative and inside the dataset folder."""
    raw = (row.get(IMAGE_COLUMN) or "").strip().lstrip("/")
    path = PurePosixPath(raw)
    if not raw or ".." in path.parts:
        raise DownloadError(f"task file row {row_number}: {IMAGE_COLUMN} {raw!r} is not a path inside the dataset")
    return str(path)


def download_dataset(
    dest: Path,
    *,
    url: str | None = None,
    limit: int | None = None,
    revision: str = "main",
    workers: int = 4,
    client: httpx.Client | None = None,
    progress: DownloadProgress | None = None,
) -> DownloadResult:
    """Download the task file and images of the release into `dest`.

    Raises:
        DownloadError: the listing or the task file could not be fetched, or some images
            failed (after the task file of the others was written).
    """
    if limit is not None and limit < 1:
        raise DownloadError(f"--limit must be at least 1, got {limit}")
    url = dataset_url(url)
    progress = progress or _Silent()
    own_client = client is None
    client = client or httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0))
    try:
        repo = HubRepo(url, client, revision)
        files = repo.list_files()
        release_file = pick_task_file(files, url)
        release_path = dest / release_file.path
        fetched = repo.download(release_file, release_path)
        header, rows = read_rows(release_path.read_bytes(), release_file.path)
        rows = rows[:limit] if limit is not None else rows

        wanted: dict[str, HubFile] = {}
        failures: list[str] = []
        for number, row in enumerate(rows, start=2):
            path = image_path(row, number)
            listed = files.get(path)
            if listed is None:
                failures.append(f"{path}: not in the dataset listing")
            else:
                wanted[path] = listed

        sizes = [file.size for file in wanted.values()]
        progress.start(sum(sizes) if all(size is not None for size in sizes) else None, len(wanted))
        fetched += _download_images(repo, wanted, dest, workers, progress, failures)
    finally:
        if own_client:
            client.close()

    # Paths are written back relative (the release may start them with "/"), so the loader finds them in `dest`.
    kept = [{**row, IMAGE_COLUMN: image_path(row, number)} for number, row in enumerate(rows, start=2)]
    kept = [row for row in kept if (dest / row[IMAGE_COLUMN]).is_file()]
    task_file = dest / TASK_FILE
    _write_rows(task_file, header, kept)
    logger.info("wrote %s with %d task(s); %d byte(s) fetched", task_file, len(kept), fetched)
    result = DownloadResult(task_file=task_file, tasks=len(kept), images=len(wanted) - len(failures), fetched_bytes=fetched, failures=failures)
    if failures:
        shown = "; ".join(failures[:3]) + (f"; and {len(failures) - 3} more" if len(failures) > 3 else "")
        raise DownloadError(
            f"{len(failures)} image(s) failed ({shown}); {task_file} lists the {len(kept)} task(s) whose image is on disk; run the command again to retry the rest"
        )
    return result


def _download_images(repo: HubRepo, wanted: dict[str, HubFile], dest: Path, workers: int, progress: DownloadProgress, failures: list[str]) -> int:
    def fetch(file: HubFile) -> int:
        try:
            return repo.download(file, dest / file.path, progress.advance)
        except DownloadError as error:
            logger.error("%s", error)
            failures.append(str(error))
            return 0

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="download") as pool:
        return sum(pool.map(fetch, wanted.values()))


def _write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    temporary.replace(path)
