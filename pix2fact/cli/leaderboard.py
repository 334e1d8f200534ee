"""`pix2fact leaderboard`: compare run folders in terminal tables (or markdown, CSV, JSON)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from pix2fact.cli.tables import leaderboard_text, print_leaderboard
from pix2fact.leaderboard import summarize_runs

SORT_KEYS = ("accuracy", "run", "agent", "tokens", "time")


def expand_run_folders(paths: list[Path], console: Console) -> list[Path]:
    """Accept run folders, or a parent such as results/ holding them; skip plain files from globs."""
    folders: list[Path] = []
    for path in paths:
        if path.is_file():
            console.print(f"[dim]skipping {path}: a file, not a run folder[/]")
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
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR", help="run folders (shell globs work, e.g. results/*)")
    parser.add_argument("--format", default="table", choices=("table", "markdown", "csv", "json"), help="output format (default: table)")
    parser.add_argument("--sort", default="accuracy", choices=SORT_KEYS, help="sort rows by this column, best first (default: accuracy)")
    parser.add_argument("--setting", help="show only runs in this evaluation setting")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace, console: Console) -> int:
    summaries = summarize_runs(expand_run_folders(args.runs, console))
    if args.setting:
        summaries = [summary for summary in summaries if summary.setting == args.setting]

    sort_key = {
        "accuracy": lambda s: -(s.accuracy or 0.0),
        "run": lambda s: s.run_id,
        "agent": lambda s: (s.agent, s.model or ""),
        "tokens": lambda s: s.input_tokens + s.output_tokens,
        "time": lambda s: s.wall_time_s,
    }[args.sort]
    summaries.sort(key=sort_key)

    task_sets = {summary.task_set for summary in summaries}
    if len(task_sets) > 1:
        console.print(f"[yellow]warning:[/] these runs used {len(task_sets)} different task sets ({', '.join(sorted(task_sets))}); their accuracies are not directly comparable")

    if args.format == "table":
        print_leaderboard(summaries, console)
    else:
        console.out(leaderboard_text(summaries, args.format), end="", highlight=False)
    return 0
