"""`pix2fact export` on a real run of copied sample tasks: the benchmark's CSV layout and JSON lines."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from pix2fact.cli import main
from pix2fact.runner import judge_run, read_run_tasks, setup_failure_record
from pix2fact.store import RunStore
from pix2fact.tasks.loaders import load_tasks

from agents_for_tests import LOOK_THEN_ANSWER

EXPECTED_COLUMNS = [
    "index", "question", "answer", "local_image_path", "search_query", "bounding_box",
    "evidence_1", "evidence_2", "evidence_3", "evidence_url_1", "evidence_url_2", "evidence_url_3",
    "category", "image_resolution",
    "model_output", "response_observation", "response_search_plan", "response_search_query",
    "response_comprehensive_answer", "response_final_answer", "response_is_error",
]
ANSWER_KEYS = ["Observation", "Search Plan", "Search Query", "Comprehensive Answer", "Final Answer"]


def invoke(*argv: object) -> tuple[int, str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
    return main([str(arg) for arg in argv], console=console), buffer.getvalue()


@pytest.fixture(scope="module")
def tasks_copy(tmp_path_factory, sample_dir) -> Path:
    """Three sample tasks, their images and the web snapshot, copied into a private folder."""
    folder = tmp_path_factory.mktemp("export-sample")
    lines = (sample_dir / "tasks.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    (folder / "images").mkdir()
    for line in lines:
        image = json.loads(line)["local_image_path"]
        shutil.copy(sample_dir / image, folder / image)
    (folder / "tasks.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copytree(sample_dir / "web", folder / "web")
    return folder


@pytest.fixture(scope="module")
def run_folder(tasks_copy, tmp_path_factory) -> Path:
    """Two tasks answered by LookThenAnswer, and a third that ended in a harness error."""
    out = tmp_path_factory.mktemp("export-run")
    code, output = invoke("run", "--agent", LOOK_THEN_ANSWER, "--tasks", tasks_copy / "tasks.jsonl", "--web", tasks_copy / "web", "--limit", "2", "--out", out, "--run-id", "answered")
    assert code == 0, output

    folder = out / "answered"
    store = RunStore(folder)
    third = load_tasks(tasks_copy / "tasks.jsonl", images_dir=tasks_copy).tasks[2]
    # The task copy gains the third task as a resumed run with a larger --limit would add it.
    with open(folder / "tasks.jsonl", "a", encoding="utf-8") as copy:
        copy.write(third.model_dump_json() + "\n")
    store.append_record(setup_failure_record(third, 1, RuntimeError("browser crashed")))
    judge_run(store)
    return folder


def read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def test_official_csv_has_the_benchmark_columns(cli, run_folder):
    result = cli("export", run_folder, "--format", "official-csv")

    assert result.code == 0, result.output
    columns, rows = read_csv(result.output)
    assert columns == EXPECTED_COLUMNS
    assert len(rows) == 3


def test_official_csv_model_output_parses(cli, run_folder):
    _, rows = read_csv(cli("export", run_folder).output)
    answered = [row for row in rows if row["response_is_error"] == "False"]

    assert len(answered) == 2
    for row in answered:
        output = json.loads(row["model_output"])
        assert list(output) == ANSWER_KEYS
        assert output["Final Answer"] == "555-0100"
        assert output["Observation"] == "the middle of the photo"
        assert output["Search Plan"] == []
        assert row["response_final_answer"] == "555-0100"
        assert row["response_observation"] == "the middle of the photo"
        assert json.loads(row["response_search_plan"]) == []
        assert json.loads(row["response_search_query"]) == []


def test_official_csv_marks_harness_errors(cli, run_folder):
    _, rows = read_csv(cli("export", run_folder).output)
    failed = [row for row in rows if row["response_is_error"] == "True"]

    assert len(failed) == 1
    assert failed[0]["model_output"] == "ERROR: RuntimeError: browser crashed"
    assert failed[0]["response_final_answer"] == ""


def test_official_csv_task_columns_load_back(cli, run_folder, tasks_copy, tmp_path):
    target = tmp_path / "export.csv"

    result = cli("export", run_folder, "--out", target, "--images", tasks_copy)

    assert result.code == 0, result.output
    assert f"Wrote 3 row(s) in official-csv to {target}" in result.output
    _, rows = read_csv(target.read_text(encoding="utf-8"))
    assert rows[0]["local_image_path"] == "images/sample-001.jpg"
    assert rows[0]["image_resolution"] == "3840x2160"
    assert rows[0]["bounding_box"].startswith("[{'region': {'tl': {'x': ")
    loaded = {task.id: task for task in load_tasks(target, images_dir=tasks_copy).tasks}
    for original in read_run_tasks(RunStore(run_folder)):
        again = loaded[original.id]
        for field in ("question", "answer", "category", "search_query", "evidence", "evidence_urls", "resolution", "image"):
            assert getattr(again, field) == getattr(original, field), field
        assert [region.box for region in again.regions] == [region.box for region in original.regions]


def test_jsonl_has_answer_verdict_and_failure(cli, run_folder):
    result = cli("export", run_folder, "--format", "jsonl")

    assert result.code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 3
    verdicts = {row["task_id"]: row for row in RunStore(run_folder).read_jsonl("verdicts.jsonl")}
    for row in rows:
        assert row["verdict"] == verdicts[row["task_id"]]["verdict"]
        assert row["failure"] == verdicts[row["task_id"]]["failure"]
    answered = [row for row in rows if row["status"] == "answered"]
    assert [row["final_answer"] for row in answered] == ["555-0100", "555-0100"]
    assert all(row["gold"] for row in rows)
    failed = next(row for row in rows if row["status"] == "harness_error")
    assert failed["verdict"] == "ungradable"
    assert failed["failure"] == "harness"
    assert failed["final_answer"] is None


def test_several_epochs_add_an_epoch_column(cli, tasks_copy, tmp_path):
    code = cli("run", "--agent", LOOK_THEN_ANSWER, "--tasks", tasks_copy / "tasks.jsonl", "--web", tasks_copy / "web", "--limit", "1", "--epochs", "2", "--out", tmp_path, "--run-id", "twice").code
    assert code == 0

    columns, rows = read_csv(cli("export", tmp_path / "twice").output)

    assert columns.index("epoch") == columns.index("model_output") - 1
    assert sorted(row["epoch"] for row in rows) == ["1", "2"]


@pytest.mark.parametrize(
    "arguments, message",
    [
        pytest.param(["export", "{run}", "--format", "xml"], "unknown export format 'xml'; choose one of: official-csv, jsonl", id="unknown-format"),
        pytest.param(["export", "no/such/run"], "not a run folder", id="not-a-run-folder"),
    ],
)
def test_bad_export_input_is_one_clear_line(cli, run_folder, arguments, message):
    result = cli(*[str(run_folder) if argument == "{run}" else argument for argument in arguments])

    assert result.code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
