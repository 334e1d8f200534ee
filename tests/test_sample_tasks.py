"""The sample's task rows: schema, coverage, question wording, loading and determinism."""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from test_sample_support import built_sample, read_jsonl

from pix2fact.tasks.loaders import load_tasks
from pix2fact.tasks.model import CATEGORIES
from pix2fact.tasks.sample.build import write_text_parts
from pix2fact.tasks.sample.palette import PALETTE_BY_NAME
from pix2fact.tasks.sample.plan import plan_sample
from pix2fact.tasks.sample.scenes import encode_jpeg, render_scene

RELEASE_COLUMNS = (
    "index", "question", "answer", "local_image_path", "search_query", "bounding_box",
    "evidence_1", "evidence_2", "evidence_3", "evidence_url_1", "evidence_url_2",
    "evidence_url_3", "category", "image_resolution",
)
KINDS = {"phone", "hours", "email", "address", "price", "year", "name"}


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_sample(tmp_path_factory)


@pytest.fixture(scope="session")
def rows(sample: Path) -> list[dict]:
    return read_jsonl(sample / "tasks.jsonl")


@pytest.fixture(scope="session")
def scenes(sample: Path) -> dict[str, dict]:
    return {scene["index"]: scene for scene in read_jsonl(sample / "scenes.jsonl")}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rows_have_release_columns(rows: list[dict]) -> None:
    assert len(rows) >= 24
    for row in rows:
        missing = [column for column in RELEASE_COLUMNS if column not in row]
        assert not missing, f"{row['index']} lacks {missing}"
        assert row["answer_kind"] in KINDS
        assert row["fact_location"] in {"search", "subpage", "javascript"}
        assert isinstance(json.loads(row["answer_aliases"]), list)


def test_ids_unique_and_images_relative(rows: list[dict]) -> None:
    assert len({row["index"] for row in rows}) == len(rows)
    for row in rows:
        assert row["local_image_path"] == f"images/{row['index']}.jpg"


def test_all_categories_three_times(rows: list[dict]) -> None:
    counts = Counter(row["category"] for row in rows)
    assert set(counts) == set(CATEGORIES)
    assert all(count >= 3 for count in counts.values()), counts


def test_every_answer_kind_used(rows: list[dict]) -> None:
    assert {row["answer_kind"] for row in rows} == KINDS


def test_fact_locations_are_mixed(rows: list[dict]) -> None:
    counts = Counter(row["fact_location"] for row in rows)
    assert counts == {"search": 8, "subpage": 8, "javascript": 8}


def test_bounding_box_is_python_literal(rows: list[dict]) -> None:
    for row in rows:
        regions = ast.literal_eval(row["bounding_box"])
        assert isinstance(regions, list)
        assert len(regions) == 1
        corners = regions[0]["region"]
        assert set(corners) == {"tl", "tr", "bl", "br"}
        assert corners["tl"]["x"] < corners["tr"]["x"]
        assert corners["tl"]["y"] < corners["bl"]["y"]


def test_question_names_look_not_text(rows: list[dict], scenes: dict[str, dict]) -> None:
    for row in rows:
        target = next(panel for panel in scenes[row["index"]]["panels"] if panel["role"] == "target")
        assert target["text"].lower() not in row["question"].lower(), row["index"]
        assert f" {target['colour']} " in f" {row['question']} ", row["question"]
        other_colours = [name for name in PALETTE_BY_NAME if name != target["colour"]]
        assert not any(f" {name} " in row["question"] for name in other_colours), row["question"]


def test_question_wording_varies_by_category(rows: list[dict], scenes: dict[str, dict]) -> None:
    templates = set()
    for row in rows:
        target = next(panel for panel in scenes[row["index"]]["panels"] if panel["role"] == "target")
        wording = re.sub(r" in the [a-z ]+ (part )?of the photo", "", row["question"])
        templates.add(wording.replace(target["colour"], "COLOUR"))
    assert len(templates) == len(rows)


def test_phones_emails_domains_are_reserved(rows: list[dict]) -> None:
    for row in rows:
        if row["answer_kind"] == "phone":
            assert "555-01" in row["answer"], row["answer"]
        if row["answer_kind"] == "email":
            assert row["answer"].endswith(".example"), row["answer"]
        for number in (1, 2, 3):
            url = row[f"evidence_url_{number}"]
            host = url.split("/")[2] if url else ""
            assert not url or host.endswith((".example", ".test")), url


def test_real_loader_reads_sample(sample: Path, rows: list[dict]) -> None:
    task_set = load_tasks(sample / "tasks.jsonl")
    assert len(task_set) == len(rows)
    first = task_set.tasks[0]
    assert first.image == (sample / rows[0]["local_image_path"]).resolve()
    assert first.resolution == (3840, 2160)
    assert first.answer_kind == rows[0]["answer_kind"]
    assert len(first.regions) == 1
    assert all(task.evidence_urls for task in task_set)


def test_text_parts_are_deterministic(sample: Path, tmp_path: Path) -> None:
    write_text_parts(plan_sample(0), tmp_path)
    for name in ("tasks.jsonl", "scenes.jsonl", "web/pages.jsonl", "web/snapshot.json"):
        assert _digest(tmp_path / name) == _digest(sample / name), name


def test_image_bytes_are_deterministic(sample: Path) -> None:
    task = plan_sample(0).tasks[4]
    rendered = encode_jpeg(render_scene(task.scene))
    assert hashlib.sha256(rendered).hexdigest() == _digest(sample / "images" / f"{task.index}.jpg")


def test_other_seed_gives_other_tasks(sample: Path, tmp_path: Path) -> None:
    write_text_parts(plan_sample(1), tmp_path)
    assert _digest(tmp_path / "tasks.jsonl") != _digest(sample / "tasks.jsonl")
