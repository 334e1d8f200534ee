"""Loading Pix2Fact task files (CSV, JSONL or a JSON list) into `Task` objects.

Two releases of the Pix2Fact CSV exist, and both load without options:

- current: `index`, `question`, `answer`, `local_image_path`, `search_query`, `bounding_box`,
  `evidence_1..3`, `evidence_url_1..3`, `category`, `image_resolution`;
- first: `ItemID`, `[Final]question`, `[Final]answer`, `local_image_path`, `bounding_box`,
  `[Final]evidence_1..3`, `[Final]evidence_url_1..3`, `image_category`, `Resolution`, plus
  annotation columns (`image_description`, `knowledge_domain`, ...) that are ignored.

Optional extra columns: `answer_aliases` (a JSON list of accepted answers) and `answer_kind`.
`bounding_box` is the string form of a Python list of dicts whose `region` holds the corner
points `tl`, `tr`, `br`, `bl`, each `{'x': ..., 'y': ...}` in original-image pixels. It is read
with `ast.literal_eval`; JSONL files may hold the same structure already parsed.

Image paths are relative to `images_dir` (default: the task file's folder) and may not leave it.
Each image's header is read at load time to catch missing, non-image and oversized files; a
truncated pixel stream only shows up when the image tools decode it.

Row numbers in errors are the line where the record starts (the CSV header is line 1) for CSV
and JSONL, and the 1-based item number for a JSON list.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from pydantic import ValidationError

from pix2fact.errors import ConfigError, TaskFormatError
from pix2fact.tasks.model import Region, Task
from pix2fact.tools.image import DEFAULT_MAX_PIXELS, ImageLoadError, read_image_size

logger = logging.getLogger(__name__)

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}

# Task field -> the columns that may hold it, current release first.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("index", "ItemID", "item_id", "id"),
    "image": ("local_image_path", "image", "image_path"),
    "question": ("question", "[Final]question"),
    "answer": ("answer", "[Final]answer"),
    "category": ("category", "image_category"),
    "search_query": ("search_query",),
    "regions": ("bounding_box",),
    "resolution": ("image_resolution", "Resolution", "resolution"),
    "aliases": ("answer_aliases",),
    "answer_kind": ("answer_kind",),
}
for _number in (1, 2, 3):
    COLUMNS[f"evidence_{_number}"] = (f"evidence_{_number}", f"[Final]evidence_{_number}")
    COLUMNS[f"evidence_url_{_number}"] = (f"evidence_url_{_number}", f"[Final]evidence_url_{_number}")

REQUIRED = ("question", "answer", "image")

# Builds the error for one cell of the row being read, from a description of the problem.
_Fail = Callable[[str], TaskFormatError]

_RESOLUTION = re.compile(r"^\s*(\d+)\s*[xX×*,]\s*(\d+)\s*$")


@dataclass
class TaskSet:
    """The tasks read from one file.

    Attributes:
        tasks: Valid tasks, in file order.
        skipped: Errors of the rows left out (only filled with `skip_invalid=True`).
        source: The task file, absolute.
        name: The file name without its extension, used to label runs.
    """

    tasks: list[Task]
    source: Path
    name: str
    skipped: list[TaskFormatError] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.tasks)

    def __iter__(self) -> Iterator[Task]:
        return iter(self.tasks)


def load_tasks(
    source: str | Path,
    *,
    images_dir: Path | None = None,
    skip_invalid: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> TaskSet:
    """Read a task file and check every row and image header.

    Args:
        source: A .csv, .jsonl (or .ndjson) file, or a .json file holding a list of objects.
        images_dir: Folder that image paths are relative to; default: the task file's folder.
            Images may not resolve outside it.
        skip_invalid: Leave out bad rows and list their errors in `TaskSet.skipped`, instead of
            raising the first one.
        max_pixels: Largest accepted image (width x height), against decompression bombs.

    Raises:
        ConfigError: The file is missing, unreadable, empty, of an unknown format, or lacks a
            required column.
        TaskFormatError: A row is invalid and `skip_invalid` is False.
    """
    path = Path(source).expanduser().absolute()
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(f"{path}: unknown task file format {path.suffix!r}; use .csv, .jsonl or .json")

    text = _read_text(path)
    if not text.strip():
        raise ConfigError(f"{path} is empty; expected a header row (CSV) or one JSON object per task")
    records, columns_present = _read_records(path, kind, text)
    columns = _map_columns(path, columns_present)

    root = (images_dir if images_dir is not None else path.parent).expanduser().resolve()
    if not root.is_dir():
        raise ConfigError(f"images folder {root} does not exist; pass --images (images_dir in Python) pointing to the dataset images")
    context = _Context(path, columns, root, max_pixels)

    tasks: list[Task] = []
    skipped: list[TaskFormatError] = []
    first_row_of: dict[str, int | str] = {}
    for row, record in records:
        try:
            if isinstance(record, TaskFormatError):
                raise record
            task = _build_task(context, row, record)
            if task.id in first_row_of:
                raise TaskFormatError(
                    str(path), row, columns.get("id", "id"), task.id,
                    f"duplicate id, first used in row {first_row_of[task.id]}; give every task a unique id",
                )
        except TaskFormatError as error:
            if not skip_invalid:
                raise
            logger.warning("skipping invalid task row: %s", error)
            skipped.append(error)
            continue
        first_row_of[task.id] = row
        tasks.append(task)

    if context.resolution_mismatches:
        logger.warning(
            "%s: %d rows state a resolution that differs from their image's size",
            path.name, context.resolution_mismatches,
        )
    logger.info("loaded %d tasks from %s (%d skipped)", len(tasks), path, len(skipped))
    return TaskSet(tasks=tasks, source=path, name=path.stem, skipped=skipped)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"task file not found: {path}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path} is not UTF-8 text (byte {error.start}); re-save it as UTF-8") from None
    except OSError as error:
        raise ConfigError(f"cannot read task file {path}: {error.strerror or error}") from None


def _read_records(path: Path, kind: str, text: str) -> tuple[list[tuple[int, Any]], list[str]]:
    """Split the file into (row number, record) pairs and list the columns it has.

    A record that cannot be parsed is returned as a `TaskFormatError` in place of the record,
    so `skip_invalid` applies to it like to any other bad row.
    """
    if kind == "csv":
        return _read_csv(path, text)

    if kind == "json":
        try:
            items = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(f"{path}: invalid JSON at line {error.lineno}: {error.msg}") from None
        if not isinstance(items, list):
            raise ConfigError(f"{path}: expected a JSON list of task objects, got {type(items).__name__}")
        numbered = list(enumerate(items, start=1))
    else:
        numbered = []
        for line_number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                numbered.append((line_number, json.loads(line)))
            except json.JSONDecodeError as error:
                problem = f"invalid JSON ({error.msg} at column {error.colno}); write one JSON object per line"
                numbered.append((line_number, TaskFormatError(str(path), line_number, "(line)", line, problem)))

    records: list[tuple[int, Any]] = []
    columns: dict[str, None] = {}
    for row, item in numbered:
        if not isinstance(item, (dict, TaskFormatError)):
            item = TaskFormatError(str(path), row, "(record)", item, "expected a JSON object with task fields")
        if isinstance(item, dict):
            columns.update(dict.fromkeys(item))
        records.append((row, item))
    if not records:
        raise ConfigError(f"{path} contains no tasks")
    return records, list(columns)


def _read_csv(path: Path, text: str) -> tuple[list[tuple[int, Any]], list[str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    records: list[tuple[int, Any]] = []
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
        reader.fieldnames = header
        start = reader.line_num + 1
        for record in reader:
            if None in record:
                extra = len(record.pop(None))
                problem = f"row has {extra} more cell(s) than the header's {len(header)}; quote cells that contain commas"
                records.append((start, TaskFormatError(str(path), start, "(row)", extra, problem)))
            else:
                records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as error:
        raise ConfigError(f"{path}: malformed CSV near line {reader.line_num}: {error}") from None
    if not records:
        raise ConfigError(f"{path} has a header but no task rows")
    return records, header


def _map_columns(path: Path, present: list[str]) -> dict[str, str]:
    """Pick, for each task field, the first of its accepted column names the file has."""
    available = set(present)
    columns = {
        name: next(candidate for candidate in candidates if candidate in available)
        for name, candidates in COLUMNS.items()
        if any(candidate in available for candidate in candidates)
    }
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        wanted = "; ".join(f"{name}: one of {', '.join(map(repr, COLUMNS[name]))}" for name in missing)
        raise ConfigError(
            f"{path}: missing required column(s) ({wanted}). The file has columns {present}; "
            "rename the columns or check that this is a Pix2Fact task file"
        )
    return columns


def _text(value: Any) -> str:
    """Normalise a cell: None and NaN become "", integral floats lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


