"""Gemini client over the google-genai SDK, used by the `gemini` agent.

Wire format (google-genai 3.6, `POST {base_url}/v1/models/{model}:generateContent`, key in
the `x-goog-api-key` header); `gemini_wire` converts the conversation itself:

- Tools: one tool of `functionDeclarations` whose JSON schemas go in `parametersJsonSchema`.
  The `builtin-search` setting adds `{"googleSearch": {}}` (Google Search grounding).
- `generationConfig`: `temperature`, `maxOutputTokens` and `thinkingConfig`, which takes
  `thinkingLevel` on Gemini 3 models and `thinkingBudget` (tokens) on Gemini 2.
- Usage: `promptTokenCount` (includes `cachedContentTokenCount`), `toolUsePromptTokenCount`
  (grounding results fed back in), `candidatesTokenCount` and `thoughtsTokenCount` (counted
  apart from the candidates).
- Errors: `{"error": {"code", "message", "status", "details"}}`. A 429 may carry its wait as a
  `google.rpc.RetryInfo` detail (`"retryDelay": "12s"`). An overlong prompt is HTTP 400
  INVALID_ARGUMENT, "The input token count (N) exceeds the maximum number of tokens allowed (M)."
"""

from __future__ import annotations

import os
import re
from typing import Any, ClassVar, Literal

import httpx
import pydantic
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from typing_extensions import Self

from pix2fact.agent import AgentTurn
from pix2fact.models.base import ModelClient, ModelRequest, read_api_key
from pix2fact.models.gemini_wire import (
    EmptyReplyError,
    ToolImagePlacement,
    function_declarations,
    model_generation,
    to_contents,
    turn_from_response,
)
from pix2fact.models.image_budget import fit_images
from pix2fact.models.retry import Fault, fault_from_status
from pix2fact.tools.base import ImageLimits

try:  # google-genai prefers httpx2 when it is installed, and falls back to httpx.
    import httpx2

    _TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (httpx.TransportError, httpx2.TransportError)
    _TIMEOUT_ERRORS: tuple[type[BaseException], ...] = (httpx.TimeoutException, httpx2.TimeoutException)
except ImportError:  # pragma: no cover - depends on the installed extras
    _TRANSPORT_ERRORS = (httpx.TransportError,)
    _TIMEOUT_ERRORS = (httpx.TimeoutException,)

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/"

# Image limits. Vertex AI's "Image understanding" page (docs.cloud.google.com/vertex-ai/
# generative-ai/docs/multimodal/image-understanding): at most 7 MB per inline image and 900
# images per prompt for Gemini 3 Pro (3,000 for Gemini 2.5). Firebase AI Logic's "Input file
# requirements" page (firebase.google.com/docs/vertex-ai/input-file-requirements): a request
# carrying inline data may total 20 MB, and larger images are scaled down to fit 3072 x 3072.
MAX_IMAGE_SIDE = 3072
MAX_IMAGE_BYTES = 7_000_000
MAX_IMAGES_PER_REQUEST = 900
MAX_REQUEST_BYTES = 20_000_000

# `reasoning_effort` as Gemini 3's thinking levels. Gemini 3 cannot switch thinking off, so
# "none" selects the least. NOTE: Gemini 3 Pro took only LOW and HIGH at launch, so it may reject the others.
THINKING_LEVELS = {"none": "MINIMAL", "minimal": "MINIMAL", "low": "LOW", "medium": "MEDIUM", "high": "HIGH", "xhigh": "XHIGH"}
# `reasoning_effort` as Gemini 2.5 thinking budgets in tokens. 24,576 is 2.5 Flash's maximum;
# NOTE: 2.5 Pro cannot switch thinking off and rejects a budget of 0 ("none").
THINKING_BUDGETS = {"none": 0, "minimal": 512, "low": 2048, "medium": 8192, "high": 24576, "xhigh": 24576}

_CONTEXT_PATTERN = re.compile(r"input token count|exceeds the maximum number of tokens|context window", re.IGNORECASE)
_RETRY_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


class MalformedReplyError(Exception):
    """A 200 reply that the SDK could not parse as a `GenerateContentResponse`."""


