"""The Gemini client, driven through the real google-genai SDK against a local fake."""

from __future__ import annotations

import io
import logging
import time

import pytest
from fakes.base import Reply
from fakes.gemini_server import (
    GeminiServer,
    context_length_reply,
    error_reply,
    field,
    function_call,
    gemini_reply,
    gemini_response,
    grounding_metadata,
    inline_images,
    rate_limit_reply,
    text_part,
)
from PIL import Image

from pix2fact.agent import AgentTurn, ToolCall, ToolOutcome
from pix2fact.errors import ConfigError, ContextLengthError, ProviderError
from pix2fact.models.base import GenerationSettings, ModelRequest, ToolResultsMessage, UserMessage
from pix2fact.models.gemini import MAX_IMAGE_BYTES, GeminiClient
from pix2fact.models.gemini_wire import MALFORMED_ID_PREFIX, SYNTHETIC_ID_PREFIX
from pix2fact.models.limits import ProviderLimiter
from pix2fact.models.retry import RetryPolicy
from pix2fact.tools.base import ImageBlob, ToolResult, ToolSpec

FAKE_KEY = "gm-test-PIX2FACT-CANARY-51c0ffee9d"
FAST_RETRIES = RetryPolicy(max_attempts=4, max_total_s=10, initial_wait_s=0.01, max_wait_s=0.05)
GEMINI_3 = "gemini-3-flash-preview"
GEMINI_2 = "gemini-2.5-flash"
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
    with GeminiServer() as fake:
        yield fake


@pytest.fixture(autouse=True)
def gemini_env(monkeypatch):
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_GENAI_USE_VERTEXAI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)


def make_client(server: GeminiServer, model: str = GEMINI_3, **options) -> GeminiClient:
    options.setdefault("retry_policy", FAST_RETRIES)
    options.setdefault("limiter", ProviderLimiter("test", max_concurrency=4))
    return GeminiClient.from_env(model, base_url=server.url, **options)


def request(*messages, tools=(CROP,), **settings) -> ModelRequest:
    return ModelRequest(
        system="You are testing.",
        messages=list(messages) or [UserMessage(text="What is shown?")],
        tools=list(tools),
        settings=GenerationSettings(**{"timeout_s": 5.0, **settings}),
        task_id="task-g",
    )


async def test_first_request_wire_format(server):
    overview = make_image("red", label="overview")
    server.push(gemini_reply(function_call("crop", {"box": [1, 2, 30, 40]}, call_id="fc-1", signature="c2lnLWE=")))
    client = make_client(server)

    turn = await client.generate(
        request(UserMessage(text="Question?", images=[overview]), max_output_tokens=900, temperature=0.3, reasoning_effort="low")
    )

    sent = server.requests[0]
    body = sent.json
    assert sent.path == f"/v1/models/{GEMINI_3}:generateContent"
    assert sent.headers["x-goog-api-key"] == FAKE_KEY
    assert body["systemInstruction"]["parts"] == [{"text": "You are testing."}]
    declarations = field(body["tools"][0], "functionDeclarations")
    assert [d["name"] for d in declarations] == ["crop"]
    assert field(declarations[0], "parametersJsonSchema") == CROP.parameters
    config = body["generationConfig"]
    assert config["maxOutputTokens"] == 900
    assert config["temperature"] == 0.3
    assert field(config["thinkingConfig"], "thinkingLevel") == "LOW"
    user = body["contents"][0]
    assert user["role"] == "user"
    assert user["parts"][0] == {"text": "Question?"}
    assert user["parts"][1] == {"text": "[image: overview, 64x48 px]"}
    assert inline_images(user) == [("image/jpeg", overview.data)]
    assert turn.tool_calls == [ToolCall(id="fc-1", name="crop", arguments={"box": [1, 2, 30, 40]})]
    assert turn.stop_reason == "STOP"
    assert turn.model == "gemini-fake-001"
    assert server.rejected == []


