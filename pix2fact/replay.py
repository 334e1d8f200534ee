"""Re-executing a saved run's tool calls against today's tools, and reporting what changed.

`execute_again` runs these steps:

1. Read the run folder: the manifest (setting, crop coordinates, crop expansion, image limits,
   web snapshot), the run's copy of its tasks, and the records.
2. Build one `Environment` as the runner does, on the run's web snapshot or the one given.
3. For each record: open the task's toolset and compare the first image the agent saw. Then
   repeat every recorded tool call with the same arguments in the same order, and compare each
   result with the recorded one: the error, the text, the images by size and SHA-256, and every
   `data` field (such as the crop box, the output size, the search results, a page's final URL).
4. Return an `ExecutionReport`. Nothing is written to the run folder.

Calls the loop answered without running a tool (an unknown tool name, arguments that were not
a JSON object) are counted but not executed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from pix2fact.environment import Environment
from pix2fact.errors import ConfigError
from pix2fact.loop import Limits
from pix2fact.runner import read_run_tasks
from pix2fact.store import RunStore
from pix2fact.tasks.model import Task
from pix2fact.toolset import GROUND_TRUTH_SETTINGS, Toolset
from pix2fact.tools.base import ImageLimits, ToolError, ToolResult
from pix2fact.trajectory import TaskRecord, ToolEvent

logger = logging.getLogger(__name__)

SHOWN_CHARS = 160  # characters of a changed value shown in a difference

# Names shown for the `data` fields that readers look for first.
FIELD_NAMES = {"box": "crop box", "output_size": "output size", "url": "final URL", "results": "search results"}


class Difference(BaseModel):
    """One way a re-executed tool result differs from the recorded one."""

    step: int
    call_id: str
    tool: str
    field: str = Field(description="What changed: error, text, image hash, image size, images, or a data field such as 'crop box'.")
    recorded: str
    now: str


class TaskExecution(BaseModel):
    """The re-execution of one recorded task."""

    task_id: str
    epoch: int
    calls: int = 0
    executed: int = 0
    differences: list[Difference] = Field(default_factory=list)
    error: str | None = Field(None, description="Why the task could not be re-executed, if it could not.")

    @property
    def identical(self) -> bool:
        return self.error is None and not self.differences


class ExecutionReport(BaseModel):
    """Every re-executed task of one run folder."""

    folder: str
    web: str
    tasks: list[TaskExecution]

    @property
    def identical(self) -> bool:
        return all(task.identical for task in self.tasks)


def run_image_limits(manifest: dict[str, Any], records: list[TaskRecord]) -> ImageLimits:
    """Return the image limits the run's agent had, so crops are sized as they were.

    Runs record them in the manifest. For older runs they are inferred from the overview's
    longest side, which is the limit's `max_side` whenever the image is larger than it.
    """
    if manifest.get("image_limits"):
        return ImageLimits.model_validate(manifest["image_limits"])

    # NOTE: the inference cannot see a lower max_bytes. In c3/c4 the first image is the
    # annotated region, not the overview, so the defaults are used there.
    if manifest.get("setting") not in GROUND_TRUTH_SETTINGS:
        for record in records:
            if record.overview and record.image_size and max(record.overview.width, record.overview.height) < max(record.image_size):
                return ImageLimits(max_side=max(record.overview.width, record.overview.height))
    return ImageLimits()


def resolve_web(manifest: dict[str, Any], web: Path | None) -> Path:
    """Pick the web snapshot: the one given, the run's own, or the sample's for sample runs."""
    if web is not None:
        folder = web
    elif manifest.get("web"):
        folder = Path(manifest["web"])
    elif manifest.get("tasks", {}).get("source") == "sample":
        from pix2fact.tasks.sample import ensure_sample

        folder = ensure_sample() / "web"
    else:
        raise ConfigError("the run's manifest names no web snapshot; pass --web with the snapshot folder the run used")

    if not (folder / "snapshot.json").is_file():
        raise ConfigError(f"web snapshot not found: {folder} has no snapshot.json; pass --web with a snapshot folder")
    return folder


def select_records(records: list[TaskRecord], folder: Path, task_id: str | None, epoch: int | None) -> list[TaskRecord]:
    """Keep the records of one task and/or epoch, in (task, epoch) order.

    Raises:
        ConfigError: no record matches, naming the task ids the run has.
    """
    chosen = [record for record in records if (task_id is None or record.task_id == task_id) and (epoch is None or record.epoch == epoch)]
    if not chosen:
        known = ", ".join(sorted({record.task_id for record in records})[:8]) or "none"
        subject = f"task {task_id!r}" if task_id else "a task"
        raise ConfigError(f"{subject}{f' (epoch {epoch})' if epoch else ''} is not in {folder}; finished tasks include: {known}")
    return sorted(chosen, key=lambda record: record.key)


async def execute_again(folder: Path, *, web: Path | None = None, task_id: str | None = None, epoch: int | None = None) -> ExecutionReport:
    """Re-execute the recorded tool calls of a run and compare the results with the recorded ones.

    Raises:
        ConfigError: the folder is not a run folder, the task is not in it, or no web snapshot
            can be found.
    """
    store = RunStore(folder)
    manifest = store.read_manifest()
    records = select_records(store.load_records().records, folder, task_id, epoch)
    web_folder = resolve_web(manifest, web)
    tasks = {task.id: task for task in read_run_tasks(store)}
    limits = run_image_limits(manifest, records)
    tool_timeout_s = Limits.model_validate(manifest.get("limits", {})).tool_timeout_s

    results: list[TaskExecution] = []
    async with Environment.from_snapshot(web_folder) as environment:
        for record in records:
            task = tasks.get(record.task_id)
            if task is None:
                results.append(TaskExecution(task_id=record.task_id, epoch=record.epoch, error=f"task {record.task_id} is missing from the run's tasks.jsonl"))
                continue
            results.append(await _execute_record(environment, task, record, manifest, limits, tool_timeout_s))
    return ExecutionReport(folder=str(folder), web=str(web_folder), tasks=results)


async def _execute_record(
    environment: Environment,
    task: Task,
    record: TaskRecord,
    manifest: dict[str, Any],
    limits: ImageLimits,
    tool_timeout_s: float,
) -> TaskExecution:
    execution = TaskExecution(task_id=record.task_id, epoch=record.epoch, calls=len(record.tool_events()))
    try:
        async with environment.toolset(
            task,
            setting=manifest.get("setting", "agentic"),
            limits=limits,
            coords=manifest.get("coords", "pixels"),
            crop_expand=manifest.get("crop_expand", 0.0),
        ) as toolset:
            first_view = await toolset.first_view()
            if record.overview and first_view.images and first_view.images[0].sha256 != record.overview.sha256:
                now = first_view.images[0]
                execution.differences.append(
                    Difference(step=0, call_id="-", tool="first image", field="image hash", recorded=record.overview.sha256[:12], now=now.sha256[:12])
                )

            for event in record.tool_events():
                if toolset.get(event.name) is None or event.arguments is None:
                    continue
                result, fault = await _call(toolset, event, tool_timeout_s)
                execution.executed += 1
                execution.differences.extend(compare_result(event, result, fault))
    except Exception as error:  # a missing image or a dead browser ends this task's check only
        logger.warning("task %s: re-execution stopped: %s: %s", record.task_id, type(error).__name__, error)
        execution.error = f"re-execution stopped: {type(error).__name__}: {error}"
    return execution


async def _call(toolset: Toolset, event: ToolEvent, timeout_s: float) -> tuple[ToolResult, str | None]:
    """Call one tool as the loop does, returning the result and whose fault an error was."""
    tool = toolset.get(event.name)
    assert tool is not None and event.arguments is not None
    try:
        return await asyncio.wait_for(tool.call(dict(event.arguments)), timeout=timeout_s), None
    except ToolError as error:
        return ToolResult(error=str(error)), "model"
    except TimeoutError:
        return ToolResult(error=f"tool {event.name!r} timed out after {timeout_s:g} s"), "harness"
    except Exception as error:
        return ToolResult(error=f"tool {event.name!r} failed inside the harness ({type(error).__name__}: {error})"), "harness"


def compare_result(event: ToolEvent, result: ToolResult, fault: str | None) -> list[Difference]:
    """List how a re-executed result differs from the recorded event (empty when identical)."""
    found: list[Difference] = []

    def differ(field: str, recorded: Any, now: Any) -> None:
        found.append(Difference(step=event.step, call_id=event.call_id, tool=event.name, field=field, recorded=_shown(recorded), now=_shown(now)))

    if event.fault == "harness" and fault == "harness":
        return found  # the loop's message for a harness fault is not the tool's; both failed alike
    if event.error != result.error:
        differ("error", event.error or "(no error)", result.error or "(no error)")
    elif event.error is not None and event.fault != (fault or "model"):
        differ("fault", event.fault, fault or "model")
    if event.text != result.text:
        recorded_line, now_line = _first_changed_line(event.text, result.text)
        differ("page text" if event.name in ("open_url", "click_link", "go_back", "read_page", "scroll") else "text", recorded_line, now_line)

    recorded_images = [(image.sha256, image.width, image.height) for image in event.images]
    now_images = [(image.sha256, image.width, image.height) for image in result.images]
    if len(recorded_images) != len(now_images):
        differ("images", f"{len(recorded_images)} image(s)", f"{len(now_images)} image(s)")
    else:
        for (old_hash, *old_size), (new_hash, *new_size) in zip(recorded_images, now_images):
            if old_size != new_size:
                differ("image size", "x".join(map(str, old_size)), "x".join(map(str, new_size)))
            elif old_hash != new_hash:
                differ("image hash", old_hash[:12], new_hash[:12])

    now_data = json.loads(json.dumps(result.data, default=str))  # as the loop saves it
    for key in sorted(set(event.data) | set(now_data)):
        old_value, new_value = event.data.get(key), now_data.get(key)
        if old_value != new_value:
            differ(FIELD_NAMES.get(key, key), *_first_changed_item(old_value, new_value))
    return found


def _first_changed_item(recorded: Any, now: Any) -> tuple[Any, Any]:
    """Narrow two lists to their first differing item, so a long result list shows what changed."""
    if not (isinstance(recorded, list) and isinstance(now, list)):
        return recorded, now
    for index, (old, new) in enumerate(zip(recorded, now)):
        if old != new:
            return f"item {index + 1} of {len(recorded)}: {_shown(old)}", f"item {index + 1} of {len(now)}: {_shown(new)}"
    return f"{len(recorded)} item(s)", f"{len(now)} item(s)"


def _first_changed_line(recorded: str, now: str) -> tuple[str, str]:
    old_lines, new_lines = recorded.splitlines(), now.splitlines()
    for number, (old, new) in enumerate(zip(old_lines, new_lines), start=1):
        if old != new:
            return f"line {number}: {old}", f"line {number}: {new}"
    return f"{len(old_lines)} line(s)", f"{len(new_lines)} line(s)"


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
