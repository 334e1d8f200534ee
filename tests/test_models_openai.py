"""The OpenAI Chat Completions client, driven through the real openai SDK against a local fake."""

from __future__ import annotations

import base64
import io
import logging
import time

import openai
import pytest
import pytest_asyncio
from fakes.base import FakeServer, Reply
from fakes.openai_server import (
    chat_reply,
    context_length_reply,
    error_reply,
    image_urls,
    message_item,
    responses_reply,
    tool_call,
    web_search_item,
    wire_messages,
)
from PIL import Image

from pix2fact.agent import AgentTurn, ToolCall, ToolOutcome
from pix2fact.errors import ConfigError, ContextLengthError, ProviderError
from pix2fact.models.base import (
    GenerationSettings,
    ModelRequest,
    ToolResultsMessage,
    UserMessage,
    prune_images,
)
from pix2fact.models.limits import ProviderLimiter
from pix2fact.models.openai_chat import OpenAIChatClient, OpenAICompatibleClient
from pix2fact.models.openai_responses import OpenAIResponsesClient
from pix2fact.models.retry import RetryPolicy
from pix2fact.tools.base import ImageBlob, ToolResult, ToolSpec

FAKE_KEY = "sk-test-PIX2FACT-CANARY-7f3a9c2e51"
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
    with FakeServer() as fake:
        yield fake


_open_clients: list[OpenAIChatClient] = []


@pytest_asyncio.fixture(autouse=True, loop_scope="function")
async def close_clients():
    """Close every client a test made, so no connection outlives the test's event loop."""
    yield
    while _open_clients:
        await _open_clients.pop().aclose()


def make_client(server: FakeServer, cls=OpenAIChatClient, model: str = "gpt-test", **options) -> OpenAIChatClient:
    sdk = openai.AsyncOpenAI(api_key=FAKE_KEY, base_url=server.url + "/v1", max_retries=0)
    options.setdefault("retry_policy", FAST_RETRIES)
    options.setdefault("limiter", ProviderLimiter("test", max_concurrency=4))
    client = cls(sdk, model, **options)
    _open_clients.append(client)
    return client


def request(*messages, tools=(CROP,), **settings) -> ModelRequest:
    return ModelRequest(
        system="You are testing.",
        messages=list(messages) or [UserMessage(text="What is shown?")],
        tools=list(tools),
        settings=GenerationSettings(**{"timeout_s": 5.0, **settings}),
        task_id="task-7",
    )


async def test_first_request_wire_format(server):
    overview = make_image("red", label="overview")
    server.push(chat_reply(tool_calls=[tool_call("crop", {"box": [1, 2, 30, 40]}, call_id="call_a")]))
    client = make_client(server)

    turn = await client.generate(
        request(UserMessage(text="Question?", images=[overview]), max_output_tokens=900, reasoning_effort="low")
    )

    body = server.requests[0].json
    assert server.requests[0].path == "/v1/chat/completions"
    assert server.requests[0].headers["authorization"] == f"Bearer {FAKE_KEY}"
    assert body["model"] == "gpt-test"
    assert body["max_completion_tokens"] == 900
    assert body["reasoning_effort"] == "low"
    assert "temperature" not in body
    assert body["tools"] == [
        {"type": "function", "function": {"name": "crop", "description": CROP.description, "parameters": CROP.parameters}}
    ]
    assert body["messages"][0] == {"role": "system", "content": "You are testing."}
    user = body["messages"][1]
    assert user["role"] == "user"
    assert user["content"][0] == {"type": "text", "text": "Question?"}
    assert user["content"][1] == {"type": "text", "text": "[image: overview, 64x48 px]"}
    assert user["content"][2]["image_url"]["detail"] == "high"
    assert image_urls(user) == ["data:image/jpeg;base64," + base64.b64encode(overview.data).decode()]
    assert turn.tool_calls == [ToolCall(id="call_a", name="crop", arguments={"box": [1, 2, 30, 40]})]
    assert turn.stop_reason == "tool_calls"
    assert turn.model == "gpt-fake"


