"""Recorded tool results: evaluate an agent against the tool results an earlier run saved.

With `pix2fact run --tool-results RUN_DIR`, every tool except `answer` returns a result saved in
the trajectories of RUN_DIR instead of calling a live tool, so no browser starts and no page or
image is read. The agent sees the same tool specs as in a live run.

Matching, per task id:

- A call matches a recorded call with the same tool name and the same canonical arguments
  (`canonical_arguments`: keys sorted, runs of whitespace in strings collapsed, 3.0 read as 3).
- The browser tools that act on the open page (`PAGE_TOOLS`) also match on the URL of the page
  that was open before the call, because their result depends on it.
- Identical calls get the recorded results in recorded order; once those run out, the last one
  is repeated.
- A call that matches nothing is a tool error that says so and lists what was recorded.

A recorded model error (a `ToolError`) is raised again, so the loop records it as the model's
fault. A recorded harness fault is raised as `RecordedHarnessFault`, so the loop records it as a
harness fault again.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from pix2fact.errors import ConfigError
from pix2fact.store import RunStore
from pix2fact.tools.base import ImageBlob, Tool, ToolError, ToolResult, ToolSpec
from pix2fact.tools.browser.tools import SPECS as BROWSER_SPECS
from pix2fact.tools.search import SearchTool
from pix2fact.tools.web import SearchBackend
from pix2fact.trajectory import TaskRecord, ToolEvent

logger = logging.getLogger(__name__)

# Browser tools whose result depends on the page open before the call.
PAGE_TOOLS = frozenset({"click_link", "find_text", "scroll", "read_page", "go_back"})
BROWSER_TOOLS = frozenset(BROWSER_SPECS)
LIVE_TOOLS = frozenset({"answer"})
MAX_LISTED = 8  # recorded calls listed in a miss message

Key = tuple[str, str, str | None]


class RecordedHarnessFault(RuntimeError):
    """A tool call whose recorded result was a harness fault; the loop records it as one again."""


def canonical_arguments(arguments: dict[str, Any] | None) -> str:
    """Return the arguments as compact JSON with sorted keys, for matching calls."""
    return json.dumps(_canonical(arguments or {}), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Page:
    """The URL of the page open in one task's browser, followed through tool results."""

    def __init__(self) -> None:
        self.url: str | None = None

    def key(self, name: str, arguments: dict[str, Any] | None) -> Key:
        return (name, canonical_arguments(arguments), self.url if name in PAGE_TOOLS else None)

    def follow(self, name: str, error: str | None, data: dict[str, Any]) -> None:
        if name in BROWSER_TOOLS and error is None and data.get("url"):
            self.url = str(data["url"])


