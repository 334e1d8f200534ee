"""Shared fixtures. The sample set is built once per machine into the cache and reused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from pix2fact.cli import main


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled sample set (tasks.jsonl, images/, web/), built on first use."""
    from pix2fact.tasks.sample import ensure_sample

    return ensure_sample()


class CliResult:
    def __init__(self, code: int, output: str) -> None:
        self.code = code
        self.output = output


@pytest.fixture
def cli():
    """Run the command line in-process and capture what it prints."""

    def invoke(*argv: str) -> CliResult:
        buffer = io.StringIO()
        console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
        code = main([str(arg) for arg in argv], console=console)
        return CliResult(code, buffer.getvalue())

    return invoke
