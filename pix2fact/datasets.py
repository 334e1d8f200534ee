"""Resolving `--tasks`: the bundled sample set by name, or a task file in a real format."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pix2fact.errors import ConfigError
from pix2fact.tasks.loaders import load_tasks
from pix2fact.tasks.model import Task, task_set_hash

logger = logging.getLogger(__name__)

SAMPLE = "sample"


def sample_is_built() -> bool:
    """Whether the sample set is already in the cache, so that using it starts at once."""
    from pix2fact.tasks.sample import default_sample_dir, is_complete

    return is_complete(default_sample_dir(), 0)


@dataclass
class ResolvedTasks:
    """Tasks ready to run, the name recorded for them, and the web snapshot that goes with them."""

    tasks: list[Task]
    name: str
    web_snapshot: Path | None
    full_set_hash: str
    skipped: int = 0


def resolve_tasks(
    source: str,
    *,
    images: Path | None = None,
    limit: int | None = None,
    skip_invalid: bool = False,
    task_ids: list[str] | None = None,
) -> ResolvedTasks:
    """Load the tasks named by `--tasks`, building the sample set first if it is not cached."""
    web_snapshot = None
    if source == SAMPLE:
        from pix2fact.tasks.sample import ensure_sample

        folder = ensure_sample()
        task_set = load_tasks(folder / "tasks.jsonl", images_dir=images or folder)
        web_snapshot = folder / "web"
        name = SAMPLE
    else:
        path = Path(source)
        if not path.exists():
            raise ConfigError(f"task file not found: {source}; pass --tasks sample or the path of a CSV/JSONL task file")
        task_set = load_tasks(path, images_dir=images, skip_invalid=skip_invalid)
        name = path.stem

    for error in task_set.skipped:
        logger.warning("skipped invalid task: %s", error)

    tasks = task_set.tasks
    full_set_hash = task_set_hash(tasks)
    if task_ids:
        known = {task.id for task in tasks}
        unknown = [task_id for task_id in task_ids if task_id not in known]
        if unknown:
            raise ConfigError(f"unknown task id(s) {', '.join(unknown)} in {source}; the first ids are {', '.join(sorted(known)[:5])}")
        tasks = [task for task in tasks if task.id in set(task_ids)]
    if limit is not None:
        if limit < 1:
            raise ConfigError(f"--limit must be at least 1, got {limit}")
        tasks = tasks[:limit]

    return ResolvedTasks(tasks=tasks, name=name, web_snapshot=web_snapshot, full_set_hash=full_set_hash, skipped=len(task_set.skipped))
