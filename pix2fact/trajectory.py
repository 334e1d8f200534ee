"""Trajectory records: everything that happened in one task, as typed events.

A `TaskRecord` is written once, when its task ends, as one line of `trajectories.jsonl` in the run
folder (see `pix2fact.store`). Images are never inline: an `ImageRef` names a file under
`blobs/` by the SHA-256 of its bytes. The judge, replay and the leaderboard read these records
and nothing else, so anything they need is recorded here when it happens.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from pix2fact.agent import BuiltinToolCall, ToolCall, Usage
from pix2fact.tools.answer import AnswerFields

TaskStatus = Literal["answered", "text_answer", "limit", "no_answer", "agent_error", "harness_error", "context_length"]


class ImageRef(BaseModel):
    """An image stored in the run's blob folder."""

    sha256: str
    path: str = Field(description="Path relative to the run folder, e.g. blobs/ab12….jpg")
    mime_type: str
    width: int
    height: int
    label: str = ""


class ModelTurnEvent(BaseModel):
    """One agent turn: text, requested tool calls, token usage and latency."""

    type: Literal["model_turn"] = "model_turn"
    step: int
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    model: str | None = None
    stop_reason: str | None = None
    duration_s: float = 0.0
    builtin_tool_calls: list[BuiltinToolCall] = Field(
        default_factory=list, description="Tools the provider ran itself in this turn (its built-in web search)."
    )


class ToolEvent(BaseModel):
    """One tool call and its result. `fault` says whose problem an error was."""

    type: Literal["tool"] = "tool"
    step: int
    call_id: str
    name: str
    arguments: dict[str, Any] | None = None
    raw_arguments: str | None = None
    text: str = ""
    images: list[ImageRef] = Field(default_factory=list)
    error: str | None = None
    fault: Literal["model", "harness"] | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    duration_s: float = 0.0


class HarnessErrorEvent(BaseModel):
    """A failure that was not the model's: a provider outage, a crashed browser, a bug."""

    type: Literal["harness_error"] = "harness_error"
    step: int
    kind: str
    message: str


class AgentErrorEvent(BaseModel):
    """An exception raised by the agent under evaluation: its own failure, not the harness's."""

    type: Literal["agent_error"] = "agent_error"
    step: int
    message: str


class LimitEvent(BaseModel):
    """A limit that ended the task before the agent answered."""

    type: Literal["limit"] = "limit"
    step: int
    limit: Literal["steps", "tokens", "time", "tool_errors"]
    value: float


Event = Annotated[ModelTurnEvent | ToolEvent | HarnessErrorEvent | AgentErrorEvent | LimitEvent, Field(discriminator="type")]


class TaskRecord(BaseModel):
    """The full trajectory of one task, as saved when the task ends."""

    task_id: str
    epoch: int = 1
    question: str = ""
    category: str = ""
    status: TaskStatus
    answer: AnswerFields | None = None
    overview: ImageRef | None = None
    image_size: tuple[int, int] | None = None
    events: list[Event] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = Field(None, description="Cost of `usage` in USD from the price table. None when the agent has no model or the model no price.")
    started_at: str
    finished_at: str
    duration_s: float
    error: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.task_id, self.epoch)

    @property
    def final_answer(self) -> str:
        return self.answer.final_answer if self.answer else ""

    def tool_events(self, name: str | None = None) -> list[ToolEvent]:
        return [event for event in self.events if isinstance(event, ToolEvent) and (name is None or event.name == name)]

    def builtin_tool_calls(self, name: str | None = None) -> list[BuiltinToolCall]:
        """Return the provider-run tool calls of every turn, optionally only those named `name`."""
        return [
            call
            for event in self.events
            if isinstance(event, ModelTurnEvent)
            for call in event.builtin_tool_calls
            if name is None or call.name == name
        ]

    @property
    def steps(self) -> int:
        return sum(1 for event in self.events if isinstance(event, ModelTurnEvent))

    @property
    def harness_faults(self) -> list[str]:
        """Messages of every harness-side failure in this task, tool faults included."""
        faults = [event.message for event in self.events if isinstance(event, HarnessErrorEvent)]
        faults += [event.error or "" for event in self.tool_events() if event.fault == "harness"]
        return faults
