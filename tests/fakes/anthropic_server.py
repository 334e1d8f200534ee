"""A fake Anthropic Messages API that the real anthropic SDK talks to.

    with AnthropicServer([message_reply(tool_use("crop", {"box": [0, 0, 9, 9]}))]) as server:
        sdk = anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, max_retries=0)

Replies follow the Messages API reference: a `message` object whose `content` holds `text`,
`tool_use`, `thinking` (with `signature`), `redacted_thinking`, `server_tool_use` and
`web_search_tool_result` blocks, a `stop_reason`, and `usage` with `input_tokens`,
`output_tokens`, `cache_read_input_tokens` and `cache_creation_input_tokens`. Errors carry
`{"type": "error", "error": {"type", "message"}, "request_id"}`.

Like the real service, the server checks each request before replying and replies HTTP 400
`invalid_request_error`, without using up the script, when:

- the path is not `/v1/messages`, the key or the `anthropic-version` header is missing, or
  `model`, `max_tokens` or `messages` is missing;
- a client tool has an invalid name or no object `input_schema`;
- a text block is empty, or more than 4 blocks carry `cache_control`;
- an assistant message's `tool_use` ids have no matching `tool_result` blocks at the start
  of the next message;
- an image is not base64 of a JPEG, PNG, GIF or WebP, its base64 exceeds 5 MB, or the request
  holds more than 100 images;
- a thinking block the server issued earlier in the same conversation (the same first user
  message) does not come back unchanged, signature included.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import threading
from typing import Any

from fakes.base import FakeServer, RecordedRequest, Reply

MAX_IMAGE_BASE64_BYTES = 5 * 1024 * 1024
MAX_IMAGES = 100
MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_ids = itertools.count(1)


def text_block(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def tool_use(name: str, arguments: Any = None, call_id: str | None = None) -> dict[str, Any]:
    """Return a `tool_use` block; `arguments=None` leaves `input` out."""
    block: dict[str, Any] = {"type": "tool_use", "id": call_id or f"toolu_{next(_ids):04d}", "name": name}
    if arguments is not None:
        block["input"] = arguments
    return block


def thinking_block(thinking: str, signature: str) -> dict[str, Any]:
    return {"type": "thinking", "thinking": thinking, "signature": signature}


def redacted_thinking_block(data: str) -> dict[str, Any]:
    return {"type": "redacted_thinking", "data": data}


def web_search_blocks(query: str, url: str = "http://127.0.0.1:9/result") -> list[dict[str, Any]]:
    """Return a `server_tool_use` block and its `web_search_tool_result`."""
    call_id = f"srvtoolu_{next(_ids):04d}"
    return [
        {"type": "server_tool_use", "id": call_id, "name": "web_search", "input": {"query": query}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": call_id,
            "content": [{"type": "web_search_result", "url": url, "title": "Result", "encrypted_content": "ZW5j", "page_age": None}],
        },
    ]


def message(
    *blocks: dict[str, Any],
    stop_reason: str | None = None,
    model: str = "claude-fake-1",
    input_tokens: int = 100,
    output_tokens: int = 20,
    cache_read: int | None = None,
    cache_creation: int | None = None,
    thinking_tokens: int | None = None,
) -> dict[str, Any]:
    """Return a `message` object; the stop reason defaults from the blocks."""
    if stop_reason is None:
        stop_reason = "tool_use" if any(block["type"] == "tool_use" for block in blocks) else "end_turn"
    usage: dict[str, Any] = {"input_tokens": input_tokens, "output_tokens": output_tokens}
    if cache_read is not None:
        usage["cache_read_input_tokens"] = cache_read
    if cache_creation is not None:
        usage["cache_creation_input_tokens"] = cache_creation
    if thinking_tokens is not None:
        usage["output_tokens_details"] = {"thinking_tokens": thinking_tokens}
    return {
        "id": f"msg_{next(_ids):04d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": list(blocks),
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def message_reply(*blocks: dict[str, Any], **options: Any) -> Reply:
    """Return a 200 reply carrying a `message` of `blocks`."""
    return Reply(json=message(*blocks, **options), headers={"request-id": "req_fake"})


def error_reply(status: int, error_type: str, text: str, *, headers: dict[str, str] | None = None) -> Reply:
    """Return an error reply with Anthropic's error body."""
    body = {"type": "error", "error": {"type": error_type, "message": text}, "request_id": "req_fake"}
    return Reply(status=status, json=body, headers={"request-id": "req_fake", **(headers or {})})