async def test_parallel_calls_echo_signatures(server):
    crop_a = make_image("blue", label="crop a")
    crop_b = make_image("green", label="crop b")
    server.push(
        gemini_reply(
            text_part("thinking about it", thought=True),
            text_part("Looking closer."),
            function_call("crop", {"box": [0, 0, 5, 5]}, call_id="fc-a", signature="c2lnLWZpcnN0"),
            function_call("crop", {"box": [5, 5, 9, 9]}, call_id="fc-b"),
            function_call("view_image", {}, call_id="fc-c"),
        ),
        gemini_reply(text_part("done")),
    )
    client = make_client(server)
    question = UserMessage(text="Q")

    turn = await client.generate(request(question))
    results = ToolResultsMessage(
        outcomes=[
            ToolOutcome(call_id="fc-a", name="crop", result=ToolResult(text="Crop a.", images=[crop_a])),
            ToolOutcome(call_id="fc-b", name="crop", result=ToolResult(images=[crop_b])),
            ToolOutcome(call_id="fc-c", name="view_image", result=ToolResult(error="box outside the image")),
        ]
    )
    final = await client.generate(request(question, turn, results))

    assert [call.id for call in turn.tool_calls] == ["fc-a", "fc-b", "fc-c"]
    assert turn.text == "Looking closer."
    assert final.text == "done"
    assert server.rejected == []
    second = server.requests[1]
    model_content, result_content = second.json["contents"][1:]
    assert model_content["role"] == "model"
    assert server.signatures_seen(second) == ["c2lnLWZpcnN0"]
    assert model_content["parts"][0]["thought"] is True
    responses = [field(part, "functionResponse") for part in result_content["parts"]]
    assert [r["id"] for r in responses] == ["fc-a", "fc-b", "fc-c"]
    assert responses[0]["response"] == {"output": "Crop a.\n[image: crop a, 64x48 px]"}
    assert responses[1]["response"] == {"output": "1 image(s) attached.\n[image: crop b, 64x48 px]"}
    assert responses[2]["response"] == {"error": "Error: box outside the image"}
    # Gemini 3 takes the images inside the function responses that produced them.
    assert len(result_content["parts"]) == 3
    assert inline_images({"parts": [result_content["parts"][0]]}) == [("image/jpeg", crop_a.data)]
    assert inline_images({"parts": [result_content["parts"][1]]}) == [("image/jpeg", crop_b.data)]


async def test_older_models_get_images_after_responses(server):
    crop = make_image("blue", label="crop")
    server.push(gemini_reply(text_part("ok")))
    assistant = AgentTurn(tool_calls=[ToolCall(id="fc-1", name="crop", arguments={"box": [0, 0, 5, 5]})])
    results = ToolResultsMessage(outcomes=[ToolOutcome(call_id="fc-1", name="crop", result=ToolResult(images=[crop]))])

    await make_client(server, GEMINI_2).generate(request(UserMessage(text="Q"), assistant, results, reasoning_effort="medium"))

    body = server.requests[0].json
    parts = body["contents"][2]["parts"]
    assert field(parts[0], "functionResponse")["name"] == "crop"
    assert field(parts[0], "functionResponse").get("parts") is None
    assert parts[1] == {"text": "Images returned by function call fc-1 (crop):"}
    assert parts[2] == {"text": "[image: crop, 64x48 px]"}
    assert inline_images(body["contents"][2]) == [("image/jpeg", crop.data)]
    assert field(body["generationConfig"]["thinkingConfig"], "thinkingBudget") == 8192
    assert server.rejected == []


async def test_dropped_signature_is_rejected(server):
    # A turn rebuilt without provider_state loses its thought signature, which Gemini 3 refuses.
    server.push(gemini_reply(function_call("crop", {"box": [0, 0, 1, 1]}, call_id="fc-1", signature="c2ln")))
    client = make_client(server)
    question = UserMessage(text="Q")
    turn = await client.generate(request(question))
    results = ToolResultsMessage(outcomes=[ToolOutcome(call_id="fc-1", name="crop", result=ToolResult(text="x"))])
    stripped = turn.model_copy(update={"provider_state": None})

    with pytest.raises(ProviderError) as caught:
        await client.generate(request(question, stripped, results))

    assert "thought_signature" in str(caught.value)
    assert len(server.rejected) == 1


