"""`pix2fact judge --confirm`: failed tasks re-run once per suspected cause with that cause fixed.

The scripted agents react to the fixes: the grounding agent answers right when its first image
is the annotated crop, the shallow-search agent when its search is answered with the reference
query's results, the long-tail agent when the evidence page is already open. The abstaining
agent reacts to nothing, so its causes stay unconfirmed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from scripted_failures import SCRIPTED_FAILURE

from pix2fact.judge.confirm import untestable_reason
from pix2fact.judge.report import run_failure_report
from pix2fact.store import RunStore

from test_judge_attribution import make_task
from test_judge_rejudge import read_verdicts, run_cli, scripted_plan, task_options

BEHAVIOURS = {
    "sample-002": "shallow_search",
    "sample-003": "long_tail",
    "sample-004": "grounding",
    "sample-005": "reasoning",
    "sample-008": "abstention",
}
EXPECTED = {
    "sample-002": {"shallow_search": True, "long_tail": False},
    "sample-003": {"long_tail": True},
    "sample-004": {"grounding": True},
    "sample-005": {},
    "sample-008": {"shallow_search": False, "long_tail": False},
}


@pytest.fixture(scope="module")
def confirmed_run(tmp_path_factory, sample_dir) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("confirm")
    plan = scripted_plan(base, BEHAVIOURS)
    code, output = run_cli("run", "--agent", SCRIPTED_FAILURE, "-A", f"plan={plan}", "--tasks", "sample", *task_options(BEHAVIOURS), "--out", base / "results", "--run-id", "scripted")
    assert code == 0, output
    folder = base / "results" / "scripted"
    code, output = run_cli("judge", folder, "--confirm", "--concurrency", "3")
    assert code == 0, output
    return folder, output


def confirmations(folder: Path) -> dict[str, dict]:
    return {verdict.task_id: verdict.confirmed for verdict in read_verdicts(folder / "verdicts.jsonl")}


def test_confirm_results_per_cause(confirmed_run):
    folder, output = confirmed_run

    assert confirmations(folder) == EXPECTED
    assert "6 counterfactual re-run(s)" in output


def test_confirm_notes_explain(confirmed_run):
    folder, _ = confirmed_run
    verdicts = {verdict.task_id: verdict for verdict in read_verdicts(folder / "verdicts.jsonl")}

    assert verdicts["sample-004"].confirm_notes["grounding"] == "with the fix the answer '+1 (602) 555-0115' was correct"
    assert "still wrong" in verdicts["sample-002"].confirm_notes["long_tail"]
    assert verdicts["sample-005"].confirm_notes == {}


def test_confirm_folders_are_run_folders(confirmed_run):
    folder, _ = confirmed_run

    counts = {cause: len(RunStore(folder / "confirm" / cause).load_records().records) for cause in ("grounding", "shallow_search", "long_tail")}
    assert counts == {"grounding": 1, "shallow_search": 2, "long_tail": 3}
    manifest = json.loads((folder / "confirm" / "grounding" / "manifest.json").read_text())
    assert manifest["fix"] == "grounding"
    assert manifest["confirms"] == "scripted"
    assert manifest["agent"] == SCRIPTED_FAILURE


def test_grounding_rerun_starts_on_the_crop(confirmed_run):
    folder, _ = confirmed_run
    record = RunStore(folder / "confirm" / "grounding").load_records().records[0]

    assert record.overview is not None
    assert record.overview.width < 1000  # the 165 x 50 px region, not the 4K overview
    assert record.image_size == (3840, 2160)


def test_shallow_rerun_got_reference_results(confirmed_run):
    folder, _ = confirmed_run
    record = next(item for item in RunStore(folder / "confirm" / "shallow_search").load_records().records if item.task_id == "sample-002")
    search = record.tool_events("web_search")[0]

    assert "(Search hint: the query" in record.question
    assert search.data["query"] == '"Redmond Runners Club" founder'
    assert search.data["asked_query"] == "Redmond Runners Club founder"
    assert record.final_answer == "Emeka Gallagher"


def test_long_tail_rerun_read_open_page(confirmed_run):
    folder, _ = confirmed_run
    record = next(item for item in RunStore(folder / "confirm" / "long_tail").load_records().records if item.task_id == "sample-003")

    assert [event.name for event in record.tool_events()] == ["read_page", "answer"]
    assert record.tool_events("read_page")[0].error is None
    assert "contact@bramley-cycling-club.example" in record.tool_events("read_page")[0].text
    assert record.final_answer == "contact@bramley-cycling-club.example"


def test_report_shows_confirmed_beside_unconfirmed(confirmed_run):
    folder, output = confirmed_run
    report = run_failure_report(folder)
    figures = {item.name: item for item in report.classes}

    assert report.confirmation_run is True
    assert (figures["long_tail"].confirmed, figures["long_tail"].not_confirmed) == (1, 2)
    assert (figures["shallow_search"].confirmed, figures["shallow_search"].not_confirmed) == (1, 1)
    assert (figures["grounding"].confirmed, figures["grounding"].not_confirmed) == (1, 0)
    assert "Counterfactual confirmation" in output
    assert "grounding [confirmed]: sample-004" in output


def test_rejudge_keeps_confirmations_and_resumes(confirmed_run, tmp_path):
    source, _ = confirmed_run
    folder = tmp_path / "run"
    shutil.copytree(source, folder)

    code, output = run_cli("judge", folder)
    assert code == 0, output
    assert confirmations(folder) == EXPECTED

    code, output = run_cli("judge", folder, "--confirm")
    assert code == 0, output
    assert "0 counterfactual re-run(s)" in output
    assert confirmations(folder) == EXPECTED


@pytest.mark.parametrize(
    ("cause", "overrides", "setting", "reason"),
    [
        ("grounding", {"regions": []}, "agentic", "no annotated region"),
        ("grounding", {}, "c4", "already showed the annotated region"),
        ("shallow_search", {"search_query": ""}, "agentic", "no reference search query"),
        ("shallow_search", {}, "c1", "has no web search"),
        ("long_tail", {"evidence_urls": []}, "agentic", "no evidence URL"),
        ("long_tail", {}, "c3", "has no browser"),
    ],
)
def test_untestable_causes(cause, overrides, setting, reason):
    assert reason in untestable_reason(cause, make_task(**overrides), setting)


def test_testable_cause_has_no_reason():
    assert untestable_reason("long_tail", make_task(), "agentic") is None
