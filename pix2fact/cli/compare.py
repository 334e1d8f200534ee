"""`pix2fact compare`: a paired comparison of two runs on the tasks both graded.

Prints the accuracy of each run on the shared tasks, the difference with a 95% interval,
McNemar's test and the tasks where one run was right and the other wrong.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pix2fact.report.columns import percent
from pix2fact.compare import CI_NEWCOMBE, Comparison, compare_runs

logger = logging.getLogger(__name__)

CI_NAMES = {
    CI_NEWCOMBE: "Newcombe's paired score interval",
    "bootstrap-image": "paired bootstrap over images, 2000 resamples",
}
ANSWER_WIDTH = 40  # characters of an answer shown in the terminal; JSON keeps them whole


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("compare", help="compare two runs task by task", description=__doc__)
    parser.add_argument("first", type=Path, metavar="RUN_A", help="the first run folder")
    parser.add_argument("second", type=Path, metavar="RUN_B", help="the second run folder")
    parser.add_argument("--epoch", type=int, default=1, help="which epoch of each task to compare (default: 1)")
    parser.add_argument("--format", default="table", choices=("table", "markdown", "json"), help="output format (default: table)")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace, console: Console) -> int:
    comparison = compare_runs(args.first, args.second, epoch=args.epoch)
    if args.format == "json":
        console.out(json.dumps(comparison.model_dump(mode="json"), indent=2), highlight=False)
    elif args.format == "markdown":
        if not comparison.same_task_set:
            logger.warning("%s", _task_set_note(comparison))
        console.out(comparison_markdown(comparison), end="", highlight=False)
    else:
        print_comparison(comparison, console)
    return 0


def print_comparison(comparison: Comparison, console: Console) -> None:
    """Print the two runs, the paired figures and the disagreements as narrow tables."""
    runs = Table(title="Runs")
    for header in ("", "agent", "model", "setting", "run id"):
        runs.add_column(header, overflow="fold")
    for name, side in (("A", comparison.first), ("B", comparison.second)):
        runs.add_row(name, side.agent, side.model or "-", side.setting, side.run_id)
    console.print(runs)

    figures = Table(title=f"Paired on {comparison.paired} task(s), epoch {comparison.epoch}")
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    for name, value in summary_lines(comparison):
        figures.add_row(name, value)
    console.print(figures)
    console.print(f"[dim]95% CI by {CI_NAMES.get(comparison.ci_method, comparison.ci_method)}; McNemar: exact binomial below 25 discordant tasks, else chi-square with continuity correction[/]")

    if comparison.disagreements:
        table = Table(title="Tasks where A and B disagree")
        for header in ("task", "A", "B", "A answered", "B answered", "gold"):
            table.add_column(header, overflow="fold")
        for task in comparison.disagreements:
            table.add_row(task.task_id, _mark(task.first), _mark(task.second), *(Text(_clip(value)) for value in (task.first_answer, task.second_answer, task.gold)))
        console.print(table)
    else:
        console.print("A and B agree on every paired task.")

    for note in excluded_notes(comparison):
        console.print(f"[yellow]note:[/] {note}", highlight=False)


def summary_lines(comparison: Comparison) -> list[tuple[str, str]]:
    """Return the paired figures as (name, formatted value) rows."""
    statistic = f", chi-square {comparison.mcnemar_statistic:.2f}" if comparison.mcnemar_statistic is not None else ""
    return [
        ("accuracy A", percent(comparison.first_accuracy)),
        ("accuracy B", percent(comparison.second_accuracy)),
        ("difference A - B", _signed(comparison.difference)),
        ("95% CI", f"{_signed(comparison.ci_low)} to {_signed(comparison.ci_high)}"),
        ("both correct", str(comparison.both_correct)),
        ("only A correct", str(comparison.only_first)),
        ("only B correct", str(comparison.only_second)),
        ("both wrong", str(comparison.neither)),
        ("McNemar p", f"{comparison.p_value:.4g} ({comparison.mcnemar_method}{statistic})"),
    ]


def excluded_notes(comparison: Comparison) -> list[str]:
    """Return one line per group of tasks left out of the pairing, and the task-set warning."""
    notes = []
    if not comparison.same_task_set:
        notes.append(_task_set_note(comparison))
    groups = (
        ("graded only in A", comparison.only_in_first),
        ("graded only in B", comparison.only_in_second),
        ("ungradable in A or B", comparison.ungradable),
        ("with different gold answers in A and B", comparison.gold_mismatch),
    )
    for description, tasks in groups:
        if tasks:
            shown = ", ".join(tasks[:8]) + (", ..." if len(tasks) > 8 else "")
            notes.append(f"{len(tasks)} task(s) {description} are left out: {shown}")
    return notes


def comparison_markdown(comparison: Comparison) -> str:
    """Return the comparison as markdown: a figures table, then the disagreements."""
    lines = [
        f"A: {comparison.first.agent} / {comparison.first.model or '-'} / {comparison.first.setting} ({comparison.first.run_id})  ",
        f"B: {comparison.second.agent} / {comparison.second.model or '-'} / {comparison.second.setting} ({comparison.second.run_id})",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in summary_lines(comparison)),
        "",
    ]
    if comparison.disagreements:
        lines += ["| task | A | B | A answered | B answered | gold |", "|---|---|---|---|---|---|"]
        for task in comparison.disagreements:
            cells = (task.task_id, task.first, task.second, task.first_answer, task.second_answer, task.gold)
            lines.append("| " + " | ".join(str(cell).replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
        lines.append("")
    lines += [f"Note: {note}" for note in excluded_notes(comparison)]
    return "\n".join(lines) + "\n"


def _task_set_note(comparison: Comparison) -> str:
    return (
        f"A and B ran different task sets ({comparison.first.task_set} and {comparison.second.task_set}); "
        "only the tasks both graded are compared"
    )


def _mark(verdict: str) -> str:
    return "right" if verdict == "correct" else "wrong"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f} pts"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ANSWER_WIDTH else text[: ANSWER_WIDTH - 1] + "…"