async def test_calls_without_ids(server):
    server.push(
        gemini_reply(function_call("crop", {"box": [0, 0, 1, 1]}), function_call("view_image")),
        gemini_reply(text_part("ok")),
    )
    client = make_client(server)
    question = UserMessage(text="Q")

    turn = await client.generate(request(question))
    results = ToolResultsMessage(
        outcomes=[ToolOutcome(call_id=call.id, name=call.name, result=ToolResult(text="r")) for call in turn.tool_calls]
    )
    await client.generate(request(question, turn, results))

    first, second = turn.tool_calls
    assert first.id.startswith(SYNTHETIC_ID_PREFIX)
    assert first.id != second.id
    assert second.arguments == {}
    responses = [field(part, "functionResponse") for part in server.requests[1].json["contents"][2]["parts"]]
    assert [r["name"] for r in responses] == ["crop", "view_image"]
    assert all("id" not in r for r in responses)


async def test_rate_limit_honours_retry_after(server, caplog):
    server.push(rate_limit_reply(headers={"Retry-After": "0.3"}), gemini_reply(text_part("ok")))
    caplog.set_level(logging.INFO, logger="pix2fact")

    started = time.monotonic()
    turn = await make_client(server).generate(request())

    assert turn.text == "ok"
    assert time.monotonic() - started >= 0.3
    retry_lines = [record.getMessage() for record in caplog.records if "retrying" in record.getMessage()]
    assert len(retry_lines) == 1
    assert "task-g" in retry_lines[0]
    assert "HTTP 429" in retry_lines[0]


async def test_rate_limit_honours_retry_info(server):
    server.push(rate_limit_reply(retry_delay="0.4s"), gemini_reply(text_part("ok")))

    started = time.monotonic()
    turn = await make_client(server).generate(request())

    assert turn.text == "ok"
    assert time.monotonic() - started >= 0.4
    assert len(server.requests) == 2


