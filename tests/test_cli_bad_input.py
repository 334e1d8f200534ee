"""Bad task files and bad images through `pix2fact run`: clear errors, and nothing saved is lost."""

from __future__ import annotations

import csv
import shutil

import pytest
from PIL import Image

from pix2fact.store import RunStore
from agents_for_tests import LOOK_THEN_ANSWER as TEST_AGENT

COLUMNS = ["index", "question", "answer", "local_image_path", "search_query", "bounding_box", "category", "image_resolution"]
BOX = "[{'region': {'tl': {'x': 10, 'y': 10}, 'tr': {'x': 90, 'y': 10}, 'bl': {'x': 10, 'y': 40}, 'br': {'x': 90, 'y': 40}}}]"


def write_tasks(folder, rows):
    path = folder / "tasks.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in COLUMNS})
    return path


def row(index, image, **overrides):
    values = {
        "index": index,
        "question": "What is the phone number of the shop with the red sign?",
        "answer": "555-0100",
        "local_image_path": image,
        "search_query": "red sign shop phone",
        "bounding_box": BOX,
        "category": "Storefronts & facades",
        "image_resolution": "3840x2160",
    }
    values.update(overrides)
    return values


@pytest.fixture
def dataset(tmp_path, sample_dir):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(sample_dir / "images" / "sample-001.jpg", folder / "good.jpg")
    data = (folder / "good.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (folder / "not-an-image.jpg").write_text("this is text, not a JPEG")
    return folder


def run_arguments(tasks_file, out, sample_dir, *extra):
    return ["run", "--agent", TEST_AGENT, "--tasks", tasks_file, "--web", sample_dir / "web", "--out", out, *extra]


def test_bad_row_names_file_row_column_and_value(cli, tmp_path, dataset, sample_dir):
    tasks_file = write_tasks(dataset, [row("a", "good.jpg"), row("b", "good.jpg", bounding_box="[{'region': oops")])

    result = cli(*run_arguments(tasks_file, tmp_path / "out", sample_dir))

    assert result.code == 2
    assert "tasks.csv" in result.output
    assert "row 3" in result.output
    assert "bounding_box" in result.output
    assert not (tmp_path / "out").exists(), "a rejected task file must not start a run"


def test_skip_invalid_runs_the_good_rows(cli, tmp_path, dataset, sample_dir):
    rows = [
        row("a", "good.jpg"),
        row("b", "missing.jpg"),
        row("c", "not-an-image.jpg"),
        row("d", "../../etc/passwd"),
        row("e", "good.jpg", question=""),
    ]
    tasks_file = write_tasks(dataset, rows)

    result = cli(*run_arguments(tasks_file, tmp_path / "out", sample_dir, "--skip-invalid"))

    assert result.code == 0, result.output
    folder = next((tmp_path / "out").iterdir())
    assert [record.task_id for record in RunStore(folder).load_records().records] == ["a"]


def test_truncated_image_is_a_harness_error_and_run_goes_on(cli, tmp_path, dataset, sample_dir):
    tasks_file = write_tasks(dataset, [row("good", "good.jpg"), row("broken", "truncated.jpg")])

    result = cli(*run_arguments(tasks_file, tmp_path / "out", sample_dir, "--concurrency", "1"))

    assert result.code == 0, result.output
    folder = next((tmp_path / "out").iterdir())
    records = {record.task_id: record for record in RunStore(folder).load_records().records}
    assert records["good"].status == "answered"
    assert records["broken"].status == "harness_error"
    assert "truncated.jpg" in records["broken"].error
    verdicts = {row["task_id"]: row for row in RunStore(folder).read_jsonl("verdicts.jsonl")}
    assert verdicts["broken"]["verdict"] == "ungradable"


def test_decompression_bomb_is_rejected_at_load(cli, tmp_path, dataset, sample_dir):
    Image.new("1", (20000, 20000)).save(dataset / "bomb.png")  # 400 megapixels, a tiny file
    tasks_file = write_tasks(dataset, [row("bomb", "bomb.png")])

    result = cli(*run_arguments(tasks_file, tmp_path / "out", sample_dir))

    assert result.code == 2
    assert "bomb.png" in result.output
    assert "pixel" in result.output.lower()


def test_task_file_without_web_says_what_to_pass(cli, tmp_path, dataset):
    tasks_file = write_tasks(dataset, [row("a", "good.jpg")])

    result = cli("run", "--agent", TEST_AGENT, "--tasks", tasks_file, "--out", tmp_path / "out")

    assert result.code == 2
    assert "--web" in result.output


def test_bad_price_file_fails_before_any_task(cli, tmp_path, monkeypatch, sample_dir):
    prices = tmp_path / "prices.json"
    prices.write_text("{oops")
    monkeypatch.setenv("PIX2FACT_PRICES", str(prices))

    result = cli("run", "--agent", TEST_AGENT, "--limit", "1", "--out", tmp_path / "out")

    assert result.code == 2
    assert "invalid price table" in result.output
    assert not (tmp_path / "out").exists()
