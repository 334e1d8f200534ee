"""Counterfactual re-runs: each failed task again, once per suspected cause, with that cause fixed.

The run's own agent (its reference and options from the manifest), setting, limits and crop
convention are used; only the fix differs. The fixes:

- grounding: the first image is the annotated region's crop instead of the overview, made
  the way settings c3/c4 make it (`toolset.ground_truth_box`, padded by the run's
  `crop_expand`). Every tool of the run's setting stays available.
- shallow_search: the agent is given the reference search query twice over. The question ends
  with a note naming the query, and the agent's first `web_search` call is answered with the
  results of the reference query, whatever it asked (the result's data records both). The
  reference query names the detail, so this fix also bypasses grounding.
- long_tail: before the first turn the browser opens the first evidence URL. The first message
  states that the page is open and shows the text `open_url` returned for it. `read_page`,
  `find_text` and `scroll` act on that page. This fix bypasses grounding and search.

Re-runs go to `RUN_DIR/confirm/CAUSE/` (see `confirm`) and a re-run already there is kept, so
an interrupted confirmation resumes.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, AsyncIterator

from pix2fact.environment import Environment
from pix2fact.judge import Verdict
from pix2fact.judge.confirm import confirm_folder, suspected_causes, untestable_reason
from pix2fact.loop import Limits, run_task
from pix2fact.plugins import create_agent
from pix2fact.runner import setup_failure_record
from pix2fact.store import RunStore
from pix2fact.tasks.model import Task
from pix2fact.tools.base import Tool, ToolError, ToolResult
from pix2fact.tools.image import crop_region
from pix2fact.toolset import Toolset, ground_truth_box

logger = logging.getLogger(__name__)

FIXES = {
    "grounding": "first image: the annotated region's crop",
    "shallow_search": "the reference query named in the question and answering the first web_search",
    "long_tail": "the first evidence page already open in the browser",
}
QUERY_HINT = "\n\n(Search hint: the query {query!r} finds the page with the fact.)"


class ReferenceFirstSearch:
    """A `web_search` tool whose first successful call is answered with the reference query's results."""

    def __init__(self, inner: Tool, reference: str) -> None:
        self.inner = inner
        self.spec = inner.spec
        self.reference = reference
        self.used = False

    async def call(self, arguments: dict[str, Any]) -> ToolResult:
        if self.used:
            return await self.inner.call(arguments)
        asked = arguments.get("query")
        result = await self.inner.call({**arguments, "query": self.reference})
        self.used = True
        data = {**result.data, "asked_query": asked, "counterfactual": "shallow_search"}
        return result.model_copy(update={"data": data})


@dataclass
class ConfirmSettings:
    """The run's agent, agent options, setting and limits, read from its manifest, so the re-runs differ only by the fix."""

    agent: str
    agent_options: dict[str, Any]
    setting: str = "agentic"
    coords: str = "pixels"
    crop_expand: float = 0.0
    limits: Limits = field(default_factory=Limits)


# Keys of `agent_config` that describe an agent rather than set one of its options.
_DESCRIPTIVE_KEYS = frozenset({"name", "provider", "client", "builtin_search_client"})


def confirm_settings(manifest: dict[str, Any], agent_options: dict[str, Any] | None = None) -> ConfirmSettings:
    """Read the agent, its options, the setting and the limits of a run from its manifest.

    The agent's options come from the manifest's `agent_options` when it records them. Older
    manifests record only `agent_config`, the agent's own account of its options; its values
    are used, without the keys that only describe the agent. `agent_options` (from `-A`)
    override either.
    """
    recorded = manifest.get("agent_options")
    if recorded is None:
        config = manifest.get("agent_config") or {}
        recorded = {key: value for key, value in config.items() if key not in _DESCRIPTIVE_KEYS and value is not None}
        if recorded:
            logger.warning("manifest has no agent_options; re-creating the agent with its recorded config %s (override with -A)", sorted(recorded))
    return ConfirmSettings(
        agent=manifest["agent"],
        agent_options={**recorded, **(agent_options or {})},
        setting=manifest.get("setting") or "agentic",
        coords=manifest.get("coords") or "pixels",
        crop_expand=float(manifest.get("crop_expand") or 0.0),
        limits=Limits(**(manifest.get("limits") or {})),
    )


async def _grounded_view(task: Task, toolset: Toolset, limits: Any, crop_expand: float) -> ToolResult:
    box = ground_truth_box(task, toolset.image_size, crop_expand)
    blob = await crop_region(task.image, box, limits=limits)
    shown = [round(value) for value in box.as_list()]
    text = (
        f"The attached image is the annotated region of the photo, the part the question is about: box {shown} "
        "in original pixels. The other tools work as described."
    )
    return ToolResult(text=text, images=[blob], data={"box": box.as_list(), "counterfactual": "grounding"})


async def _evidence_open_view(task: Task, toolset: Toolset, first_view: Any) -> ToolResult:
    url = next(url for url in task.evidence_urls if url.strip())
    opener = toolset.get("open_url")
    if opener is None:
        raise ToolError(f"setting {toolset.setting} has no open_url tool, so the evidence page cannot be opened")
    page = await opener.call({"url": url})
    if page.is_error:
        raise RuntimeError(f"the evidence page {url} did not open: {page.error}")
    overview = await first_view()
    note = (
        f"The browser already has {url} open; it is the page that holds the fact. read_page, find_text and scroll "
        f"act on it. What open_url returned for it:\n{page.text}"
    )
    text = "\n\n".join(part for part in (overview.text.strip(), note) if part)
    data = {**overview.data, "counterfactual": "long_tail", "open_url": url}
    return overview.model_copy(update={"text": text, "data": data})


