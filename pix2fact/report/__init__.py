"""The static HTML report of one run: `build_report(run_dir, out)`.

The page is one HTML file with its styles inlined. Its images (a ~480 px copy of each task
image and a ~240 px copy of each crop) are JPEG files in a folder beside it, named after the
page (`report.html` -> `report_files/`), so the page opens from disk with no server and no
network, and a run of a thousand tasks still loads quickly (images load lazily as you scroll).
"""

from __future__ import annotations

import logging
from pathlib import Path

from pix2fact.leaderboard import read_run, summarize
from pix2fact.report.collect import TaskReport, collect_tasks
from pix2fact.report.html import render_page
from pix2fact.report.images import ImageWriter

__all__ = ["DEFAULT_NAME", "TaskReport", "build_report", "files_folder"]

logger = logging.getLogger(__name__)

DEFAULT_NAME = "report.html"


def files_folder(page: Path) -> Path:
    """Return the folder that contains a page's images: `report.html` -> `report_files/`."""
    return page.with_name(f"{page.stem}_files")


def build_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the HTML report of a run folder and return the page's path.

    Args:
        run_dir: A run folder written by `pix2fact run`.
        out: The page to write; default `RUN_DIR/report.html`. Its images go beside it.

    Raises:
        ConfigError: when `run_dir` is not a run folder.
    """
    run = read_run(run_dir)
    page = Path(out) if out is not None else run.folder / DEFAULT_NAME
    page.parent.mkdir(parents=True, exist_ok=True)

    images = ImageWriter(files_folder(page), page.parent)
    tasks = collect_tasks(run, images)
    summary = summarize(run)
    # Written beside the target and renamed, so a reader never sees half a page. Unlike the
    # run's own files it gets the usual permissions, because a report is meant to be shared.
    temporary = page.with_name(f".{page.name}.tmp")
    temporary.write_text(render_page(summary, tasks), encoding="utf-8")
    temporary.replace(page)
    logger.info("report of %s: %d task(s), %d new image(s) -> %s", run.run_id, len(tasks), images.written, page)
    return page