def rate_limit_reply(retry_after: str = "0.3") -> Reply:
    return error_reply(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", headers={"retry-after": retry_after})


def overloaded_reply() -> Reply:
    return error_reply(529, "overloaded_error", "Overloaded")


def context_length_reply() -> Reply:
    return error_reply(400, "invalid_request_error", "prompt is too long: 212345 tokens > 200000 maximum")


class AnthropicServer(FakeServer):
    """`FakeServer` that checks requests the way the Messages API does before replying."""

    def __init__(self, script=(), handler=None) -> None:
        super().__init__(script, handler)
        self.rejected: list[tuple[RecordedRequest, str]] = []
        self._issued: dict[str, list[dict[str, Any]]] = {}
        self._issued_lock = threading.Lock()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        problem = self.check(request)
        if problem is not None:
            with self._lock:
                self.requests.append(request)
                self.rejected.append((request, problem))
            return error_reply(400, "invalid_request_error", problem)

        reply = super()._next_reply(request)
        if reply.status == 200 and isinstance(reply.json, dict):
            thinking = [block for block in reply.json.get("content", []) if "thinking" in block.get("type", "")]
            with self._issued_lock:
                self._issued.setdefault(_conversation_key(request.json["messages"]), []).extend(thinking)
        return reply

    def check(self, request: RecordedRequest) -> str | None:
        """Return why the real API would reject `request`, or None."""
        if request.method != "POST" or request.path != "/v1/messages":
            return f"unknown method or path: {request.method} {request.path}"
        if not (request.headers.get("x-api-key") or request.headers.get("authorization", "").startswith("Bearer ")):
            return "x-api-key header is required"
        if not request.headers.get("anthropic-version"):
            return "anthropic-version: header is required"
        body = request.json
        if not isinstance(body, dict):
            return "request body must be a JSON object"
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                return f"{name}: Field required"

        messages = body["messages"]
        return (
            _check_tools(body.get("tools") or [])
            or _check_blocks(messages)
            or _check_tool_results(messages)
            or _check_images(messages)
            or self._check_thinking(messages)
        )

    def _check_thinking(self, messages: list[dict[str, Any]]) -> str | None:
        with self._issued_lock:
            issued = list(self._issued.get(_conversation_key(messages), []))
        echoed = [block for message in messages if message["role"] == "assistant" for block in _content(message)]
        for block in issued:
            if block not in echoed:
                return (
                    "messages: thinking blocks in the latest assistant message cannot be modified. These blocks "
                    "must remain as they were in the original response."
                )
        return None

    def images(self, request: RecordedRequest) -> list[bytes]:
        """Return the decoded images of a recorded request, in order, including those in tool results."""
        return [base64.b64decode(block["source"]["data"]) for block in _image_blocks(request.json["messages"])]


def _content(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])


def _check_tools(tools: list[dict[str, Any]]) -> str | None:
    for index, tool in enumerate(tools):
        if "type" in tool and tool["type"] != "custom":
            continue
        if not _TOOL_NAME.match(tool.get("name", "")):
            return f"tools.{index}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
        if (tool.get("input_schema") or {}).get("type") != "object":
            return f"tools.{index}.input_schema.type: Input should be 'object'"
    return None


def _check_blocks(messages: list[dict[str, Any]]) -> str | None:
    if not messages:
        return "messages: at least one message is required"
    breakpoints = 0
    for index, message in enumerate(messages):
        if message.get("role") not in ("user", "assistant"):
            return f"messages.{index}.role: Input should be 'user' or 'assistant'"
        blocks = _content(message)
        if not blocks:
            return f"messages.{index}: all messages must have non-empty content"
        for block in blocks + [item for block in blocks if block["type"] == "tool_result" for item in block.get("content", [])]:
            if isinstance(block, dict) and block.get("type") == "text" and not block.get("text"):
                return "messages: text content blocks must be non-empty"
            if isinstance(block, dict) and "cache_control" in block:
                breakpoints += 1
    if breakpoints > 4:
        return f"A maximum of 4 blocks with cache_control may be provided. Found {breakpoints}."
    return None


