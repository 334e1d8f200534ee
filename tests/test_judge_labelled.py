"""The judge's attribution against a labelled set: scripted agents that fail on purpose.

Every sample task is run three times (72 tasks) through the real runner, each copy by a scripted
agent that commits one failure class or answers correctly (tests/scripted_failures.py). The
judge must name the labelled class for at least 90% of each class's tasks.
"""

from __future__ import annotations

import pytest
from scripted_failures import BEHAVIOURS, confusion, format_confusion, run_labelled_set

from pix2fact.judge import Verdict
from pix2fact.runner import judge_run
from pix2fact.store import VERDICTS, RunStore

MIN_AGREEMENT = 0.9
MIN_PER_CLASS = 10


@pytest.fixture(scope="module")
async def labelled_run(tmp_path_factory, sample_dir):
    return await run_labelled_set(tmp_path_factory.mktemp("labelled"))


@pytest.mark.slow
async def test_agreement_per_class(labelled_run):
    labels, folder = labelled_run
    verdicts = [Verdict.model_validate(row) for row in RunStore(folder).read_jsonl(VERDICTS)]
    matrix = confusion(labels, verdicts)
    print("\n" + format_confusion(matrix))

    assert len(verdicts) == len(labels)
    for name in BEHAVIOURS:
        total = sum(matrix[name].values())
        assert total >= MIN_PER_CLASS, f"{name}: only {total} labelled tasks"
        assert matrix[name][name] / total >= MIN_AGREEMENT, f"{name}: judged {dict(matrix[name])}"


@pytest.mark.slow
async def test_every_failure_has_class_and_evidence(labelled_run):
    _, folder = labelled_run
    verdicts = [Verdict.model_validate(row) for row in RunStore(folder).read_jsonl(VERDICTS)]

    failed = [verdict for verdict in verdicts if verdict.verdict != "correct"]
    assert failed
    for verdict in failed:
        assert verdict.failure, verdict.task_id
        assert verdict.evidence.strip(), verdict.task_id


@pytest.mark.slow
async def test_rejudging_replays_identically(labelled_run):
    _, folder = labelled_run
    first = (folder / VERDICTS).read_bytes()

    judge_run(RunStore(folder))

    assert (folder / VERDICTS).read_bytes() == first
