"""Task loaders on real files: both Pix2Fact CSV releases, JSONL and JSON, bad rows and images."""

from __future__ import annotations

import csv
import json
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from pix2fact.errors import ConfigError, TaskFormatError
from pix2fact.tasks.loaders import TaskSet, load_tasks

FIXTURES = Path(__file__).parent / "data" / "loaders"

CURRENT_COLUMNS = [
    "index", "question", "answer", "local_image_path", "search_query", "bounding_box",
    "evidence_1", "evidence_2", "evidence_3", "evidence_url_1", "evidence_url_2", "evidence_url_3",
    "category", "image_resolution", "answer_aliases",
]

GOOD_BOX = (
    "[{'region': {'tl': {'x': 100, 'y': 100}, 'tr': {'x': 300, 'y': 100}, "
    "'bl': {'x': 100, 'y': 200}, 'br': {'x': 300, 'y': 200}}}]"
)


def png_header(width: int, height: int) -> bytes:
    """Return a PNG whose header claims width x height but that contains no pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.fixture(scope="session")
def image_bytes(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("loader-images")
    Image.new("RGB", (1600, 900), (40, 90, 160)).save(folder / "harbour.jpg", quality=80)
    Image.new("RGB", (640, 480), (200, 40, 40)).save(folder / "arcade.png")
    return {name: (folder / name).read_bytes() for name in ("harbour.jpg", "arcade.png")}


@pytest.fixture
def dataset(tmp_path, image_bytes) -> Path:
    """A dataset folder with the fixture task files and their two images."""
    folder = tmp_path / "dataset"
    (folder / "images").mkdir(parents=True)
    for name, data in image_bytes.items():
        (folder / "images" / name).write_bytes(data)
    for fixture in FIXTURES.iterdir():
        shutil.copy(fixture, folder / fixture.name)
    return folder


def good_row(index: int) -> dict[str, str]:
    return {
        "index": str(index), "question": f"Question {index}?", "answer": "42",
        "local_image_path": "images/harbour.jpg", "bounding_box": GOOD_BOX, "image_resolution": "1600x900",
    }


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = CURRENT_COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_current_release_csv(dataset):
    task_set = load_tasks(dataset / "current_release.csv")

    assert isinstance(task_set, TaskSet)
    assert task_set.name == "current_release"
    assert task_set.source == dataset / "current_release.csv"
    assert [task.id for task in task_set] == ["0", "1", "2"]
    assert task_set.skipped == []

    first = task_set.tasks[0]
    assert first.image == (dataset / "images" / "harbour.jpg").resolve()
    assert first.image.is_absolute()
    assert first.answer == "+44 (0)20 7491 1947"
    assert first.aliases == ["+44 20 7491 1947", "020 7491 1947"]
    assert first.search_query == "harbour boat charter phone"
    assert first.category == "Landmarks & attractions"
    assert first.resolution == (1600, 900)
    assert first.evidence == ["The boat carries the charter company's name.", "The company's contact page lists the number."]
    assert first.evidence_urls == ["https://example.org/charter", "https://example.org/contact"]
    assert [region.box.as_list() for region in first.regions] == [[1200, 700, 1500, 860]]

    second = task_set.tasks[1]
    assert len(second.regions) == 2
    assert second.regions[0].tl == (100.5, 50.0)
    assert second.resolution == (640, 480)

    third = task_set.tasks[2]
    assert third.answer == "[NO_DEFINITIVE_ANSWER]"
    assert third.regions == []
    assert third.evidence == []


def test_current_release_jsonl(dataset):
    task_set = load_tasks(dataset / "current_release.jsonl")

    assert [task.id for task in task_set] == ["10", "11"]
    first, second = task_set.tasks
    assert first.regions[0].box.as_list() == [1200, 700, 1500, 860]
    assert first.aliases == ["020 7491 1947"]
    assert first.answer_kind == "phone"
    assert first.evidence_urls == ["https://example.org/operator"]
    # A JSON number in the answer field and a bounding_box kept as a Python-literal string both load.
    assert second.answer == "12"
    assert second.regions[0].box.as_list() == [100, 50, 300, 250]


def test_json_list(dataset):
    records = [json.loads(line) for line in (dataset / "current_release.jsonl").read_text().splitlines() if line]
    (dataset / "tasks.json").write_text(json.dumps(records))

    task_set = load_tasks(dataset / "tasks.json")

    assert [task.id for task in task_set] == ["10", "11"]


def test_first_release_csv(dataset):
    task_set = load_tasks(dataset / "first_release.csv")

    assert [task.id for task in task_set] == ["eb092a16", "4c39d072"]
    first, second = task_set.tasks
    assert first.question.startswith("If someone wants to make enquiries")
    assert first.answer == "+44 (0)20 7491 1947"
    assert first.category == "Amusement Parks"
    assert first.resolution == (1600, 900)
    assert first.regions[0].box.as_list() == [1200, 700, 1500, 860]
    assert second.evidence == ["The manual lists the tracks.", "The second edition adds two."]
    assert second.evidence_urls == ["https://example.org/manual", "https://example.org/edition"]


def test_images_dir_option(dataset, tmp_path):
    elsewhere = tmp_path / "tasks-only"
    elsewhere.mkdir()
    shutil.copy(dataset / "current_release.csv", elsewhere / "tasks.csv")

    with pytest.raises(TaskFormatError, match="file not found"):
        load_tasks(elsewhere / "tasks.csv")
    task_set = load_tasks(elsewhere / "tasks.csv", images_dir=dataset)

    assert task_set.tasks[0].image == (dataset / "images" / "harbour.jpg").resolve()


def region_literal(left: object, top: object, right: object, bottom: object) -> str:
    return (
        f"[{{'region': {{'tl': {{'x': {left!r}, 'y': {top!r}}}, 'tr': {{'x': {right!r}, 'y': {top!r}}}, "
        f"'bl': {{'x': {left!r}, 'y': {bottom!r}}}, 'br': {{'x': {right!r}, 'y': {bottom!r}}}}}}}]"
    )


BAD_ROWS = [
    pytest.param({"question": ""}, "question", "empty", id="empty-question"),
    pytest.param({"answer": "  "}, "answer", "empty", id="empty-answer"),
    pytest.param({"index": ""}, "index", "empty", id="empty-id"),
    pytest.param({"local_image_path": ""}, "local_image_path", "empty", id="empty-image"),
    pytest.param({"local_image_path": "images/missing.jpg"}, "local_image_path", "file not found", id="missing-image"),
    pytest.param({"local_image_path": "images/notes.txt"}, "local_image_path", "not a recognised image", id="not-an-image"),
    pytest.param({"local_image_path": "../outside.jpg"}, "local_image_path", "outside the dataset folder", id="dotdot-escape"),
    pytest.param({"local_image_path": "{outside}"}, "local_image_path", "outside the dataset folder", id="absolute-outside"),
    pytest.param({"local_image_path": "images/link.jpg"}, "local_image_path", "outside the dataset folder", id="symlink-outside"),
    pytest.param({"bounding_box": "[{'region': {'tl'"}, "bounding_box", "not a Python or JSON literal", id="bbox-syntax"),
    pytest.param({"bounding_box": "[{'region': {'tl': {'x': 1, 'y': 2}}}]"}, "bounding_box", "lacks corner 'tr'", id="bbox-corner"),
    pytest.param({"bounding_box": "[[1, 2, 3, 4]]"}, "bounding_box", "expected a dict", id="bbox-not-dict"),
    pytest.param({"bounding_box": "42"}, "bounding_box", "expected a list", id="bbox-number"),
    pytest.param({"bounding_box": region_literal("a", 1, 5, 5)}, "bounding_box", "non-numeric", id="bbox-text-coordinate"),
    pytest.param({"bounding_box": region_literal(5000, 100, 5100, 200)}, "bounding_box", "lies outside the 1600x900", id="region-outside"),
    pytest.param({"bounding_box": region_literal(100, 100, 100, 200)}, "bounding_box", "zero area", id="region-zero-area"),
    pytest.param({"image_resolution": "4K"}, "image_resolution", "WIDTHxHEIGHT", id="bad-resolution"),
    pytest.param({"answer_aliases": "twelve"}, "answer_aliases", "JSON list", id="aliases-not-json"),
    pytest.param({"answer_aliases": '{"a": 1}'}, "answer_aliases", "JSON list", id="aliases-not-list"),
]


@pytest.fixture
def bad_files(dataset, tmp_path):
    """Create the files the bad rows point to: a text file, an image outside, and a symlink to it."""
    (dataset / "images" / "notes.txt").write_text("not an image")
    outside = tmp_path / "outside.jpg"
    Image.new("RGB", (32, 32)).save(outside)
    (dataset / "images" / "link.jpg").symlink_to(outside)
    return outside


@pytest.mark.parametrize(("override", "column", "fragment"), BAD_ROWS)
def test_bad_row_raises(dataset, bad_files, override, column, fragment):
    override = {key: value.replace("{outside}", str(bad_files)) for key, value in override.items()}
    path = write_csv(dataset / "tasks.csv", [good_row(0), good_row(1) | override])

    with pytest.raises(TaskFormatError) as caught:
        load_tasks(path)

    error = caught.value
    assert error.row == 3
    assert error.column == column
    assert fragment in str(error)
    assert str(path) in str(error)
    assert "row 3" in str(error)


@pytest.mark.parametrize(("override", "column", "fragment"), BAD_ROWS)
def test_bad_row_skipped(dataset, bad_files, override, column, fragment):
    override = {key: value.replace("{outside}", str(bad_files)) for key, value in override.items()}
    path = write_csv(dataset / "tasks.csv", [good_row(0), good_row(1) | override, good_row(2)])

    task_set = load_tasks(path, skip_invalid=True)

    assert [task.id for task in task_set] == ["0", "2"]
    assert len(task_set.skipped) == 1
    assert task_set.skipped[0].column == column
    assert fragment in task_set.skipped[0].problem


def test_duplicate_id(dataset):
    path = write_csv(dataset / "tasks.csv", [good_row(0), good_row(1), good_row(0)])

    with pytest.raises(TaskFormatError, match="duplicate id, first used in row 2") as caught:
        load_tasks(path)
    assert caught.value.row == 4

    task_set = load_tasks(path, skip_invalid=True)
    assert [task.id for task in task_set] == ["0", "1"]
    assert len(task_set.skipped) == 1


def test_csv_row_with_extra_cells(dataset):
    path = dataset / "tasks.csv"
    path.write_text("index,question,answer,local_image_path\n0,Q?,A,images/harbour.jpg,surplus\n1,Q?,A,images/harbour.jpg\n")

    with pytest.raises(TaskFormatError, match="1 more cell"):
        load_tasks(path)
    assert [task.id for task in load_tasks(path, skip_invalid=True)] == ["1"]


def test_jsonl_bad_lines(dataset):
    path = dataset / "tasks.jsonl"
    good = {"index": 1, "question": "Q?", "answer": "A", "local_image_path": "images/arcade.png"}
    path.write_text("{not json\n" + json.dumps(good) + "\n[1, 2]\n")

    with pytest.raises(TaskFormatError, match="invalid JSON") as caught:
        load_tasks(path)
    assert caught.value.row == 1

    task_set = load_tasks(path, skip_invalid=True)
    assert [task.id for task in task_set] == ["1"]
    assert [error.row for error in task_set.skipped] == [1, 3]
    assert "expected a JSON object" in str(task_set.skipped[1])


def test_missing_required_columns(dataset):
    path = write_csv(dataset / "tasks.csv", [{"index": "0", "question": "Q?"}], columns=["index", "question"])

    with pytest.raises(ConfigError) as caught:
        load_tasks(path)

    message = str(caught.value)
    assert "missing required column(s)" in message
    assert "'answer', '[Final]answer'" in message
    assert "'local_image_path'" in message
    assert "['index', 'question']" in message
    assert not isinstance(caught.value, TaskFormatError)


def test_missing_id_column_uses_row(dataset):
    path = write_csv(dataset / "tasks.csv", [good_row(7)], columns=["question", "answer", "local_image_path"])

    assert [task.id for task in load_tasks(path)] == ["2"]


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        pytest.param("empty.csv", "", "is empty", id="empty-csv"),
        pytest.param("blank.jsonl", "\n  \n", "is empty", id="blank-jsonl"),
        pytest.param("header.csv", "index,question,answer,local_image_path\n", "no task rows", id="header-only"),
        pytest.param("tasks.txt", "index\n", "unknown task file format '.txt'", id="unknown-format"),
        pytest.param("object.json", '{"question": "Q"}', "expected a JSON list", id="json-object"),
        pytest.param("broken.json", "[{", "invalid JSON", id="json-syntax"),
        pytest.param("empty.json", "[]", "contains no tasks", id="json-empty-list"),
    ],
)
def test_file_level_errors(tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_text(content)

    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace(".", r"\.")) as caught:
        load_tasks(path)
    assert str(path) in str(caught.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="task file not found"):
        load_tasks(tmp_path / "missing.csv")

    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(ConfigError, match="cannot read task file") as caught:
        load_tasks(folder)
    assert str(folder) in str(caught.value)

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("question,answer,local_image_path\ncaf\xe9,a,b\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_tasks(latin1)


def test_missing_images_dir(dataset, tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_tasks(dataset / "current_release.csv", images_dir=tmp_path / "nowhere")


def test_pixel_limit(dataset):
    with pytest.raises(TaskFormatError, match="decompression bomb") as caught:
        load_tasks(dataset / "current_release.csv", max_pixels=1_000_000)
    assert "1600x900" in str(caught.value.problem)


@pytest.mark.parametrize(
    ("width", "height"),
    [
        pytest.param(13_000, 13_000, id="over-our-cap"),
        pytest.param(100_000, 100_000, id="over-pillow-limit"),
    ],
)
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_bomb_header_rejected(dataset, width, height):
    (dataset / "images" / "bomb.png").write_bytes(png_header(width, height))
    path = write_csv(dataset / "tasks.csv", [good_row(0) | {"local_image_path": "images/bomb.png", "bounding_box": ""}])

    with pytest.raises(TaskFormatError, match="decompression bomb"):
        load_tasks(path)


def test_truncated_image_passes_header_check(dataset):
    data = (dataset / "images" / "harbour.jpg").read_bytes()
    (dataset / "images" / "cut.jpg").write_bytes(data[: len(data) // 2])
    path = write_csv(dataset / "tasks.csv", [good_row(0) | {"local_image_path": "images/cut.jpg"}])

    # Only the header is read at load time; the image tools find the truncation when decoding.
    assert len(load_tasks(path)) == 1


def test_resolution_mismatch_uses_image_size(dataset, caplog):
    path = write_csv(dataset / "tasks.csv", [good_row(0) | {"image_resolution": "3840x2160"}])

    task_set = load_tasks(path)

    assert task_set.tasks[0].resolution == (1600, 900)
    assert "3840x2160 but the image is 1600x900" in caplog.text
