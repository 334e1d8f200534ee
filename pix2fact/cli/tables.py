"""Rendering leaderboards: rich tables for people, markdown, CSV and JSON for tools.

The terminal view splits the figures over narrow tables so that each fits 80 columns. Runs are
numbered (#1, #2...) in the first table and referred to by number in the others. The text
formats put every figure of a run on one row.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from pix2fact.leaderboard import RunSummary, task_set_labels
from pix2fact.report.columns import (
    CI_LEGEND,
    COST_COLUMNS,
    EFFORT_COLUMNS,
    EPOCH_COLUMNS,
    FAILURE_CLASSES,
    RUN_COLUMNS,
    SCORE_COLUMNS,
    Column,
    dollars,
    percent,
)

_LEFT_ALIGNED = {"agent", "model", "setting", "run id", "set", "CI method", "per epoch"}


def print_leaderboard(summaries: list[RunSummary], console: Console) -> None:
    """Print runs, scores, epochs, effort, cost, accuracy per category and failures per class."""
    labels = [f"#{index}" for index in range(1, len(summaries) + 1)]
    sets = task_set_labels(summaries)
    run_columns: tuple[Column, ...] = RUN_COLUMNS
    if len(sets) > 1:
        run_columns = (*RUN_COLUMNS[:3], ("set", lambda s: sets[s.task_set]), *RUN_COLUMNS[3:])

    console.print(_table("Runs", run_columns, summaries, labels))
    console.print(_table("Scores", SCORE_COLUMNS, summaries, labels))
    methods = [method for method in CI_LEGEND if any(summary.ci_method == method for summary in summaries)]
    legend = "; ".join(f"{method}: {CI_LEGEND[method]}" for method in methods)
    console.print(f"[dim]accuracy = correct / graded. ungraded: no answer because of a harness fault, or no gold answer; these are left out of accuracy. harness: tasks with a harness fault. 95% CI by {legend}[/]")
    judges = sorted({summary.judge_version or "not judged" for summary in summaries})
    console.print(f"[dim]verdicts from the newest judge pass of each run (verdicts.jsonl): {', '.join(judges)}[/]", highlight=False)
    if any(summary.epochs > 1 for summary in summaries):
        console.print(_table("Epochs (pass@k: unbiased estimate, k = epochs)", EPOCH_COLUMNS, summaries, labels))
    console.print(_table("Effort per task (means; time is the total of task times)", EFFORT_COLUMNS, summaries, labels))
    if any(summary.input_tokens or summary.output_tokens or summary.cost_usd is not None for summary in summaries):
        console.print(_table("Tokens and cost (USD, from the price table)", COST_COLUMNS, summaries, labels))
    _print_categories(summaries, labels, console)
    _print_failures(summaries, labels, console)
    if len(sets) > 1:
        console.print(f"[yellow]warning:[/] {task_set_warning(summaries)}", highlight=False)


def task_set_warning(summaries: list[RunSummary]) -> str:
    """Return one line naming which runs used which task set, or '' when they all used one."""
    sets = task_set_labels(summaries)
    if len(sets) < 2:
        return ""
    members = {label: [f"#{index}" for index, summary in enumerate(summaries, start=1) if sets[summary.task_set] == label] for label in sets.values()}
    listed = "; ".join(f"set {label} ({task_set}): {', '.join(members[label])}" for task_set, label in sets.items())
    return f"these runs used {len(sets)} different task sets, so their accuracies are not directly comparable: {listed}"


def _print_categories(summaries: list[RunSummary], labels: list[str], console: Console) -> None:
    categories = sorted({name for summary in summaries for name in summary.categories})
    if not categories:
        return
    table = Table(title="Accuracy per category")
    table.add_column("category", overflow="fold")
    for label in labels:
        table.add_column(label, justify="right")
    for name in categories:
        cells = []
        for summary in summaries:
            score = summary.categories.get(name)
            cells.append(f"{score.accuracy:.0%} {score.correct}/{score.graded}" if score and score.graded else "-")
        table.add_row(name, *cells)
    console.print(table)


def _print_failures(summaries: list[RunSummary], labels: list[str], console: Console) -> None:
    failures = [name for name in FAILURE_CLASSES if any(summary.failures.get(name) for summary in summaries)]
    failures += sorted({name for summary in summaries for name in summary.failures} - set(FAILURE_CLASSES))
    if not failures:
        return
    table = Table(title="Failures per class (count and share of failures)")
    table.add_column("class")
    for label in labels:
        table.add_column(label, justify="right")
    for name in failures:
        cells = [f"{summary.failures.get(name, 0)} ({summary.failure_shares.get(name, 0):.0%})" for summary in summaries]
        table.add_row(name, *cells)
    console.print(table)


def _table(title: str, columns: tuple[Column, ...], summaries: list[RunSummary], labels: list[str]) -> Table:
    table = Table(title=title)
    table.add_column("#")
    for header, _ in columns:
        table.add_column(header, justify="left" if header in _LEFT_ALIGNED else "right", overflow="fold")
    for label, summary in zip(labels, summaries):
        table.add_row(label, *(read(summary) for _, read in columns))
    return table


def flat_row(summary: RunSummary, task_set: str, categories: list[str], failures: list[str], raw: bool) -> dict[str, Any]:
    """Return every figure of one run as one row: numbers when `raw`, else formatted text."""
    share = (lambda value: value) if raw else percent
    money = (lambda value: value) if raw else dollars
    pass_k = summary.pass_at_k.get(summary.epochs) if summary.epochs > 1 else None
    row: dict[str, Any] = {
        "run": summary.run_id,
        "agent": summary.agent,
        "model": summary.model or ("" if raw else "-"),
        "setting": summary.setting,
        "task set": task_set,
        "done": f"{summary.finished}/{summary.tasks}",
        "correct": summary.correct,
        "graded": summary.graded,
        "accuracy": share(summary.accuracy),
        "ci low": summary.ci_low if raw else f"{summary.ci_low:.1%}",
        "ci high": summary.ci_high if raw else f"{summary.ci_high:.1%}",
        "ci method": summary.ci_method,
        "ungradable": summary.ungradable,
        "harness errors": summary.harness_errors,
        "epochs": summary.epochs,
        "mean accuracy": share(summary.mean_accuracy),
        "pass@k": share(pass_k),
        "all k correct": share(summary.all_correct),
        "steps": summary.mean_steps,
        "crops": summary.mean_crops,
        "searches": summary.mean_searches,
        "pages": summary.mean_pages,
        "tokens in": summary.input_tokens,
        "tokens out": summary.output_tokens,
        "cost usd": money(summary.cost_usd),
        "cost per correct": money(summary.cost_per_correct),
        "time s": summary.wall_time_s,
    }
    for name in categories:
        score = summary.categories.get(name)
        row[f"accuracy: {name}"] = share(score.accuracy if score else None)
    for name in failures:
        row[f"failures: {name}"] = share(summary.failure_shares.get(name, 0.0))
    if raw:
        row = {key: "" if value is None else value for key, value in row.items()}
    return row


def leaderboard_text(summaries: list[RunSummary], fmt: str) -> str:
    """Return the leaderboard as markdown, CSV or JSON, one run per row."""
    sets = task_set_labels(summaries)
    if fmt == "json":
        rows = []
        for summary in summaries:
            row = summary.model_dump(mode="json")
            row["task_set_label"] = sets[summary.task_set]
            row["failure_shares"] = summary.failure_shares
            rows.append(row)
        return json.dumps(rows, indent=2)

    categories = sorted({name for summary in summaries for name in summary.categories})
    failures = [name for name in FAILURE_CLASSES if any(summary.failures.get(name) for summary in summaries)]
    raw = fmt == "csv"
    rows = [flat_row(summary, summary.task_set, categories, failures, raw) for summary in summaries]
    headers = list(rows[0]) if rows else ["run", "agent", "model"]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(row[header]).replace("|", "\\|") for header in headers) + " |" for row in rows]
    return "\n".join(lines) + "\n"