class GeminiClient(ModelClient):
    """generateContent client for the Gemini Developer API or any gateway that speaks it.

    Args:
        sdk: the google-genai client; its own retries must be off (see `from_env`).
        model: model name, for example `gemini-3-flash-preview`.
        thinking_budget: thinking tokens per turn, in place of `reasoning_effort`. Gemini 2 models
            take budgets; later models may reject them.
        tool_images: where images returned by tools go: inside the function response
            (`function_response`, Gemini 3), as parts after it (`inline`), or by model
            generation (`auto`: Gemini 3 and later inside, older models and unknown names after).
    """

    provider: ClassVar[str] = "gemini"
    default_model: ClassVar[str] = "gemini-3-flash-preview"
    image_limits: ClassVar[ImageLimits] = ImageLimits(max_side=MAX_IMAGE_SIDE, max_bytes=MAX_IMAGE_BYTES)
    max_images_per_request: ClassVar[int] = MAX_IMAGES_PER_REQUEST
    # GEMINI_API_KEY first, as Google's Gemini API documentation names it. (The SDK alone
    # prefers GOOGLE_API_KEY when both are set; the key is passed explicitly here.)
    key_env_vars: ClassVar[tuple[str, ...]] = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    base_url_env_var: ClassVar[str | None] = "GOOGLE_GEMINI_BASE_URL"
    provider_options: ClassVar[tuple[str, ...]] = ("thinking_budget", "tool_images")

    def __init__(
        self,
        sdk: genai.Client,
        model: str,
        *,
        thinking_budget: int | None = None,
        tool_images: Literal["auto", "function_response", "inline"] = "auto",
        **options: Any,
    ) -> None:
        super().__init__(model, **options)
        self.sdk = sdk
        self.thinking_budget = thinking_budget
        self.tool_images: ToolImagePlacement = tool_images if tool_images != "auto" else self._default_image_placement()

    @classmethod
    def from_env(cls, model: str | None = None, base_url: str | None = None, **options: Any) -> Self:
        """Build the client from GEMINI_API_KEY or GOOGLE_API_KEY and GOOGLE_GEMINI_BASE_URL (or `base_url`)."""
        key = read_api_key(cls.key_env_vars)
        url = base_url or os.environ.get("GOOGLE_GEMINI_BASE_URL") or None
        http_options = types.HttpOptions(base_url=url, retry_options=types.HttpRetryOptions(attempts=1))
        # vertexai=False: a GOOGLE_GENAI_USE_VERTEXAI variable must not send the key to Vertex AI.
        sdk = genai.Client(api_key=key, vertexai=False, http_options=http_options)
        client = cls(sdk, model or cls.default_model, **options)
        client.base_url = url or DEFAULT_BASE_URL
        return client

    def manifest_options(self) -> dict[str, Any]:
        return {"thinking_budget": self.thinking_budget, "tool_images": self.tool_images}

    def _default_image_placement(self) -> ToolImagePlacement:
        generation = model_generation(self.model)
        return "function_response" if generation is not None and generation >= 3 else "inline"

    async def request_once(self, request: ModelRequest) -> AgentTurn:
        """Send one generateContent request and convert the reply."""
        messages = fit_images(request.messages, max_images=MAX_IMAGES_PER_REQUEST, max_request_bytes=MAX_REQUEST_BYTES)
        contents = to_contents(messages, self.tool_images)
        try:
            response = await self.sdk.aio.models.generate_content(
                model=self.model, contents=contents, config=self.generation_config(request)
            )
        except pydantic.ValidationError as error:
            raise MalformedReplyError(f"reply does not match GenerateContentResponse: {error.error_count()} error(s)") from error
        return turn_from_response(response)

    def generation_config(self, request: ModelRequest) -> types.GenerateContentConfig:
        """Return the request's system prompt, tools and generation settings as SDK config."""
        settings = request.settings
        tools: list[types.Tool] = []
        if request.tools:
            tools.append(function_declarations(request.tools))
        if request.builtin_search:
            # NOTE: Gemini 2 models reject Google Search next to function declarations.
            tools.append(types.Tool(google_search=types.GoogleSearch()))

        return types.GenerateContentConfig(
            system_instruction=request.system,
            tools=tools or None,
            temperature=settings.temperature,
            max_output_tokens=settings.max_output_tokens,
            thinking_config=self.thinking_config(settings.reasoning_effort),
            # Function declarations only: the SDK must not try to run tools itself.
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            http_options=types.HttpOptions(timeout=int(settings.timeout_s * 1000)),
        )

    def thinking_config(self, effort: str | None) -> types.ThinkingConfig | None:
        """Return the thinking settings for `effort`, or None for the model's default."""
        generation = model_generation(self.model)
        if self.thinking_budget is not None:
            return types.ThinkingConfig(thinking_budget=self.thinking_budget)
        if effort is None or generation is None:
            return None
        if generation >= 3:
            return types.ThinkingConfig(thinking_level=THINKING_LEVELS[effort])
        return types.ThinkingConfig(thinking_budget=THINKING_BUDGETS[effort])

    def classify_error(self, error: BaseException) -> Fault | None:
        """Map google-genai and transport exceptions to faults."""
        if isinstance(error, genai_errors.APIError):
            return _api_fault(error)
        if isinstance(error, _TIMEOUT_ERRORS):
            return Fault(kind="retryable", message="request timed out")
        if isinstance(error, _TRANSPORT_ERRORS):
            return Fault(kind="retryable", message=f"connection failed: {type(error).__name__}: {error}")
        if isinstance(error, (EmptyReplyError, MalformedReplyError)):
            return Fault(kind="retryable", message=str(error))
        return None

    async def aclose(self) -> None:
        await self.sdk.aio.aclose()


def _api_fault(error: genai_errors.APIError) -> Fault:
    message = f"{error.status or ''} {error.message or ''}".strip() or str(error)
    if error.code == 413 or (error.code == 400 and _CONTEXT_PATTERN.search(message)):
        return Fault(kind="context_length", message=message, status=error.code)

    response = getattr(error, "response", None)
    headers = dict(response.headers) if getattr(response, "headers", None) is not None else None
    fault = fault_from_status(error.code, message, headers)
    if fault.kind == "retryable" and fault.retry_after is None:
        delay = retry_delay(error.details)
        if delay is not None:
            fault = Fault(kind=fault.kind, message=fault.message, retry_after=delay, status=fault.status)
    return fault


def retry_delay(body: Any) -> float | None:
    """Return the wait in seconds from a `google.rpc.RetryInfo` error detail, or None."""
    if not isinstance(body, dict):
        return None
    details = body.get("error", body).get("details")
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _RETRY_DELAY.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None
