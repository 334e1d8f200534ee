"""The shared model agent, driving the real openai SDK against a local fake server."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
import pytest_asyncio
from fakes.base import FakeServer
from fakes.openai_server import (
    chat_reply,
    function_call_item,
    image_urls,
    message_item,
    reasoning_item,
    responses_reply,
    tool_call,
    web_search_item,
    wire_messages,
)
from PIL import Image

from pix2fact.agent import AgentContext, ToolOutcome
from pix2fact.errors import ConfigError
from pix2fact.loop import Limits, run_task
from pix2fact.plugins import create_agent
from pix2fact.store import RunStore
from pix2fact.tasks.model import Task, TaskView
from pix2fact.toolset import Toolset
from pix2fact.tools.answer import AnswerTool
from pix2fact.tools.base import ImageBlob, ToolResult
from pix2fact.tools.image import ImageTools
from pix2fact.tools.image.specs import crop_spec, view_image_spec
from pix2fact.trajectory import LimitEvent

FAKE_KEY = "sk-test-PIX2FACT-CANARY-model-agent-4d1b"
TASK = TaskView(id="t-42", image=Path("/nonexistent/photo.jpg"), question="What year was the shop on the corner founded?")


def make_image(color: str, label: str) -> ImageBlob:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, format="JPEG")
    return ImageBlob(data=buffer.getvalue(), width=40, height=30, label=label)


def make_context(setting: str = "agentic", coords: str = "pixels") -> AgentContext:
    tools = [view_image_spec(1568), crop_spec(coords, 1568, 4.0), AnswerTool.spec]
    overview = ToolResult(text="Original size 3840 x 2160 px; overview scale 0.41.", images=[make_image("gray", "overview")])
    return AgentContext(tools=tools, image_size=(3840, 2160), overview=overview, max_steps=12, setting=setting, coords=coords)


@pytest.fixture
def server(monkeypatch):
    with FakeServer() as fake:
        monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url + "/v1")
        yield fake


_open_agents: list = []


@pytest_asyncio.fixture(autouse=True, loop_scope="function")
async def close_agents():
    """Close every agent a test made, so no connection outlives the test's event loop."""
    yield
    while _open_agents:
        await _open_agents.pop().close()


def make_agent(name: str, options: dict):
    agent = create_agent(name, options)
    _open_agents.append(agent)
    return agent


def crop_outcome(call_id: str, color: str) -> ToolOutcome:
    result = ToolResult(text=f"Crop {call_id}.", images=[make_image(color, f"crop {call_id}")])
    return ToolOutcome(call_id=call_id, name="crop", result=result)


async def test_first_turn_prompt_and_image(server):
    server.push(chat_reply(tool_calls=[tool_call("crop", {"box": [0, 0, 100, 100]}, call_id="c1")]))
    agent = make_agent("gpt", {"model": "gpt-test", "max_output_tokens": "2000", "reasoning_effort": "medium"})

    await agent.start(TASK, make_context())
    turn = await agent.step([])
    await agent.close()

    body = server.requests[0].json
    system = body["messages"][0]["content"]
    assert "3840 x 2160 pixels" in system
    assert "- crop: Cut a rectangle" in system
    assert "boxes are [left, top, right, bottom] in pixels of the ORIGINAL 3840 x 2160 photo" in system
    assert "[ymin, xmin, ymax, xmax]" not in system
    assert "[NO_DEFINITIVE_ANSWER]" in system
    assert "at most 12 turns" in system
    for field in ("observation", "search_plan", "search_queries", "comprehensive_answer", "final_answer"):
        assert field in system
    first = body["messages"][1]
    assert first["content"][0]["text"].startswith("Question: What year was the shop")
    assert len(image_urls(first)) == 1
    assert [tool["function"]["name"] for tool in body["tools"]] == ["view_image", "crop", "answer"]
    assert body["max_completion_tokens"] == 2000
    assert body["reasoning_effort"] == "medium"
    assert turn.tool_calls[0].arguments == {"box": [0, 0, 100, 100]}


async def test_norm1000_convention_in_prompt(server):
    server.push(chat_reply("x"))
    agent = make_agent("gpt", {})

    await agent.start(TASK, make_context(coords="norm1000"))
    await agent.step([])

    system = wire_messages(server.requests[0])[0]["content"]
    assert "boxes are [ymin, xmin, ymax, xmax], each from 0 to 1000 of the whole photo" in system
    assert "One unit is 2.16 px vertically and 3.84 px horizontally." in system
    assert "[left, top, right, bottom]" not in system