async def test_server_errors_then_success(server):
    server.push(
        error_reply(500, "INTERNAL", "An internal error has occurred."),
        error_reply(503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
        gemini_reply(text_part("ok")),
    )

    turn = await make_client(server).generate(request())

    assert turn.text == "ok"
    assert len(server.requests) == 3


async def test_timeout_is_retried(server):
    server.push(Reply(json={}, delay=1.5), gemini_reply(text_part("late but fine")))

    turn = await make_client(server).generate(request(timeout_s=0.4))

    assert turn.text == "late but fine"
    assert len(server.requests) == 2


async def test_dropped_connection_is_retried(server):
    server.push(Reply(drop=True), gemini_reply(text_part("ok")))

    turn = await make_client(server).generate(request())

    assert turn.text == "ok"


async def test_persistent_fault_raises_provider_error(server):
    server.push(*[error_reply(503, "UNAVAILABLE", "overloaded") for _ in range(4)])

    with pytest.raises(ProviderError) as caught:
        await make_client(server).generate(request())

    assert len(server.requests) == 4
    assert "gave up after 4 attempt(s)" in str(caught.value)
    assert "HTTP 503" in str(caught.value)


async def test_context_length_not_retried(server):
    server.push(context_length_reply(), gemini_reply(text_part("never sent")))

    with pytest.raises(ContextLengthError) as caught:
        await make_client(server).generate(request())

    assert len(server.requests) == 1
    assert "exceeds the maximum number of tokens" in str(caught.value)


async def test_malformed_function_call_becomes_tool_error(server):
    message = "Malformed function call: print(default_api.crop(box=[1, 2,"
    server.push(
        Reply(json=gemini_response(None, finish_reason="MALFORMED_FUNCTION_CALL", finish_message=message, prompt_tokens=40)),
        gemini_reply(text_part("ok")),
    )
    client = make_client(server)
    question = UserMessage(text="Q")

    turn = await client.generate(request(question))
    call = turn.tool_calls[0]
    results = ToolResultsMessage(
        outcomes=[ToolOutcome(call_id=call.id, name=call.name, result=ToolResult(error="arguments are not valid JSON"))]
    )
    await client.generate(request(question, turn, results))

    assert call.id.startswith(MALFORMED_ID_PREFIX)
    assert call.name == "malformed_function_call"
    assert call.arguments is None
    assert call.raw_arguments.startswith("MALFORMED_FUNCTION_CALL: ")
    assert turn.stop_reason == "MALFORMED_FUNCTION_CALL"
    assert turn.usage.input_tokens == 40
    history = server.requests[1].json["contents"]
    assert history[1]["parts"][0]["text"].startswith("(function call not parsed: MALFORMED_FUNCTION_CALL")
    assert history[2]["parts"][0]["text"] == "Your last function call failed: Error: arguments are not valid JSON"
    assert server.rejected == []


async def test_unparseable_args_are_retried(server):
    server.push(
        gemini_reply(function_call("crop", "{\"box\": [1,")),
        gemini_reply(function_call("crop", {"box": [1, 2, 3, 4], "extra": {"nested": [None, True]}}, call_id="fc-2")),
    )

    turn = await make_client(server).generate(request())

    assert len(server.requests) == 2
    assert turn.tool_calls[0].arguments == {"box": [1, 2, 3, 4], "extra": {"nested": [None, True]}}


async def test_empty_reply_is_retried(server):
    server.push(gemini_reply(), gemini_reply(text_part("ok")))

    turn = await make_client(server).generate(request())

    assert turn.text == "ok"
    assert len(server.requests) == 2


async def test_blocked_prompt_ends_turn(server):
    server.push(Reply(json={"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 12}}))

    turn = await make_client(server).generate(request())

    assert turn.text == ""
    assert turn.tool_calls == []
    assert turn.stop_reason == "blocked: SAFETY"
    assert turn.usage.input_tokens == 12


async def test_usage_with_thoughts_and_cache(server):
    server.push(gemini_reply(text_part("ok"), prompt_tokens=1200, candidates_tokens=300, thoughts_tokens=256, cached_tokens=1024))

    turn = await make_client(server).generate(request())

    assert turn.usage.input_tokens == 1200
    assert turn.usage.output_tokens == 556
    assert turn.usage.reasoning_tokens == 256
    assert turn.usage.cached_tokens == 1024


async def test_builtin_search_adds_grounding(server):
    pages = [("http://127.0.0.1:9/a", "a.example"), ("http://127.0.0.1:9/b", "b.example")]
    server.push(gemini_reply(text_part("ok"), grounding=grounding_metadata(["shop founded", "shop 1921"], pages)), gemini_reply(text_part("ok")))
    search_request = request()
    search_request.builtin_search = True
    client = make_client(server)

    grounded = await client.generate(search_request)
    plain = await client.generate(search_request)

    tools = server.requests[0].json["tools"]
    assert {"googleSearch": {}} in tools or {"google_search": {}} in tools
    assert any(field(tool, "functionDeclarations") for tool in tools)
    assert len(grounded.builtin_tool_calls) == 1
    call = grounded.builtin_tool_calls[0]
    assert (call.name, call.queries) == ("web_search", ["shop founded", "shop 1921"])
    assert [(source.url, source.title) for source in call.sources] == pages
    assert plain.builtin_tool_calls == []


async def test_key_stays_out_of_logs_and_turns(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.push(
        error_reply(400, "INVALID_ARGUMENT", f"API key not valid: {FAKE_KEY}. Please pass a valid API key."),
        gemini_reply(function_call("crop", {"box": [0, 0, 1, 1]}, call_id="fc-1")),
    )
    client = make_client(server)

    with pytest.raises(ProviderError) as caught:
        await client.generate(request())
    turn = await client.generate(request())

    assert server.requests[0].headers["x-goog-api-key"] == FAKE_KEY
    assert FAKE_KEY not in str(caught.value)
    assert "rejected" in str(caught.value)
    assert FAKE_KEY not in turn.model_dump_json()
    assert FAKE_KEY not in repr(turn.provider_state)
    assert all(FAKE_KEY not in record.getMessage() for record in caplog.records)


def test_missing_key_names_variables(monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY")

    with pytest.raises(ConfigError) as caught:
        GeminiClient.from_env()

    assert str(caught.value) == "GEMINI_API_KEY or GOOGLE_API_KEY is not set; export it, or run offline with --agent baseline"


def test_from_env_reads_base_url_and_google_key(monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY")
    monkeypatch.setenv("GOOGLE_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")

    client = GeminiClient.from_env()

    assert client.model == GeminiClient.default_model
    assert client.base_url == "http://127.0.0.1:9"
    assert client.sdk.vertexai is False
    assert client.tool_images == "function_response"


def test_image_limits_fit_the_inline_limit():
    assert GeminiClient.image_limits.max_bytes == MAX_IMAGE_BYTES
    assert MAX_IMAGE_BYTES <= 7_000_000

