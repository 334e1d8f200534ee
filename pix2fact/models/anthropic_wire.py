"""Conversion between the neutral conversation and Anthropic Messages API content blocks.

- An assistant turn is sent back as the content blocks the API returned, kept as the turn's
  `provider_state` (`to_dict()` of each block, so only fields the API sent). Thinking blocks
  keep their `signature` and redacted thinking its `data`, because the API requires them on
  the turn that called tools. Server tool blocks (web search calls and results) stay in place.
  A turn without that state (built by other code) is rebuilt from its text and tool calls.
- Tool results are one user message whose content is one `tool_result` block per call, in
  call order and before anything else, as the API requires. Each block's content holds the
  result text and the images the call returned (`image` blocks, base64), so every image stays
  with the call that produced it.
- Each `server_tool_use` block (a search the API ran itself) becomes a `BuiltinToolCall` of
  the turn, with the query from its `input` and the pages, or the `error_code`, of the
  `*_tool_result` block whose `tool_use_id` names it.
- Images in user messages come before their text, the order Anthropic's vision guide
  recommends, each after a caption naming its label and size.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from pix2fact.agent import AgentTurn, BuiltinSource, BuiltinToolCall, ToolCall, Usage
from pix2fact.models.base import Message, ToolResultsMessage, UserMessage, image_caption, tool_result_text
from pix2fact.tools.base import ImageBlob, ToolSpec


class EmptyReplyError(Exception):
    """An `end_turn` reply without any content block."""


def tool_to_wire(spec: ToolSpec) -> dict[str, Any]:
    """Return a harness tool as a Messages API client tool."""
    return {"name": spec.name, "description": spec.description, "input_schema": spec.parameters}


def to_wire_messages(messages: list[Message], *, cache_breakpoint: bool) -> list[dict[str, Any]]:
    """Convert the neutral conversation to Messages API messages.

    With `cache_breakpoint`, the last block of the last message gets `cache_control`, so the
    next request reads the whole conversation so far from the prompt cache.
    """
    wire: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, UserMessage):
            content = _image_blocks(message.images)
            if message.text:
                content.append({"type": "text", "text": message.text})
            wire.append({"role": "user", "content": content})
        elif isinstance(message, ToolResultsMessage):
            wire.append({"role": "user", "content": [_tool_result(outcome) for outcome in message.outcomes]})
        else:
            wire.append({"role": "assistant", "content": assistant_content(message)})

    if cache_breakpoint and wire and wire[-1]["content"]:
        wire[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return wire


def assistant_content(turn: AgentTurn) -> list[dict[str, Any]]:
    """Return the content blocks of an earlier assistant turn, as the API must see them again."""
    if isinstance(turn.provider_state, list):
        # A deep copy, so a cache breakpoint added to this request never sticks to the turn.
        return copy.deepcopy(turn.provider_state)

    blocks: list[dict[str, Any]] = [{"type": "text", "text": turn.text}] if turn.text else []
    for call in turn.tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments or {}})
    # The API rejects empty content and empty text blocks alike.
    return blocks or [{"type": "text", "text": "(no output)"}]


def _tool_result(outcome: Any) -> dict[str, Any]:
    result = outcome.result
    content: list[dict[str, Any]] = [{"type": "text", "text": tool_result_text(outcome)}]
    content.extend(_image_blocks(result.images))
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": outcome.call_id, "content": content}
    if result.is_error:
        block["is_error"] = True
    return block


def _image_blocks(images: list[ImageBlob]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for image in images:
        blocks.append({"type": "text", "text": image_caption(image)})
        data = base64.b64encode(image.data).decode("ascii")
        blocks.append({"type": "image", "source": {"type": "base64", "media_type": image.mime_type, "data": data}})
    return blocks


def turn_from_blocks(blocks: list[dict[str, Any]], *, usage: Usage, model: str | None, stop_reason: str | None) -> AgentTurn:
    """Build an `AgentTurn` from the content blocks of one reply (or of a continued reply).

    Raises:
        EmptyReplyError: when an `end_turn` reply has no content at all.
    """
    if not blocks and stop_reason == "end_turn":
        raise EmptyReplyError("the model ended its turn without any content")

    text = "".join(block.get("text", "") for block in blocks if block.get("type") == "text")
    calls = [_tool_call(block) for block in blocks if block.get("type") == "tool_use"]
    return AgentTurn(
        text=text,
        tool_calls=calls,
        usage=usage,
        model=model,
        stop_reason=stop_reason,
        builtin_tool_calls=builtin_calls(blocks),
        provider_state=blocks or None,
    )


def builtin_calls(blocks: list[dict[str, Any]]) -> list[BuiltinToolCall]:
    """Return the server tool calls of a reply's blocks, each with its result's pages or error."""
    results = {
        block.get("tool_use_id"): block.get("content")
        for block in blocks
        if block.get("type", "").endswith("_tool_result") and block.get("type") != "tool_result"
    }
    calls = []
    for block in blocks:
        if block.get("type") != "server_tool_use":
            continue
        arguments = block.get("input") if isinstance(block.get("input"), dict) else {}
        query = arguments.get("query")
        sources, error = _result_pages(results.get(block.get("id")))
        url = arguments.get("url")
        if url and all(source.url != url for source in sources):
            sources.insert(0, BuiltinSource(url=str(url)))
        calls.append(
            BuiltinToolCall(
                name=str(block.get("name", "")),
                id=block.get("id"),
                queries=[str(query)] if query else [],
                sources=sources,
                error=error,
            )
        )
    return calls


def _result_pages(content: Any) -> tuple[list[BuiltinSource], str | None]:
    # A search result contains a list of pages, and a failed call one object with an `error_code`.
    if isinstance(content, dict):
        if "error_code" in content:
            return [], str(content["error_code"])
        content = [content]
    pages = [
        BuiltinSource(url=str(item["url"]), title=str(item.get("title") or ""))
        for item in content or []
        if isinstance(item, dict) and item.get("url")
    ]
    return pages, None


def _tool_call(block: dict[str, Any]) -> ToolCall:
    call_id = str(block.get("id", ""))
    name = str(block.get("name", ""))
    arguments = block.get("input")
    if arguments is None:
        return ToolCall(id=call_id, name=name, arguments={})
    if isinstance(arguments, dict):
        return ToolCall(id=call_id, name=name, arguments=arguments)
    # The API parses the model's JSON into an object; keep any other shape for the error reply.
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments, default=str)
    return ToolCall(id=call_id, name=name, raw_arguments=raw)


def usage_from_wire(usage: Any) -> Usage:
    """Convert `usage` to the harness convention (input includes cached, output includes reasoning).

    Anthropic counts `input_tokens` apart from the tokens read from and written to the cache, so
    all three are added. NOTE: cache writes, billed above the input price, count as plain input.
    """
    if usage is None:
        return Usage()
    cache_read = getattr(usage, "cache_read_input_tokens", None) or 0
    cache_write = getattr(usage, "cache_creation_input_tokens", None) or 0
    details = getattr(usage, "output_tokens_details", None)
    return Usage(
        input_tokens=(usage.input_tokens or 0) + cache_read + cache_write,
        output_tokens=usage.output_tokens or 0,
        reasoning_tokens=(getattr(details, "thinking_tokens", None) or 0),
        cached_tokens=cache_read,
    )
