"""The failure breakdown of one run: each class's share with a 95% interval, per category, examples.

`failure_report(verdicts, categories)` works on verdicts in memory; `run_failure_report(folder)`
reads a run folder's verdicts.jsonl and trajectories. The HTML report and `pix2fact judge` both
print from the same `FailureReport`.

Figures:

- A class's share is its count as the primary class over all tasks that carry a failure class
  (harness and unknown included). The interval is Wilson's, which assumes independent tasks;
  with several epochs or several questions per image it is too narrow.
- `also` counts tasks where the class is listed among the other classes.
- Confirmation columns count, over tasks where the class is suspected (primary or other) and a
  counterfactual re-run was considered: confirmed (the fix made the answer correct), not
  confirmed (it did not), and untested (no fix applies, or the re-run could not decide).
- Two example tasks per class, the first by task id and epoch, with their evidence lines.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

from pydantic import BaseModel, Field

from pix2fact.judge import Verdict
from pix2fact.judge.attribution import FAILURE_CLASSES
from pix2fact.stats import wilson_interval
from pix2fact.store import VERDICTS, RunStore

EXAMPLES_PER_CLASS = 2


class FailureExample(BaseModel):
    """One failed task shown as an example of its class."""

    task_id: str
    epoch: int
    category: str
    answer: str
    gold: str
    evidence: str
    attribution_source: str | None = None
    confirmed: bool | None = Field(None, description="This class's confirmation on this task, when it was tested.")


class ClassFigures(BaseModel):
    """The figures of one failure class in one run."""

    name: str
    count: int = Field(description="Tasks with this primary class.")
    share: float = Field(description="count over tasks with any failure class.")
    ci_low: float
    ci_high: float
    also: int = Field(0, description="Tasks listing this class among the other classes.")
    confirmed: int = 0
    not_confirmed: int = 0
    untested: int = 0
    examples: list[FailureExample] = Field(default_factory=list)


class FailureReport(BaseModel):
    """A run's failure breakdown."""

    judge_version: str | None
    total: int = Field(description="Verdicts in the run.")
    failed: int = Field(description="Verdicts with a failure class.")
    classes: list[ClassFigures]
    categories: dict[str, dict[str, int]] = Field(description="Per category: tasks with a failure, then the count of each primary class.")
    confirmation_run: bool = Field(description="Whether any verdict carries counterfactual confirmations.")


def failure_report(verdicts: Iterable[Verdict], categories: dict[tuple[str, int], str] | None = None) -> FailureReport:
    """Compute the breakdown (see the module docstring).

    Args:
        verdicts: A run's verdicts.
        categories: Each (task id, epoch)'s category; tasks not listed are "uncategorised".
    """
    verdicts = sorted(verdicts, key=lambda verdict: (verdict.task_id, verdict.epoch))
    categories = categories or {}
    failed = [verdict for verdict in verdicts if verdict.failure]
    primary = Counter(verdict.failure for verdict in failed)
    also = Counter(name for verdict in failed for name in verdict.other_failures)

    classes = []
    for name in FAILURE_CLASSES:
        low, high = wilson_interval(primary[name], len(failed))
        suspected = [verdict for verdict in failed if name in verdict.confirmed]
        examples = [
            FailureExample(
                task_id=verdict.task_id,
                epoch=verdict.epoch,
                category=categories.get((verdict.task_id, verdict.epoch), ""),
                answer=verdict.answer,
                gold=verdict.gold,
                evidence=verdict.evidence,
                attribution_source=verdict.attribution_source,
                confirmed=verdict.confirmed.get(name),
            )
            for verdict in failed
            if verdict.failure == name
        ][:EXAMPLES_PER_CLASS]
        classes.append(
            ClassFigures(
                name=name,
                count=primary[name],
                share=primary[name] / len(failed) if failed else 0.0,
                ci_low=low,
                ci_high=high,
                also=also[name],
                confirmed=sum(1 for verdict in suspected if verdict.confirmed[name] is True),
                not_confirmed=sum(1 for verdict in suspected if verdict.confirmed[name] is False),
                untested=sum(1 for verdict in suspected if verdict.confirmed[name] is None),
                examples=examples,
            )
        )

    by_category: dict[str, Counter] = defaultdict(Counter)
    for verdict in failed:
        by_category[categories.get((verdict.task_id, verdict.epoch)) or "uncategorised"][verdict.failure] += 1
    table = {category: {"failed": sum(counts.values()), **{name: counts[name] for name in FAILURE_CLASSES}} for category, counts in sorted(by_category.items())}

    return FailureReport(
        judge_version=verdicts[0].judge_version if verdicts else None,
        total=len(verdicts),
        failed=len(failed),
        classes=classes,
        categories=table,
        confirmation_run=any(verdict.confirmed for verdict in verdicts),
    )


def run_failure_report(folder: str | Path) -> FailureReport:
    """Read a run folder's verdicts.jsonl and trajectories and compute its breakdown."""
    store = RunStore(folder)
    verdicts = [Verdict.model_validate(row) for row in store.read_jsonl(VERDICTS)]
    categories = {record.key: record.category for record in store.load_records().records}
    return failure_report(verdicts, categories)
