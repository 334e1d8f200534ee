"""A base class for agents written as one straight-line coroutine instead of a turn-by-turn state machine.

A subclass implements `solve()` and calls tools with `await self.use(name, **arguments)`, which
returns the `ToolResult`. Behind the scenes each `use` becomes one turn with one tool call, so the
loop records, limits and judges a procedural agent exactly like a model agent. `solve()` ends the
task by calling `answer`; if it returns a string instead, that string is the plain-text answer.

Used by the offline baseline agent and by scripted agents in tests.
"""

from __future__ import annotations

import asyncio
import itertools
from abc import abstractmethod
from typing import Any

from pix2fact.agent import Agent, AgentContext, AgentTurn, ToolCall, ToolOutcome
from pix2fact.tasks.model import TaskView
from pix2fact.tools.base import ToolResult


class _Finished:
    def __init__(self, text: str) -> None:
        self.text = text


class ProceduralAgent(Agent):
    """Runs `solve()` as a background coroutine and turns each `use()` into one agent turn."""

    async def start(self, task: TaskView, context: AgentContext) -> None:
        await super().start(task, context)
        self._requests: asyncio.Queue[ToolCall | _Finished | BaseException] = asyncio.Queue()
        self._pending: asyncio.Future[ToolResult] | None = None
        self._ids = itertools.count(1)
        self._runner: asyncio.Task | None = None

    @abstractmethod
    async def solve(self) -> str | None:
        """Work on `self.task` using `self.use(...)`; return plain text only when not calling `answer`."""

    async def use(self, name: str, **arguments: Any) -> ToolResult:
        """Call a tool through the loop and wait for its result."""
        self._pending = asyncio.get_running_loop().create_future()
        await self._requests.put(ToolCall(id=f"call_{next(self._ids)}", name=name, arguments=arguments))
        return await self._pending

    async def step(self, results: list[ToolOutcome]) -> AgentTurn:
        if self._runner is None:
            self._runner = asyncio.create_task(self._run())
        elif self._pending is not None and not self._pending.done():
            if not results:
                self._pending.set_exception(RuntimeError("the loop returned no result for the tool call"))
            else:
                self._pending.set_result(results[0].result)

        request = await self._requests.get()
        if isinstance(request, BaseException):
            raise request
        if isinstance(request, _Finished):
            return AgentTurn(text=request.text, model=self.model)
        return AgentTurn(tool_calls=[request], model=self.model)

    async def _run(self) -> None:
        try:
            text = await self.solve()
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # handed to the loop, which records it as a harness error
            await self._requests.put(error)
            return
        await self._requests.put(_Finished(text or ""))

    async def close(self) -> None:
        if self._runner is not None and not self._runner.done():
            self._runner.cancel()
            try:
                await self._runner
            except (asyncio.CancelledError, Exception):
                pass
