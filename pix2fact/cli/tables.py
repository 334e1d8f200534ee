"""Rendering leaderboards: rich tables for people, markdown, CSV and JSON for tools."""

from __future__ import annotations

import csv
import io
import json

from rich.console import Console
from rich.table import Table

from pix2fact.leaderboard import RunSummary

FAILURE_CLASSES = ("grounding", "shallow_search", "long_tail", "reasoning", "abstention", "harness", "unknown")

# Columns of the main table: header, then how to read the value from a summary.
_COLUMNS = (
    ("run", lambda s: s.run_id),
    ("agent", lambda s: s.agent),
    ("model", lambda s: s.model or "-"),
    ("setting", lambda s: s.setting),
    ("tasks", lambda s: f"{s.finished}/{s.tasks}"),
    ("accuracy", lambda s: _percent(s.accuracy)),
    ("95% CI", lambda s: f"{s.ci_low:.0%}-{s.ci_high:.0%}" if s.graded else "-"),
    ("correct", lambda s: f"{s.correct}/{s.graded}"),
    ("ungradable", lambda s: str(s.ungradable)),
    ("harness err", lambda s: str(s.harness_errors)),
    ("steps", lambda s: f"{s.mean_steps:.1f}"),
    ("crops", lambda s: f"{s.mean_crops:.1f}"),
    ("searches", lambda s: f"{s.mean_searches:.1f}"),
    ("pages", lambda s: f"{s.mean_pages:.1f}"),
    ("tokens in/out", lambda s: f"{s.input_tokens}/{s.output_tokens}"),
    ("time (s)", lambda s: f"{s.wall_time_s:.0f}"),
)


# The terminal view splits the figures over narrow tables so that it fits 80 columns. Runs are
# numbered (#1, #2...) in the first table and referred to by number in the others.
_RUN_COLUMNS = (
    ("agent", lambda s: s.agent),
    ("model", lambda s: s.model or "-"),
    ("setting", lambda s: s.setting),
    ("run id", lambda s: s.run_id),
)
_SCORE_COLUMNS = (
    ("done", lambda s: f"{s.finished}/{s.tasks}"),
    ("accuracy", lambda s: _percent(s.accuracy)),
    ("95% CI", lambda s: f"{s.ci_low:.0%}-{s.ci_high:.0%}" if s.graded else "-"),
    ("correct", lambda s: f"{s.correct}/{s.graded}"),
    ("ungradable", lambda s: str(s.ungradable)),
    ("harness err", lambda s: str(s.harness_errors)),
)
_EFFORT_COLUMNS = (
    ("steps", lambda s: f"{s.mean_steps:.1f}"),
    ("crops", lambda s: f"{s.mean_crops:.1f}"),
    ("searches", lambda s: f"{s.mean_searches:.1f}"),
    ("pages", lambda s: f"{s.mean_pages:.1f}"),
    ("tokens in", lambda s: str(s.input_tokens)),
    ("tokens out", lambda s: str(s.output_tokens)),
    ("time (s)", lambda s: f"{s.wall_time_s:.0f}"),
)


def print_leaderboard(summaries: list[RunSummary], console: Console) -> None:
    """Print scores, effort per task, accuracy per category and failures per class, then the legend."""
    labels = [f"#{index}" for index in range(1, len(summaries) + 1)]

    console.print(_table("Runs", _RUN_COLUMNS, summaries, labels))
    console.print(_table("Scores", _SCORE_COLUMNS, summaries, labels))
    console.print("[dim]accuracy = correct / graded; 95% CI: Wilson score interval; ungradable and harness errors are not counted against the agent[/]")
    console.print(_table("Effort per task (means; tokens and time are totals)", _EFFORT_COLUMNS, summaries, labels))

    categories = sorted({name for summary in summaries for name in summary.categories})
    if categories:
        table = Table(title="Accuracy per category")
        table.add_column("category")
        for label in labels:
            table.add_column(label, justify="right")
        for name in categories:
            cells = []
            for summary in summaries:
                score = summary.categories.get(name)
                cells.append(f"{_percent(score.accuracy)} ({score.correct}/{score.graded})" if score else "-")
            table.add_row(name, *cells)
        console.print(table)

    failures = [name for name in FAILURE_CLASSES if any(summary.failures.get(name) for summary in summaries)]
    if failures:
        table = Table(title="Failures per class")
        table.add_column("class")
        for label in labels:
            table.add_column(label, justify="right")
        for name in failures:
            table.add_row(name, *(str(summary.failures.get(name, 0)) for summary in summaries))
        console.print(table)



def _table(title: str, columns, summaries: list[RunSummary], labels: list[str]) -> Table:
    table = Table(title=title)
    table.add_column("#")
    for header, _ in columns:
        table.add_column(header, justify="left" if header in ("agent", "model", "setting", "run id") else "right", overflow="fold")
    for label, summary in zip(labels, summaries):
        table.add_row(label, *(read(summary) for _, read in columns))
    return table


def leaderboard_text(summaries: list[RunSummary], fmt: str) -> str:
    """Return the main table as markdown, CSV or JSON."""
    if fmt == "json":
        return json.dumps([summary.model_dump(mode="json") for summary in summaries], indent=2)

    headers = [header for header, _ in _COLUMNS]
    rows = [[read(summary) for _, read in _COLUMNS] for summary in summaries]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        return buffer.getvalue()

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