async def test_old_images_become_notes(server):
    calls = [tool_call("crop", {"box": [i, i, 50, 50]}, call_id=f"c{i}") for i in range(3)]
    server.push(chat_reply(tool_calls=calls), chat_reply("done"))
    agent = make_agent("gpt", {"max_images_in_history": "2"})

    await agent.start(TASK, make_context())
    await agent.step([])
    await agent.step([crop_outcome("c0", "red"), crop_outcome("c1", "green"), crop_outcome("c2", "blue")])

    messages = wire_messages(server.requests[1])
    all_images = [url for message in messages for url in image_urls(message)]
    assert len(all_images) == 2
    assert "removed from the history" in messages[1]["content"][0]["text"]
    tool_texts = [message["content"] for message in messages if message["role"] == "tool"]
    assert "crop c0" in tool_texts[0]
    assert "removed from the history" in tool_texts[0]
    assert "removed" not in tool_texts[2]
    follow_up = messages[-1]
    assert follow_up["role"] == "user"
    assert "Images returned by tool call c1 (crop):" in json.dumps(follow_up)
    assert "tool call c0" not in json.dumps(follow_up)


async def test_single_pass_one_call_no_tools(server):
    answer = {"final_answer": "1921", "observation": "sign", "search_plan": "", "search_queries": [], "comprehensive_answer": ""}
    server.push(chat_reply(f"```json\n{json.dumps(answer)}\n```"))
    agent = make_agent("gpt", {})

    await agent.start(TASK, make_context(setting="single-pass"))
    turn = await agent.step([])
    again = await agent.step([])

    body = server.requests[0].json
    assert "tools" not in body
    assert "Reply with one JSON object" in body["messages"][0]["content"]
    assert turn.tool_calls == []
    assert '"final_answer": "1921"' in turn.text
    assert again.tool_calls == []
    assert len(server.requests) == 1


async def test_builtin_search_uses_responses(server):
    reasoning = reasoning_item("opaque-encrypted-reasoning")
    call = function_call_item("crop", {"box": [1, 2, 3, 4]}, call_id="call_r1")
    server.push(
        responses_reply([reasoning, web_search_item("shop founded"), call], cached_tokens=40, reasoning_tokens=12),
        responses_reply([message_item("It was 1921.")]),
    )
    agent = make_agent("gpt", {"model": "gpt-test"})

    await agent.start(TASK, make_context(setting="builtin-search"))
    first = await agent.step([])
    second = await agent.step([crop_outcome("call_r1", "red")])

    assert [request.path for request in server.requests] == ["/v1/responses", "/v1/responses"]
    body = server.requests[0].json
    assert {"type": "web_search"} in body["tools"]
    assert body["store"] is False
    assert "Use your built-in web search" in body["instructions"]
    assert first.tool_calls[0].id == "call_r1"
    assert [(call.name, call.queries) for call in first.builtin_tool_calls] == [("web_search", ["shop founded"])]
    assert second.builtin_tool_calls == []
    assert "web_search_call.action.sources" in body["include"]
    assert first.usage.reasoning_tokens == 12
    assert first.usage.cached_tokens == 40

    replay = server.requests[1].json["input"]
    assert replay[1]["type"] == "reasoning"
    assert replay[1]["encrypted_content"] == "opaque-encrypted-reasoning"
    assert replay[2]["type"] == "web_search_call"
    assert replay[3]["call_id"] == "call_r1"
    output = replay[4]
    assert output["type"] == "function_call_output"
    assert output["output"][0] == {"type": "input_text", "text": "Crop call_r1."}
    assert output["output"][2]["type"] == "input_image"
    assert second.text == "It was 1921."
    assert agent.config()["client"] == "OpenAIResponsesClient"


async def test_compatible_online_suffix(server):
    server.push(chat_reply("ok"))
    agent = make_agent("openai-compatible", {"model": "qwen/qwen2.5-vl-72b-instruct"})

    await agent.start(TASK, make_context(setting="builtin-search"))
    await agent.step([])

    assert server.requests[0].json["model"] == "qwen/qwen2.5-vl-72b-instruct:online"


