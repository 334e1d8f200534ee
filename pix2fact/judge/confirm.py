"""Counterfactual confirmation results: reading the re-runs and writing `confirmed` into verdicts.

`pix2fact judge RUN_DIR --confirm` re-runs each failed task once per suspected cause with that
cause fixed (see `counterfactual` for the fixes). Each fix has its own run folder:

    RUN_DIR/confirm/grounding/        first image: the annotated region's crop
    RUN_DIR/confirm/shallow_search/   the reference query: as a hint, and answering the first search
    RUN_DIR/confirm/long_tail/        the first evidence page already open in the browser

Each is an ordinary run folder (manifest.json, trajectories.jsonl, blobs/), so `pix2fact show`
reads it, and its records keep the original task id and epoch. A cause is confirmed when its
re-run's answer is graded correct by the same grader as the run.

Every judging pass of a run that has a `confirm/` folder fills `Verdict.confirmed` for each
suspected cause (the primary class and the others) that a fix exists for:

- True or False: the re-run's answer was graded correct or not;
- None: not testable (the note says why: no annotated region, no reference query, no evidence
  URL, a setting without web tools, a setting that already showed the crop), the re-run hit a
  harness fault or could not be graded, or the task has not been re-run yet.

Only incorrect verdicts are confirmed: ungradable and harness failures are the harness's.
"""

from __future__ import annotations

from pathlib import Path

from pix2fact.judge.rules import Grade
from pix2fact.store import RunStore
from pix2fact.tasks.model import Task
from pix2fact.toolset import GROUND_TRUTH_SETTINGS, setting_families
from pix2fact.trajectory import TaskRecord

CONFIRM_DIR = "confirm"
FIXABLE_CLASSES = ("grounding", "shallow_search", "long_tail")


def confirm_folder(run_folder: Path, cause: str) -> Path:
    """Return the run folder that contains the re-runs of `cause`."""
    return Path(run_folder) / CONFIRM_DIR / cause


def has_confirmations(run_folder: Path) -> bool:
    return (Path(run_folder) / CONFIRM_DIR).is_dir()


def untestable_reason(cause: str, task: Task, setting: str) -> str | None:
    """Return why `cause` cannot be tested on `task` in `setting`, or None when it can."""
    families = setting_families(setting) if setting else ("image", "web")
    if cause == "grounding":
        if not task.regions:
            return "the task has no annotated region to show"
        if setting in GROUND_TRUTH_SETTINGS:
            return f"setting {setting} already showed the annotated region"
        return None
    if cause == "shallow_search":
        if not task.search_query.strip():
            return "the task has no reference search query"
        return None if "web" in families else f"setting {setting} has no web search"
    if cause == "long_tail":
        if not [url for url in task.evidence_urls if url.strip()]:
            return "the task has no evidence URL"
        return None if "web" in families else f"setting {setting} has no browser"
    return f"no counterfactual fix exists for {cause}"


def suspected_causes(failure: str | None, others: list[str]) -> list[str]:
    """Return the causes of a failure that a fix exists for, primary first."""
    return [name for name in [failure, *others] if name in FIXABLE_CLASSES]


def load_confirmation_records(run_folder: Path) -> dict[str, dict[tuple[str, int], TaskRecord]]:
    """Return each fix's re-run records by (task id, epoch); empty dicts for fixes not run."""
    return {cause: {record.key: record for record in RunStore(confirm_folder(run_folder, cause)).load_records().records} for cause in FIXABLE_CLASSES}


def confirmation_entry(cause: str, task: Task, setting: str, rerun: TaskRecord | None, grade: Grade | None, harness_fault: bool) -> tuple[bool | None, str]:
    """Decide one cause's confirmation and its note.

    Args:
        cause: The suspected class.
        task: The task.
        setting: The run's evaluation setting.
        rerun: The fixed re-run's record, or None when there is none.
        grade: The re-run answer's grade (None when there is no re-run).
        harness_fault: Whether the re-run hit a harness fault.
    """
    reason = untestable_reason(cause, task, setting)
    if reason is not None:
        return None, f"not tested: {reason}"
    if rerun is None or grade is None:
        return None, "not re-run yet; run `pix2fact judge RUN_DIR --confirm`"
    if harness_fault and grade.verdict != "correct":
        return None, f"the re-run hit a harness fault ({rerun.status}), so it says nothing about the cause"
    if grade.verdict == "ungradable":
        return None, f"the re-run's answer could not be graded: {grade.reason}"
    shown = rerun.final_answer or "(no answer)"
    if grade.verdict == "correct":
        return True, f"with the fix the answer {shown!r} was correct"
    return False, f"with the fix the answer {shown!r} was still wrong"
