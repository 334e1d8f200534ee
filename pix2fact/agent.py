"""The agent protocol: what an agent receives each turn, what it returns, and how it ends.

An agent is driven by the loop (`pix2fact.loop.run_task`):

1. `start(task, context)` once, with the question, the tool specs and an overview of the image.
2. `step(results)` repeatedly. The first call gets an empty list; later calls get the results of
   the tool calls the agent asked for in its previous turn, in the same order. Each call returns
   an `AgentTurn`: optional text, tool calls, and token usage.
3. The task ends when the agent calls the `answer` tool, returns a turn with no tool calls (its
   text is then taken as the answer), or a limit is hit.
4. `close()` once, whatever happened.

Options given as `-A key=value` on the command line arrive as keyword arguments to `__init__`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from pix2fact.tasks.model import TaskView
from pix2fact.tools.base import ImageLimits, ToolResult, ToolSpec
from pix2fact.tools.image.boxes import CoordinateSystem


class Usage(BaseModel):
    """Token counts of one model turn (zero for agents without a model)."""

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
        )

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class ToolCall(BaseModel):
    """A tool call as the agent made it.

    `arguments` is None when the model sent arguments that are not a JSON object; `raw_arguments`
    then keeps the text, and the loop answers with a tool error the model can correct.
    """

    id: str
    name: str
    arguments: dict[str, Any] | None = None
    raw_arguments: str | None = None


class BuiltinSource(BaseModel):
    """A web page a provider-run tool reported using."""

    url: str
    title: str = ""


class BuiltinToolCall(BaseModel):
    """A tool the provider ran on its own side during a turn, such as its built-in web search.

    The harness does not run these calls. They are recorded as the provider reported them, so
    trajectories show the search activity of the `builtin-search` setting.
    """

    name: str = Field(description='"web_search" for every provider\'s search. OpenAI\'s page actions are "open_page" and "find_in_page".')
    id: str | None = None
    queries: list[str] = Field(default_factory=list, description="Search queries (or the pattern of find_in_page), when the provider reports them.")
    sources: list[BuiltinSource] = Field(default_factory=list, description="Pages the provider reported for this call.")
    error: str | None = None


class AgentTurn(BaseModel):
    """One turn of an agent: what it said, which tools it called, and what it cost."""

    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    model: str | None = None
    stop_reason: str | None = None
    # Tools the provider ran itself during this turn. The loop saves them with the turn.
    builtin_tool_calls: list[BuiltinToolCall] = Field(default_factory=list)
    # Opaque provider state that must go back to the provider in later turns (for example
    # Gemini's thought signatures). Kept in memory only: it is not saved in trajectories.
    provider_state: Any = Field(default=None, exclude=True)


class ToolOutcome(BaseModel):
    """The result of one tool call, as handed back to the agent."""

    call_id: str
    name: str
    result: ToolResult


class AgentContext(BaseModel):
    """Facts the loop gives an agent at the start of a task."""

    tools: list[ToolSpec]
    image_size: tuple[int, int]
    overview: ToolResult
    max_steps: int
    # The evaluation setting (agentic, c1..c4, single-pass, builtin-search). The engine already
    # chose the tools and the first image for it; agents read it to adapt their prompt.
    setting: str = "agentic"
    # The crop tool's box convention: "pixels" ([left, top, right, bottom] in original pixels)
    # or "norm1000" ([ymin, xmin, ymax, xmax] from 0 to 1000).
    coords: CoordinateSystem = "pixels"
    # Which repetition of the task this is (1 unless the run uses --epochs).
    epoch: int = 1


class Agent(ABC):
    """Base class for agents under evaluation.

    Subclasses set `name` (the registry name) and usually `model`. `config()` is recorded in the
    run manifest, so it must hold every option that changes behaviour and no secret.
    """

    name: ClassVar[str] = "agent"
    model: str | None = None
    # Provider name as the price table lists it ("openai", "gemini", ...). Together with `model`
    # it prices the task's token usage, and None leaves the cost empty.
    provider: str | None = None
    # The engine sizes the overview and every crop to fit these limits before the agent sees them.
    image_limits: ImageLimits = ImageLimits()

    async def start(self, task: TaskView, context: AgentContext) -> None:
        self.task = task
        self.context = context

    @abstractmethod
    async def step(self, results: list[ToolOutcome]) -> AgentTurn:
        """Return the next turn, given the results of the previous turn's tool calls."""

    async def close(self) -> None:
        return None

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model}