def test_options_converted_from_strings(server):
    agent = make_agent(
        "gpt",
        {"temperature": "0.2", "max_output_tokens": "900", "timeout_s": "30", "max_images_in_history": "3", "max_attempts": "2"},
    )

    config = agent.config()
    assert config["temperature"] == 0.2
    assert config["max_output_tokens"] == 900
    assert config["timeout_s"] == 30.0
    assert config["max_images_in_history"] == 3
    assert agent.client.retry_policy.max_attempts == 2


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"temperature": "hot"}, "temperature='hot'"),
        ({"temperature": "3"}, "less than or equal to 2"),
        ({"max_output_tokens": "1.5"}, "max_output_tokens='1.5'"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort='extreme'"),
        ({"max_images_in_history": "0"}, "greater than or equal to 1"),
        ({"colour": "red"}, "unknown option 'colour' (accepted: model, base_url"),
        ({"thinking_budget": "-2"}, "greater than or equal to -1"),
        ({"tool_images": "sideways"}, "tool_images='sideways'"),
        ({"prompt_cache": "maybe"}, "prompt_cache='maybe'"),
        ({"thinking_budget": "4000", "max_output_tokens": "4000"}, "thinking_budget=4000 must be less than max_output_tokens=4000"),
    ],
    ids=[
        "not-a-number",
        "out-of-range",
        "not-an-int",
        "unknown-effort",
        "zero-images",
        "unknown-option",
        "negative-budget",
        "unknown-placement",
        "not-a-bool",
        "budget-over-output",
    ],
)
def test_invalid_options_rejected(server, options, expected):
    with pytest.raises(ConfigError) as caught:
        make_agent("gpt", options)

    assert "invalid option(s) for agent 'gpt'" in str(caught.value)
    assert expected in str(caught.value)


def test_missing_key_suggests_baseline(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    with pytest.raises(ConfigError) as caught:
        make_agent("gpt", {})

    message = str(caught.value)
    assert "OPENAI_API_KEY" in message
    assert "--agent baseline" in message
    assert "\n" not in message


def test_compatible_without_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)

    agent = make_agent("openai-compatible", {"model": "llava", "base_url": "http://user:pw@127.0.0.1:8000/v1?key=abc"})

    assert agent.model == "llava"
    assert agent.config()["base_url"] == "http://127.0.0.1:8000/v1"


def test_config_has_defaults_and_no_key(server):
    agent = make_agent("gpt", {})

    config = agent.config()
    assert config["model"] == "gpt-5.4"
    assert config["provider"] == "openai"
    assert config["base_url"] == server.url + "/v1"
    assert config["max_images_in_history"] == 8
    assert FAKE_KEY not in json.dumps(config)


async def test_key_absent_from_outputs(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.push(chat_reply(tool_calls=[tool_call("answer", {"final_answer": "1921"})], cached_tokens=5))
    agent = make_agent("gpt", {})

    await agent.start(TASK, make_context())
    turn = await agent.step([])
    await agent.close()

    assert server.requests[0].headers["authorization"] == f"Bearer {FAKE_KEY}"
    assert FAKE_KEY not in turn.model_dump_json()
    assert FAKE_KEY not in json.dumps(agent.config())
    assert all(FAKE_KEY not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("setting", "expected", "absent"),
    [
        ("agentic", "crop until you can read it", "built-in web search"),
        ("c1", "You have no search tool", "is a crop of the photo"),
        ("c2", "You cannot crop", "You have no search tool"),
        ("c3", "is a crop of the photo around the region", "Search the web"),
        ("c4", "Search the web and open pages", "You have no search tool"),
        ("builtin-search", "Use your built-in web search", "You cannot crop"),
        ("single-pass", "Reply with one JSON object", "call the answer tool"),
    ],
)
def test_system_prompt_per_setting(setting, expected, absent):
    from pix2fact.agents.prompts import system_prompt

    prompt = system_prompt(make_context(setting=setting))

    assert expected in prompt
    assert absent not in prompt
    assert "3840 x 2160 pixels" in prompt


@pytest.fixture
def provider_keys(monkeypatch):
    for name in ("GOOGLE_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")


def test_provider_options_reach_clients(provider_keys):
    gemini = make_agent("gemini", {"thinking_budget": "-1", "tool_images": "inline"})
    claude = make_agent("claude", {"thinking_budget": "4096", "prompt_cache": "false", "max_output_tokens": "8000"})

    assert gemini.client.thinking_budget == -1
    assert gemini.client.tool_images == "inline"
    assert claude.client.thinking_budget == 4096
    assert claude.client.prompt_cache is False
    assert gemini.config()["thinking_budget"] == -1
    assert gemini.config()["tool_images"] == "inline"
    assert claude.config()["thinking_budget"] == 4096
    assert claude.config()["prompt_cache"] is False
    assert "tool_images" not in claude.config()
    assert "prompt_cache" not in gemini.config()


def test_provider_defaults_in_config(provider_keys, server):
    gemini = make_agent("gemini", {})
    claude = make_agent("claude", {})
    gpt = make_agent("gpt", {})

    assert gemini.config()["tool_images"] == "function_response"
    assert gemini.config()["thinking_budget"] is None
    assert claude.config()["prompt_cache"] is True
    assert not {"thinking_budget", "tool_images", "prompt_cache"} & set(gpt.config())


@pytest.mark.parametrize(
    ("agent", "options", "expected"),
    [
        ("gpt", {"tool_images": "inline"}, "option 'tool_images' does not apply to agent 'gpt' (gemini only)"),
        ("gpt", {"thinking_budget": "2048"}, "option 'thinking_budget' does not apply to agent 'gpt' (gemini and claude only)"),
        ("gemini", {"prompt_cache": "true"}, "option 'prompt_cache' does not apply to agent 'gemini' (claude only)"),
        ("claude", {"tool_images": "inline"}, "option 'tool_images' does not apply to agent 'claude' (gemini only)"),
    ],
    ids=["gpt-tool-images", "gpt-thinking-budget", "gemini-prompt-cache", "claude-tool-images"],
)
def test_provider_option_on_wrong_agent(provider_keys, server, agent, options, expected):
    with pytest.raises(ConfigError) as caught:
        make_agent(agent, options)

    assert expected in str(caught.value)


def test_claude_budget_minimum(provider_keys):
    with pytest.raises(ConfigError) as caught:
        make_agent("claude", {"thinking_budget": "1000"})

    assert "thinking_budget=1000 is below Claude's minimum of 1024 tokens" in str(caught.value)


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (800, 600), "navy").save(path, format="JPEG")
    return path


