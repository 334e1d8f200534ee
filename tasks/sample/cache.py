"""The per-user cache of built samples, and building each one once even under concurrency."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Iterator

from pix2fact.tasks.sample.build import SAMPLE_VERSION, build_sample, is_complete

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the atomic rename alone keeps folders whole.
    fcntl = None

logger = logging.getLogger(__name__)

CACHE_ENV = "PIX2FACT_CACHE_DIR"


def cache_root() -> Path:
    """Return $PIX2FACT_CACHE_DIR, or ~/.cache/pix2fact when it is unset or empty."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "pix2fact")


def default_sample_dir(seed: int = 0) -> Path:
    """Return the cache folder for the sample built with `seed` by this generator version."""
    return cache_root() / f"sample-v{SAMPLE_VERSION}-seed{seed}"


@contextlib.contextmanager
def _build_lock(dest: Path) -> Iterator[None]:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(dest.parent / f".{dest.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_sample(seed: int = 0, dest: Path | None = None) -> Path:
    """Return a complete sample folder, building it only if it is missing or incomplete.

    Processes that call this at once for the same folder wait on a file lock, so only the
    first one builds and the others reuse its result.

    Args:
        seed: the generator seed.
        dest: the folder to use; defaults to `default_sample_dir(seed)`.
    """
    dest = Path(dest) if dest is not None else default_sample_dir(seed)
    if is_complete(dest, seed):
        return dest

    with _build_lock(dest):
        if is_complete(dest, seed):
            return dest
        logger.info("sample folder %s is missing or incomplete; building it (seed %d)", dest, seed)
        return build_sample(dest, seed=seed)
