"""The judge: grades each finished task and attributes each failure to a cause.

`judge_record` grades one trajectory with the rule grader (`rules.grade_answer`) and, when the
grade is not correct, attributes the failure to one primary class (`attribution`). Decisions:

- A task whose trajectory holds a harness fault, or whose status is harness_error or
  context_length, never counts against the model. Without an answer it is "ungradable" with
  failure "harness" (the leaderboard reports it apart and `--resume` retries it); with an answer
  it is graded, and if not correct its failure is "harness".
- A task that hit a limit or ended without an answer is "incorrect" (the model's fault), with a
  failure class from the signals.
- A task with an empty gold answer is "ungradable" with no failure class.

The same inputs always give the same verdict JSON: nothing here reads the clock or the network.
A grade from another grader (the LLM judge, see `batch`) can be passed in; attribution is the
same whichever grader decided.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Literal

from pydantic import BaseModel, Field

from pix2fact.judge.attribution import FAILURE_CLASSES, attribute, is_harness_failure
from pix2fact.judge.rules import Grade, Grader, RuleGrader, grade_answer
from pix2fact.judge.signals import AttributionThresholds, Signals, compute_signals
from pix2fact.judge.spec import JudgeSpec
from pix2fact.judge.versions import RULE_JUDGE_VERSION
from pix2fact.tasks.model import Task
from pix2fact.trajectory import LimitEvent, TaskRecord

JUDGE_VERSION = RULE_JUDGE_VERSION

__all__ = [
    "JUDGE_VERSION",
    "AttributionThresholds",
    "Grade",
    "Grader",
    "JudgeSpec",
    "RuleGrader",
    "Signals",
    "Verdict",
    "grade_answer",
    "judge_record",
    "summarize",
]


class Verdict(BaseModel):
    """The judge's decision on one task and epoch, as written to verdicts.jsonl."""

    task_id: str
    epoch: int
    verdict: Literal["correct", "incorrect", "ungradable"]
    method: str = Field(description="What decided the grade: 'exact', a kind such as 'phone', 'abstention' or 'none'.")
    reason: str
    failure: str | None = Field(None, description="Primary failure class; None when correct or when there is no gold.")
    other_failures: list[str] = Field(default_factory=list)
    evidence: str = ""
    signals: Signals | None = None
    answer: str = ""
    gold: str = ""
    kind: str = ""
    judge: str = Field("rule", description="Which grader decided: 'rule' or 'llm:PROVIDER:MODEL'.")
    judge_version: str = Field(JUDGE_VERSION, description="Version of the whole judging pass (`JudgeSpec.version`); the same on every verdict of a file.")
    attribution_source: Literal["signals", "llm"] | None = Field(
        None, description="What chose `failure`: the trajectory signals, or the optional LLM reading of an 'unknown' failure."
    )
    confirmed: dict[str, bool | None] = Field(
        default_factory=dict,
        description="Counterfactual confirmation per suspected class: True when the fixed re-run answered correctly, "
        "False when it did not, None when it could not be tested. Empty when no confirmation was run.",
    )
    confirm_notes: dict[str, str] = Field(default_factory=dict, description="One line per entry of `confirmed`: what the re-run did.")


def _no_answer_reason(record: TaskRecord) -> str:
    limits = [event for event in record.events if isinstance(event, LimitEvent)]
    if limits:
        return f"no answer: the task ended at the {limits[-1].limit} limit ({limits[-1].value:g})"
    if record.status == "agent_error":
        return f"no answer: the agent raised {record.error}"
    return f"no answer: the task ended with status {record.status}"


def judge_record(
    task: Task,
    record: TaskRecord,
    thresholds: AttributionThresholds | None = None,
    *,
    grade: Grade | None = None,
    judge: str = "rule",
    judge_version: str = JUDGE_VERSION,
) -> Verdict:
    """Grade one finished task and attribute its failure.

    Args:
        task: The task, with its gold answer and annotations.
        record: The task's saved trajectory.
        thresholds: Attribution limits; the defaults when None.
        grade: The answer's grade from another grader; the rule grader grades when None. It is
            used only when the record has an answer.
        judge: Name of the grader that made `grade`, recorded in the verdict.
        judge_version: Version of the judging pass, recorded in the verdict.

    Returns:
        The verdict, with signals whenever the answer was graded against a gold answer.
    """
    thresholds = thresholds or AttributionThresholds()
    answer = record.final_answer
    base = {"task_id": record.task_id, "epoch": record.epoch, "answer": answer, "gold": task.answer, "judge_version": judge_version}

    if not answer.strip() and is_harness_failure(record):
        _, _, evidence = attribute(record, None, task.answer, thresholds)
        return Verdict(
            **base, verdict="ungradable", method="none", reason="no answer because of a harness fault",
            failure="harness", evidence=evidence, attribution_source="signals",
        )

    if answer.strip() and grade is not None:
        base["judge"] = judge
    elif answer.strip():
        grade = grade_answer(answer, task.answer, task.aliases, task.answer_kind)
    elif task.answer.strip():
        grade = Grade(verdict="incorrect", method="none", reason=_no_answer_reason(record))
    else:
        grade = Grade(verdict="ungradable", method="none", reason="gold answer is empty")
    common = {**base, "verdict": grade.verdict, "method": grade.method, "reason": grade.reason, "kind": grade.kind}

    if grade.verdict == "ungradable":
        if grade.method == "llm":
            return Verdict(**common, evidence="the LLM judge could not grade this answer; re-judge to ask again")
        return Verdict(**common, evidence="the gold answer gives nothing to grade against")
    signals = compute_signals(task, record, thresholds)
    if grade.verdict == "correct":
        return Verdict(**common, signals=signals)

    if is_harness_failure(record):
        # A wrong answer given after a tool or provider fault says nothing sure about the agent,
        # so it is left out of accuracy, like a task with no answer, and --resume runs it again.
        _, _, evidence = attribute(record, signals, task.answer, thresholds)
        reason = f"{grade.reason}; not counted because a harness fault happened during the task"
        return Verdict(
            **{**common, "verdict": "ungradable", "reason": reason},
            failure="harness", evidence=evidence, signals=signals, attribution_source="signals",
        )

    failure, others, evidence = attribute(record, signals, task.answer, thresholds)
    return Verdict(**common, failure=failure, other_failures=others, evidence=evidence, signals=signals, attribution_source="signals")


def summarize(verdicts: Iterable[Verdict]) -> dict:
    """Count verdicts and failure classes, for the leaderboard.

    Returns:
        {"total", "correct", "incorrect", "ungradable", "accuracy" (correct over graded, None when
        nothing was graded), "failures" (primary class counts, every class present), and
        "other_failures" (counts of secondary classes)}.
    """
    verdicts = list(verdicts)
    outcomes = Counter(verdict.verdict for verdict in verdicts)
    primary = Counter(verdict.failure for verdict in verdicts if verdict.failure)
    secondary = Counter(name for verdict in verdicts for name in verdict.other_failures)
    graded = outcomes["correct"] + outcomes["incorrect"]
    return {
        "total": len(verdicts),
        "correct": outcomes["correct"],
        "incorrect": outcomes["incorrect"],
        "ungradable": outcomes["ungradable"],
        "accuracy": outcomes["correct"] / graded if graded else None,
        "failures": {name: primary[name] for name in FAILURE_CLASSES},
        "other_failures": {name: secondary[name] for name in FAILURE_CLASSES if secondary[name]},
    }
