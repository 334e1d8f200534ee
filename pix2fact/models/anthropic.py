"""Claude client over the anthropic SDK, used by the `claude` agent.

Wire format (anthropic SDK 2.17, `POST {base_url}/v1/messages`); `anthropic_wire` converts the
conversation itself:

- Tools: `{name, description, input_schema}`. The `builtin-search` setting adds Anthropic's
  server-side web search tool (`WEB_SEARCH_TOOL`), which the API runs itself.
- Thinking: `reasoning_effort` becomes adaptive thinking with `output_config.effort`, or
  `{"type": "disabled"}` for "none"; the `thinking_budget` option selects manual extended
  thinking (`{"type": "enabled", "budget_tokens": N}`) on models without adaptive thinking.
  The SDK has no temperature argument, so a temperature goes in the request body.
- A reply that stops with `pause_turn` (a long server-side search) is sent back to be
  continued, up to `MAX_CONTINUATIONS` times, and the parts form one turn.
- Usage: `input_tokens` excludes `cache_read_input_tokens` and `cache_creation_input_tokens`;
  `output_tokens` includes thinking, broken out in `output_tokens_details.thinking_tokens`.
- Errors: `{"type": "error", "error": {"type", "message"}, "request_id"}`. Rate limits are
  429 `rate_limit_error` and overload 529 `overloaded_error`, both with `retry-after`. An
  overlong prompt is 400 `invalid_request_error` "prompt is too long: N tokens > M maximum",
  and a body over the request-size limit 413 `request_too_large`.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import anthropic
from typing_extensions import Self

from pix2fact.agent import AgentTurn, Usage
from pix2fact.errors import ConfigError
from pix2fact.models.anthropic_wire import EmptyReplyError, to_wire_messages, tool_to_wire, turn_from_blocks, usage_from_wire
from pix2fact.models.base import ModelClient, ModelRequest, read_api_key
from pix2fact.models.image_budget import fit_images
from pix2fact.models.retry import Fault, fault_from_status
from pix2fact.tools.base import ImageLimits

# Image limits, from Anthropic's vision guide (platform.claude.com/docs/en/build-with-claude/
# vision): an image whose long edge exceeds 1568 px is scaled down before the model processes it;
# a request takes up to 100 images on models with a 200k-token context (600 on others) and
# 32 MB in all. Each image may be 5 MB once base64-encoded; the API's rejection reads "image
# exceeds 5 MB maximum: N bytes > 5242880 bytes", which leaves 3,932,160 bytes of image data.
MAX_IMAGE_SIDE = 1568
MAX_IMAGE_BASE64_BYTES = 5 * 1024 * 1024
MAX_IMAGE_BYTES = MAX_IMAGE_BASE64_BYTES // 4 * 3
MAX_IMAGES_PER_REQUEST = 100
MAX_REQUEST_BYTES = 32 * 1024 * 1024

# `max_tokens` is required; this default leaves room for thinking plus a long answer.
DEFAULT_MAX_TOKENS = 16_000
# Smallest `budget_tokens` of manual extended thinking ("Must be ≥1024 and less than
# `max_tokens`", anthropic SDK 2.17, ThinkingConfigEnabledParam).
MIN_THINKING_BUDGET = 1024
MAX_CONTINUATIONS = 4
WEB_SEARCH_TOOL = {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
# `reasoning_effort` as the API's effort levels, which start at "low".
EFFORT_LEVELS = {"minimal": "low", "low": "low", "medium": "medium", "high": "high", "xhigh": "xhigh"}


class AnthropicClient(ModelClient):
    """Messages API client for api.anthropic.com or any gateway that speaks it.

    Args:
        sdk: the anthropic async client, built with `max_retries=0`.
        model: model name, for example `claude-sonnet-4-6`.
        thinking_budget: tokens of manual extended thinking per turn (at least 1024); when
            set it replaces the adaptive thinking that `reasoning_effort` selects.
        prompt_cache: mark the end of each request as a prompt-cache breakpoint, so later
            turns read the conversation from the cache.
    """

    provider: ClassVar[str] = "anthropic"
    default_model: ClassVar[str] = "claude-sonnet-4-6"
    image_limits: ClassVar[ImageLimits] = ImageLimits(max_side=MAX_IMAGE_SIDE, max_bytes=MAX_IMAGE_BYTES)
    max_images_per_request: ClassVar[int] = MAX_IMAGES_PER_REQUEST
    key_env_vars: ClassVar[tuple[str, ...]] = ("ANTHROPIC_API_KEY",)
    base_url_env_var: ClassVar[str | None] = "ANTHROPIC_BASE_URL"
    provider_options: ClassVar[tuple[str, ...]] = ("thinking_budget", "prompt_cache")

    def __init__(
        self,
        sdk: anthropic.AsyncAnthropic,
        model: str,
        *,
        thinking_budget: int | None = None,
        prompt_cache: bool = True,
        **options: Any,
    ) -> None:
        if thinking_budget is not None and thinking_budget < MIN_THINKING_BUDGET:
            raise ConfigError(
                f"thinking_budget={thinking_budget} is below Claude's minimum of {MIN_THINKING_BUDGET} tokens; "
                "raise it, or use reasoning_effort instead"
            )
        super().__init__(model, **options)
        self.sdk = sdk
        self.thinking_budget = thinking_budget
        self.prompt_cache = prompt_cache
        self.base_url = str(sdk.base_url)

    @classmethod
    def from_env(cls, model: str | None = None, base_url: str | None = None, **options: Any) -> Self:
        """Build the client from ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL (or `base_url`)."""
        key = read_api_key(cls.key_env_vars)
        url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        # An explicit key keeps the SDK from reading other credentials (profiles, auth tokens).
        sdk = anthropic.AsyncAnthropic(api_key=key, base_url=url, max_retries=0)
        return cls(sdk, model or cls.default_model, **options)

    def manifest_options(self) -> dict[str, Any]:
        return {"thinking_budget": self.thinking_budget, "prompt_cache": self.prompt_cache}

    async def request_once(self, request: ModelRequest) -> AgentTurn:
        """Send one Messages request (continuing a paused turn) and convert the reply."""
        messages = fit_images(request.messages, max_images=MAX_IMAGES_PER_REQUEST, max_request_bytes=MAX_REQUEST_BYTES)
        wire = to_wire_messages(messages, cache_breakpoint=self.prompt_cache)
        arguments = self.request_arguments(request)

        blocks: list[dict[str, Any]] = []
        usage = Usage()
        for _ in range(MAX_CONTINUATIONS + 1):
            paused = [{"role": "assistant", "content": blocks}] if blocks else []
            message = await self.sdk.messages.create(messages=wire + paused, **arguments)
            blocks += [block.to_dict(mode="json", warnings=False) for block in message.content]
            usage = usage + usage_from_wire(message.usage)
            if message.stop_reason != "pause_turn":
                break

        return turn_from_blocks(blocks, usage=usage, model=message.model, stop_reason=message.stop_reason)

    def request_arguments(self, request: ModelRequest) -> dict[str, Any]:
        """Return the keyword arguments of `messages.create` other than the messages."""
        settings = request.settings
        arguments: dict[str, Any] = {
            "model": self.model,
            "system": request.system,
            # The thinking budget must be below max_tokens, so the default leaves room on top of it.
            "max_tokens": settings.max_output_tokens or DEFAULT_MAX_TOKENS + (self.thinking_budget or 0),
            "timeout": settings.timeout_s,
        }

        tools = [tool_to_wire(spec) for spec in request.tools]
        if request.builtin_search:
            tools.append(dict(WEB_SEARCH_TOOL))
        if tools:
            arguments["tools"] = tools

        effort = settings.reasoning_effort
        if self.thinking_budget is not None:
            arguments["thinking"] = {"type": "enabled", "budget_tokens": self.thinking_budget}
        elif effort == "none":
            arguments["thinking"] = {"type": "disabled"}
        elif effort is not None:
            arguments["thinking"] = {"type": "adaptive"}
            arguments["output_config"] = {"effort": EFFORT_LEVELS[effort]}

        if settings.temperature is not None:
            arguments["extra_body"] = {"temperature": settings.temperature}
        return arguments

    def classify_error(self, error: BaseException) -> Fault | None:
        """Map anthropic SDK exceptions to faults."""
        if isinstance(error, anthropic.APITimeoutError):
            return Fault(kind="retryable", message="request timed out")
        if isinstance(error, anthropic.APIConnectionError):
            return Fault(kind="retryable", message=f"connection failed: {error.message}")
        if isinstance(error, anthropic.APIStatusError):
            return _status_fault(error)
        if isinstance(error, EmptyReplyError):
            return Fault(kind="retryable", message=str(error))
        if isinstance(error, anthropic.AnthropicError):
            return Fault(kind="fatal", message=f"{type(error).__name__}: {error}")
        return None

    async def aclose(self) -> None:
        await self.sdk.close()


def _status_fault(error: anthropic.APIStatusError) -> Fault:
    error_type = getattr(error, "type", None) or "error"
    message = f"{error_type}: {getattr(error, 'api_message', None) or error.message}"
    status = error.status_code
    if status == 413 or (status == 400 and "prompt is too long" in message.lower()):
        return Fault(kind="context_length", message=message, status=status)
    return fault_from_status(status, message, dict(error.response.headers))
