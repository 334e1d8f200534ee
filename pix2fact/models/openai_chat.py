"""OpenAI Chat Completions client, for OpenAI itself and for OpenAI-compatible servers.

Wire format (openai SDK 3.x, `POST {base_url}/chat/completions`):

- Tools go as `{"type": "function", "function": {name, description, parameters}}`.
- A `tool` message carries only text, so images returned by tools follow the tool messages in
  one `user` message that names each call id.
- Images are base64 data URLs in `image_url` content parts.
- Pages cited by a searching model (OpenRouter's `:online` models, OpenAI's search models)
  arrive as `url_citation` annotations on the message. They are recorded as one built-in
  `web_search` call of the turn, because the reply names no queries.
- Usage: `prompt_tokens` (includes `prompt_tokens_details.cached_tokens`) and
  `completion_tokens` (includes `completion_tokens_details.reasoning_tokens`).
- Errors: a JSON body `{"error": {"message", "type", "param", "code"}}`. An overlong prompt
  is HTTP 400 with code `context_length_exceeded`; servers such as vLLM send only the message
  "maximum context length", which is matched as well.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any, ClassVar

import openai
from typing_extensions import Self

from pix2fact.agent import AgentTurn, BuiltinSource, BuiltinToolCall, ToolCall, Usage
from pix2fact.errors import ConfigError
from pix2fact.models.base import (
    Message,
    ModelClient,
    ModelRequest,
    ToolResultsMessage,
    UserMessage,
    image_caption,
    read_api_key,
    tool_result_text,
)
from pix2fact.models.image_budget import fit_images
from pix2fact.models.retry import Fault, fault_from_status
from pix2fact.tools.base import ImageBlob, ImageLimits, ToolSpec

# Phrases by which OpenAI and compatible servers (vLLM, SGLang, llama.cpp) report an overlong prompt.
_CONTEXT_PHRASES = ("context_length_exceeded", "maximum context length", "context length", "context window")


class EmptyResponseError(Exception):
    """A 200 reply without any choice, as some compatible servers send on overload."""


class OpenAIChatClient(ModelClient):
    """Chat Completions client for api.openai.com (the `gpt` agent)."""

    provider: ClassVar[str] = "openai"
    default_model: ClassVar[str] = "gpt-5.4"
    # OpenAI's vision guide (developers.openai.com/api/docs/guides/images-vision): with
    # detail "high" an image is scaled to fit 2048 x 2048 px; a request may carry up to 500
    # images and 50 MB. NOTE: the per-image byte limit is the guide's older 20 MB figure.
    image_limits: ClassVar[ImageLimits] = ImageLimits(max_side=2048, max_bytes=20_000_000)
    max_images_per_request: ClassVar[int] = 500
    max_request_bytes: ClassVar[int] = 50_000_000
    key_env_vars: ClassVar[tuple[str, ...]] = ("OPENAI_API_KEY",)
    base_url_env_var: ClassVar[str | None] = "OPENAI_BASE_URL"
    key_required: ClassVar[bool] = True
    # OpenAI's reasoning models reject `max_tokens`; compatible servers widely accept only it.
    max_tokens_field: ClassVar[str] = "max_completion_tokens"
    image_detail: ClassVar[str | None] = "high"

    def __init__(self, sdk: openai.AsyncOpenAI, model: str, **options: Any) -> None:
        super().__init__(model, **options)
        self.sdk = sdk
        self.base_url = str(sdk.base_url)

    @classmethod
    def from_env(cls, model: str | None = None, base_url: str | None = None, **options: Any) -> Self:
        """Build the client from `OPENAI_API_KEY` and `OPENAI_BASE_URL` (or `base_url`)."""
        key = read_api_key(cls.key_env_vars, required=cls.key_required)
        url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        cls._check_base_url(url)
        if model is None:
            model = cls._default_model_or_fail()

        # Compatible servers often need no key, but the SDK requires one to build a client.
        sdk = openai.AsyncOpenAI(api_key=key or "no-key", base_url=url, max_retries=0)
        return cls(sdk, model, **options)

    @classmethod
    def _check_base_url(cls, url: str | None) -> None:
        return None

    @classmethod
    def _default_model_or_fail(cls) -> str:
        return cls.default_model

    async def request_once(self, request: ModelRequest) -> AgentTurn:
        """Send one Chat Completions request and convert the reply."""
        messages = fit_images(request.messages, max_images=self.max_images_per_request, max_request_bytes=self.max_request_bytes)
        arguments: dict[str, Any] = {
            "model": self.model_for(request),
            "messages": self.to_wire_messages(request.system, messages),
            "timeout": request.settings.timeout_s,
        }
        if request.tools:
            arguments["tools"] = [tool_to_wire(spec) for spec in request.tools]
        settings = request.settings
        if settings.temperature is not None:
            arguments["temperature"] = settings.temperature
        if settings.max_output_tokens is not None:
            arguments[self.max_tokens_field] = settings.max_output_tokens
        if settings.reasoning_effort is not None:
            arguments["reasoning_effort"] = settings.reasoning_effort

        completion = await self.sdk.chat.completions.create(**arguments)
        return turn_from_completion(completion)

    def model_for(self, request: ModelRequest) -> str:
        """Return the model name to send; subclasses adapt it for built-in search."""
        return self.model

    def to_wire_messages(self, system: str, messages: list[Message]) -> list[dict[str, Any]]:
        """Convert the neutral conversation to Chat Completions messages."""
        wire: list[dict[str, Any]] = [{"role": "system", "content": system}]
        for message in messages:
            if isinstance(message, UserMessage):
                wire.append({"role": "user", "content": self._user_content(message.text, message.images)})
            elif isinstance(message, ToolResultsMessage):
                wire.extend(self._tool_messages(message))
            else:
                wire.append(assistant_to_wire(message))
        return wire

    def _tool_messages(self, message: ToolResultsMessage) -> list[dict[str, Any]]:
        wire: list[dict[str, Any]] = []
        parts: list[dict[str, Any]] = []
        for outcome in message.outcomes:
            wire.append({"role": "tool", "tool_call_id": outcome.call_id, "content": tool_result_text(outcome)})
            if outcome.result.images:
                header = f"Images returned by tool call {outcome.call_id} ({outcome.name}):"
                parts.extend(self._user_content(header, outcome.result.images))

        # Every tool message must directly follow the assistant turn, so images come after them all.
        if parts:
            wire.append({"role": "user", "content": parts})
        return wire

    def _user_content(self, text: str, images: list[ImageBlob]) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
        for image in images:
            parts.append({"type": "text", "text": image_caption(image)})
            image_url: dict[str, Any] = {"url": data_url(image)}
            if self.image_detail:
                image_url["detail"] = self.image_detail
            parts.append({"type": "image_url", "image_url": image_url})
        return parts

    def classify_error(self, error: BaseException) -> Fault | None:
        """Map openai SDK exceptions to faults; context-length errors are recognised by code or text."""
        if isinstance(error, openai.APITimeoutError):
            return Fault(kind="retryable", message="request timed out")
        if isinstance(error, openai.APIConnectionError):
            return Fault(kind="retryable", message=f"connection failed: {error.message}")
        if isinstance(error, openai.APIStatusError):
            text = f"{error.code or ''} {error.message}".lower()
            if any(phrase in text for phrase in _CONTEXT_PHRASES):
                return Fault(kind="context_length", message=error.message, status=error.status_code)
            return fault_from_status(error.status_code, error.message, dict(error.response.headers))
        if isinstance(error, EmptyResponseError):
            return Fault(kind="retryable", message=str(error))
        if isinstance(error, openai.OpenAIError):
            return Fault(kind="fatal", message=f"{type(error).__name__}: {error}")
        return None

    async def aclose(self) -> None:
        await self.sdk.close()


class OpenAICompatibleClient(OpenAIChatClient):
    """Chat Completions client for any compatible server (vLLM, SGLang, Ollama, LM Studio, OpenRouter).

    The server URL is required and the key optional. Built-in search appends OpenRouter's
    `:online` suffix to the model name, which other servers reject as an unknown model.
    Servers set their own image limits (vLLM's `--limit-mm-per-prompt`, for one), so lower
    `max_images_in_history` when a server rejects requests that carry many images.
    """

    provider: ClassVar[str] = "openai-compatible"
    default_model: ClassVar[str] = ""
    key_required: ClassVar[bool] = False
    max_tokens_field: ClassVar[str] = "max_tokens"
    # "detail" is an OpenAI extension that some servers reject, so it is left out.
    image_detail: ClassVar[str | None] = None

    @classmethod
    def _check_base_url(cls, url: str | None) -> None:
        if not url:
            raise ConfigError(
                "openai-compatible needs the server URL: pass --base-url URL (for example "
                "http://127.0.0.1:8000/v1), -A base_url=URL, or set OPENAI_BASE_URL"
            )

    @classmethod
    def _default_model_or_fail(cls) -> str:
        raise ConfigError(
            "openai-compatible needs a model name: pass --model NAME or -A model=NAME "
            "(a GET of the server's /v1/models lists the models it serves)"
        )

    def model_for(self, request: ModelRequest) -> str:
        if request.builtin_search and not self.model.endswith(":online"):
            return f"{self.model}:online"
        return self.model


def data_url(image: ImageBlob) -> str:
    """Return the image as a base64 `data:` URL."""
    return f"data:{image.mime_type};base64,{base64.b64encode(image.data).decode('ascii')}"


def tool_to_wire(spec: ToolSpec) -> dict[str, Any]:
    """Return a tool spec as a Chat Completions function tool."""
    return {
        "type": "function",
        "function": {"name": spec.name, "description": spec.description, "parameters": spec.parameters},
    }


def assistant_to_wire(turn: AgentTurn) -> dict[str, Any]:
    """Return an earlier assistant turn as a Chat Completions assistant message."""
    message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
    if turn.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {
                    "name": call.name,
                    # Malformed arguments go back verbatim, so the model can see its mistake.
                    # NOTE: untested against servers whose chat templates parse `arguments` as JSON.
                    "arguments": call.raw_arguments if call.arguments is None else json.dumps(call.arguments),
                },
            }
            for call in turn.tool_calls
        ]
    return message


def turn_from_completion(completion: Any) -> AgentTurn:
    """Convert a `ChatCompletion` to an `AgentTurn`.

    Raises:
        EmptyResponseError: when the reply has no choices.
    """
    if not completion.choices:
        raise EmptyResponseError("the server returned no choices")
    choice = completion.choices[0]
    message = choice.message

    calls: list[ToolCall] = []
    for wire_call in message.tool_calls or []:
        function = getattr(wire_call, "function", None)
        if function is None:
            # A custom (free-text) tool call; the harness only offers function tools.
            custom = getattr(wire_call, "custom", None)
            calls.append(ToolCall(id=wire_call.id, name=getattr(custom, "name", "?"), raw_arguments=str(custom)))
            continue
        calls.append(parse_tool_call(wire_call.id, function.name, function.arguments))

    return AgentTurn(
        text=message.content or message.refusal or "",
        tool_calls=calls,
        usage=usage_from_wire(completion.usage),
        model=completion.model,
        stop_reason=choice.finish_reason,
        builtin_tool_calls=_cited_search(message),
    )


def _cited_search(message: Any) -> list[BuiltinToolCall]:
    sources: list[BuiltinSource] = []
    for annotation in getattr(message, "annotations", None) or []:
        citation = getattr(annotation, "url_citation", None)
        url = getattr(citation, "url", None)
        if url and all(source.url != url for source in sources):
            sources.append(BuiltinSource(url=url, title=getattr(citation, "title", None) or ""))
    return [BuiltinToolCall(name="web_search", sources=sources)] if sources else []


def parse_tool_call(call_id: str, name: str, raw: str | None) -> ToolCall:
    """Parse tool-call arguments, keeping the raw text when it is not a JSON object."""
    try:
        parsed = json.loads(raw) if raw and raw.strip() else {}
    except ValueError:
        return ToolCall(id=call_id, name=name, raw_arguments=raw)
    if not isinstance(parsed, dict):
        return ToolCall(id=call_id, name=name, raw_arguments=raw)
    return ToolCall(id=call_id, name=name, arguments=parsed)


def usage_from_wire(usage: Any) -> Usage:
    """Convert `CompletionUsage`, whose detail objects compatible servers often leave out."""
    if usage is None:
        return Usage()
    prompt_details = getattr(usage, "prompt_tokens_details", None)
    completion_details = getattr(usage, "completion_tokens_details", None)
    return Usage(
        input_tokens=usage.prompt_tokens or 0,
        output_tokens=usage.completion_tokens or 0,
        cached_tokens=(getattr(prompt_details, "cached_tokens", None) or 0),
        reasoning_tokens=(getattr(completion_details, "reasoning_tokens", None) or 0),
    )
