"""`pix2fact judge` on saved runs and `pix2fact run --judge`: versioned verdict files, the LLM
judge through the real openai SDK, replay from the cache, and the failure report.

One run of six scripted agents (one per failure class, plus a correct one) is made once for
the module through `pix2fact run`; each test works on its own copy of the folder.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
from pathlib import Path

import pytest
from fakes.base import FakeServer
from judge_fakes import FAKE_KEY, FakeJudge
from rich.console import Console
from scripted_failures import SCRIPTED_FAILURE, write_plan

from pix2fact.cli import main
from pix2fact.datasets import resolve_tasks
from pix2fact.judge import Verdict
from pix2fact.judge.report import run_failure_report
from pix2fact.leaderboard import summarize_run

BEHAVIOURS = {
    "sample-002": "shallow_search",
    "sample-003": "long_tail",
    "sample-004": "grounding",
    "sample-005": "reasoning",
    "sample-007": "correct",
    "sample-008": "abstention",
}


def run_cli(*argv) -> tuple[int, str]:
    buffer = io.StringIO()
    code = main([str(arg) for arg in argv], console=Console(file=buffer, width=200, force_terminal=False, color_system=None))
    return code, buffer.getvalue()


def scripted_plan(folder: Path, behaviours: dict[str, str]) -> Path:
    tasks = {task.id: task for task in resolve_tasks("sample").tasks}
    return write_plan([(tasks[task_id], label) for task_id, label in behaviours.items()], folder / "plan.json")


def task_options(behaviours: dict[str, str]) -> list[str]:
    return [part for task_id in behaviours for part in ("--task-id", task_id)]


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory, sample_dir) -> Path:
    base = tmp_path_factory.mktemp("saved")
    plan = scripted_plan(base, BEHAVIOURS)
    code, output = run_cli("run", "--agent", SCRIPTED_FAILURE, "-A", f"plan={plan}", "--tasks", "sample", *task_options(BEHAVIOURS), "--out", base / "results", "--run-id", "scripted")
    assert code == 0, output
    return base / "results" / "scripted"


@pytest.fixture
def run_copy(saved_run, tmp_path) -> Path:
    target = tmp_path / "run"
    shutil.copytree(saved_run, target)
    return target


@pytest.fixture
def judge_server(monkeypatch, tmp_path):
    judge = FakeJudge()
    with FakeServer(handler=judge) as server:
        monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
        monkeypatch.setenv("PIX2FACT_JUDGE_CACHE", str(tmp_path / "judge-cache"))
        yield server


def read_verdicts(path: Path) -> list[Verdict]:
    return [Verdict.model_validate_json(line) for line in path.read_text().splitlines() if line.strip()]


def assert_no_key(*places: Path | str) -> None:
    for place in places:
        if isinstance(place, Path):
            for path in [place] if place.is_file() else place.rglob("*"):
                if path.is_file():
                    assert FAKE_KEY.encode() not in path.read_bytes(), f"key found in {path}"
        else:
            assert FAKE_KEY not in place


def test_saved_run_has_every_class(saved_run):
    verdicts = {verdict.task_id: verdict for verdict in read_verdicts(saved_run / "verdicts.jsonl")}

    for task_id, label in BEHAVIOURS.items():
        judged = "correct" if verdicts[task_id].verdict == "correct" else verdicts[task_id].failure
        assert judged == label, f"{task_id}: {verdicts[task_id].evidence}"
        assert verdicts[task_id].attribution_source == (None if label == "correct" else "signals")


def test_rejudge_writes_versioned_file(run_copy):
    before = sorted((run_copy / "verdicts").iterdir())

    code, output = run_cli("judge", run_copy)

    assert code == 0, output
    added = sorted(set((run_copy / "verdicts").iterdir()) - set(before))
    assert len(added) == 1
    assert added[0].name.startswith("rule-1.0__")
    assert added[0].suffix == ".jsonl"
    assert added[0].read_bytes() == (run_copy / "verdicts.jsonl").read_bytes()
    assert "graded 6 task(s) with judge rule-1.0" in output
    assert "5 of 6 task(s) have a failure class (judge rule-1.0)" in output


def test_rejudge_is_byte_identical(run_copy):
    run_cli("judge", run_copy)
    first = (run_copy / "verdicts.jsonl").read_bytes()

    run_cli("judge", run_copy)

    assert (run_copy / "verdicts.jsonl").read_bytes() == first


def test_rejudge_with_llm(run_copy, judge_server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="pix2fact")

    code, output = run_cli("judge", run_copy, "--judge", "llm:openai:gpt-judge")

    assert code == 0, output
    verdicts = read_verdicts(run_copy / "verdicts.jsonl")
    version = "llm-p1+openai:gpt-judge"
    assert {verdict.judge_version for verdict in verdicts} == {version}
    graded_by_llm = [verdict for verdict in verdicts if verdict.judge == "llm:openai:gpt-judge"]
    assert len(graded_by_llm) == 6
    abstained = next(verdict for verdict in verdicts if verdict.task_id == "sample-008")
    assert abstained.method == "abstention"
    assert len(judge_server.requests) == 5  # the abstention is settled by the protocol
    assert any(path.name.startswith("llm-p1+openai-gpt-judge__") for path in (run_copy / "verdicts").iterdir())
    assert summarize_run(run_copy).judge_version == version
    assert_no_key(run_copy, tmp_path / "judge-cache", output, caplog.text)


def test_llm_replay_identical_from_cache(run_copy, judge_server, tmp_path, monkeypatch):
    run_cli("judge", run_copy, "--judge", "both:openai:gpt-judge")
    first = (run_copy / "verdicts.jsonl").read_bytes()
    calls = len(judge_server.requests)

    # A server that answers nothing: the replay must come from the cache alone.
    with FakeServer() as silent:
        monkeypatch.setenv("OPENAI_BASE_URL", silent.url + "/v1")
        code, output = run_cli("judge", run_copy, "--judge", "both:openai:gpt-judge", "--judge-cache", tmp_path / "judge-cache")

    assert code == 0, output
    assert calls == 4  # the four wrong answers; the correct one and the abstention need no model
    assert silent.requests == []
    assert len(judge_server.requests) == calls
    assert (run_copy / "verdicts.jsonl").read_bytes() == first


def test_bad_judge_spec_is_one_line(run_copy):
    code, output = run_cli("judge", run_copy, "--judge", "both")

    assert code == 2
    assert "needs the judge model: write both:PROVIDER[:MODEL]" in output


def test_run_with_judge_both(judge_server, tmp_path, sample_dir):
    behaviours = {"sample-002": "shallow_search", "sample-007": "correct"}
    plan = scripted_plan(tmp_path, behaviours)

    code, output = run_cli(
        "run", "--agent", SCRIPTED_FAILURE, "-A", f"plan={plan}", "--tasks", "sample", *task_options(behaviours),
        "--out", tmp_path / "results", "--run-id", "both", "--judge", "both:openai:gpt-judge",
    )

    assert code == 0, output
    folder = tmp_path / "results" / "both"
    verdicts = {verdict.task_id: verdict for verdict in read_verdicts(folder / "verdicts.jsonl")}
    assert verdicts["sample-007"].judge == "rule"
    assert verdicts["sample-002"].judge == "llm:openai:gpt-judge"
    assert verdicts["sample-002"].failure == "shallow_search"
    assert len(judge_server.requests) == 1
    names = sorted(path.name.split("__")[0] for path in (folder / "verdicts").iterdir())
    assert names == ["rule-1.0+llm-p1+openai-gpt-judge"]  # one pass, with the chosen grader
    assert_no_key(folder, tmp_path / "judge-cache", output)


def test_failure_report_figures(saved_run):
    report = run_failure_report(saved_run)

    assert report.total == 6
    assert report.failed == 5
    assert report.judge_version == "rule-1.0"
    figures = {item.name: item for item in report.classes}
    assert figures["grounding"].count == 1
    assert figures["grounding"].share == pytest.approx(0.2)
    assert figures["grounding"].ci_low == pytest.approx(0.0362, abs=1e-3)
    assert figures["grounding"].ci_high == pytest.approx(0.6245, abs=1e-3)
    assert figures["harness"].count == 0
    assert [example.task_id for example in figures["long_tail"].examples] == ["sample-003"]
    assert "never the evidence page" in figures["long_tail"].examples[0].evidence
    assert report.categories["Street scene with people"] == {
        "failed": 2, "harness": 0, "abstention": 0, "reasoning": 0, "grounding": 0, "shallow_search": 1, "long_tail": 1, "unknown": 0,
    }
    assert report.confirmation_run is False
    assert json.loads(report.model_dump_json())["failed"] == 5
