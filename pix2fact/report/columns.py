"""Text formats of the leaderboard figures, shared by the terminal tables and the HTML report.

A column is a header and a function from a `RunSummary` to the cell's text. Missing values
(no graded task, no price for the model) are written as "-".
"""

from __future__ import annotations

from typing import Callable

from pix2fact.leaderboard import CI_BOOTSTRAP_IMAGE, CI_BOOTSTRAP_TASK, CI_WILSON, CI_WILSON_CLUSTERS, RunSummary

# Display order of the judge's failure classes (pix2fact.judge.attribution lists them in priority
# order); a test keeps the two sets equal.
FAILURE_CLASSES = ("grounding", "shallow_search", "long_tail", "reasoning", "abstention", "harness", "unknown")

CI_LEGEND = {
    CI_WILSON: "Wilson score interval (each task graded once, one task per image)",
    CI_BOOTSTRAP_IMAGE: "bootstrap over images, 2000 resamples (tasks sharing an image move together)",
    CI_BOOTSTRAP_TASK: "bootstrap over tasks, 2000 resamples (the epochs of a task move together)",
    CI_WILSON_CLUSTERS: "Wilson with one trial per image or task (every resample was equal)",
}

Column = tuple[str, Callable[[RunSummary], str]]


def percent(value: float | None) -> str:
    """Format a share as a percentage with one decimal, or '-' when there is none."""
    return "-" if value is None else f"{value:.1%}"


def dollars(value: float | None) -> str:
    """Format a cost in USD, or '-' when it is unknown."""
    if value is None:
        return "-"
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


def interval(summary: RunSummary) -> str:
    return f"{summary.ci_low:.0%}-{summary.ci_high:.0%}" if summary.graded else "-"


def pass_at_epochs(summary: RunSummary) -> str:
    value = summary.pass_at_k.get(summary.epochs)
    return "-" if value is None else f"{value:.0%} (k={summary.epochs})"


RUN_COLUMNS: tuple[Column, ...] = (
    ("agent", lambda s: s.agent),
    ("model", lambda s: s.model or "-"),
    ("setting", lambda s: s.setting),
    ("done", lambda s: f"{s.finished}/{s.tasks}"),
    ("run id", lambda s: s.run_id),
)
SCORE_COLUMNS: tuple[Column, ...] = (
    ("correct", lambda s: f"{s.correct}/{s.graded}"),
    ("accuracy", lambda s: percent(s.accuracy)),
    ("95% CI", interval),
    ("CI method", lambda s: s.ci_method),
    ("ungraded", lambda s: str(s.ungradable)),
    ("harness", lambda s: str(s.harness_errors)),
)
EPOCH_COLUMNS: tuple[Column, ...] = (
    ("epochs", lambda s: str(s.epochs)),
    ("mean accuracy", lambda s: percent(s.mean_accuracy)),
    ("per epoch", lambda s: " ".join(f"{value:.0%}" if value is not None else "-" for value in s.epoch_accuracies)),
    ("pass@k", pass_at_epochs),
    ("all k correct", lambda s: percent(s.all_correct)),
)
EFFORT_COLUMNS: tuple[Column, ...] = (
    ("steps", lambda s: f"{s.mean_steps:.1f}"),
    ("crops", lambda s: f"{s.mean_crops:.1f}"),
    ("searches", lambda s: f"{s.mean_searches:.1f}"),
    ("pages", lambda s: f"{s.mean_pages:.1f}"),
    ("s/task", lambda s: f"{s.wall_time_s / s.finished:.1f}" if s.finished else "-"),
    ("time (s)", lambda s: f"{s.wall_time_s:.0f}"),
)
COST_COLUMNS: tuple[Column, ...] = (
    ("tokens in", lambda s: f"{s.input_tokens:,}"),
    ("tokens out", lambda s: f"{s.output_tokens:,}"),
    ("cost", lambda s: dollars(s.cost_usd)),
    ("per task", lambda s: dollars(s.cost_usd / s.finished) if s.cost_usd is not None and s.finished else "-"),
    ("per correct", lambda s: dollars(s.cost_per_correct)),
)
