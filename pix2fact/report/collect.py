"""What the report shows of each task, gathered from one run folder.

Everything comes from the run folder: the trajectory (steps, crop boxes in original pixels,
queries, pages), the verdict, and the run's copy of its tasks (annotated regions, gold answer).
Texts are kept raw here and escaped when the page is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pix2fact.judge import Verdict
from pix2fact.leaderboard import PAGE_TOOLS, RunData
from pix2fact.report.images import CROP_WIDTH, THUMBNAIL_WIDTH, ImageWriter
from pix2fact.trajectory import HarnessErrorEvent, LimitEvent, ModelTurnEvent, TaskRecord, ToolEvent

TEXT_PREVIEW = 600  # characters of a tool result; the full text stays in trajectories.jsonl
MODEL_TEXT_PREVIEW = 2000  # characters of a model turn's text


@dataclass
class Rectangle:
    """A box to draw on the task image, in original-image pixels."""

    left: float
    top: float
    right: float
    bottom: float
    kind: str  # "region" (annotated) or "crop" (taken by the agent)
    label: str


@dataclass
class Crop:
    """One crop the agent took: its box and a small copy of what it saw."""

    number: int
    step: int
    box: Rectangle
    image: str | None
    shown_size: tuple[int, int] | None


@dataclass
class Step:
    """One event of the trajectory, as a heading and a text body."""

    step: int
    kind: str  # "model", "tool", "error", "limit"
    title: str
    body: str


@dataclass
class TaskReport:
    """Everything the report shows for one task attempt."""

    task_id: str
    epoch: int
    question: str
    category: str
    status: str
    answer: str
    gold: str
    image_size: tuple[int, int] | None
    thumbnail: str | None
    verdict: Verdict | None
    duration_s: float
    tokens: int
    rectangles: list[Rectangle] = field(default_factory=list)
    crops: list[Crop] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    queries: list[tuple[str, str, int]] = field(default_factory=list)  # query, provider, hit count
    pages: list[tuple[str, str, str]] = field(default_factory=list)  # URL, title, HTTP status

    @property
    def anchor(self) -> str:
        return f"task-{self.task_id}-e{self.epoch}"


def collect_tasks(run: RunData, images: ImageWriter) -> list[TaskReport]:
    """Gather the report of every record of the run, sorted by task id and epoch."""
    return [collect_task(run, record, images) for record in sorted(run.records, key=lambda item: item.key)]


def collect_task(run: RunData, record: TaskRecord, images: ImageWriter) -> TaskReport:
    """Gather one record's boxes, crops, steps, queries, pages and verdict."""
    task = run.tasks.get(record.task_id)
    report = TaskReport(
        task_id=record.task_id,
        epoch=record.epoch,
        question=record.question or (task.question if task else ""),
        category=record.category,
        status=record.status,
        answer=record.final_answer,
        gold=task.answer if task else "",
        image_size=record.image_size,
        thumbnail=_thumbnail(run.folder, record, task.image if task else None, images),
        verdict=run.verdict_for(record),
        duration_s=record.duration_s,
        tokens=record.usage.total_tokens,
    )

    if task is not None:
        for index, region in enumerate(task.regions, start=1):
            box = region.box
            label = region.label or ("annotated region" if len(task.regions) == 1 else f"annotated region {index}")
            report.rectangles.append(Rectangle(box.left, box.top, box.right, box.bottom, "region", label))

    for event in record.events:
        report.steps.append(_step(event))
        if isinstance(event, ModelTurnEvent):
            for call in event.builtin_tool_calls:
                for query in call.queries or ["(query not reported)"]:
                    report.queries.append((query, f"built-in {call.name}", len(call.sources)))
        if not isinstance(event, ToolEvent) or event.error:
            continue
        if event.name == "crop" and "box" in event.data:
            _add_crop(report, run.folder, event, images)
        elif event.name == "web_search" and "query" in event.data:
            report.queries.append((str(event.data["query"]), str(event.data.get("provider", "")), int(event.data.get("count", 0))))
        elif event.name in PAGE_TOOLS and "url" in event.data:
            report.pages.append((str(event.data["url"]), str(event.data.get("title", "")), str(event.data.get("status", ""))))
    return report


def _add_crop(report: TaskReport, folder: Path, event: ToolEvent, images: ImageWriter) -> None:
    left, top, right, bottom = (float(value) for value in event.data["box"])
    number = len(report.crops) + 1
    rectangle = Rectangle(left, top, right, bottom, "crop", f"crop {number} (step {event.step})")
    report.rectangles.append(rectangle)
    picture = event.images[0] if event.images else None
    copy = images.shrink(folder / picture.path, CROP_WIDTH) if picture else None
    report.crops.append(Crop(number, event.step, rectangle, copy, (picture.width, picture.height) if picture else None))


def _thumbnail(folder: Path, record: TaskRecord, original: Path | None, images: ImageWriter) -> str | None:
    # The overview blob is the whole image already shrunk, so it is the cheap source. In the
    # ground-truth settings the first view is the annotated crop instead, and the original is used.
    if record.overview is not None and record.overview.label == "overview":
        copy = images.shrink(folder / record.overview.path, THUMBNAIL_WIDTH)
        if copy:
            return copy
    if original is not None and original.exists():
        return images.shrink(original, THUMBNAIL_WIDTH)
    return None


def _step(event) -> Step:
    if isinstance(event, ModelTurnEvent):
        usage = event.usage
        calls = "\n".join(f"→ {call.name}({call.raw_arguments if call.arguments is None else call.arguments})" for call in event.tool_calls)
        text = _clip(event.text.strip(), MODEL_TEXT_PREVIEW)
        body = "\n".join(part for part in (text, calls) if part) or "(no text)"
        title = f"model turn · {usage.input_tokens} in / {usage.output_tokens} out tokens · {event.duration_s:.2f} s"
        return Step(event.step, "model", title, body)
    if isinstance(event, ToolEvent):
        lines = []
        if event.error:
            lines.append(f"error ({event.fault}): {event.error}")
        if event.text.strip():
            lines.append(_clip(event.text.strip(), TEXT_PREVIEW))
        for key in ("box", "query", "url", "provider", "count"):
            if key in event.data:
                lines.append(f"{key}: {event.data[key]}")
        kind = "error" if event.error else "tool"
        return Step(event.step, kind, f"{event.name} · {event.duration_s:.2f} s", "\n".join(lines) or "(empty result)")
    if isinstance(event, LimitEvent):
        return Step(event.step, "limit", "limit reached", f"{event.limit} = {event.value:g}")
    if isinstance(event, HarnessErrorEvent):
        return Step(event.step, "error", f"harness error ({event.kind})", event.message)
    return Step(getattr(event, "step", 0), "tool", type(event).__name__, "")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + " …"
