"""An example plug-in agent: sweep the photo at full resolution first, then hand over.

`ZoomFirstAgent` wraps any other agent (`-A inner=gemini`, `-A inner=path/to/file.py:Class`).
Its first turn requests a grid of crops that together cover the whole image at full
resolution, in one turn of parallel tool calls; the sweep is recorded in the trajectory like any
other step. From the second turn on, every turn is the inner agent's, as if the task had just
started. It shows the three things a custom agent needs: options from `-A`, tool calls, and
delegation to another agent through the same protocol.

    pix2fact run --agent zoom-first -A inner=baseline -A grid=2
"""

from __future__ import annotations

from pix2fact.agent import Agent, AgentContext, AgentTurn, ToolCall, ToolOutcome
from pix2fact.errors import ConfigError
from pix2fact.plugins import create_agent
from pix2fact.tasks.model import TaskView

MAX_GRID = 4  # at most 16 crops in the sweep turn, so the first request stays small


class ZoomFirstAgent(Agent):
    """Crop the image as a `grid` x `grid` sweep, then let the `inner` agent solve the task."""

    name = "zoom-first"

    def __init__(self, inner: str = "baseline", grid: str | int = 2, **inner_options: str) -> None:
        try:
            self.grid = int(grid)
        except ValueError:
            raise ConfigError(f"zoom-first option grid must be a whole number from 1 to {MAX_GRID}, got {grid!r}") from None
        if not 1 <= self.grid <= MAX_GRID:
            raise ConfigError(f"zoom-first option grid must be from 1 to {MAX_GRID}, got {self.grid}")
        if inner.split(":")[0] == self.name:
            raise ConfigError("zoom-first cannot wrap itself; pass another agent as -A inner=NAME")

        self.inner_reference = inner
        self.inner = create_agent(inner, inner_options)
        self.model = self.inner.model
        self.image_limits = self.inner.image_limits
        self.provider = getattr(self.inner, "provider", None)
        self._swept = False
        self._inner_started = False

    async def start(self, task: TaskView, context: AgentContext) -> None:
        await super().start(task, context)
        self._swept = False
        self._inner_started = False

    async def step(self, results: list[ToolOutcome]) -> AgentTurn:
        if not self._swept:
            self._swept = True
            if "crop" in {tool.name for tool in self.context.tools}:
                return AgentTurn(text=f"Sweeping the photo as a {self.grid}x{self.grid} grid first.", tool_calls=self._sweep())

        if not self._inner_started:
            # The sweep's results belong to this wrapper; the inner agent starts fresh.
            inner_context = self.context.model_copy(update={"max_steps": self.context.max_steps - 1})  # the sweep used a turn
            await self.inner.start(self.task, inner_context)
            self._inner_started = True
            results = []
        return await self.inner.step(results)

    async def close(self) -> None:
        await self.inner.close()

    def config(self) -> dict:
        return {"name": self.name, "model": self.model, "grid": self.grid, "inner": self.inner_reference, "inner_config": self.inner.config()}

    def _sweep(self) -> list[ToolCall]:
        width, height = self.context.image_size
        calls = []
        for row in range(self.grid):
            for column in range(self.grid):
                box = [
                    column * width // self.grid,
                    row * height // self.grid,
                    (column + 1) * width // self.grid,
                    (row + 1) * height // self.grid,
                ]
                calls.append(ToolCall(id=f"sweep_{row}_{column}", name="crop", arguments={"box": box}))
        return calls
