"""Paired comparison of two runs on the tasks both graded.

Pairing removes the variation between tasks: each task is asked of both runs, so what counts
is where they disagree. The comparison reports

- the 2x2 table (both correct, only the first, only the second, neither);
- the accuracy difference (first minus second) with a 95% interval: Newcombe's paired
  interval when tasks are independent, or a paired bootstrap over images when several tasks
  share an image;
- McNemar's test on the discordant pairs (exact binomial below 25 of them, else chi-square);
- the tasks where one run was right and the other wrong.

Only one epoch is compared at a time (`epoch`, default 1): pairing the epochs of one task as
separate pairs would treat correlated attempts as independent.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from pix2fact.errors import ConfigError
from pix2fact.leaderboard import CI_BOOTSTRAP_IMAGE, Outcome, RunData, read_run
from pix2fact.stats import cluster_bootstrap_interval, mcnemar, mcnemar_chi_square, mcnemar_exact, newcombe_paired_interval

CI_NEWCOMBE = "newcombe"


class RunLabel(BaseModel):
    """The identity of one side of a comparison: run id, folder, agent, model, setting, task set."""

    run_id: str
    folder: str
    agent: str
    model: str | None
    setting: str
    task_set: str


class PairedTask(BaseModel):
    """One task both runs graded, with both verdicts and answers."""

    task_id: str
    category: str
    first: str = Field(description="The first run's verdict: correct or incorrect.")
    second: str
    first_answer: str
    second_answer: str
    gold: str


class Comparison(BaseModel):
    """The paired comparison of two runs (see the module docstring)."""

    first: RunLabel
    second: RunLabel
    epoch: int
    paired: int
    both_correct: int
    only_first: int
    only_second: int
    neither: int
    first_accuracy: float | None
    second_accuracy: float | None
    difference: float | None = Field(description="First accuracy minus second, on the paired tasks.")
    ci_low: float
    ci_high: float
    ci_method: str
    mcnemar_method: str
    mcnemar_statistic: float | None
    p_value: float
    exact_p_value: float
    chi_square_p_value: float
    disagreements: list[PairedTask]
    only_in_first: list[str] = Field(default_factory=list, description="Tasks graded in the first run only.")
    only_in_second: list[str] = Field(default_factory=list)
    ungradable: list[str] = Field(default_factory=list, description="Tasks both ran but at least one could not grade.")
    gold_mismatch: list[str] = Field(default_factory=list, description="Tasks whose gold answer differs between the runs; left out.")

    @property
    def same_task_set(self) -> bool:
        return self.first.task_set == self.second.task_set


def compare_runs(first: str | Path, second: str | Path, epoch: int = 1) -> Comparison:
    """Compare two run folders on the tasks both graded in `epoch`.

    Raises:
        ConfigError: when a folder is not a run, or the runs share no task in that epoch.
    """
    if epoch < 1:
        raise ConfigError(f"--epoch must be at least 1, got {epoch}")
    runs = (read_run(first), read_run(second))
    sides = [{outcome.task_id: outcome for outcome in run.outcomes() if outcome.epoch == epoch} for run in runs]
    common = sorted(set(sides[0]) & set(sides[1]))
    if not common:
        raise ConfigError(
            f"runs {runs[0].run_id} and {runs[1].run_id} share no task in epoch {epoch}; "
            "compare runs made on the same task set (see `pix2fact leaderboard` for their task sets)"
        )

    pairs: list[tuple[Outcome, Outcome]] = []
    ungradable, mismatch = [], []
    for task_id in common:
        first_outcome, second_outcome = sides[0][task_id], sides[1][task_id]
        if first_outcome.gold and second_outcome.gold and first_outcome.gold != second_outcome.gold:
            mismatch.append(task_id)
        elif first_outcome.graded and second_outcome.graded:
            pairs.append((first_outcome, second_outcome))
        else:
            ungradable.append(task_id)

    both = sum(1 for a, b in pairs if a.correct and b.correct)
    only_first = sum(1 for a, b in pairs if a.correct and not b.correct)
    only_second = sum(1 for a, b in pairs if b.correct and not a.correct)
    neither = len(pairs) - both - only_first - only_second
    low, high, method = _difference_interval(pairs, both, only_first, only_second, neither)
    test = mcnemar(only_first, only_second)
    count = len(pairs)

    return Comparison(
        first=_label(runs[0]),
        second=_label(runs[1]),
        epoch=epoch,
        paired=count,
        both_correct=both,
        only_first=only_first,
        only_second=only_second,
        neither=neither,
        first_accuracy=(both + only_first) / count if count else None,
        second_accuracy=(both + only_second) / count if count else None,
        difference=(only_first - only_second) / count if count else None,
        ci_low=low,
        ci_high=high,
        ci_method=method,
        mcnemar_method=test.method,
        mcnemar_statistic=test.statistic,
        p_value=test.p_value,
        exact_p_value=mcnemar_exact(only_first, only_second),
        chi_square_p_value=mcnemar_chi_square(only_first, only_second)[1],
        disagreements=[_paired(a, b) for a, b in pairs if a.correct != b.correct],
        only_in_first=sorted(task for task, outcome in sides[0].items() if task not in sides[1] and outcome.graded),
        only_in_second=sorted(task for task, outcome in sides[1].items() if task not in sides[0] and outcome.graded),
        ungradable=ungradable,
        gold_mismatch=mismatch,
    )


def _difference_interval(pairs: list[tuple[Outcome, Outcome]], both: int, only_first: int, only_second: int, neither: int) -> tuple[float, float, str]:
    by_image: dict[str, list[int]] = defaultdict(list)
    for first, second in pairs:
        by_image[first.image].append(int(first.correct) - int(second.correct))
    independent = all(len(differences) == 1 for differences in by_image.values())
    # When every image has the same mean difference (typically 0: the runs always agree), every
    # resample is equal and the bootstrap would give a zero-width interval, so Newcombe's is used.
    degenerate = len({sum(differences) / len(differences) for differences in by_image.values()}) <= 1
    if independent or degenerate:
        low, high = newcombe_paired_interval(both, only_first, only_second, neither)
        return (low, high, CI_NEWCOMBE)
    clusters = [(sum(differences), len(differences)) for differences in by_image.values()]
    low, high = cluster_bootstrap_interval(clusters)
    return (low, high, CI_BOOTSTRAP_IMAGE)


def _label(run: RunData) -> RunLabel:
    return RunLabel(
        run_id=run.run_id,
        folder=str(run.folder),
        agent=run.agent,
        model=run.model,
        setting=run.manifest.get("setting", "agentic"),
        task_set=run.task_set,
    )


def _paired(first: Outcome, second: Outcome) -> PairedTask:
    return PairedTask(
        task_id=first.task_id,
        category=first.category,
        first=first.verdict,
        second=second.verdict,
        first_answer=first.answer,
        second_answer=second.answer,
        gold=first.gold or second.gold,
    )
