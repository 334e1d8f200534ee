"""Leaderboard figures for one or more run folders, read from trajectories and verdicts only.

Accuracy is correct / graded, where graded tasks are those with a verdict of correct or
incorrect. Ungradable tasks (harness errors, missing gold answers) are counted in their own
column, so an outage never lowers a model's score and never hides either.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from statistics import mean

from pydantic import BaseModel, Field

from pix2fact.errors import ConfigError
from pix2fact.judge import Verdict
from pix2fact.runner import judge_run
from pix2fact.stats import wilson_interval
from pix2fact.store import VERDICTS, RunStore
from pix2fact.trajectory import TaskRecord

PAGE_TOOLS = ("open_url", "click_link")


class CategoryScore(BaseModel):
    correct: int = 0
    graded: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.graded if self.graded else None


class RunSummary(BaseModel):
    """One leaderboard row: the figures of one run."""

    run_id: str
    folder: str
    agent: str
    model: str | None
    setting: str
    task_set: str
    tasks: int
    finished: int
    correct: int
    graded: int
    ungradable: int
    accuracy: float | None
    ci_low: float
    ci_high: float
    ci_method: str = "wilson"
    categories: dict[str, CategoryScore] = Field(default_factory=dict)
    failures: dict[str, int] = Field(default_factory=dict)
    harness_errors: int
    mean_steps: float
    mean_crops: float
    mean_searches: float
    mean_pages: float
    input_tokens: int
    output_tokens: int
    wall_time_s: float
    judge_version: str | None


def summarize_run(folder: str | Path) -> RunSummary:
    """Compute the leaderboard row of one run folder (judging it first if it has no verdicts)."""
    store = RunStore(folder)
    manifest = store.read_manifest()
    records = store.load_records().records
    verdict_rows = store.read_jsonl(VERDICTS)
    if records and not verdict_rows:
        verdicts = judge_run(store)
    else:
        verdicts = [Verdict.model_validate(row) for row in verdict_rows]
    by_key = {(verdict.task_id, verdict.epoch): verdict for verdict in verdicts}

    categories: dict[str, CategoryScore] = defaultdict(CategoryScore)
    failures: Counter[str] = Counter()
    correct = graded = ungradable = 0
    for record in records:
        verdict = by_key.get(record.key)
        if verdict is None or verdict.verdict == "ungradable":
            ungradable += 1
            if verdict is not None and verdict.failure:
                failures[verdict.failure] += 1
            continue

        graded += 1
        score = categories[record.category or "uncategorised"]
        score.graded += 1
        if verdict.verdict == "correct":
            correct += 1
            score.correct += 1
        elif verdict.failure:
            failures[verdict.failure] += 1

    low, high = wilson_interval(correct, graded)
    return RunSummary(
        run_id=manifest.get("run_id", store.folder.name),
        folder=str(store.folder),
        agent=manifest.get("agent_name") or manifest.get("agent", "?"),
        model=manifest.get("model"),
        setting=manifest.get("setting", "agentic"),
        task_set=manifest.get("tasks", {}).get("hash", "?"),
        tasks=manifest.get("tasks", {}).get("count", len(records)) * manifest.get("epochs", 1),
        finished=len(records),
        correct=correct,
        graded=graded,
        ungradable=ungradable,
        accuracy=correct / graded if graded else None,
        ci_low=low,
        ci_high=high,
        categories=dict(sorted(categories.items())),
        failures=dict(failures.most_common()),
        harness_errors=sum(1 for record in records if record.harness_faults or record.status in ("harness_error", "context_length")),
        mean_steps=_mean(record.steps for record in records),
        mean_crops=_mean(len(record.tool_events("crop")) for record in records),
        mean_searches=_mean(len(record.tool_events("web_search")) for record in records),
        mean_pages=_mean(_pages(record) for record in records),
        input_tokens=sum(record.usage.input_tokens for record in records),
        output_tokens=sum(record.usage.output_tokens for record in records),
        wall_time_s=round(sum(record.duration_s for record in records), 1),
        judge_version=verdicts[0].judge_version if verdicts else None,
    )


def summarize_runs(folders: list[str | Path]) -> list[RunSummary]:
    """Summarise several runs; folders without a manifest raise a ConfigError naming them."""
    if not folders:
        raise ConfigError("no run folders given; pass one or more folders under results/")
    return [summarize_run(folder) for folder in folders]


def _pages(record: TaskRecord) -> int:
    return sum(1 for event in record.tool_events() if event.name in PAGE_TOOLS and not event.error)


def _mean(values) -> float:
    values = list(values)
    return round(mean(values), 2) if values else 0.0
