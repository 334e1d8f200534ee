"""Build the sample folder: task rows, ground-truth scenes, the web snapshot and the images.

Folder layout:

- `tasks.jsonl`: one task per line (see `records`).
- `scenes.jsonl`: the labelled panels of every image (ground truth, not for agents).
- `images/<index>.jpg`: 3840x2160 JPEGs.
- `web/`: a `pix2fact.tools.web.Snapshot` (`snapshot.json` + `pages.jsonl`).
- `manifest.json`: written last. It lists every file with its size, plus a fingerprint of the
  generator code. A folder without it, with a file of another size, or from other generator
  code counts as incomplete.

A build goes into a hidden sibling folder and is renamed into place at the end, so a killed
build never leaves a folder that looks complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import PIL

from pix2fact.tools.web import Snapshot, WebPage

from pix2fact.tasks.sample import records, webfiller, website
from pix2fact.tasks.sample.plan import SamplePlan, plan_sample
from pix2fact.tasks.sample.scenes import write_scene

logger = logging.getLogger(__name__)

# Bump when the generator's output changes, so cached folders of older versions are rebuilt.
SAMPLE_VERSION = 1
MANIFEST = "manifest.json"
SNAPSHOT_NAME = "pix2fact-sample"


def web_pages(plan: SamplePlan) -> list[WebPage]:
    """Return every page of the sample's web snapshot."""
    pages: list[WebPage] = []
    for task in plan.tasks:
        pages += website.target_pages(task)
        pages += website.twin_pages(task.twin, task.target)
        pages += [website.distractor_page(entity) for entity in task.distractors]

    entities = plan.entities()
    pages += webfiller.directory_pages(entities)
    pages += webfiller.news_pages(entities, plan.seed)
    pages += webfiller.event_pages(entities, plan.seed)
    return pages


def web_snapshot(plan: SamplePlan) -> Snapshot:
    """Return the web snapshot for a plan, serving every host its pages use."""
    pages = web_pages(plan)
    domains = sorted({page.url.split("/")[2] for page in pages})
    return Snapshot(SNAPSHOT_NAME, pages, domains)


def write_text_parts(plan: SamplePlan, folder: Path) -> None:
    """Write everything but the images: `tasks.jsonl`, `scenes.jsonl` and `web/`."""
    folder.mkdir(parents=True, exist_ok=True)
    records.write_jsonl(folder / "tasks.jsonl", [records.task_row(task) for task in plan.tasks])
    records.write_jsonl(folder / "scenes.jsonl", [records.scene_row(task) for task in plan.tasks])
    web_snapshot(plan).save(folder / "web")


def render_images(plan: SamplePlan, folder: Path, workers: int = 1) -> list[Path]:
    """Render every task's image into `folder/images`, in a process pool if `workers` > 1.

    One image takes about 0.2 s to draw and encode (measured on the 2-core build machine), so
    one process is the default. A pool only pays off on idle cores, and on Linux it forks the
    calling process with all its threads.
    """
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    jobs = [(task.scene, images / f"{task.index}.jpg") for task in plan.tasks]
    if workers <= 1:
        return [write_scene(scene, path) for scene, path in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(write_scene, *zip(*jobs)))


def generator_fingerprint() -> str:
    """Return a hash of this package's source and the Pillow version that draws the images.

    The output changes whenever either does, so a cache made by edited generator code is
    rebuilt even when `SAMPLE_VERSION` was not bumped.
    """
    digest = hashlib.sha256(PIL.__version__.encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def write_manifest(folder: Path, seed: int) -> None:
    """List every file of a finished build with its size; written last, it marks completeness."""
    files = {
        path.relative_to(folder).as_posix(): path.stat().st_size
        for path in sorted(folder.rglob("*")) if path.is_file() and path.name != MANIFEST
    }
    manifest = {"version": SAMPLE_VERSION, "seed": seed, "generator": generator_fingerprint(), "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def is_complete(folder: Path, seed: int) -> bool:
    """Whether `folder` contains a finished build of this version and seed with all its files."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("version") != SAMPLE_VERSION or manifest.get("seed") != seed:
        return False
    if manifest.get("generator") != generator_fingerprint():
        return False
    for name, size in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != size:
            return False
    return bool(manifest.get("files"))


def build_sample(dest: Path, *, seed: int = 0, workers: int = 1) -> Path:
    """Build the sample into `dest`, replacing whatever is there; returns `dest`.

    Args:
        dest: the folder to create or replace. Its parent is created if missing.
        seed: the generator seed; equal seeds give byte-identical files.
        workers: processes that render images; see `render_images`.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    staging = dest.parent / f".{dest.name}.building-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        plan = plan_sample(seed)
        write_text_parts(plan, staging)
        render_images(plan, staging, workers)
        write_manifest(staging, seed)
        _move_into_place(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    logger.info("built sample (seed %d, %d tasks) into %s in %.1f s",
                seed, len(plan.tasks), dest, time.perf_counter() - started)
    return dest


def _move_into_place(staging: Path, dest: Path) -> None:
    # rename() of a folder onto a non-empty folder fails, so the old build is first moved
    # aside. If another process renames its build into `dest` in between, the loop moves
    # that one aside too: the last finished build wins and both are complete.
    for _ in range(5):
        retired = None
        if dest.exists():
            retired = dest.parent / f".{dest.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            try:
                os.rename(dest, retired)
            except FileNotFoundError:
                retired = None
        try:
            os.rename(staging, dest)
        except OSError:
            if retired is not None:
                shutil.rmtree(retired, ignore_errors=True)
            continue
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
        return
    raise OSError(f"could not move the finished build {staging} to {dest}: another process kept "
                  "replacing it; remove the folder and build again")
