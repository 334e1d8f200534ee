"""OpenAI Responses API client, used by the `gpt` agent in the `builtin-search` setting.

Chat Completions offers OpenAI's web search only through dedicated search models, which take
no function tools; the Responses API's `web_search` tool works next to the harness's crop and
answer tools, so this setting uses it (`POST {base_url}/responses`).

Wire format (openai SDK 3.x):

- The system prompt goes in `instructions`; the conversation in `input` as items.
- Tools: `{"type": "function", name, description, parameters}`, plus `{"type": "web_search"}`.
- A function result is a `function_call_output` item whose `output` may be a list of
  `input_text` and `input_image` parts, so images stay with the call that produced them.
- Requests are stateless (`store: false`). Every output item of a turn (reasoning with its
  `encrypted_content`, web search calls, messages, function calls) is kept as the turn's
  `provider_state` and sent back verbatim in later requests, as the API requires.
- Each `web_search_call` item becomes a `BuiltinToolCall` of the turn, from its `action`:
  `search` (queries, and the sources that `include: ["web_search_call.action.sources"]`
  asks for), `open_page` (url) or `find_in_page` (pattern, url).
- Usage: `input_tokens` (includes `input_tokens_details.cached_tokens`) and `output_tokens`
  (includes `output_tokens_details.reasoning_tokens`).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pix2fact.agent import AgentTurn, BuiltinSource, BuiltinToolCall, ToolCall, Usage
from pix2fact.models.base import Message, ModelRequest, ToolResultsMessage, UserMessage, image_caption, tool_result_text
from pix2fact.models.image_budget import fit_images
from pix2fact.models.openai_chat import OpenAIChatClient, data_url, parse_tool_call
from pix2fact.models.retry import Fault
from pix2fact.tools.base import ImageBlob

# Error codes of a failed response (HTTP 200, status "failed") that a later attempt may not meet.
_TRANSIENT_CODES = ("server_error", "rate_limit_exceeded")


class ResponseFailedError(Exception):
    """A response that came back with status "failed" and an error object."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class OpenAIResponsesClient(OpenAIChatClient):
    """Responses API client with OpenAI's built-in web search; keys and limits as `OpenAIChatClient`."""

    web_search_tool: ClassVar[dict[str, Any]] = {"type": "web_search"}

    async def request_once(self, request: ModelRequest) -> AgentTurn:
        """Send one Responses request and convert the reply."""
        tools: list[dict[str, Any]] = [
            {"type": "function", "name": spec.name, "description": spec.description, "parameters": spec.parameters}
            for spec in request.tools
        ]
        if request.builtin_search:
            tools.append(dict(self.web_search_tool))

        arguments: dict[str, Any] = {
            "model": self.model,
            "instructions": request.system,
            "input": self.to_input_items(
                fit_images(request.messages, max_images=self.max_images_per_request, max_request_bytes=self.max_request_bytes)
            ),
            "store": False,
            # NOTE: OpenAI documents encrypted reasoning for reasoning models; a model without
            # reasoning may reject this include.
            "include": ["reasoning.encrypted_content"] + (["web_search_call.action.sources"] if request.builtin_search else []),
            "timeout": request.settings.timeout_s,
        }
        if tools:
            arguments["tools"] = tools
        settings = request.settings
        if settings.temperature is not None:
            arguments["temperature"] = settings.temperature
        if settings.max_output_tokens is not None:
            arguments["max_output_tokens"] = settings.max_output_tokens
        if settings.reasoning_effort is not None:
            arguments["reasoning"] = {"effort": settings.reasoning_effort}

        response = await self.sdk.responses.create(**arguments)
        return turn_from_response(response)

    def to_input_items(self, messages: list[Message]) -> list[dict[str, Any]]:
        """Convert the neutral conversation to Responses input items."""
        items: list[dict[str, Any]] = []
        for message in messages:
            if isinstance(message, UserMessage):
                items.append({"role": "user", "content": self._input_parts(message.text, message.images)})
            elif isinstance(message, ToolResultsMessage):
                for outcome in message.outcomes:
                    text = tool_result_text(outcome)
                    output: Any = self._input_parts(text, outcome.result.images) if outcome.result.images else text
                    items.append({"type": "function_call_output", "call_id": outcome.call_id, "output": output})
            elif isinstance(message.provider_state, list):
                items.extend(message.provider_state)
            else:
                items.extend(_rebuild_turn(message))
        return items

    def _input_parts(self, text: str, images: list[ImageBlob]) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = [{"type": "input_text", "text": text}] if text else []
        for image in images:
            parts.append({"type": "input_text", "text": image_caption(image)})
            parts.append({"type": "input_image", "image_url": data_url(image), "detail": self.image_detail or "auto"})
        return parts

    def classify_error(self, error: BaseException) -> Fault | None:
        if isinstance(error, ResponseFailedError):
            kind = "retryable" if error.code in _TRANSIENT_CODES else "fatal"
            if "context" in error.code:
                kind = "context_length"
            return Fault(kind=kind, message=str(error))
        return super().classify_error(error)


