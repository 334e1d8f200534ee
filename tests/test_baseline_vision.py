"""The baseline's eyes on real sample images: colour candidates and Tesseract readings.

The tests compare with the annotations (regions, evidence), which only tests may read.
"""

from __future__ import annotations

import re

import pytest

from pix2fact.agents.baseline.colours import name_colour
from pix2fact.agents.baseline.ocr import read_panel
from pix2fact.agents.baseline.question import parse_question
from pix2fact.agents.baseline.vision import find_panels, label_runs
from pix2fact.tasks.loaders import load_tasks
from pix2fact.tools.image import ImageTools

# A chromatic panel, a white one among near-white product labels, and a grey one next to a dark
# grey awning: the three hardest colour cases seen while building the finder.
TASK_IDS = ("sample-001", "sample-007", "sample-013")


@pytest.fixture(scope="module")
def sample_tasks(sample_dir):
    tasks = {task.id: task for task in load_tasks(sample_dir / "tasks.jsonl", images_dir=sample_dir)}
    return [tasks[task_id] for task_id in TASK_IDS]


def overlap(first, second) -> float:
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / ((first[2] - first[0]) * (first[3] - first[1]) + (second[2] - second[0]) * (second[3] - second[1]) - inter)


def test_label_runs_finds_separate_regions():
    import numpy as np

    mask = np.zeros((6, 8), dtype=bool)
    mask[1:3, 1:4] = True
    mask[4:6, 5:8] = True
    mask[3, 3:5] = True  # joins the first region; its right end touches the second only diagonally

    regions = sorted(label_runs(mask))

    assert regions == [(1, 1, 5, 4, 8), (5, 4, 8, 6, 6)]


@pytest.mark.parametrize(
    ("rgb", "name"),
    [((200, 30, 35), "red"), ((0, 128, 128), "teal"), ((115, 70, 30), "brown"), ((150, 150, 150), "grey"),
     ((250, 150, 195), "pink"), ((120, 45, 165), "purple")],
)
def test_name_colour_of_paint(rgb, name):
    assert name_colour(rgb) == name


async def test_colour_finder_ranks_annotated_panel_first(sample_tasks):
    for task in sample_tasks:
        question = parse_question(task.question)
        tools = ImageTools(task.image)
        overview = await tools.overview()
        size = await tools.size()
        truth = task.regions[0].box.as_list()

        candidates = find_panels(overview.images[0].data, size, question.colour, question.position, limit=4)

        overlaps = [overlap(candidate.box, truth) for candidate in candidates]
        assert any(value > 0.6 for value in overlaps), f"{task.id}: {question.colour} panel {truth} not among {candidates}"
        assert overlaps[0] > 0.6, f"{task.id}: the annotated panel is not ranked first: {candidates}"


async def test_tesseract_reads_annotated_panel_name(sample_tasks):
    for task in sample_tasks:
        name = re.search(r'reads "([^"]+)"', " ".join(task.evidence)).group(1)
        left, top, right, bottom = (round(value) for value in task.regions[0].box.as_list())
        pad = 8
        zoom = 240 / (bottom - top)
        crop = await ImageTools(task.image).crop.call({"box": [left - pad, top - pad, right + pad, bottom + pad], "zoom": zoom})
        scale = crop.data["output_size"][0] / (crop.data["box"][2] - crop.data["box"][0])
        panel = tuple(round(value * scale) for value in (pad, pad, pad + right - left, pad + bottom - top))

        reading = read_panel(crop.images[0].data, panel)

        assert reading.text == name, f"{task.id}: read {reading.text!r} (lines {reading.lines})"
        assert reading.confidence > 80
