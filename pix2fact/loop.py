"""The agent loop: one task, from the first look at the image to the final answer.

`run_task` runs these steps in order:

1. Show the agent the task's first image (the overview, or the annotated crop in settings that
   give the visual ground truth) and its tool specs (`agent.start`).
2. Ask the agent for a turn (`agent.step`) and record it with its token usage.
3. Run the turn's tool calls in the order given. Unknown tools, arguments that are not a JSON
   object, and `ToolError`s go back to the agent as tool errors it can correct; any other
   exception is recorded as a harness fault and the agent is told only that the tool failed.
4. Stop when the agent calls `answer`, answers in plain text (a turn without tool calls), or a
   limit is reached (steps, tokens, wall time, consecutive tool errors). The limit is recorded.
5. Return a `TaskRecord` with every event. Nothing here writes to disk except image blobs; the
   runner appends the record when the task ends.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel

from pix2fact.agent import Agent, AgentContext, AgentTurn, ToolCall, ToolOutcome, Usage
from pix2fact.errors import ContextLengthError, HarnessError
from pix2fact.models.pricing import task_cost
from pix2fact.store import RunStore
from pix2fact.tasks.model import Task
from pix2fact.toolset import Toolset
from pix2fact.tools.answer import AnswerFields, parse_answer_text
from pix2fact.tools.base import ToolError, ToolResult
from pix2fact.trajectory import (
    AgentErrorEvent,
    Event,
    HarnessErrorEvent,
    LimitEvent,
    ModelTurnEvent,
    TaskRecord,
    TaskStatus,
    ToolEvent,
)

logger = logging.getLogger(__name__)


class Limits(BaseModel):
    """Per-task limits. A task that reaches one ends with status "limit"."""

    max_steps: int = 30
    max_tokens: int | None = None
    max_seconds: float = 600.0
    max_consecutive_tool_errors: int = 8
    tool_timeout_s: float = 60.0


class AgentFailure(Exception):
    """Wraps an exception the agent raised, so the loop can tell it from a harness fault."""


class _TaskState:
    """Mutable state of one running task; turned into a TaskRecord at the end."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.usage = Usage()
        self.answer: AnswerFields | None = None
        self.status: TaskStatus | None = None
        self.error: str | None = None
        self.step = 0
        self.consecutive_tool_errors = 0


async def run_task(
    task: Task,
    agent: Agent,
    toolset: Toolset,
    store: RunStore,
    limits: Limits,
    *,
    epoch: int = 1,
) -> TaskRecord:
    """Run one task to its end and return its trajectory.

    Agent, tool and provider failures end up in the record; only cancellation propagates.
    """
    started_at = datetime.now(timezone.utc)
    clock = time.monotonic()
    state = _TaskState()
    overview_ref = None
    image_size = None

    try:
        async with asyncio.timeout(limits.max_seconds) as deadline:
            first_view = await toolset.first_view()
            overview_ref = store.store_image(first_view.images[0]) if first_view.images else None
            image_size = toolset.image_size

            context = AgentContext(
                tools=toolset.specs(),
                image_size=image_size,
                overview=first_view,
                max_steps=limits.max_steps,
                setting=toolset.setting,
                coords=toolset.coords,
                epoch=epoch,
            )
            try:
                await agent.start(task.view(), context)
            except HarnessError:
                raise
            except Exception as error:
                raise AgentFailure() from error
            await _drive(task, agent, toolset, store, limits, state)
    except TimeoutError:
        if not deadline.expired():
            raise
        state.events.append(LimitEvent(step=state.step, limit="time", value=limits.max_seconds))
        state.status = "limit"
    except ContextLengthError as error:
        _record_harness_error(state, error, "context_length")
    except HarnessError as error:
        _record_harness_error(state, error, "harness_error")
    except AgentFailure as failure:
        error = failure.__cause__
        logger.warning("task %s: the agent raised %s: %s", task.id, type(error).__name__, error)
        state.events.append(AgentErrorEvent(step=state.step, message=f"{type(error).__name__}: {error}"))
        state.status = "agent_error"
        state.error = f"{type(error).__name__}: {error}"
    except Exception as error:  # a bug in an agent or in the harness must not end the run
        logger.exception("task %s: unexpected error", task.id)
        _record_harness_error(state, error, "harness_error")
    finally:
        try:
            await agent.close()
        except Exception:
            logger.exception("task %s: agent.close() failed", task.id)

    return TaskRecord(
        task_id=task.id,
        epoch=epoch,
        question=task.question,
        category=task.category,
        status=state.status or "no_answer",
        answer=state.answer,
        overview=overview_ref,
        image_size=image_size,
        events=state.events,
        usage=state.usage,
        cost_usd=task_cost(agent.provider, agent.model, state.usage),
        started_at=started_at.isoformat(),
        finished_at=datetime.now(timezone.utc).isoformat(),
        duration_s=round(time.monotonic() - clock, 3),
        error=state.error,
    )


