"""Leaderboard figures for one or more run folders, read from trajectories and verdicts only.

Accuracy is correct / graded, where graded tasks are those with a verdict of correct or
incorrect. Ungradable tasks (harness errors, missing gold answers) are counted in their own
column, so an outage never lowers a model's score and never hides either.

The 95% interval is Wilson's when every graded trial is independent (one task per image, one
epoch). When trials are correlated (several tasks about one image, or several epochs of one
task) it is a percentile bootstrap that resamples whole images (or whole tasks), because
Wilson would then claim more precision than the data holds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from statistics import mean

from pydantic import BaseModel, Field

from pix2fact.errors import ConfigError
from pix2fact.judge import Verdict
from pix2fact.models.pricing import PriceTable, load_prices
from pix2fact.runner import judge_run, read_run_tasks
from pix2fact.stats import cluster_bootstrap_interval, pass_at_k, wilson_interval
from pix2fact.store import VERDICTS, RunStore
from pix2fact.tasks.model import Task
from pix2fact.trajectory import TaskRecord

PAGE_TOOLS = ("open_url", "click_link")

# Names of the interval methods. The tables print them and explain each in a legend.
CI_WILSON = "wilson"
CI_BOOTSTRAP_IMAGE = "bootstrap-image"
CI_BOOTSTRAP_TASK = "bootstrap-task"
CI_WILSON_CLUSTERS = "wilson-clusters"


class Outcome(BaseModel):
    """The verdict of one task attempt, with what grouping and comparison need."""

    task_id: str
    epoch: int
    category: str
    image: str = Field(description="The task's image file, or the task id when the run has no copy of the task.")
    verdict: str
    failure: str | None = None
    answer: str = ""
    gold: str = ""

    @property
    def graded(self) -> bool:
        return self.verdict in ("correct", "incorrect")

    @property
    def correct(self) -> bool:
        return self.verdict == "correct"


@dataclass
class RunData:
    """A run folder read whole: manifest, records, verdicts and the run's copy of its tasks."""

    folder: Path
    manifest: dict
    records: list[TaskRecord]
    verdicts: list[Verdict]
    tasks: dict[str, Task]

    @cached_property
    def verdicts_by_key(self) -> dict[tuple[str, int], Verdict]:
        return {(verdict.task_id, verdict.epoch): verdict for verdict in self.verdicts}

    @property
    def run_id(self) -> str:
        return self.manifest.get("run_id", self.folder.name)

    @property
    def agent(self) -> str:
        return self.manifest.get("agent_name") or self.manifest.get("agent", "?")

    @property
    def model(self) -> str | None:
        return self.manifest.get("model")

    @property
    def provider(self) -> str | None:
        return (self.manifest.get("agent_config") or {}).get("provider")

    @property
    def task_set(self) -> str:
        return self.manifest.get("tasks", {}).get("hash", "?")

    @property
    def epochs(self) -> int:
        return int(self.manifest.get("epochs", 1))

    def verdict_for(self, record: TaskRecord) -> Verdict | None:
        return self.verdicts_by_key.get(record.key)

    def outcomes(self) -> list[Outcome]:
        """Return one outcome per record; a record without a verdict is ungradable."""
        outcomes = []
        for record in sorted(self.records, key=lambda item: item.key):
            verdict = self.verdict_for(record)
            task = self.tasks.get(record.task_id)
            outcomes.append(
                Outcome(
                    task_id=record.task_id,
                    epoch=record.epoch,
                    category=record.category,
                    image=str(task.image) if task else record.task_id,
                    verdict=verdict.verdict if verdict else "ungradable",
                    failure=verdict.failure if verdict else None,
                    answer=record.final_answer,
                    gold=task.answer if task else "",
                )
            )
        return outcomes


def read_run(folder: str | Path) -> RunData:
    """Read a run folder, judging it first when it has records but no verdicts yet.

    Raises:
        ConfigError: when the folder has no manifest.
    """
    store = RunStore(folder)
    manifest = store.read_manifest()
    records = store.load_records().records
    verdict_rows = store.read_jsonl(VERDICTS)
    if records and not verdict_rows:
        verdicts = judge_run(store)
    else:
        verdicts = [Verdict.model_validate(row) for row in verdict_rows]
    tasks = {task.id: task for task in read_run_tasks(store)}
    return RunData(folder=store.folder, manifest=manifest, records=records, verdicts=verdicts, tasks=tasks)


