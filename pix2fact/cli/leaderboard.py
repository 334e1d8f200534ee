"""`pix2fact leaderboard`: compare run folders in terminal tables (or markdown, CSV, JSON).

There is one row per run folder. A run is one agent, model, setting and task set (with all
its epochs), so rows of different runs are never merged: two runs of the same configuration
stay two rows, each labelled with its run id.
"""

from __future__ import annotations

import argparse
import logging
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Callable

from rich.console import Console

from pix2fact.cli.tables import leaderboard_text, print_leaderboard, task_set_warning
from pix2fact.errors import ConfigError
from pix2fact.leaderboard import RunSummary, summarize_runs

logger = logging.getLogger(__name__)

# Each sort key maps to a function reading the figure and to whether larger values rank first.
SORT_KEYS: dict[str, tuple[Callable[[RunSummary], Any], bool]] = {
    "accuracy": (lambda s: s.accuracy, True),
    "mean-accuracy": (lambda s: s.mean_accuracy, True),
    "pass": (lambda s: s.pass_at_k.get(s.epochs), True),
    "cost": (lambda s: s.cost_usd, False),
    "cost-per-correct": (lambda s: s.cost_per_correct, False),
    "tokens": (lambda s: s.input_tokens + s.output_tokens, False),
    "time": (lambda s: s.wall_time_s, False),
    "steps": (lambda s: s.mean_steps, False),
    "run": (lambda s: s.run_id, False),
    "agent": (lambda s: (s.agent, s.model or ""), False),
    "model": (lambda s: (s.model or "", s.agent), False),
}


def expand_run_folders(paths: list[Path], console: Console) -> list[Path]:
    """Accept run folders, or a parent such as results/ holding them; skip plain files from globs."""
    folders: list[Path] = []
    for path in paths:
        if path.is_file():  # results/* also matches results/README.md
            continue
        if path.is_dir() and not (path / "manifest.json").is_file():
            children = sorted(child for child in path.iterdir() if (child / "manifest.json").is_file())
            if children:
                folders.extend(children)
                continue
        folders.append(path)
    return folders


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("leaderboard", help="compare runs in a table", description=__doc__)
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR", help="run folders, or a folder holding them (shell globs work, e.g. results/*)")
    parser.add_argument("--format", default="table", choices=("table", "markdown", "csv", "json"), help="output format (default: table)")
    parser.add_argument("--sort", default="accuracy", choices=tuple(SORT_KEYS), help="sort rows by this figure, best first; runs without it go last (default: accuracy)")
    parser.add_argument("--setting", action="append", help="show only runs in this evaluation setting; repeat for several")
    parser.add_argument("--agent", action="append", help="show only runs of this agent name (shell-style wildcards such as 'gpt*' work); repeat for several")
    parser.add_argument("--model", action="append", help="show only runs of this model (wildcards work); repeat for several")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace, console: Console) -> int:
    summaries = summarize_runs(expand_run_folders(args.runs, console))
    selected = filter_summaries(summaries, settings=args.setting, agents=args.agent, models=args.model)
    if not selected:
        raise ConfigError(f"no run among the {len(summaries)} given matches --setting/--agent/--model; the runs are: {_describe(summaries)}")
    selected = sort_summaries(selected, args.sort)

    if args.format == "table":
        print_leaderboard(selected, console)
        return 0

    # Machine formats keep stdout parseable, so the task-set warning goes to the log (stderr).
    warning = task_set_warning(selected)
    if warning:
        logger.warning("%s", warning)
    text = leaderboard_text(selected, args.format)
    console.out(text if text.endswith("\n") else text + "\n", end="", highlight=False)
    return 0


def filter_summaries(
    summaries: list[RunSummary],
    settings: list[str] | None = None,
    agents: list[str] | None = None,
    models: list[str] | None = None,
) -> list[RunSummary]:
    """Keep the runs whose setting, agent and model match one of the given patterns each."""

    def matches(value: str | None, patterns: list[str] | None) -> bool:
        if not patterns:
            return True
        return any(fnmatchcase((value or "-").lower(), pattern.lower()) for pattern in patterns)

    return [
        summary
        for summary in summaries
        if matches(summary.setting, settings) and matches(summary.agent, agents) and matches(summary.model, models)
    ]


def sort_summaries(summaries: list[RunSummary], key: str) -> list[RunSummary]:
    """Sort best first by `key` (one of SORT_KEYS); runs without that figure go last."""
    read, larger_is_better = SORT_KEYS[key]
    known = [summary for summary in summaries if read(summary) is not None]
    unknown = [summary for summary in summaries if read(summary) is None]
    return sorted(known, key=read, reverse=larger_is_better) + unknown


def _describe(summaries: list[RunSummary]) -> str:
    return ", ".join(f"{summary.agent}/{summary.model or '-'}/{summary.setting}" for summary in summaries) or "none"