class RecordedResults:
    """The tool events of a run folder, indexed per task for matching.

    Args:
        folder: The run folder whose trajectories provide the results.
        records: Its records; for each task the lowest epoch is used.
    """

    def __init__(self, folder: Path, records: list[TaskRecord]) -> None:
        self.folder = folder
        self._calls: dict[str, dict[Key, list[ToolEvent]]] = {}
        for record in sorted(records, key=lambda item: item.key, reverse=True):
            self._calls[record.task_id] = _index(record)

    @classmethod
    def load(cls, folder: str | Path) -> "RecordedResults":
        """Read a run folder.

        Raises:
            ConfigError: the folder is not a run folder, or it contains no finished task.
        """
        store = RunStore(folder)
        if not store.exists():
            raise ConfigError(f"--tool-results {folder} is not a run folder (no manifest.json); pass a folder that `pix2fact run` wrote")
        records = store.load_records().records
        if not records:
            raise ConfigError(f"--tool-results {folder} contains no finished task, so it has no recorded tool results; pass a run folder with finished tasks")
        logger.info("tool calls return the recorded results of %d task(s) in %s", len(records), folder)
        return cls(Path(folder), records)

    @property
    def task_ids(self) -> set[str]:
        return set(self._calls)

    def tools_for(self, task_id: str, tools: list[Tool], search: SearchBackend | None = None) -> list[Tool]:
        """Replace every tool but `answer` with its recorded stand-in for one task.

        Args:
            task_id: The task whose recorded calls provide the results.
            tools: The live tools built for the task (image tools, answer).
            search: The run's search backend when the setting offers web tools; only its tool
                spec is used, so the web tools show the model the same specs as a live run.
        """
        specs = [tool.spec for tool in tools]
        if search is not None:
            specs += [SearchTool(search).spec, *BROWSER_SPECS.values()]
        if task_id not in self._calls:
            logger.warning("task %s has no recorded tool results in %s; every tool call will be a miss", task_id, self.folder)

        page = _Page()
        live = {tool.spec.name: tool for tool in tools if tool.spec.name in LIVE_TOOLS}
        replaced: list[Tool] = []
        for spec in specs:
            if spec.name in live:
                replaced.append(live[spec.name])
            else:
                replaced.append(RecordedTool(spec, self, task_id, page))
        return replaced

    def lookup(self, task_id: str, key: Key, occurrence: int) -> ToolEvent | None:
        """Return the recorded event for the `occurrence`-th call (0-based) with this key."""
        events = self._calls.get(task_id, {}).get(key)
        if not events:
            return None
        return events[min(occurrence, len(events) - 1)]

    def describe_recorded(self, task_id: str, name: str) -> str:
        """List the recorded calls of one tool for a miss message, or the tools recorded instead."""
        calls = self._calls.get(task_id, {})
        if not calls:
            return f"no tool call of task {task_id} was recorded"

        same_tool = [key for key in calls if key[0] == name]
        if not same_tool:
            counts = Counter({key[0]: 0 for key in calls})
            for key, events in calls.items():
                counts[key[0]] += len(events)
            return f"no {name} call was recorded; recorded tools: " + ", ".join(f"{tool} ({count})" for tool, count in sorted(counts.items()))

        shown = [f"{name}({key[1]})" + (f" on {key[2]}" if key[2] else "") for key in same_tool[:MAX_LISTED]]
        more = f" and {len(same_tool) - MAX_LISTED} more" if len(same_tool) > MAX_LISTED else ""
        return f"recorded {name} calls: " + "; ".join(shown) + more

    def result_of(self, event: ToolEvent) -> ToolResult:
        """Rebuild the ToolResult of a recorded event, raising its recorded error again."""
        if event.error is not None and event.fault == "harness":
            raise RecordedHarnessFault(f"recorded as a harness fault: {event.error}")
        if event.error is not None:
            raise ToolError(event.error)

        images = []
        for image in event.images:
            path = self.folder / image.path
            if not path.is_file():
                raise FileNotFoundError(f"recorded image {image.path} is missing from {self.folder}")
            images.append(ImageBlob(data=path.read_bytes(), mime_type=image.mime_type, width=image.width, height=image.height, label=image.label))
        return ToolResult(text=event.text, images=images, data=dict(event.data))


def _index(record: TaskRecord) -> dict[Key, list[ToolEvent]]:
    """Group a record's tool events by key, in recorded order, following the open page."""
    page = _Page()
    calls: dict[Key, list[ToolEvent]] = {}
    for event in record.tool_events():
        if event.name in LIVE_TOOLS or event.arguments is None:
            continue
        calls.setdefault(page.key(event.name, event.arguments), []).append(event)
        page.follow(event.name, event.error, event.data)
    return calls


class RecordedTool:
    """A stand-in for one live tool that answers from recorded results.

    Args:
        spec: The live tool's spec, shown to the model unchanged.
        recorded: The recorded results of the run.
        task_id: The task whose calls are matched.
        page: The open page of this task's browser, shared by its recorded tools.
    """

    def __init__(self, spec: ToolSpec, recorded: RecordedResults, task_id: str, page: _Page) -> None:
        self.spec = spec
        self._recorded = recorded
        self._task_id = task_id
        self._page = page
        self._seen: Counter[Key] = Counter()

    async def call(self, arguments: dict[str, Any]) -> ToolResult:
        name = self.spec.name
        key = self._page.key(name, arguments)
        event = self._recorded.lookup(self._task_id, key, self._seen[key])
        if event is None:
            where = f" on the page {key[2]}" if key[2] else ""
            raise ToolError(
                f"{name}({key[1]}){where} was not recorded for task {self._task_id} in {self._recorded.folder}, "
                f"and this run answers tools only from recorded results; {self._recorded.describe_recorded(self._task_id, name)}"
            )

        self._seen[key] += 1
        result = self._recorded.result_of(event)
        self._page.follow(name, None, result.data)
        return result