async def test_parallel_calls_keep_order(server):
    calls = [tool_call("crop", {"box": [i, i, 9, 9]}, call_id=f"call_{i}") for i in range(3)]
    server.push(chat_reply(tool_calls=calls))

    turn = await make_client(server).generate(request())

    assert [call.id for call in turn.tool_calls] == ["call_0", "call_1", "call_2"]
    assert [call.arguments["box"][0] for call in turn.tool_calls] == [0, 1, 2]


async def test_tool_images_follow_tool_messages(server):
    crop_a = make_image("blue", label="crop a")
    crop_b = make_image("green", label="crop b")
    assistant = AgentTurn(
        text="Looking closer.",
        tool_calls=[
            ToolCall(id="call_a", name="crop", arguments={"box": [0, 0, 5, 5]}),
            ToolCall(id="call_b", name="crop", arguments={"box": [5, 5, 9, 9]}),
            ToolCall(id="call_c", name="web_search", raw_arguments="{bad json"),
        ],
    )
    results = ToolResultsMessage(
        outcomes=[
            ToolOutcome(call_id="call_a", name="crop", result=ToolResult(text="Crop a.", images=[crop_a])),
            ToolOutcome(call_id="call_b", name="crop", result=ToolResult(images=[crop_b])),
            ToolOutcome(call_id="call_c", name="web_search", result=ToolResult(error="arguments are not valid JSON")),
        ]
    )
    server.push(chat_reply("done"))

    await make_client(server).generate(request(UserMessage(text="Q"), assistant, results))

    messages = wire_messages(server.requests[0])
    assert messages[2]["role"] == "assistant"
    assert messages[2]["content"] == "Looking closer."
    assert [call["id"] for call in messages[2]["tool_calls"]] == ["call_a", "call_b", "call_c"]
    assert messages[2]["tool_calls"][2]["function"]["arguments"] == "{bad json"
    assert messages[3] == {"role": "tool", "tool_call_id": "call_a", "content": "Crop a."}
    assert messages[4] == {"role": "tool", "tool_call_id": "call_b", "content": "1 image(s) attached."}
    assert messages[5] == {"role": "tool", "tool_call_id": "call_c", "content": "Error: arguments are not valid JSON"}
    follow_up = messages[6]
    assert follow_up["role"] == "user"
    assert follow_up["content"][0]["text"] == "Images returned by tool call call_a (crop):"
    assert follow_up["content"][3]["text"] == "Images returned by tool call call_b (crop):"
    decoded = [base64.b64decode(url.split(",", 1)[1]) for url in image_urls(follow_up)]
    assert decoded == [crop_a.data, crop_b.data]
    assert len(messages) == 7


async def test_rate_limit_honours_retry_after(server, caplog):
    server.push(
        error_reply(429, "Rate limit reached", error_type="requests", headers={"Retry-After": "0.3"}),
        chat_reply("ok"),
    )
    caplog.set_level(logging.INFO, logger="pix2fact")

    started = time.monotonic()
    turn = await make_client(server).generate(request())
    elapsed = time.monotonic() - started

    assert turn.text == "ok"
    assert len(server.requests) == 2
    assert elapsed >= 0.3
    retry_records = [record for record in caplog.records if record.name == "pix2fact.models.retry"]
    assert len(retry_records) == 1
    assert retry_records[0].levelno == logging.INFO
    assert "task-7" in retry_records[0].getMessage()
    assert "HTTP 429" in retry_records[0].getMessage()


async def test_server_errors_then_success(server):
    server.push(error_reply(500, "internal error"), error_reply(503, "overloaded"), chat_reply("ok"))

    turn = await make_client(server).generate(request())

    assert turn.text == "ok"
    assert len(server.requests) == 3
    # The SDK's own retries are off: each attempt is a first try for the SDK.
    assert [r.headers.get("x-stainless-retry-count") for r in server.requests] == ["0", "0", "0"]


async def test_timeout_is_retried(server):
    server.push(Reply(json={}, delay=1.5), chat_reply("late but fine"))

    turn = await make_client(server).generate(request(timeout_s=0.4))

    assert turn.text == "late but fine"
    assert len(server.requests) == 2