@dataclass
class _Context:
    """Settings and counters shared by the rows of one file."""

    path: Path
    columns: dict[str, str]
    root: Path
    max_pixels: int
    resolution_mismatches: int = 0


def _build_task(context: _Context, row: int, record: dict[str, Any]) -> Task:
    path, columns = context.path, context.columns

    def cell(name: str) -> Any:
        return record.get(columns[name]) if name in columns else None

    def fail(name: str, value: Any, problem: str) -> TaskFormatError:
        return TaskFormatError(str(path), row, columns.get(name, name), value, problem)

    for name in REQUIRED:
        if not _text(cell(name)):
            raise fail(name, cell(name), f"{columns[name]!r} is empty; every task needs a question, an answer and an image")

    if "id" in columns and not _text(cell("id")):
        raise fail("id", cell("id"), f"{columns['id']!r} is empty; give every task a unique id")

    raw_image = _text(cell("image"))
    image = _resolve_image(raw_image, context.root, lambda problem: fail("image", raw_image, problem))
    try:
        width, height = read_image_size(image, context.max_pixels)
    except ImageLoadError as error:
        raise fail("image", raw_image, f"{error.problem} (resolved to {image})") from None

    resolution = _parse_resolution(cell("resolution"), lambda problem: fail("resolution", cell("resolution"), problem))
    if resolution is not None and resolution != (width, height):
        # NOTE: regions are kept as annotated. If the image is a resized copy, they will not line up.
        context.resolution_mismatches += 1
        log = logger.warning if context.resolution_mismatches == 1 else logger.debug
        log(
            "%s row %s: %s says %dx%d but the image is %dx%d; using the image size",
            path.name, row, columns["resolution"], *resolution, width, height,
        )

    regions = _parse_regions(cell("regions"), lambda problem: fail("regions", cell("regions"), problem))
    for index, region in enumerate(regions):
        box = region.box
        if box.area <= 0:
            raise fail("regions", cell("regions"), f"region {index} has zero area; check its corner points")
        if box.right <= 0 or box.bottom <= 0 or box.left >= width or box.top >= height:
            raise fail(
                "regions", cell("regions"),
                f"region {index} {box.as_list()} lies outside the {width}x{height} image; "
                "the annotation may belong to another image or resolution",
            )

    row_number = str(row)
    evidence = [_text(cell(f"evidence_{number}")) for number in (1, 2, 3)]
    urls = [_text(cell(f"evidence_url_{number}")) for number in (1, 2, 3)]
    try:
        return Task(
            id=_text(cell("id")) if "id" in columns else row_number,
            image=image,
            question=_text(cell("question")),
            answer=_text(cell("answer")),
            aliases=_parse_aliases(cell("aliases"), lambda problem: fail("aliases", cell("aliases"), problem)),
            category=_text(cell("category")),
            regions=regions,
            search_query=_text(cell("search_query")),
            evidence=[item for item in evidence if item],
            evidence_urls=[item for item in urls if item],
            resolution=(width, height),
            answer_kind=_text(cell("answer_kind")),
        )
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "id"
        raise fail(name, first.get("input"), f"{name} {first['msg']}") from None