async def run_gpt_task(photo: Path, store_folder: Path, limits: Limits | None = None):
    """Run one task through the real loop, the gpt agent and real image tools."""
    agent = make_agent("gpt", {"model": "gpt-test"})
    images = ImageTools(photo, limits=agent.image_limits)
    toolset = Toolset([*images.tools, AnswerTool()], setting="agentic", image_size=await images.size(), first_view=images.overview)
    store = RunStore(store_folder)
    store.create()
    task = Task(id="t-loop", image=photo, question="What year was the shop founded?", answer="1921")
    return await run_task(task, agent, toolset, store, limits or Limits())


async def test_loop_plain_text_is_answer(server, photo, tmp_path):
    server.push(chat_reply("The shop opened in 1921."))

    record = await run_gpt_task(photo, tmp_path / "run")

    assert record.status == "text_answer"
    assert record.final_answer == "The shop opened in 1921."
    assert len(server.requests) == 1


async def test_loop_parallel_calls_in_order(server, photo, tmp_path):
    calls = [
        tool_call("crop", {"box": [0, 0, 400, 300]}, call_id="p1"),
        tool_call("view_image", {}, call_id="p2"),
        tool_call("crop", {"box": [400, 300, 800, 600]}, call_id="p3"),
    ]
    server.push(chat_reply(tool_calls=calls), chat_reply(tool_calls=[tool_call("answer", {"final_answer": "1921"}, call_id="p4")]))

    record = await run_gpt_task(photo, tmp_path / "run")

    assert record.status == "answered"
    assert [(event.call_id, event.name) for event in record.tool_events()] == [("p1", "crop"), ("p2", "view_image"), ("p3", "crop"), ("p4", "answer")]
    assert record.tool_events("crop")[0].data["box"] == [0, 0, 400, 300]
    messages = wire_messages(server.requests[1])
    assert [message["tool_call_id"] for message in messages if message["role"] == "tool"] == ["p1", "p2", "p3"]
    follow_up = json.dumps(messages[-1])
    assert follow_up.index("tool call p1") < follow_up.index("tool call p2") < follow_up.index("tool call p3")


async def test_loop_malformed_json_corrected(server, photo, tmp_path):
    server.push(
        chat_reply(tool_calls=[tool_call("crop", '{"box": [0, 0, 100', call_id="bad")]),
        chat_reply(tool_calls=[tool_call("answer", {"final_answer": "1921"}, call_id="ok")]),
    )

    record = await run_gpt_task(photo, tmp_path / "run")

    assert record.status == "answered"
    bad = record.tool_events("crop")[0]
    assert bad.fault == "model"
    assert bad.raw_arguments == '{"box": [0, 0, 100'
    messages = wire_messages(server.requests[1])
    assert messages[2]["tool_calls"][0]["function"]["arguments"] == '{"box": [0, 0, 100'
    assert "are not a JSON object" in messages[3]["content"]
    assert messages[3]["tool_call_id"] == "bad"


async def test_loop_malformed_json_limit(server, photo, tmp_path):
    server.push(*[chat_reply(tool_calls=[tool_call("crop", "{box:", call_id=f"bad{i}")]) for i in range(3)])

    record = await run_gpt_task(photo, tmp_path / "run", Limits(max_consecutive_tool_errors=2))

    assert record.status == "limit"
    assert [event.limit for event in record.events if isinstance(event, LimitEvent)] == ["tool_errors"]
    assert len(server.requests) == 2