class CategoryScore(BaseModel):
    correct: int = 0
    graded: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.graded if self.graded else None


class RunSummary(BaseModel):
    """One leaderboard row: the figures of one run folder."""

    run_id: str
    folder: str
    agent: str
    model: str | None
    setting: str
    task_set: str
    tasks: int = Field(description="Tasks in the run's task set times epochs: the attempts a finished run holds.")
    finished: int
    correct: int
    graded: int
    ungradable: int
    accuracy: float | None
    ci_low: float
    ci_high: float
    ci_method: str = CI_WILSON
    images: int = Field(0, description="Distinct images among the graded tasks; the bootstrap resamples these.")
    epochs: int = 1
    mean_accuracy: float | None = Field(None, description="Mean of the per-epoch accuracies.")
    epoch_accuracies: list[float | None] = Field(default_factory=list)
    pass_at_k: dict[int, float] = Field(default_factory=dict, description="Unbiased pass@k for k = 1..epochs, over tasks graded at least k times.")
    all_correct: float | None = Field(None, description="Share of tasks, graded in every epoch, that were correct in all of them.")
    categories: dict[str, CategoryScore] = Field(default_factory=dict)
    failures: dict[str, int] = Field(default_factory=dict)
    harness_errors: int
    mean_steps: float
    mean_crops: float
    mean_searches: float
    mean_pages: float
    input_tokens: int
    output_tokens: int
    cost_usd: float | None = Field(None, description="From the price table; None when the agent has no model or the model no price.")
    cost_per_correct: float | None = None
    wall_time_s: float
    judge_version: str | None

    @property
    def failure_shares(self) -> dict[str, float]:
        """Each failure class as a share of all attributed failures."""
        total = sum(self.failures.values())
        return {name: count / total for name, count in self.failures.items()} if total else {}

    @property
    def label(self) -> str:
        return f"{self.agent} · {self.model or 'no model'} · {self.setting}"


def summarize_run(folder: str | Path, prices: PriceTable | None = None) -> RunSummary:
    """Compute the leaderboard row of one run folder (judging it first if it has no verdicts)."""
    return summarize(read_run(folder), prices)


def summarize(run: RunData, prices: PriceTable | None = None) -> RunSummary:
    """Compute the leaderboard row of a run already read with `read_run`."""
    records = run.records
    outcomes = run.outcomes()
    graded = [outcome for outcome in outcomes if outcome.graded]
    correct = sum(1 for outcome in graded if outcome.correct)

    categories: dict[str, CategoryScore] = defaultdict(CategoryScore)
    for outcome in graded:
        score = categories[outcome.category or "uncategorised"]
        score.graded += 1
        score.correct += int(outcome.correct)
    failures = Counter(outcome.failure for outcome in outcomes if outcome.failure and not outcome.correct)

    low, high, method = accuracy_interval(graded)
    epochs = max([run.epochs, *(record.epoch for record in records)])
    cost_usd = run_cost(run, prices)
    manifest = run.manifest
    return RunSummary(
        run_id=run.run_id,
        folder=str(run.folder),
        agent=run.agent,
        model=run.model,
        setting=manifest.get("setting", "agentic"),
        task_set=run.task_set,
        tasks=manifest.get("tasks", {}).get("count", len(records)) * manifest.get("epochs", 1),
        finished=len(records),
        correct=correct,
        graded=len(graded),
        ungradable=len(outcomes) - len(graded),
        accuracy=correct / len(graded) if graded else None,
        ci_low=low,
        ci_high=high,
        ci_method=method,
        images=len({outcome.image for outcome in graded}),
        epochs=epochs,
        **epoch_figures(graded, epochs),
        categories=dict(sorted(categories.items())),
        failures=dict(failures.most_common()),
        harness_errors=sum(1 for record in records if record.harness_faults or record.status in ("harness_error", "context_length")),
        mean_steps=_mean(record.steps for record in records),
        mean_crops=_mean(len(record.tool_events("crop")) for record in records),
        mean_searches=_mean(len(record.tool_events("web_search")) + len(record.builtin_tool_calls("web_search")) for record in records),
        mean_pages=_mean(_pages(record) for record in records),
        input_tokens=sum(record.usage.input_tokens for record in records),
        output_tokens=sum(record.usage.output_tokens for record in records),
        cost_usd=cost_usd,
        cost_per_correct=cost_usd / correct if cost_usd is not None and correct else None,
        wall_time_s=round(sum(record.duration_s for record in records), 1),
        judge_version=run.verdicts[0].judge_version if run.verdicts else None,
    )


