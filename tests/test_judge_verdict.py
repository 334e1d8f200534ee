"""judge_record's verdict contract and summarize's counts."""

from __future__ import annotations

import json

from pix2fact.judge import JUDGE_VERSION, Verdict, judge_record, summarize
from pix2fact.trajectory import TaskRecord

from test_judge_attribution import EVIDENCE, EVIDENCE_TEXT, GOLD, WRONG, Trajectory, make_task, thorough_search


def test_correct_verdict_has_signals_and_no_failure():
    verdict = judge_record(make_task(), thorough_search().record("You can call them on 020 7946 0958 today"))

    assert verdict.verdict == "correct"
    assert verdict.method == "phone:extracted"
    assert verdict.failure is None
    assert verdict.other_failures == []
    assert verdict.signals is not None
    assert verdict.judge == "rule"
    assert verdict.judge_version == JUDGE_VERSION


def test_verdict_json_deterministic():
    task = make_task()
    record = thorough_search().open(EVIDENCE, text=EVIDENCE_TEXT).record(WRONG)
    reloaded = TaskRecord.model_validate_json(record.model_dump_json())

    first = judge_record(task, record).model_dump_json()
    second = judge_record(task, reloaded).model_dump_json()

    assert first == second
    assert Verdict.model_validate_json(first).model_dump_json() == first
    assert json.loads(first)["failure"] == "reasoning"


def test_empty_gold_is_ungradable_without_failure():
    verdict = judge_record(make_task(answer=""), thorough_search().record(WRONG))

    assert verdict.verdict == "ungradable"
    assert verdict.failure is None
    assert verdict.signals is None


def test_no_answer_without_limit_names_the_status():
    verdict = judge_record(make_task(), Trajectory().crop([0, 0, 10, 10]).record(None, status="no_answer"))

    assert verdict.verdict == "incorrect"
    assert "status no_answer" in verdict.reason
    assert verdict.failure is not None


def test_summarize_counts_outcomes_and_classes():
    task = make_task()
    verdicts = [
        judge_record(task, thorough_search().record(GOLD)),
        judge_record(task, thorough_search().record(WRONG)),
        judge_record(task, Trajectory().crop([1176, 1000, 1400, 1100]).search("cafe").record(WRONG)),
        judge_record(task, Trajectory().harness_error().record(None, status="harness_error")),
    ]

    summary = summarize(verdicts)

    assert summary["total"] == 4
    assert (summary["correct"], summary["incorrect"], summary["ungradable"]) == (1, 2, 1)
    assert summary["accuracy"] == 1 / 3
    assert summary["failures"]["long_tail"] == 1
    assert summary["failures"]["grounding"] == 1
    assert summary["failures"]["harness"] == 1
    assert summary["failures"]["reasoning"] == 0
    assert summary["other_failures"] == {"shallow_search": 1}


def test_summarize_empty_has_no_accuracy():
    summary = summarize([])

    assert summary["total"] == 0
    assert summary["accuracy"] is None