def _check_tool_results(messages: list[dict[str, Any]]) -> str | None:
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        ids = [block["id"] for block in _content(message) if block["type"] == "tool_use"]
        if not ids or index + 1 >= len(messages):
            continue
        following = _content(messages[index + 1])
        leading = list(itertools.takewhile(lambda block: block["type"] == "tool_result", following))
        answered = [block["tool_use_id"] for block in leading]
        missing = [call_id for call_id in ids if call_id not in answered]
        if missing or len(leading) != len([b for b in following if b["type"] == "tool_result"]):
            return (
                f"messages.{index + 1}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                f"{', '.join(missing) or '(tool_result blocks must come first)'}. Each `tool_use` block must have a "
                "corresponding `tool_result` block in the next message."
            )
    return None


def _image_blocks(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for message in messages:
        for block in _content(message):
            if block["type"] == "image":
                found.append(block)
            elif block["type"] == "tool_result" and isinstance(block.get("content"), list):
                found.extend(item for item in block["content"] if item["type"] == "image")
    return found


def _check_images(messages: list[dict[str, Any]]) -> str | None:
    images = _image_blocks(messages)
    if len(images) > MAX_IMAGES:
        return f"messages: too many images: {len(images)} > {MAX_IMAGES} maximum"
    for block in images:
        source = block.get("source", {})
        if source.get("type") != "base64" or source.get("media_type") not in MEDIA_TYPES:
            return f"messages: image source must be base64 of {', '.join(MEDIA_TYPES)}"
        data = source.get("data", "")
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return "messages: image data is not valid base64"
        if len(data) > MAX_IMAGE_BASE64_BYTES:
            return f"messages: image exceeds 5 MB maximum: {len(data)} bytes > {MAX_IMAGE_BASE64_BYTES} bytes"
    return None


def _conversation_key(messages: list[dict[str, Any]]) -> str:
    first = _content(messages[0]) if messages else []
    return "|".join(block.get("text", "") for block in first if block.get("type") == "text")


SCRIPTED_ANSWER = "1921"


def scripted_claude(request: RecordedRequest) -> Reply:
    """Play a short, plausible Claude model for end-to-end runs.

    Turn 1 thinks, then looks (view_image and crop in parallel) or, without image tools,
    searches; turn 2 calls answer. With the server web search tool offered, turn 1 also
    reports one search the API ran. A request without tools (single-pass) gets the official
    JSON schema as text.
    """
    body = request.json or {}
    names = [tool.get("name") for tool in body.get("tools") or [] if "input_schema" in tool]
    turns_so_far = sum(1 for message in body.get("messages", []) if message.get("role") == "assistant")
    usage = {"input_tokens": 300, "output_tokens": 50, "cache_read": 100, "cache_creation": 20, "thinking_tokens": 9}

    if not names:
        answer = {"observation": "a sign", "search_plan": "none", "search_queries": [], "comprehensive_answer": f"The sign reads {SCRIPTED_ANSWER}.", "final_answer": SCRIPTED_ANSWER}
        return message_reply(text_block("```json\n" + json.dumps(answer) + "\n```"), **usage)

    thinking = thinking_block(f"Turn {turns_so_far + 1}: decide what to do.", base64.b64encode(f"sig-{turns_so_far}".encode()).decode())
    if turns_so_far == 0 and "crop" in names:
        calls = [tool_use("view_image", {}), tool_use("crop", {"box": [0, 0, 400, 300]})]
    elif turns_so_far == 0 and "web_search" in names:
        calls = [tool_use("web_search", {"query": "shop founded year"})]
    else:
        calls = [tool_use("answer", {"final_answer": SCRIPTED_ANSWER, "observation": "a sign", "search_queries": ["q"]})]
    searched = turns_so_far == 0 and any(tool.get("name") == "web_search" and "type" in tool for tool in body.get("tools") or [])
    searches = web_search_blocks("corner shop founded", "http://127.0.0.1:9/shop-history") if searched else []
    return message_reply(thinking, *searches, *calls, **usage)