async def _drive(task: Task, agent: Agent, toolset: Toolset, store: RunStore, limits: Limits, state: _TaskState) -> None:
    outcomes: list[ToolOutcome] = []

    while True:
        if state.step >= limits.max_steps:
            state.events.append(LimitEvent(step=state.step, limit="steps", value=limits.max_steps))
            state.status = "limit"
            return
        if limits.max_tokens is not None and state.usage.total_tokens >= limits.max_tokens:
            state.events.append(LimitEvent(step=state.step, limit="tokens", value=limits.max_tokens))
            state.status = "limit"
            return

        state.step += 1
        turn_clock = time.monotonic()
        try:
            turn = await agent.step(outcomes)
        except (HarnessError, TimeoutError, asyncio.CancelledError):
            raise
        except Exception as error:
            raise AgentFailure() from error
        state.usage = state.usage + turn.usage
        state.events.append(_turn_event(state.step, turn, time.monotonic() - turn_clock))

        if not turn.tool_calls:
            if turn.text.strip():
                state.answer = parse_answer_text(turn.text)
                state.status = "text_answer"
            else:
                state.status = "no_answer"
            return

        outcomes = []
        for call in turn.tool_calls:
            outcome = await _run_call(task, call, toolset, store, limits, state)
            outcomes.append(outcome)
            if state.answer is not None:
                state.status = "answered"
                return

        if state.consecutive_tool_errors >= limits.max_consecutive_tool_errors:
            state.events.append(LimitEvent(step=state.step, limit="tool_errors", value=limits.max_consecutive_tool_errors))
            state.status = "limit"
            return


async def _run_call(task: Task, call: ToolCall, toolset: Toolset, store: RunStore, limits: Limits, state: _TaskState) -> ToolOutcome:
    clock = time.monotonic()
    fault = None
    tool = toolset.get(call.name)

    if tool is None:
        result = ToolResult(error=f"unknown tool {call.name!r}; available tools: {', '.join(toolset.names())}")
        fault = "model"
    elif call.arguments is None:
        shown = (call.raw_arguments or "")[:200]
        result = ToolResult(error=f"arguments for {call.name!r} are not a JSON object: {shown!r}; send a JSON object matching the tool's schema")
        fault = "model"
    else:
        try:
            result = await asyncio.wait_for(tool.call(dict(call.arguments)), timeout=limits.tool_timeout_s)
        except ToolError as error:
            result = ToolResult(error=str(error))
            fault = "model"
        except TimeoutError:
            result = ToolResult(error=f"tool {call.name!r} timed out after {limits.tool_timeout_s:g} s; try again or use another tool")
            fault = "harness"
        except HarnessError:
            raise
        except Exception as error:
            logger.warning("task %s: tool %s failed: %s: %s", task.id, call.name, type(error).__name__, error)
            result = ToolResult(error=f"tool {call.name!r} failed inside the harness ({type(error).__name__}); this is not your fault, try again or continue without it")
            result.data["harness_error"] = f"{type(error).__name__}: {error}"
            fault = "harness"

    if result.is_error:
        state.consecutive_tool_errors += 1
        fault = fault or "model"
    else:
        state.consecutive_tool_errors = 0
        if call.name == "answer":
            state.answer = AnswerFields.model_validate(result.data["answer"])

    state.events.append(
        ToolEvent(
            step=state.step,
            call_id=call.id,
            name=call.name,
            arguments=call.arguments,
            raw_arguments=call.raw_arguments,
            text=result.text,
            images=[store.store_image(image) for image in result.images],
            error=result.error,
            fault=fault,
            data=_jsonable(result.data),
            duration_s=round(time.monotonic() - clock, 3),
        )
    )
    return ToolOutcome(call_id=call.id, name=call.name, result=result)


def _turn_event(step: int, turn: AgentTurn, seconds: float) -> ModelTurnEvent:
    return ModelTurnEvent(
        step=step,
        text=turn.text,
        tool_calls=turn.tool_calls,
        usage=turn.usage,
        model=turn.model,
        stop_reason=turn.stop_reason,
        builtin_tool_calls=turn.builtin_tool_calls,
        duration_s=round(seconds, 3),
    )


def _record_harness_error(state: _TaskState, error: Exception, status: TaskStatus) -> None:
    kind = getattr(error, "kind", type(error).__name__)
    state.events.append(HarnessErrorEvent(step=state.step, kind=kind, message=f"{type(error).__name__}: {error}"))
    state.status = status
    state.error = f"{type(error).__name__}: {error}"


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Drop values that JSON cannot hold (tools should not return them; this keeps a record savable)."""
    try:
        json.dumps(data)
        return data
    except (TypeError, ValueError):
        return json.loads(json.dumps(data, default=str))