def summarize_runs(folders: list[str | Path]) -> list[RunSummary]:
    """Summarise several runs; folders without a manifest raise a ConfigError naming them."""
    if not folders:
        raise ConfigError("no run folders given; pass one or more folders under results/")
    prices = load_prices()
    return [summarize_run(folder, prices) for folder in folders]


def accuracy_interval(graded: list[Outcome]) -> tuple[float, float, str]:
    """Return the 95% interval of correct / graded and the name of the method that made it.

    The method is Wilson when each image and each task was graded once. Otherwise it is a
    bootstrap over images (when tasks share an image) or over tasks (when only epochs repeat).
    When every cluster has the same accuracy (all right or all wrong), every resample is equal
    and the bootstrap interval has no width. Wilson with one trial per cluster is used then,
    which gives the interval as wide as if each cluster were a single task.
    """
    correct = sum(1 for outcome in graded if outcome.correct)
    by_image: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in graded:
        by_image[outcome.image].append(outcome)
    if all(len(group) == 1 for group in by_image.values()):
        low, high = wilson_interval(correct, len(graded))
        return (low, high, CI_WILSON)

    shared_image = any(len({outcome.task_id for outcome in group}) > 1 for group in by_image.values())
    method = CI_BOOTSTRAP_IMAGE if shared_image else CI_BOOTSTRAP_TASK
    clusters = [(sum(1 for outcome in group if outcome.correct), len(group)) for group in by_image.values()]
    rates = {successes / trials for successes, trials in clusters}
    if len(rates) == 1:
        rate = rates.pop()
        low, high = wilson_interval(round(rate * len(clusters)), len(clusters))
        return (low, high, CI_WILSON_CLUSTERS)
    low, high = cluster_bootstrap_interval(clusters)
    return (low, high, method)


def epoch_figures(graded: list[Outcome], epochs: int) -> dict:
    """Return per-epoch accuracy, their mean, pass@k for k = 1..epochs and the all-k-correct share."""
    per_epoch: dict[int, list[bool]] = defaultdict(list)
    per_task: dict[str, list[bool]] = defaultdict(list)
    for outcome in graded:
        per_epoch[outcome.epoch].append(outcome.correct)
        per_task[outcome.task_id].append(outcome.correct)

    accuracies = [sum(per_epoch[epoch]) / len(per_epoch[epoch]) if per_epoch[epoch] else None for epoch in range(1, epochs + 1)]
    known = [value for value in accuracies if value is not None]
    figures: dict = {"epoch_accuracies": accuracies, "mean_accuracy": mean(known) if known else None}
    if epochs < 2:
        return figures

    # A task graded fewer than k times (an epoch was ungradable) cannot enter pass@k.
    pass_values: dict[int, float] = {}
    for k in range(1, epochs + 1):
        estimates = [pass_at_k(len(results), sum(results), k) for results in per_task.values() if len(results) >= k]
        if estimates:
            pass_values[k] = mean(estimates)
    complete = [results for results in per_task.values() if len(results) == epochs]
    figures["pass_at_k"] = pass_values
    figures["all_correct"] = sum(1 for results in complete if all(results)) / len(complete) if complete else None
    return figures


def run_cost(run: RunData, prices: PriceTable | None = None) -> float | None:
    """Return the run's cost in USD from its token usage, or None when it cannot be priced."""
    if not run.model or not run.provider:
        return None
    prices = prices or load_prices()
    costs = [prices.cost(run.provider, run.model, record.usage) for record in run.records]
    if any(value is None for value in costs):
        return None
    return sum(costs)


def task_set_labels(summaries: list[RunSummary]) -> dict[str, str]:
    """Name each distinct task set A, B, C... in order of first appearance."""
    labels: dict[str, str] = {}
    for summary in summaries:
        if summary.task_set not in labels:
            labels[summary.task_set] = _letters(len(labels))
    return labels


def _letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


def _pages(record: TaskRecord) -> int:
    return sum(1 for event in record.tool_events() if event.name in PAGE_TOOLS and not event.error)


def _mean(values) -> float:
    values = list(values)
    return round(mean(values), 2) if values else 0.0