def _rebuild_turn(turn: AgentTurn) -> list[dict[str, Any]]:
    # Only reached for a turn made without this client (no provider state to replay).
    items: list[dict[str, Any]] = []
    if turn.text:
        items.append({"role": "assistant", "content": turn.text})
    for call in turn.tool_calls:
        arguments = call.raw_arguments if call.arguments is None else json.dumps(call.arguments)
        items.append({"type": "function_call", "call_id": call.id, "name": call.name, "arguments": arguments or ""})
    return items


def turn_from_response(response: Any) -> AgentTurn:
    """Convert a Responses `Response` to an `AgentTurn`, keeping its output items as provider state.

    Raises:
        ResponseFailedError: when the response status is "failed".
    """
    if response.status == "failed" and response.error is not None:
        raise ResponseFailedError(str(response.error.code), response.error.message)

    calls: list[ToolCall] = []
    builtin: list[BuiltinToolCall] = []
    for item in response.output:
        if item.type == "function_call":
            calls.append(parse_tool_call(item.call_id, item.name, item.arguments))
        elif item.type == "web_search_call":
            builtin.append(builtin_call_from_item(item))

    stop_reason = response.status
    if response.status == "incomplete" and response.incomplete_details is not None:
        stop_reason = f"incomplete:{response.incomplete_details.reason}"

    return AgentTurn(
        text=response.output_text,
        tool_calls=calls,
        usage=_usage(response.usage),
        model=response.model,
        stop_reason=stop_reason,
        builtin_tool_calls=builtin,
        provider_state=[item.model_dump(mode="json", exclude_none=True) for item in response.output],
    )


def builtin_call_from_item(item: Any) -> BuiltinToolCall:
    """Convert a `web_search_call` output item to the `BuiltinToolCall` it records."""
    action = getattr(item, "action", None)
    kind = getattr(action, "type", None)
    error = None if item.status in ("completed", "in_progress", "searching") else f"web search {item.status}"
    url = getattr(action, "url", None)
    pages = [BuiltinSource(url=url)] if url else []

    if kind == "open_page":
        return BuiltinToolCall(name="open_page", id=item.id, sources=pages, error=error)
    if kind == "find_in_page":
        return BuiltinToolCall(name="find_in_page", id=item.id, queries=[action.pattern], sources=pages, error=error)

    queries = list(getattr(action, "queries", None) or [])
    query = getattr(action, "query", None)
    if query and query not in queries:
        queries.insert(0, query)
    sources = [BuiltinSource(url=source.url) for source in getattr(action, "sources", None) or [] if getattr(source, "url", None)]
    return BuiltinToolCall(name="web_search", id=item.id, queries=queries, sources=sources, error=error)


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    input_details = getattr(usage, "input_tokens_details", None)
    output_details = getattr(usage, "output_tokens_details", None)
    return Usage(
        input_tokens=usage.input_tokens or 0,
        output_tokens=usage.output_tokens or 0,
        cached_tokens=getattr(input_details, "cached_tokens", None) or 0,
        reasoning_tokens=getattr(output_details, "reasoning_tokens", None) or 0,
    )
