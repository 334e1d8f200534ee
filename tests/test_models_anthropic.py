"""The Claude client, driven through the real anthropic SDK against a local fake."""

from __future__ import annotations

import io
import logging
import time

import pytest
from fakes.anthropic_server import (
    AnthropicServer,
    context_length_reply,
    error_reply,
    message_reply,
    overloaded_reply,
    rate_limit_reply,
    redacted_thinking_block,
    text_block,
    thinking_block,
    tool_use,
    web_search_blocks,
)
from fakes.base import Reply
from PIL import Image

from pix2fact.agent import AgentTurn, ToolCall, ToolOutcome
from pix2fact.errors import ConfigError, ContextLengthError, ProviderError
from pix2fact.models.anthropic import (
    DEFAULT_MAX_TOKENS,
    MAX_IMAGE_BYTES,
    MAX_IMAGE_SIDE,
    MAX_IMAGES_PER_REQUEST,
    WEB_SEARCH_TOOL,
    AnthropicClient,
)
from pix2fact.models.base import GenerationSettings, ModelRequest, ToolResultsMessage, UserMessage
from pix2fact.models.limits import ProviderLimiter
from pix2fact.models.retry import RetryPolicy
from pix2fact.tools.base import ImageBlob, ToolResult, ToolSpec

FAKE_KEY = "sk-ant-test-PIX2FACT-CANARY-4e5d6c7b"
FAST_RETRIES = RetryPolicy(max_attempts=4, max_total_s=10, initial_wait_s=0.01, max_wait_s=0.05)
CROP = ToolSpec(
    name="crop",
    description="Crop a box of the original image.",
    parameters={
        "type": "object",
        "properties": {"box": {"type": "array", "items": {"type": "number"}}},
        "required": ["box"],
    },
)


def make_image(color: str, size: tuple[int, int] = (64, 48), label: str = "") -> ImageBlob:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return ImageBlob(data=buffer.getvalue(), mime_type="image/jpeg", width=size[0], height=size[1], label=label)


@pytest.fixture
def server():
    with AnthropicServer() as fake:
        yield fake


@pytest.fixture(autouse=True)
def anthropic_env(monkeypatch):
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)


def make_client(server: AnthropicServer, model: str = "claude-test", **options) -> AnthropicClient:
    options.setdefault("retry_policy", FAST_RETRIES)
    options.setdefault("limiter", ProviderLimiter("test", max_concurrency=4))
    return AnthropicClient.from_env(model, base_url=server.url, **options)


def request(*messages, tools=(CROP,), **settings) -> ModelRequest:
    return ModelRequest(
        system="You are testing.",
        messages=list(messages) or [UserMessage(text="What is shown?")],
        tools=list(tools),
        settings=GenerationSettings(**{"timeout_s": 5.0, **settings}),
        task_id="task-c",
    )