async def test_dropped_connection_is_retried(server):
    server.push(Reply(drop=True), chat_reply("ok"))

    turn = await make_client(server).generate(request())

    assert turn.text == "ok"


async def test_persistent_fault_raises_provider_error(server):
    server.push(*[error_reply(502, "bad gateway") for _ in range(4)])

    with pytest.raises(ProviderError) as caught:
        await make_client(server).generate(request())

    assert len(server.requests) == 4
    assert "gave up after 4 attempt(s)" in str(caught.value)
    assert "HTTP 502" in str(caught.value)


async def test_context_length_not_retried(server):
    server.push(context_length_reply(), chat_reply("never sent"))

    with pytest.raises(ContextLengthError) as caught:
        await make_client(server).generate(request())

    assert len(server.requests) == 1
    assert "maximum context length" in str(caught.value)


async def test_vllm_context_message_recognised(server):
    server.push(
        error_reply(
            400,
            "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens.",
            error_type="BadRequestError",
        )
    )

    with pytest.raises(ContextLengthError):
        await make_client(server, OpenAICompatibleClient, model="qwen").generate(request())


async def test_bad_request_fails_at_once(server):
    server.push(error_reply(400, "Invalid value for 'tools'", error_type="invalid_request_error"))

    with pytest.raises(ProviderError) as caught:
        await make_client(server).generate(request())

    assert len(server.requests) == 1
    assert "rejected" in str(caught.value)


async def test_key_echo_is_redacted(server, caplog):
    server.push(error_reply(401, f"Incorrect API key provided: {FAKE_KEY}.", error_type="invalid_request_error"))
    caplog.set_level(logging.DEBUG)

    with pytest.raises(ProviderError) as caught:
        await make_client(server).generate(request())

    assert FAKE_KEY not in str(caught.value)
    assert "HTTP 401" in str(caught.value)
    assert caught.value.__cause__ is None
    assert all(FAKE_KEY not in record.getMessage() for record in caplog.records)


async def test_malformed_arguments_kept_raw(server):
    server.push(
        chat_reply(
            tool_calls=[
                tool_call("crop", '{"box": [1, 2,', call_id="call_bad"),
                tool_call("crop", "[1, 2]", call_id="call_list"),
                tool_call("crop", "", call_id="call_empty"),
            ]
        )
    )

    turn = await make_client(server).generate(request())

    bad, listed, empty = turn.tool_calls
    assert bad.arguments is None
    assert bad.raw_arguments == '{"box": [1, 2,'
    assert listed.arguments is None
    assert listed.raw_arguments == "[1, 2]"
    assert empty.arguments == {}


async def test_usage_with_cached_and_reasoning(server):
    server.push(chat_reply("ok", prompt_tokens=1200, completion_tokens=300, cached_tokens=1024, reasoning_tokens=256))

    turn = await make_client(server).generate(request())

    assert turn.usage.input_tokens == 1200
    assert turn.usage.output_tokens == 300
    assert turn.usage.cached_tokens == 1024
    assert turn.usage.reasoning_tokens == 256


async def test_usage_without_details(server):
    server.push(chat_reply("ok", prompt_tokens=10, completion_tokens=2))

    turn = await make_client(server).generate(request())

    assert turn.usage.cached_tokens == 0
    assert turn.usage.reasoning_tokens == 0


async def test_citations_recorded_as_search(server):
    cited = [("http://127.0.0.1:9/a", "Shop history"), ("http://127.0.0.1:9/b", ""), ("http://127.0.0.1:9/a", "Shop history")]
    server.push(chat_reply("Founded in 1921.", citations=cited), chat_reply("No search."))
    client = make_client(server, OpenAICompatibleClient, model="qwen2.5-vl")

    searched = await client.generate(request())
    plain = await client.generate(request())

    assert len(searched.builtin_tool_calls) == 1
    call = searched.builtin_tool_calls[0]
    assert call.name == "web_search"
    assert call.queries == []
    assert [(source.url, source.title) for source in call.sources] == [("http://127.0.0.1:9/a", "Shop history"), ("http://127.0.0.1:9/b", "")]
    assert plain.builtin_tool_calls == []