@asynccontextmanager
async def fixed_toolset(environment: Environment, task: Task, cause: str, settings: ConfirmSettings, image_limits: Any) -> AsyncIterator[Toolset]:
    """Build the run's toolset for `task`, then apply the fix for `cause` to it."""
    async with environment.toolset(task, setting=settings.setting, limits=image_limits, coords=settings.coords, crop_expand=settings.crop_expand) as base:
        tools = [base.get(name) for name in base.names()]
        first_view = base.first_view

        if cause == "grounding":

            async def first_view() -> ToolResult:
                return await _grounded_view(task, base, image_limits, settings.crop_expand)

        elif cause == "shallow_search":
            tools = [ReferenceFirstSearch(tool, task.search_query) if tool.spec.name == "web_search" else tool for tool in tools]
        elif cause == "long_tail":
            original = base.first_view

            async def first_view() -> ToolResult:
                return await _evidence_open_view(task, base, original)

        else:
            raise ValueError(f"no counterfactual fix for {cause!r}; fixes exist for {', '.join(FIXES)}")
        yield Toolset(tools, setting=base.setting, image_size=base.image_size, first_view=first_view)


def fixed_task(task: Task, cause: str) -> Task:
    """Return the task as the agent sees it under the fix (the shallow-search fix adds a hint)."""
    if cause == "shallow_search":
        return task.model_copy(update={"question": task.question + QUERY_HINT.format(query=task.search_query)})
    return task


def plan_confirmations(verdicts: list[Verdict], tasks: dict[str, Task], setting: str, run_folder: Any) -> list[tuple[str, Task, int]]:
    """Return the (cause, task, epoch) re-runs still to do: testable suspected causes of incorrect verdicts."""
    done = {cause: {record.key for record in RunStore(confirm_folder(run_folder, cause)).load_records().records} for cause in FIXES}
    plan = []
    for verdict in verdicts:
        if verdict.verdict != "incorrect" or verdict.failure == "harness" or verdict.task_id not in tasks:
            continue
        task = tasks[verdict.task_id]
        for cause in suspected_causes(verdict.failure, verdict.other_failures):
            if untestable_reason(cause, task, setting) is None and (task.id, verdict.epoch) not in done[cause]:
                plan.append((cause, task, verdict.epoch))
    return plan


def _prepare_folder(store: RunStore, cause: str, settings: ConfirmSettings, manifest: dict[str, Any], tasks: list[Task]) -> RunStore:
    target = RunStore(confirm_folder(store.folder, cause))
    if not target.exists():
        target.create()
        target.write_manifest(
            {
                **{key: manifest.get(key) for key in ("agent", "agent_name", "agent_config", "model", "setting", "coords", "crop_expand", "limits", "web")},
                "run_id": f"{manifest.get('run_id', store.folder.name)}/confirm/{cause}",
                "confirms": manifest.get("run_id", store.folder.name),
                "fix": cause,
                "fix_description": FIXES[cause],
                "started_at": datetime.now(timezone.utc).isoformat(),
            }
        )
    # The tasks copy lets `pix2fact show` and the leaderboard read the folder like any run.
    lines = "".join(task.model_dump_json() + "\n" for task in sorted(tasks, key=lambda item: item.id))
    (target.folder / "tasks.jsonl").write_text(lines, encoding="utf-8")
    return target


async def run_confirmations(
    store: RunStore,
    verdicts: list[Verdict],
    tasks: dict[str, Task],
    environment: Environment,
    settings: ConfirmSettings,
    *,
    concurrency: int = 4,
) -> int:
    """Re-run every planned (cause, task, epoch) with the fix applied; return how many ran.

    Each re-run is appended to its fix's folder as soon as it ends, so an interrupted
    confirmation keeps what it finished.
    """
    manifest = store.read_manifest()
    plan = plan_confirmations(verdicts, tasks, settings.setting, store.folder)
    stores = {cause: _prepare_folder(store, cause, settings, manifest, list(tasks.values())) for cause in FIXES}
    queue: asyncio.Queue[tuple[str, Task, int]] = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)
    logger.info("run %s: %d counterfactual re-run(s) to do", store.folder.name, len(plan))

    async def worker() -> None:
        while not queue.empty():
            cause, task, epoch = queue.get_nowait()
            target = stores[cause]
            agent = create_agent(settings.agent, settings.agent_options)
            try:
                async with fixed_toolset(environment, task, cause, settings, agent.image_limits) as toolset:
                    record = await run_task(fixed_task(task, cause), agent, toolset, target, settings.limits, epoch=epoch)
            except Exception as error:  # the fixed tools could not be set up
                logger.error("task %s (%s fix): could not start: %s: %s", task.id, cause, type(error).__name__, error)
                record = setup_failure_record(task, epoch, error)
            target.append_record(record)
            logger.info("task %s (%s fix): %s, answer %r", task.id, cause, record.status, record.final_answer)

    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, len(plan))):
            group.create_task(worker())
    return len(plan)