async def test_first_request_wire_format(server):
    overview = make_image("red", label="overview")
    server.push(message_reply(tool_use("crop", {"box": [1, 2, 30, 40]}, call_id="toolu_a")))
    client = make_client(server)

    turn = await client.generate(
        request(UserMessage(text="Question?", images=[overview]), reasoning_effort="minimal", temperature=0.5)
    )

    sent = server.requests[0]
    body = sent.json
    assert sent.path == "/v1/messages"
    assert FAKE_KEY in (sent.headers.get("x-api-key", "") + sent.headers.get("authorization", ""))
    assert sent.headers["x-stainless-retry-count"] == "0"
    assert body["model"] == "claude-test"
    assert body["max_tokens"] == DEFAULT_MAX_TOKENS
    assert body["system"] == "You are testing."
    assert body["tools"] == [{"name": "crop", "description": CROP.description, "input_schema": CROP.parameters}]
    assert body["thinking"] == {"type": "adaptive"}
    assert body["output_config"] == {"effort": "low"}
    assert body["temperature"] == 0.5
    content = body["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "[image: overview, 64x48 px]"}
    assert content[1]["source"]["media_type"] == "image/jpeg"
    assert content[2] == {"type": "text", "text": "Question?", "cache_control": {"type": "ephemeral"}}
    assert server.images(sent) == [overview.data]
    assert turn.tool_calls == [ToolCall(id="toolu_a", name="crop", arguments={"box": [1, 2, 30, 40]})]
    assert turn.stop_reason == "tool_use"
    assert turn.model == "claude-fake-1"
    assert server.rejected == []


async def test_parallel_tool_use_with_thinking(server):
    crop_a = make_image("blue", label="crop a")
    crop_b = make_image("green", label="crop b")
    blocks = [
        thinking_block("I should zoom in.", "c2lnbmF0dXJl"),
        redacted_thinking_block("cmVkYWN0ZWQ="),
        text_block("Looking closer."),
        tool_use("crop", {"box": [0, 0, 5, 5]}, call_id="toolu_a"),
        tool_use("crop", {"box": [5, 5, 9, 9]}, call_id="toolu_b"),
        tool_use("view_image", {}, call_id="toolu_c"),
    ]
    server.push(message_reply(*blocks), message_reply(text_block("done")))
    client = make_client(server, thinking_budget=2048)
    question = UserMessage(text="Q")

    turn = await client.generate(request(question))
    results = ToolResultsMessage(
        outcomes=[
            ToolOutcome(call_id="toolu_a", name="crop", result=ToolResult(text="Crop a.", images=[crop_a])),
            ToolOutcome(call_id="toolu_b", name="crop", result=ToolResult(images=[crop_b])),
            ToolOutcome(call_id="toolu_c", name="view_image", result=ToolResult(error="box outside the image")),
        ]
    )
    final = await client.generate(request(question, turn, results))

    assert [call.id for call in turn.tool_calls] == ["toolu_a", "toolu_b", "toolu_c"]
    assert turn.text == "Looking closer."
    assert final.text == "done"
    assert server.rejected == []
    second = server.requests[1].json
    assert second["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assistant, tool_results = second["messages"][1:]
    assert assistant["content"] == blocks
    assert [block["tool_use_id"] for block in tool_results["content"]] == ["toolu_a", "toolu_b", "toolu_c"]
    first, second_result, third = tool_results["content"]
    assert first["content"][0] == {"type": "text", "text": "Crop a."}
    assert first["content"][1] == {"type": "text", "text": "[image: crop a, 64x48 px]"}
    assert first["content"][2]["type"] == "image"
    assert "is_error" not in first
    assert second_result["content"][0]["text"] == "1 image(s) attached."
    assert third["is_error"] is True
    assert third["content"] == [{"type": "text", "text": "Error: box outside the image"}]
    assert third["cache_control"] == {"type": "ephemeral"}
    assert server.images(server.requests[1]) == [crop_a.data, crop_b.data]
    assert "cache_control" not in turn.provider_state[-1]


async def test_rebuilt_turn_loses_thinking(server):
    server.push(message_reply(thinking_block("hmm", "c2ln"), tool_use("crop", {"box": [0, 0, 1, 1]}, call_id="toolu_a")))
    client = make_client(server, thinking_budget=1024)
    question = UserMessage(text="Q")
    turn = await client.generate(request(question))
    results = ToolResultsMessage(outcomes=[ToolOutcome(call_id="toolu_a", name="crop", result=ToolResult(text="x"))])
    stripped = turn.model_copy(update={"provider_state": None})

    with pytest.raises(ProviderError) as caught:
        await client.generate(request(question, stripped, results))

    assert "thinking blocks" in str(caught.value)
    assert len(server.rejected) == 1


async def test_rate_limit_honours_retry_after(server, caplog):
    server.push(rate_limit_reply("0.3"), message_reply(text_block("ok")))
    caplog.set_level(logging.INFO, logger="pix2fact")

    started = time.monotonic()
    turn = await make_client(server).generate(request())

    assert turn.text == "ok"
    assert time.monotonic() - started >= 0.3
    retry_lines = [record.getMessage() for record in caplog.records if "retrying" in record.getMessage()]
    assert len(retry_lines) == 1
    assert "task-c" in retry_lines[0]
    assert "HTTP 429" in retry_lines[0]
    assert "rate_limit_error" in retry_lines[0]


async def test_server_errors_then_success(server):
    server.push(
        error_reply(500, "api_error", "Internal server error"),
        error_reply(503, "api_error", "Service unavailable"),
        overloaded_reply(),
        message_reply(text_block("ok")),
    )

    turn = await make_client(server).generate(request())

    assert turn.text == "ok"
    assert len(server.requests) == 4
    assert [r.headers.get("x-stainless-retry-count") for r in server.requests] == ["0"] * 4


async def test_persistent_overload_raises_provider_error(server):
    server.push(*[overloaded_reply() for _ in range(4)])

    with pytest.raises(ProviderError) as caught:
        await make_client(server).generate(request())

    assert len(server.requests) == 4
    assert "gave up after 4 attempt(s)" in str(caught.value)
    assert "HTTP 529" in str(caught.value)
    assert "overloaded_error" in str(caught.value)


async def test_timeout_is_retried(server):
    server.push(Reply(json={}, delay=1.5), message_reply(text_block("late but fine")))

    turn = await make_client(server).generate(request(timeout_s=0.4))

    assert turn.text == "late but fine"
    assert len(server.requests) == 2


async def test_dropped_connection_is_retried(server):
    server.push(Reply(drop=True), message_reply(text_block("ok")))

    turn = await make_client(server).generate(request())

    assert turn.text == "ok"


async def test_context_length_not_retried(server):
    server.push(context_length_reply(), message_reply(text_block("never sent")))

    with pytest.raises(ContextLengthError) as caught:
        await make_client(server).generate(request())

    assert len(server.requests) == 1
    assert "prompt is too long" in str(caught.value)


async def test_request_too_large_is_context_error(server):
    server.push(error_reply(413, "request_too_large", "Request exceeds the maximum allowed number of bytes."))

    with pytest.raises(ContextLengthError):
        await make_client(server).generate(request())


async def test_odd_tool_inputs_kept_raw(server):
    server.push(
        message_reply(
            tool_use("crop", '{"box": [1, 2,', call_id="toolu_str"),
            tool_use("crop", [1, 2], call_id="toolu_list"),
            tool_use("view_image", None, call_id="toolu_none"),
        )
    )

    turn = await make_client(server).generate(request())

    text_input, list_input, no_input = turn.tool_calls
    assert text_input.arguments is None
    assert text_input.raw_arguments == '{"box": [1, 2,'
    assert list_input.arguments is None
    assert list_input.raw_arguments == "[1, 2]"
    assert no_input.arguments == {}


async def test_usage_with_cache_and_thinking(server):
    server.push(
        message_reply(text_block("ok"), input_tokens=100, output_tokens=300, cache_read=1000, cache_creation=50, thinking_tokens=120)
    )

    turn = await make_client(server).generate(request())

    assert turn.usage.input_tokens == 1150
    assert turn.usage.cached_tokens == 1000
    assert turn.usage.output_tokens == 300
    assert turn.usage.reasoning_tokens == 120


async def test_builtin_search_continues_paused_turn(server):
    searches = web_search_blocks("tallest tower 1889")
    server.push(
        message_reply(text_block("Searching."), *searches, stop_reason="pause_turn", input_tokens=50, output_tokens=5),
        message_reply(text_block(" It is 300 m."), input_tokens=80, output_tokens=7),
    )
    search_request = request(reasoning_effort="none")
    search_request.builtin_search = True

    turn = await make_client(server).generate(search_request)

    first, second = (r.json for r in server.requests)
    assert first["tools"][-1] == WEB_SEARCH_TOOL
    assert first["thinking"] == {"type": "disabled"}
    assert second["messages"][-1] == {"role": "assistant", "content": [text_block("Searching."), *searches]}
    assert turn.text == "Searching. It is 300 m."
    assert turn.stop_reason == "end_turn"
    assert turn.usage.input_tokens == 130
    assert turn.usage.output_tokens == 12
    assert [block["type"] for block in turn.provider_state] == ["text", "server_tool_use", "web_search_tool_result", "text"]
    assert [(call.name, call.queries) for call in turn.builtin_tool_calls] == [("web_search", ["tallest tower 1889"])]
    assert [source.url for source in turn.builtin_tool_calls[0].sources] == ["http://127.0.0.1:9/result"]
    assert turn.builtin_tool_calls[0].sources[0].title == "Result"


async def test_failed_web_search_recorded(server):
    failed = {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"}
    server.push(
        message_reply(
            {"type": "server_tool_use", "id": "srvtoolu_x", "name": "web_search", "input": {"query": "one more"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_x", "content": failed},
            text_block("I could not search again."),
        )
    )
    search_request = request()
    search_request.builtin_search = True

    turn = await make_client(server).generate(search_request)

    assert len(turn.builtin_tool_calls) == 1
    call = turn.builtin_tool_calls[0]
    assert (call.id, call.name, call.queries, call.sources) == ("srvtoolu_x", "web_search", ["one more"], [])
    assert call.error == "max_uses_exceeded"
    assert server.rejected == []


async def test_empty_reply_is_retried(server):
    server.push(message_reply(), message_reply(text_block("ok")))

    turn = await make_client(server).generate(request())

    assert turn.text == "ok"
    assert len(server.requests) == 2


async def test_rebuilt_turn_is_valid(server):
    server.push(message_reply(text_block("ok")))
    assistant = AgentTurn(tool_calls=[ToolCall(id="toolu_x", name="crop", raw_arguments="{bad")])
    results = ToolResultsMessage(
        outcomes=[ToolOutcome(call_id="toolu_x", name="crop", result=ToolResult(error="arguments are not valid JSON"))]
    )

    await make_client(server, prompt_cache=False).generate(request(UserMessage(text="Q"), assistant, results))

    messages = server.requests[0].json["messages"]
    assert messages[1]["content"] == [{"type": "tool_use", "id": "toolu_x", "name": "crop", "input": {}}]
    assert "cache_control" not in messages[2]["content"][-1]
    assert server.rejected == []


async def test_key_stays_out_of_logs_and_turns(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.push(
        error_reply(401, "authentication_error", f"invalid x-api-key: {FAKE_KEY}"),
        message_reply(thinking_block("t", "c2ln"), tool_use("crop", {"box": [0, 0, 1, 1]})),
    )
    client = make_client(server)

    with pytest.raises(ProviderError) as caught:
        await client.generate(request())
    turn = await client.generate(request())

    assert FAKE_KEY not in str(caught.value)
    assert "HTTP 401" in str(caught.value)
    assert FAKE_KEY not in turn.model_dump_json()
    assert FAKE_KEY not in repr(turn.provider_state)
    assert all(FAKE_KEY not in record.getMessage() for record in caplog.records)


def test_missing_key_names_variable(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")

    with pytest.raises(ConfigError) as caught:
        AnthropicClient.from_env()

    assert str(caught.value) == "ANTHROPIC_API_KEY is not set; export it, or run offline with --agent baseline"


def test_from_env_reads_base_url(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")

    client = AnthropicClient.from_env()

    assert client.model == AnthropicClient.default_model
    assert client.base_url.startswith("http://127.0.0.1:9")
    assert client.sdk.max_retries == 0


def test_image_limits_match_the_vision_guide():
    assert AnthropicClient.image_limits.max_side == MAX_IMAGE_SIDE == 1568
    # The API limits each image to 5 MB of base64, which 3/4 of the bytes fill.
    assert MAX_IMAGE_BYTES * 4 / 3 <= 5 * 1024 * 1024
    assert AnthropicClient.max_images_per_request == MAX_IMAGES_PER_REQUEST == 100