async def test_responses_page_actions_recorded(server):
    server.push(
        responses_reply(
            [
                web_search_item("shop founded", ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]),
                web_search_item("", action={"type": "open_page", "url": "http://127.0.0.1:9/a"}),
                web_search_item("", action={"type": "find_in_page", "pattern": "1921", "url": "http://127.0.0.1:9/a"}),
                web_search_item("second query", status="failed"),
                message_item("It was 1921."),
            ]
        )
    )
    search_request = request()
    search_request.builtin_search = True

    turn = await make_client(server, OpenAIResponsesClient).generate(search_request)

    search, opened, found, failed = turn.builtin_tool_calls
    assert (search.name, search.queries, search.error) == ("web_search", ["shop founded"], None)
    assert [source.url for source in search.sources] == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]
    assert (opened.name, opened.queries, [source.url for source in opened.sources]) == ("open_page", [], ["http://127.0.0.1:9/a"])
    assert (found.name, found.queries, [source.url for source in found.sources]) == ("find_in_page", ["1921"], ["http://127.0.0.1:9/a"])
    assert (failed.name, failed.error) == ("web_search", "web search failed")
    assert search.id.startswith("ws_")
    assert turn.text == "It was 1921."
    assert server.requests[0].json["include"] == ["reasoning.encrypted_content", "web_search_call.action.sources"]


async def test_compatible_server_request(server):
    server.push(chat_reply("ok"), chat_reply("ok"))
    client = make_client(server, OpenAICompatibleClient, model="qwen2.5-vl")

    await client.generate(request(UserMessage(text="Q", images=[make_image("red")]), max_output_tokens=64))
    search_request = request(max_output_tokens=64)
    search_request.builtin_search = True
    await client.generate(search_request)

    plain, online = (r.json for r in server.requests)
    assert plain["model"] == "qwen2.5-vl"
    assert plain["max_tokens"] == 64
    assert "max_completion_tokens" not in plain
    assert "detail" not in plain["messages"][1]["content"][2]["image_url"]
    assert online["model"] == "qwen2.5-vl:online"


def test_missing_key_names_variable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    with pytest.raises(ConfigError) as caught:
        OpenAIChatClient.from_env("gpt-test")

    assert str(caught.value) == "OPENAI_API_KEY is not set; export it, or run offline with --agent baseline"


def test_compatible_needs_url_not_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)

    with pytest.raises(ConfigError) as caught:
        OpenAICompatibleClient.from_env("qwen")
    assert "OPENAI_BASE_URL" in str(caught.value)

    with pytest.raises(ConfigError) as caught:
        OpenAICompatibleClient.from_env(None, base_url="http://127.0.0.1:9/v1")
    assert "--model" in str(caught.value)

    client = OpenAICompatibleClient.from_env("qwen", base_url="http://127.0.0.1:9/v1")
    assert client.model == "qwen"
    assert str(client.sdk.base_url).startswith("http://127.0.0.1:9/v1")


def test_from_env_reads_base_url(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")

    client = OpenAIChatClient.from_env()

    assert client.model == OpenAIChatClient.default_model
    assert str(client.sdk.base_url).startswith("http://127.0.0.1:9/v1")
    assert client.sdk.max_retries == 0


def test_prune_keeps_newest_images():
    images = [make_image(color, label=f"img {i}") for i, color in enumerate(["red", "green", "blue"])]
    first = UserMessage(text="Q", images=[images[0]])
    results = ToolResultsMessage(
        outcomes=[ToolOutcome(call_id="c1", name="crop", result=ToolResult(text="two", images=images[1:]))]
    )

    pruned = prune_images([first, AgentTurn(), results], keep=1)

    assert pruned[0].images == []
    assert pruned[0].text == "Q\n[image: img 0, 64x48 px] removed from the history to save context"
    assert pruned[2].outcomes[0].result.images == [images[2]]
    assert "img 1" in pruned[2].outcomes[0].result.text
    assert first.images == [images[0]]
    assert results.outcomes[0].result.images == images[1:]
