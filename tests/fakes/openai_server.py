"""Chat Completions replies in the shape the openai SDK parses, for `FakeServer` scripts.

    with FakeServer([chat_reply(tool_calls=[tool_call("crop", {"box": [0, 0, 9, 9]})])]) as server:
        client = OpenAIChatClient(openai.AsyncOpenAI(api_key=KEY, base_url=server.url + "/v1", max_retries=0), "gpt-x")

Field names follow the Chat Completions reference: `choices[].message.tool_calls[].function`
with `arguments` as a JSON string, `usage.prompt_tokens_details.cached_tokens`,
`usage.completion_tokens_details.reasoning_tokens`, and error bodies
`{"error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from fakes.base import RecordedRequest, Reply

_ids = itertools.count(1)


def tool_call(name: str, arguments: dict[str, Any] | str, call_id: str | None = None) -> dict[str, Any]:
    """Return one wire tool call. A string `arguments` is sent verbatim (for malformed JSON)."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {
        "id": call_id or f"call_{next(_ids)}",
        "type": "function",
        "function": {"name": name, "arguments": text},
    }


def chat_completion(
    text: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    *,
    model: str = "gpt-fake",
    finish_reason: str | None = None,
    prompt_tokens: int = 100,
    completion_tokens: int = 20,
    cached_tokens: int | None = None,
    reasoning_tokens: int | None = None,
    citations: list[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Return a `chat.completion` object with one choice; `citations` are (url, title) `url_citation` annotations."""
    annotations = [
        {"type": "url_citation", "url_citation": {"url": url, "title": title, "start_index": 0, "end_index": len(text or "")}}
        for url, title in citations
    ]
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None, "annotations": annotations}
    if tool_calls:
        message["tool_calls"] = tool_calls
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": cached_tokens, "audio_tokens": 0}
    if reasoning_tokens is not None:
        usage["completion_tokens_details"] = {
            "reasoning_tokens": reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        }
    return {
        "id": f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop"),
            }
        ],
        "usage": usage,
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }


def chat_reply(text: str | None = None, tool_calls: list[dict[str, Any]] | None = None, **options: Any) -> Reply:
    """Return a 200 reply carrying a `chat_completion`."""
    return Reply(json=chat_completion(text, tool_calls, **options))


def error_reply(
    status: int,
    message: str,
    *,
    error_type: str = "server_error",
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """Return an error reply with OpenAI's error body."""
    body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    return Reply(status=status, json=body, headers=headers or {})


def context_length_reply() -> Reply:
    """Return the HTTP 400 OpenAI sends for a prompt longer than the context window."""
    return error_reply(
        400,
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens.",
        error_type="invalid_request_error",
        code="context_length_exceeded",
    )


def wire_messages(request: RecordedRequest) -> list[dict[str, Any]]:
    """Return the `messages` array of a recorded Chat Completions request."""
    return request.json["messages"]


def image_urls(message: dict[str, Any]) -> list[str]:
    """Return the data URLs of the image parts of one wire message."""
    content = message.get("content")
    if not isinstance(content, list):
        return []
    return [part["image_url"]["url"] for part in content if part.get("type") == "image_url"]


def function_call_item(name: str, arguments: dict[str, Any] | str, call_id: str | None = None) -> dict[str, Any]:
    """Return a Responses `function_call` output item."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    number = next(_ids)
    return {
        "type": "function_call",
        "id": f"fc_{number}",
        "call_id": call_id or f"call_{number}",
        "name": name,
        "arguments": text,
        "status": "completed",
    }


def message_item(text: str) -> dict[str, Any]:
    """Return a Responses assistant `message` output item with one `output_text` part."""
    return {
        "type": "message",
        "id": f"msg_{next(_ids)}",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    }


def reasoning_item(encrypted: str) -> dict[str, Any]:
    """Return a Responses `reasoning` output item carrying opaque encrypted content."""
    return {"type": "reasoning", "id": f"rs_{next(_ids)}", "summary": [], "encrypted_content": encrypted}


def web_search_item(query: str, sources: list[str] = (), *, action: dict[str, Any] | None = None, status: str = "completed") -> dict[str, Any]:
    """Return a Responses `web_search_call` output item.

    `sources` are the URLs the API lists when the request includes
    "web_search_call.action.sources"; `action` replaces the search action (open_page, find_in_page).
    """
    search: dict[str, Any] = {"type": "search", "query": query}
    if sources:
        search["sources"] = [{"type": "url", "url": url} for url in sources]
    return {"type": "web_search_call", "id": f"ws_{next(_ids)}", "status": status, "action": action or search}


def responses_reply(
    items: list[dict[str, Any]],
    *,
    model: str = "gpt-fake",
    input_tokens: int = 100,
    output_tokens: int = 20,
    cached_tokens: int = 0,
    reasoning_tokens: int = 0,
    status: str = "completed",
) -> Reply:
    """Return a 200 reply carrying a Responses `response` object."""
    body = {
        "id": f"resp_{next(_ids)}",
        "object": "response",
        "created_at": time.time(),
        "status": status,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "model": model,
        "output": items,
        "parallel_tool_calls": True,
        "temperature": 1.0,
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "usage": {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": cached_tokens},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": input_tokens + output_tokens,
        },
    }
    return Reply(json=body)


SCRIPTED_ANSWER = "1921"


def scripted_model(request: RecordedRequest) -> Reply:
    """Play a short, plausible model for end-to-end runs, on Chat Completions or Responses.

    Turn 1 looks (view_image and crop in parallel) or, without image tools, searches; turn 2
    answers. With OpenAI's web_search tool offered, turn 1 also reports one built-in search. A
    request without tools (single-pass) gets the official JSON schema as text.
    """
    body = request.json or {}
    responses_api = request.path.endswith("/responses")
    tools = [tool.get("name") or tool.get("function", {}).get("name") for tool in body.get("tools", [])]
    if responses_api:
        turns_so_far = sum(1 for item in body.get("input", []) if item.get("type") == "function_call")
    else:
        turns_so_far = sum(1 for message in body.get("messages", []) if message.get("role") == "assistant")

    if not [name for name in tools if name]:
        answer = {
            "observation": "a sign",
            "search_plan": "none",
            "search_queries": [],
            "comprehensive_answer": f"The sign reads {SCRIPTED_ANSWER}.",
            "final_answer": SCRIPTED_ANSWER,
        }
        text = "```json\n" + json.dumps(answer) + "\n```"
        return responses_reply([message_item(text)]) if responses_api else chat_reply(text)

    if turns_so_far == 0 and "crop" in tools:
        calls = [("view_image", {}), ("crop", {"box": [0, 0, 400, 300]})]
    elif turns_so_far == 0 and "web_search" in tools:
        calls = [("web_search", {"query": "shop founded year"})]
    else:
        calls = [("answer", {"final_answer": SCRIPTED_ANSWER, "observation": "a sign", "search_queries": ["q"]})]

    if responses_api:
        items = [function_call_item(name, arguments) for name, arguments in calls]
        if turns_so_far == 0 and any(tool.get("type") == "web_search" for tool in body.get("tools", [])):
            items.insert(0, web_search_item("corner shop founded", ["http://127.0.0.1:9/shop-history"]))
        return responses_reply(items, cached_tokens=30, reasoning_tokens=7)
    return chat_reply(tool_calls=[tool_call(name, arguments) for name, arguments in calls], cached_tokens=30, reasoning_tokens=7)
