"""The agent loop: tool dispatch, model-side errors, harness faults, limits and answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pix2fact.agent import Agent, AgentTurn, ToolCall, Usage
from pix2fact.errors import ProviderError
from pix2fact.loop import Limits, run_task
from pix2fact.procedural import ProceduralAgent
from pix2fact.store import RunStore
from pix2fact.tasks.model import Task
from pix2fact.toolset import Toolset
from pix2fact.tools.answer import AnswerTool
from pix2fact.tools.base import ImageBlob, ToolError, ToolResult, ToolSpec, require_keys

TASK = Task(id="t1", image=Path("/nonexistent.jpg"), question="What is the phone number?", answer="555-0100")
PIXEL = ImageBlob(data=b"\xff\xd8one-pixel", mime_type="image/jpeg", width=1, height=1, label="overview")


class EchoTool:
    """Returns its `text` argument; `fail` raises a model-side error, `crash` a harness fault."""

    spec = ToolSpec(
        name="echo",
        description="echo text",
        parameters={"type": "object", "properties": {"text": {"type": "string"}, "mode": {"type": "string"}}, "required": ["text"]},
    )

    async def call(self, arguments):
        require_keys(arguments, self.spec.parameters)
        if arguments.get("mode") == "fail":
            raise ToolError("text must not be 'fail'")
        if arguments.get("mode") == "crash":
            raise OSError("disk on fire")
        if arguments.get("mode") == "hang":
            await asyncio.sleep(60)
        return ToolResult(text=arguments["text"], data={"length": len(arguments["text"])})


def make_toolset() -> Toolset:
    async def first_view():
        return ToolResult(text="overview", images=[PIXEL])

    return Toolset([EchoTool(), AnswerTool()], setting="agentic", image_size=(4000, 3000), first_view=first_view)


class ScriptedTurns(Agent):
    """Plays a fixed list of turns, one per step."""

    name = "scripted"

    def __init__(self, turns: list[AgentTurn]) -> None:
        self.turns = list(turns)
        self.seen_results = []

    async def step(self, results):
        self.seen_results.append(results)
        return self.turns.pop(0)


def call(name: str, arguments=None, raw=None, call_id="c1") -> ToolCall:
    return ToolCall(id=call_id, name=name, arguments=arguments, raw_arguments=raw)


async def run(agent, tmp_path, **limit_options):
    store = RunStore(tmp_path / "run")
    store.create()
    return await run_task(TASK, agent, make_toolset(), store, Limits(**limit_options))


async def test_answer_tool_ends_task(tmp_path):
    agent = ScriptedTurns([AgentTurn(tool_calls=[call("answer", {"final_answer": "555-0100", "observation": "a sign"})], usage=Usage(input_tokens=10, output_tokens=3))])

    record = await run(agent, tmp_path)

    assert record.status == "answered"
    assert record.final_answer == "555-0100"
    assert record.answer.observation == "a sign"
    assert record.usage.input_tokens == 10
    assert record.overview is not None
    assert (tmp_path / "run" / record.overview.path).exists()


async def test_parallel_calls_keep_their_order(tmp_path):
    turns = [
        AgentTurn(tool_calls=[call("echo", {"text": "one"}, call_id="a"), call("echo", {"text": "two"}, call_id="b")]),
        AgentTurn(tool_calls=[call("answer", {"final_answer": "x"})]),
    ]
    agent = ScriptedTurns(turns)

    record = await run(agent, tmp_path)

    outcomes = agent.seen_results[1]
    assert [outcome.call_id for outcome in outcomes] == ["a", "b"]
    assert [outcome.result.text for outcome in outcomes] == ["one", "two"]
    assert [event.text for event in record.tool_events("echo")] == ["one", "two"]


@pytest.mark.parametrize(
    "bad_call, expected",
    [
        pytest.param(call("teleport", {}), "unknown tool 'teleport'", id="unknown-tool"),
        pytest.param(call("echo", None, raw='{"text": "unterminated'), "not a JSON object", id="malformed-json"),
        pytest.param(call("echo", {}), "missing required argument", id="missing-argument"),
        pytest.param(call("echo", {"text": "x", "colour": "red"}), "unknown argument", id="unknown-argument"),
        pytest.param(call("echo", {"text": "x", "mode": "fail"}), "must not be 'fail'", id="tool-error"),
        pytest.param(call("answer", {"final_answer": ""}), "final_answer must be a non-empty string", id="empty-answer"),
    ],
)
async def test_model_mistakes_become_recoverable_tool_errors(tmp_path, bad_call, expected):
    agent = ScriptedTurns([AgentTurn(tool_calls=[bad_call]), AgentTurn(tool_calls=[call("answer", {"final_answer": "ok"})])])

    record = await run(agent, tmp_path)

    assert record.status == "answered"
    error_event = record.tool_events()[0]
    assert expected in error_event.error
    assert error_event.fault == "model"
    assert expected in agent.seen_results[1][0].result.error
    assert record.harness_faults == []


async def test_tool_crash_is_harness_fault(tmp_path):
    agent = ScriptedTurns([AgentTurn(tool_calls=[call("echo", {"text": "x", "mode": "crash"})]), AgentTurn(tool_calls=[call("answer", {"final_answer": "ok"})])])

    record = await run(agent, tmp_path)

    assert record.status == "answered"
    event = record.tool_events("echo")[0]
    assert event.fault == "harness"
    assert "not your fault" in event.error
    assert "disk on fire" in event.data["harness_error"]
    assert len(record.harness_faults) == 1


async def test_tool_timeout_is_a_harness_fault(tmp_path):
    agent = ScriptedTurns([AgentTurn(tool_calls=[call("echo", {"text": "x", "mode": "hang"})]), AgentTurn(tool_calls=[call("answer", {"final_answer": "ok"})])])

    record = await run(agent, tmp_path, tool_timeout_s=0.05)

    assert record.tool_events("echo")[0].fault == "harness"
    assert "timed out" in record.tool_events("echo")[0].error


async def test_plain_text_turn_is_taken_as_answer(tmp_path):
    text = 'Here you go:\n```json\n{"Observation": "red sign", "Final Answer": "555-0100"}\n```'
    record = await run(ScriptedTurns([AgentTurn(text=text)]), tmp_path)

    assert record.status == "text_answer"
    assert record.final_answer == "555-0100"
    assert record.answer.observation == "red sign"


async def test_step_limit_is_recorded(tmp_path):
    turns = [AgentTurn(tool_calls=[call("echo", {"text": str(index)})]) for index in range(5)]

    record = await run(ScriptedTurns(turns), tmp_path, max_steps=3)

    assert record.status == "limit"
    assert record.events[-1].type == "limit"
    assert record.events[-1].limit == "steps"
    assert record.steps == 3


async def test_token_limit_is_recorded(tmp_path):
    turns = [AgentTurn(tool_calls=[call("echo", {"text": "x"})], usage=Usage(input_tokens=600)) for _ in range(5)]

    record = await run(ScriptedTurns(turns), tmp_path, max_tokens=1000)

    assert record.status == "limit"
    assert record.events[-1].limit == "tokens"
    assert record.usage.input_tokens == 1200


async def test_repeated_tool_errors_end_the_task(tmp_path):
    turns = [AgentTurn(tool_calls=[call("nope", {})]) for _ in range(10)]

    record = await run(ScriptedTurns(turns), tmp_path, max_consecutive_tool_errors=3)

    assert record.status == "limit"
    assert record.events[-1].limit == "tool_errors"


async def test_wall_time_limit_is_recorded(tmp_path):
    class Slow(Agent):
        async def step(self, results):
            await asyncio.sleep(10)

    record = await run(Slow(), tmp_path, max_seconds=0.1)

    assert record.status == "limit"
    assert record.events[-1].limit == "time"


async def test_provider_error_is_a_harness_error(tmp_path):
    class Outage(Agent):
        async def step(self, results):
            raise ProviderError("503 from the provider after 5 attempts")

    record = await run(Outage(), tmp_path)

    assert record.status == "harness_error"
    assert "503" in record.error
    assert record.harness_faults


async def test_agent_exception_is_agent_error(tmp_path):
    class Buggy(Agent):
        async def step(self, results):
            raise KeyError("oops")

    record = await run(Buggy(), tmp_path)

    assert record.status == "agent_error"
    assert "KeyError" in record.error
    assert record.events[-1].type == "agent_error"
    assert record.harness_faults == []


class Procedure(ProceduralAgent):
    name = "procedure"

    async def solve(self):
        first = await self.use("echo", text="hello")
        bad = await self.use("echo", text="x", mode="fail")
        await self.use("answer", final_answer=f"{first.text}/{bad.error is not None}")


async def test_procedural_agent_drives_tools_turn_by_turn(tmp_path):
    record = await run(Procedure(), tmp_path)

    assert record.status == "answered"
    assert record.final_answer == "hello/True"
    assert record.steps == 3
    assert [event.name for event in record.tool_events()] == ["echo", "echo", "answer"]


async def test_procedural_agent_text_return_is_answer(tmp_path):
    class Talker(ProceduralAgent):
        async def solve(self):
            await self.use("echo", text="a")
            return "just text"

    record = await run(Talker(), tmp_path)

    assert record.status == "text_answer"
    assert record.final_answer == "just text"
