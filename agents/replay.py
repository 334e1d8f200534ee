"""The replay agent: plays a saved run's model turns back exactly, turn by turn.

`--agent replay:RUN_DIR` gives, for each task, the recorded text, tool calls (with their ids)
and token usage of every model turn, in order, whatever the tools return. Run with the same
`--setting`, `--coords` and `--crop-expand` as the recording, it gives the same answers and the
same verdicts as long as the tools return what they returned then. Add
`--tool-results RUN_DIR` to answer the tools from the recording too, fully offline.

A task the run does not hold, a setting other than the recording's, and a loop that asks for
a turn that was never recorded (the tools answered differently, so the task did not end where it
ended before) end the task as a harness error that says which.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pix2fact.agent import Agent, AgentContext, AgentTurn, ToolOutcome
from pix2fact.errors import ConfigError, ContextLengthError, HarnessError
from pix2fact.replay import run_image_limits
from pix2fact.store import RunStore
from pix2fact.tasks.model import TaskView
from pix2fact.trajectory import HarnessErrorEvent, ModelTurnEvent, TaskRecord, ToolEvent

logger = logging.getLogger(__name__)


class ReplayDivergence(HarnessError):
    """The replayed run cannot go on as recorded."""

    kind = "replay"


class _SavedRun:
    """A run folder read once: its manifest and its records by (task id, epoch)."""

    def __init__(self, folder: Path) -> None:
        store = RunStore(folder)
        if not store.exists():
            raise ConfigError(f"replay: {folder} is not a run folder (no manifest.json); use --agent replay:RUN_DIR with a folder that `pix2fact run` wrote")
        self.folder = folder
        self.manifest = store.read_manifest()
        self.records = {record.key: record for record in store.load_records().records}
        if not self.records:
            raise ConfigError(f"replay: {folder} contains no finished task to replay; pass a run folder with finished tasks")
        self.image_limits = run_image_limits(self.manifest, list(self.records.values()))


# Runs read so far, keyed by folder and the trajectory file's size and modification time, so
# the runner's fresh agent per task does not read the whole run again.
_RUNS: dict[tuple[str, int, int], _SavedRun] = {}


def _saved_run(folder: Path) -> _SavedRun:
    trajectories = RunStore(folder).trajectories_path
    stat = trajectories.stat() if trajectories.exists() else None
    key = (str(folder.resolve()), stat.st_size if stat else -1, stat.st_mtime_ns if stat else -1)
    if key not in _RUNS:
        _RUNS[key] = _SavedRun(folder)
    return _RUNS[key]


class ReplayAgent(Agent):
    """Replays the model turns of a saved run.

    Args:
        source: The run folder to replay (the part after `replay:`).
        epoch: Replay this recorded epoch for every task. By default each task replays the
            recording of the epoch the loop is running.
    """

    name = "replay"

    def __init__(self, source: str = "", epoch: str | int | None = None) -> None:
        if not str(source).strip():
            raise ConfigError("the replay agent needs a run folder: use --agent replay:RUN_DIR")
        self.source = Path(source)
        self._run = _saved_run(self.source)
        self.model = self._run.manifest.get("model")
        self.image_limits = self._run.image_limits
        self.epoch = int(epoch) if epoch not in (None, "") else None

    def config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.model,
            "source": str(self.source),
            "source_run_id": self._run.manifest.get("run_id"),
            "source_agent": self._run.manifest.get("agent"),
            "epoch": self.epoch,
        }

    async def start(self, task: TaskView, context: AgentContext) -> None:
        await super().start(task, context)
        recorded_setting = self._run.manifest.get("setting", "agentic")
        if context.setting != recorded_setting:
            raise ReplayDivergence(f"replay: {self.source} was recorded in setting {recorded_setting!r}, not {context.setting!r}; run with --setting {recorded_setting}")

        epoch = self._choose_epoch(task.id, context)
        record = self._run.records.get((task.id, epoch))
        if record is None:
            known = ", ".join(sorted({task_id for task_id, _ in self._run.records})[:8])
            raise ReplayDivergence(f"replay: task {task.id} (epoch {epoch}) is not in {self.source}, so there are no model turns to replay; the run contains: {known}")

        self.record = record
        self._turns = [event for event in record.events if isinstance(event, ModelTurnEvent)]
        self._tool_events: dict[int, list[ToolEvent]] = {}
        for event in record.tool_events():
            self._tool_events.setdefault(event.step, []).append(event)
        self._next = 0
        self._first_mismatch: str | None = None

    def _choose_epoch(self, task_id: str, context: AgentContext) -> int:
        """Return the recorded epoch to replay: `-A epoch=N` if given, else the loop's epoch."""
        return self.epoch if self.epoch is not None else context.epoch

    async def step(self, results: list[ToolOutcome]) -> AgentTurn:
        if self._next > 0:
            self._compare_results(self._turns[self._next - 1].step, results)
        if self._next >= len(self._turns):
            raise self._end_of_recording()

        event = self._turns[self._next]
        self._next += 1
        return AgentTurn(text=event.text, tool_calls=event.tool_calls, usage=event.usage, model=event.model, stop_reason=event.stop_reason)

    def _compare_results(self, step: int, results: list[ToolOutcome]) -> None:
        """Remember the first tool result that differs from the recording, for the divergence message."""
        if self._first_mismatch is not None:
            return
        recorded = {event.call_id: event for event in self._tool_events.get(step, [])}
        for outcome in results:
            event = recorded.get(outcome.call_id)
            if event is None:
                continue
            if event.error != outcome.result.error or event.text != outcome.result.text:
                self._first_mismatch = f"step {step}, {outcome.name}: " + ("the error changed" if event.error != outcome.result.error else "the text changed")
                logger.warning("replay of task %s: the tool result of %s differs from the recording", self.task.id, self._first_mismatch)
                return

    def _end_of_recording(self) -> HarnessError:
        record: TaskRecord = self.record
        harness = [event for event in record.events if isinstance(event, HarnessErrorEvent)]
        if harness and not self._first_mismatch and record.status in ("harness_error", "context_length"):
            error_class = ContextLengthError if record.status == "context_length" else HarnessError
            return error_class(f"replayed the recorded harness error: {harness[-1].message}")

        message = (
            f"replay diverged: task {record.task_id} (epoch {record.epoch}) has {len(self._turns)} recorded model turn(s) "
            f"in {self.source}, but the loop asked for turn {len(self._turns) + 1}; the recording ended with status {record.status}"
        )
        if self._first_mismatch:
            message += f"; tool results first differed at {self._first_mismatch}"
        message += "; add --tool-results with the same run folder to replay the recorded tool results too"
        return ReplayDivergence(message)
