"""Shared state for the test_sample_* modules: one build of the sample per test session.

Each module wraps `built_sample` in its own session fixture. The build itself is cached here
at module level, because a fixture imported into several modules would run once per module.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from pix2fact.tasks.sample import ensure_sample

logger = logging.getLogger(__name__)

_BUILDS: dict[int, Path] = {}


def built_sample(factory: pytest.TempPathFactory, seed: int = 0) -> Path:
    """Return a sample folder for `seed`, built with `ensure_sample` on first use this session."""
    if seed not in _BUILDS:
        started = time.perf_counter()
        _BUILDS[seed] = ensure_sample(seed, factory.mktemp(f"sample-seed{seed}") / "sample")
        logger.info("test build of the sample (seed %d) took %.1f s", seed, time.perf_counter() - started)
    return _BUILDS[seed]


def read_jsonl(path: Path) -> list[dict]:
    """Return the JSON objects of a JSON-lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