def _resolve_image(raw: str, root: Path, fail: _Fail) -> Path:
    """Return the absolute image path, rejecting paths that leave the dataset folder."""
    candidate = Path(raw)
    # resolve() follows symlinks, so a link pointing outside the folder is caught too.
    resolved = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if not resolved.is_relative_to(root):
        raise fail(
            f"image path leads outside the dataset folder {root} (resolved to {resolved}); use a path "
            "relative to the images folder without '..', or pass --images pointing to the folder that holds it"
        )
    return resolved


def _parse_resolution(value: Any, fail: _Fail) -> tuple[int, int] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(item, int) for item in value):
        return int(value[0]), int(value[1])
    text = _text(value)
    if not text:
        return None
    match = _RESOLUTION.match(text)
    if match is None:
        raise fail("expected WIDTHxHEIGHT in pixels, such as '3840x2160', or an empty cell")
    return int(match.group(1)), int(match.group(2))


def _parse_aliases(value: Any, fail: _Fail) -> list[str]:
    expected = 'expected a JSON list of accepted answers, such as ["12", "twelve"]'
    if isinstance(value, str):
        if not value.strip():
            return []
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise fail(expected) from None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if not isinstance(value, list) or not all(isinstance(item, (str, int, float)) for item in value):
        raise fail(expected)
    return [_text(item) for item in value if _text(item)]


def _parse_regions(value: Any, fail: _Fail) -> list[Region]:
    """Parse `bounding_box`: a list of {'region': {'tl': {'x', 'y'}, 'tr', 'br', 'bl'}} dicts."""
    if isinstance(value, str):
        if not value.strip():
            return []
        try:
            value = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise fail(
                    "not a Python or JSON literal; expected [{'region': {'tl': {'x': 10, 'y': 20}, "
                    "'tr': {...}, 'br': {...}, 'bl': {...}}}]"
                ) from None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise fail(f"expected a list of region dicts, got {type(value).__name__}")

    regions = []
    for index, item in enumerate(value):
        # NOTE: the reference scripts confirm only the 'region' key with tl/tr/br/bl points.
        # A bare region dict and [x, y] point pairs are accepted too, and a 'label' key, if
        # any, becomes the region label.
        if not isinstance(item, dict):
            raise fail(f"region {index} is a {type(item).__name__}, expected a dict with a 'region' key")
        region = item.get("region", item)
        if not isinstance(region, dict):
            raise fail(f"region {index}: 'region' must be a dict of corner points")
        corners = {}
        for corner in ("tl", "tr", "br", "bl"):
            point = region.get(corner)
            if isinstance(point, dict):
                point = (point.get("x"), point.get("y"))
            if not isinstance(point, (list, tuple)) or len(point) != 2:
                raise fail(f"region {index} lacks corner {corner!r} as {{'x': ..., 'y': ...}}")
            if not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in point):
                raise fail(f"region {index} corner {corner!r} has non-numeric coordinates {point!r}")
            corners[corner] = (float(point[0]), float(point[1]))
        label = item.get("label", region.get("label", ""))
        regions.append(Region(**corners, label=_text(label)))
    return regions
