"""Conversion between the neutral conversation and Gemini's `Content` lists (google-genai types).

- A model turn is sent back as the `Content` the API returned, kept in the turn's
  `provider_state`, so every part keeps its `thoughtSignature`: Gemini 3 rejects a request
  whose earlier function-call parts lost theirs. A turn without that state (built by other
  code) is rebuilt from its text and tool calls, without signatures.
- Tool results become one `user` content of `functionResponse` parts in call order, each with
  `{"output": text}` or `{"error": text}`. Images go inside the function response
  (`functionResponse.parts[].inlineData`) for Gemini 3 models, the first to accept them there,
  and otherwise as captioned `inlineData` parts after all the function responses.
- Function calls without an `id` (the Developer API often omits it) get an id with
  `SYNTHETIC_ID_PREFIX`, which is never sent back to the API.
- Google Search grounding (`groundingMetadata`) becomes one `BuiltinToolCall` named
  "web_search" per turn, holding the turn's `webSearchQueries` and the web pages of its
  `groundingChunks`. The API reports pages per turn, not per query, so they are not split.
- A `MALFORMED_FUNCTION_CALL` finish has no parts: it becomes a tool call without arguments
  (id prefix `MALFORMED_ID_PREFIX`), so the loop replies with a tool error. In later requests
  the failed call and that error travel as plain text.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any, Literal

from google.genai import types

from pix2fact.agent import AgentTurn, BuiltinSource, BuiltinToolCall, ToolCall, ToolOutcome, Usage
from pix2fact.models.base import Message, ToolResultsMessage, UserMessage, image_caption, tool_result_text
from pix2fact.tools.base import ImageBlob, ToolSpec

SYNTHETIC_ID_PREFIX = "gemini-call-"
MALFORMED_ID_PREFIX = "gemini-malformed-"
# Finish reasons of a turn whose function call the API could not parse.
MALFORMED_FINISHES = ("MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL")
# Tool name reported for such a call. The loop rejects it as an unknown tool and lists the real ones.
MALFORMED_CALL_NAME = "malformed_function_call"

ToolImagePlacement = Literal["function_response", "inline"]

_call_numbers = itertools.count(1)
_MODEL_GENERATION = re.compile(r"gemini-(\d+)")


class EmptyReplyError(Exception):
    """A finished reply with neither text nor function calls, which Gemini sends now and then."""


def model_generation(model: str) -> int | None:
    """Return the major version in a Gemini model name (3 for `gemini-3-flash-preview`), or None."""
    match = _MODEL_GENERATION.search(model)
    return int(match.group(1)) if match else None


def function_declarations(specs: list[ToolSpec]) -> types.Tool:
    """Return the harness tools as one Gemini tool of function declarations (JSON Schema)."""
    return types.Tool(
        function_declarations=[
            types.FunctionDeclaration(name=spec.name, description=spec.description, parameters_json_schema=spec.parameters)
            for spec in specs
        ]
    )


def to_contents(messages: list[Message], tool_images: ToolImagePlacement) -> list[types.Content]:
    """Convert the neutral conversation to Gemini contents."""
    contents: list[types.Content] = []
    for message in messages:
        if isinstance(message, UserMessage):
            parts = [types.Part(text=message.text)] if message.text else []
            parts.extend(_image_parts(message.images))
            contents.append(types.Content(role="user", parts=parts))
        elif isinstance(message, ToolResultsMessage):
            contents.append(types.Content(role="user", parts=_result_parts(message.outcomes, tool_images)))
        else:
            contents.append(model_content(message))
    return contents


def model_content(turn: AgentTurn) -> types.Content:
    """Return the content of an earlier model turn as the API must see it again."""
    if isinstance(turn.provider_state, types.Content):
        return turn.provider_state

    parts: list[types.Part] = [types.Part(text=turn.text)] if turn.text else []
    for call in turn.tool_calls:
        if call.id.startswith(MALFORMED_ID_PREFIX):
            parts.append(types.Part(text=f"(function call not parsed: {call.raw_arguments})"))
            continue
        wire_id = None if call.id.startswith(SYNTHETIC_ID_PREFIX) else call.id
        parts.append(types.Part(function_call=types.FunctionCall(id=wire_id, name=call.name, args=call.arguments or {})))
    # The API rejects a content without parts.
    return types.Content(role="model", parts=parts or [types.Part(text="(no output)")])


def _result_parts(outcomes: list[ToolOutcome], tool_images: ToolImagePlacement) -> list[types.Part]:
    parts: list[types.Part] = []
    trailing: list[types.Part] = []
    for outcome in outcomes:
        text = tool_result_text(outcome)
        images = outcome.result.images
        if outcome.call_id.startswith(MALFORMED_ID_PREFIX):
            parts.append(types.Part(text=f"Your last function call failed: {text}"))
            trailing.extend(_image_parts(images))
            continue

        if images:
            text = "\n".join([text, *(image_caption(image) for image in images)])
        response = types.FunctionResponse(
            id=None if outcome.call_id.startswith(SYNTHETIC_ID_PREFIX) else outcome.call_id,
            name=outcome.name,
            response={"error": text} if outcome.result.is_error else {"output": text},
        )
        if images and tool_images == "function_response":
            response.parts = [
                types.FunctionResponsePart(inline_data=types.FunctionResponseBlob(mime_type=image.mime_type, data=image.data))
                for image in images
            ]
        elif images:
            trailing.append(types.Part(text=f"Images returned by function call {outcome.call_id} ({outcome.name}):"))
            trailing.extend(_image_parts(images))
        parts.append(types.Part(function_response=response))

    # Function responses first, so they line up one to one with the calls they answer.
    return parts + trailing


def _image_parts(images: list[ImageBlob]) -> list[types.Part]:
    parts: list[types.Part] = []
    for image in images:
        parts.append(types.Part(text=image_caption(image)))
        parts.append(types.Part(inline_data=types.Blob(mime_type=image.mime_type, data=image.data)))
    return parts


def turn_from_response(response: types.GenerateContentResponse) -> AgentTurn:
    """Convert a `generateContent` reply to an `AgentTurn`.

    Raises:
        EmptyReplyError: when a normally finished candidate has no text and no function call.
    """
    usage = usage_from_metadata(response.usage_metadata)
    model = response.model_version
    if not response.candidates:
        feedback = response.prompt_feedback
        reason = getattr(getattr(feedback, "block_reason", None), "value", None) or "no candidates"
        return AgentTurn(usage=usage, model=model, stop_reason=f"blocked: {reason}")

    candidate = response.candidates[0]
    finish = candidate.finish_reason.value if candidate.finish_reason is not None else None
    if finish in MALFORMED_FINISHES:
        # NOTE: google-genai 3.6 drops the Developer API's `finishMessage`, which quotes the bad call,
        # so the model only learns that its call could not be parsed.
        detail = candidate.finish_message or "the API could not parse the function call"
        call = ToolCall(id=f"{MALFORMED_ID_PREFIX}{next(_call_numbers)}", name=MALFORMED_CALL_NAME, raw_arguments=f"{finish}: {detail}")
        return AgentTurn(tool_calls=[call], usage=usage, model=model, stop_reason=finish)

    content = candidate.content
    parts = (content.parts if content is not None else None) or []
    text = "".join(part.text for part in parts if part.text and not part.thought)
    calls = [_tool_call(part.function_call) for part in parts if part.function_call is not None]
    if not text and not calls and finish in (None, "STOP"):
        raise EmptyReplyError(f"the model finished ({finish or 'no reason'}) without text or function calls")

    return AgentTurn(
        text=text,
        tool_calls=calls,
        usage=usage,
        model=model,
        stop_reason=finish,
        builtin_tool_calls=grounding_calls(candidate.grounding_metadata),
        provider_state=content if parts else None,
    )


def grounding_calls(metadata: types.GroundingMetadata | None) -> list[BuiltinToolCall]:
    """Return a turn's Google Search grounding as one built-in call, or nothing if it did not search.

    Each page's `uri` and `title` are recorded as sent. NOTE: untested against the live API,
    which may send a Google redirect in place of the page's own address.
    """
    if metadata is None:
        return []
    queries = [query for query in metadata.web_search_queries or [] if query]
    sources = [
        BuiltinSource(url=chunk.web.uri, title=chunk.web.title or "")
        for chunk in metadata.grounding_chunks or []
        if chunk.web is not None and chunk.web.uri
    ]
    if not queries and not sources:
        return []
    return [BuiltinToolCall(name="web_search", queries=queries, sources=sources)]


def _tool_call(function_call: types.FunctionCall) -> ToolCall:
    call_id = function_call.id or f"{SYNTHETIC_ID_PREFIX}{next(_call_numbers)}"
    name = function_call.name or ""
    args = function_call.args
    if args is None:
        return ToolCall(id=call_id, name=name, arguments={})
    if isinstance(args, dict):
        return ToolCall(id=call_id, name=name, arguments=args)
    # The API sends a JSON object (a protobuf Struct); anything else is kept for the error reply.
    return ToolCall(id=call_id, name=name, raw_arguments=json.dumps(args, default=str))


def usage_from_metadata(metadata: Any) -> Usage:
    """Convert `usageMetadata` to the harness convention (input includes cached, output includes reasoning)."""
    if metadata is None:
        return Usage()
    thoughts = metadata.thoughts_token_count or 0
    return Usage(
        input_tokens=(metadata.prompt_token_count or 0) + (metadata.tool_use_prompt_token_count or 0),
        output_tokens=(metadata.candidates_token_count or 0) + thoughts,
        reasoning_tokens=thoughts,
        cached_tokens=metadata.cached_content_token_count or 0,
    )
