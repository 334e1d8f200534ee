"""The sample's images: size, panel colours, text size, and OCR of the target with tesseract."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from test_sample_support import built_sample, read_jsonl

from pix2fact.tasks.sample.layout import cap_height
from pix2fact.tasks.sample.palette import nearest_colour
from pix2fact.tasks.sample.verify import OVERVIEW_WIDTH, check_task, parse_box


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_sample(tmp_path_factory)


@pytest.fixture(scope="session")
def rows(sample: Path) -> list[dict]:
    return read_jsonl(sample / "tasks.jsonl")


@pytest.fixture(scope="session")
def scenes(sample: Path) -> dict[str, dict]:
    return {scene["index"]: scene for scene in read_jsonl(sample / "scenes.jsonl")}


def _target(scene: dict) -> dict:
    targets = [panel for panel in scene["panels"] if panel["role"] == "target"]
    assert len(targets) == 1, scene["index"]
    return targets[0]


def test_images_are_4k_jpegs(sample: Path, rows: list[dict]) -> None:
    for row in rows:
        with Image.open(sample / row["local_image_path"]) as image:
            assert image.format == "JPEG"
            assert image.width >= 3840
            assert image.height >= 2160
            assert row["image_resolution"] == f"{image.width}x{image.height}"


def test_target_colour_unique_in_scene(scenes: dict[str, dict]) -> None:
    for scene in scenes.values():
        colours = Counter(panel["colour"] for panel in scene["panels"])
        assert colours[_target(scene)["colour"]] == 1, scene["index"]


def test_at_least_ten_distractor_texts(scenes: dict[str, dict]) -> None:
    for scene in scenes.values():
        distractors = [panel for panel in scene["panels"] if panel["role"] == "distractor"]
        assert len(distractors) >= 10, scene["index"]
        assert len({panel["text"] for panel in scene["panels"]}) == len(scene["panels"])


def test_bounding_box_is_target_panel(rows: list[dict], scenes: dict[str, dict]) -> None:
    for row in rows:
        target = _target(scenes[row["index"]])
        left, top, right, bottom = parse_box(row["bounding_box"])
        assert [left, top, right, bottom] == target["box"]
        text_left, text_top, text_right, text_bottom = target["text_box"]
        assert left <= text_left
        assert top <= text_top
        assert text_right <= right
        assert text_bottom <= bottom


def test_panel_colour_readable_from_pixels(sample: Path, scenes: dict[str, dict]) -> None:
    # The median of a panel's pixels ignores its text, so a program can name the colour.
    for index in ("sample-001", "sample-010", "sample-022"):
        with Image.open(sample / "images" / f"{index}.jpg") as image:
            for panel in scenes[index]["panels"]:
                median = ImageStat.Stat(image.crop(tuple(panel["box"]))).median
                assert nearest_colour(tuple(median)) == panel["colour"], (index, panel["text"], median)


def test_key_text_is_small(scenes: dict[str, dict]) -> None:
    for scene in scenes.values():
        for panel in scene["panels"]:
            assert 8 <= panel["cap_height"] <= 20, (scene["index"], panel["text"], panel["cap_height"])
            assert panel["cap_height"] == cap_height(panel["font"], panel["font_size"])
            overview_cap = panel["cap_height"] * OVERVIEW_WIDTH / scene["width"]
            assert overview_cap < 5, (scene["index"], panel["text"])


@pytest.mark.parametrize("index", ["sample-004", "sample-019"])
def test_tesseract_reads_zoomed_target(sample: Path, rows: list[dict], scenes: dict[str, dict], index: str) -> None:
    row = next(row for row in rows if row["index"] == index)
    check = check_task(sample, row, scenes[index])
    assert check.readable, f"tesseract read {check.read!r}, expected {check.expected!r}"
    assert not check.readable_in_overview, f"readable at {OVERVIEW_WIDTH} px: {check.overview_read!r}"
