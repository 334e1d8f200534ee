"""Provider-neutral conversation types and the base class every model client extends.

A conversation is a system prompt plus a list of messages of three kinds:

- `UserMessage`: text and images from the user (the question and the overview image).
- `AgentTurn` (from `pix2fact.agent`): the model's text, its tool calls, and any
  `provider_state` that must be sent back unchanged in later requests.
- `ToolResultsMessage`: the outcomes of the previous turn's tool calls, in call order.

A provider module (`openai_chat.py`, `gemini.py`, `anthropic.py`) subclasses `ModelClient`,
sets its class constants, and implements three methods:

- `from_env(model, base_url=None, **options)` builds the vendor SDK client from the key and
  base-URL environment variables, with the SDK's own retries switched off (`max_retries=0`).
- `request_once(request)` converts the request to the vendor's wire format, makes one call,
  and converts the reply to an `AgentTurn`. Vendor exceptions propagate unchanged.
- `classify_error(error)` maps a vendor exception to a `Fault`, or returns None for errors
  that are not the vendor's.

`ModelClient.generate` wraps `request_once` in the provider's limiter and the retry policy,
and raises `ProviderError` or `ContextLengthError` when a fault cannot be retried away.

Token counts in `Usage` follow one convention for every provider, so prices apply alike:
`input_tokens` includes `cached_tokens`, and `output_tokens` includes `reasoning_tokens`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Literal, Union

from pydantic import BaseModel, Field
from typing_extensions import Self

from pix2fact.agent import AgentTurn, ToolOutcome
from pix2fact.errors import ConfigError
from pix2fact.models.limits import ProviderLimiter, limiter_for
from pix2fact.models.retry import Fault, RetryPolicy, call_with_retry, register_secret
from pix2fact.tools.base import ImageBlob, ImageLimits, ToolSpec

logger = logging.getLogger(__name__)

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]


class UserMessage(BaseModel):
    """A user message: text followed by images."""

    role: Literal["user"] = "user"
    text: str
    images: list[ImageBlob] = Field(default_factory=list)


class ToolResultsMessage(BaseModel):
    """The results of one assistant turn's tool calls, in the order the calls were made."""

    role: Literal["tool_results"] = "tool_results"
    outcomes: list[ToolOutcome]


Message = Union[UserMessage, AgentTurn, ToolResultsMessage]


class GenerationSettings(BaseModel):
    """Sampling and budget options for one request. None leaves the provider's default."""

    temperature: float | None = None
    max_output_tokens: int | None = None
    reasoning_effort: ReasoningEffort | None = None
    timeout_s: float = 180.0


class ModelRequest(BaseModel):
    """Everything a client needs for one call.

    `builtin_search` makes the client enable the provider's own web search tool next to
    `tools` (the `builtin-search` setting). `task_id` only labels log lines.
    """

    system: str
    messages: list[Message]
    tools: list[ToolSpec] = Field(default_factory=list)
    settings: GenerationSettings = Field(default_factory=GenerationSettings)
    task_id: str | None = None
    builtin_search: bool = False


def tool_result_text(outcome: ToolOutcome) -> str:
    """Render a tool outcome as the text the model reads, so every provider shows the same words."""
    result = outcome.result
    if result.error is not None:
        return f"Error: {result.error}" + (f"\n{result.text}" if result.text else "")
    if result.text:
        return result.text
    if result.images:
        return f"{len(result.images)} image(s) attached."
    return "(no output)"


def image_caption(image: ImageBlob) -> str:
    """Return a one-line description of an image, sent next to it so the model can tell images apart."""
    label = f"{image.label}, " if image.label else ""
    return f"[image: {label}{image.width}x{image.height} px]"


def prune_images(messages: list[Message], keep: int) -> list[Message]:
    """Return a copy of `messages` in which only the newest `keep` images remain.

    Each older image is replaced by a one-line note in the text of the message that carried
    it, so the model still knows the image existed and can request it again. The input list
    and its messages are not modified.
    """
    remaining = max(0, keep)
    pruned: list[Message] = []
    for message in reversed(messages):
        if isinstance(message, UserMessage) and message.images:
            kept, notes = _split_images(message.images, remaining)
            remaining -= len(kept)
            if notes:
                message = message.model_copy(update={"images": kept, "text": _append(message.text, notes)})
        elif isinstance(message, ToolResultsMessage):
            outcomes = []
            for outcome in reversed(message.outcomes):
                result = outcome.result
                if result.images:
                    kept, notes = _split_images(result.images, remaining)
                    remaining -= len(kept)
                    if notes:
                        result = result.model_copy(update={"images": kept, "text": _append(result.text, notes)})
                        outcome = outcome.model_copy(update={"result": result})
                outcomes.append(outcome)
            message = message.model_copy(update={"outcomes": list(reversed(outcomes))})
        pruned.append(message)
    return list(reversed(pruned))


def _split_images(images: list[ImageBlob], budget: int) -> tuple[list[ImageBlob], list[str]]:
    # The newest images of a message are its last ones, so the budget is spent from the end.
    cut = max(0, len(images) - budget)
    notes = [f"{image_caption(image)} removed from the history to save context" for image in images[:cut]]
    return images[cut:], notes


def _append(text: str, notes: list[str]) -> str:
    return "\n".join([text, *notes]) if text else "\n".join(notes)


def read_api_key(names: tuple[str, ...], *, required: bool = True) -> str | None:
    """Return the first non-empty environment variable of `names`, registered for redaction.

    Raises:
        ConfigError: when `required` and none is set. The message names the variable and
            points to the offline baseline agent.
    """
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            register_secret(value)
            return value
    if required:
        variables = " or ".join(names)
        raise ConfigError(f"{variables} is not set; export it, or run offline with --agent baseline")
    return None


class ModelClient(ABC):
    """Base class of the provider clients: one conversation request in, one `AgentTurn` out.

    Subclasses set the class constants below and implement `from_env`, `request_once` and
    `classify_error`. Attributes:
        provider: provider name, used for the shared limiter and the price table.
        default_model: model used when the user gives none.
        image_limits: largest image the provider accepts. The engine sizes images to fit.
        max_images_per_request: images the provider accepts in one request.
        key_env_vars: environment variables read for the API key, first match wins.
        base_url_env_var: the SDK's own base-URL variable, honoured so gateways work.
        provider_options: keyword arguments of `__init__` that only this provider takes
            (for example `thinking_budget`); the model agent passes them when the user sets them.
    """

    provider: ClassVar[str]
    default_model: ClassVar[str]
    image_limits: ClassVar[ImageLimits] = ImageLimits()
    max_images_per_request: ClassVar[int] = 20
    key_env_vars: ClassVar[tuple[str, ...]] = ()
    base_url_env_var: ClassVar[str | None] = None
    provider_options: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        model: str,
        *,
        limiter: ProviderLimiter | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        self.model = model
        # The endpoint actually used, for the run manifest; subclasses set it from their SDK client.
        self.base_url: str | None = None
        # None means the provider's shared limiter, looked up in the running loop per call.
        self.limiter = limiter
        self.retry_policy = retry_policy or RetryPolicy()

    @classmethod
    @abstractmethod
    def from_env(cls, model: str | None = None, base_url: str | None = None, **options: Any) -> Self:
        """Build the client from environment variables; `options` go to `__init__`.

        Raises:
            ConfigError: when a required key is missing (see `read_api_key`).
        """

    @abstractmethod
    async def request_once(self, request: ModelRequest) -> AgentTurn:
        """Make one call to the provider, without retries. Vendor exceptions propagate."""

    @abstractmethod
    def classify_error(self, error: BaseException) -> Fault | None:
        """Map a vendor exception to a `Fault`, or return None if it is not the vendor's."""

    async def generate(self, request: ModelRequest) -> AgentTurn:
        """Return the model's next turn, retrying transient faults.

        Raises:
            ProviderError: a fault outlasted the retry policy, or cannot be retried.
            ContextLengthError: the request does not fit the model's context window.
        """

        limiter = self.limiter or limiter_for(self.provider)

        async def attempt() -> AgentTurn:
            async with limiter.slot():
                # The SDK gets the same timeout; this outer bound also covers a stuck transport.
                turn = await asyncio.wait_for(self.request_once(request), request.settings.timeout_s + 5)
            limiter.record_tokens(turn.usage.input_tokens + turn.usage.output_tokens)
            return turn

        started = time.monotonic()
        turn = await call_with_retry(
            attempt,
            classify=self._classify_with_timeouts,
            policy=self.retry_policy,
            label=f"{self.provider}/{self.model}",
            task_id=request.task_id,
        )
        usage = turn.usage
        logger.info(
            "%s/%s task %s: %d input tokens (%d cached), %d output (%d reasoning), %d tool call(s), %.1fs",
            self.provider,
            self.model,
            request.task_id or "-",
            usage.input_tokens,
            usage.cached_tokens,
            usage.output_tokens,
            usage.reasoning_tokens,
            len(turn.tool_calls),
            time.monotonic() - started,
        )
        return turn

    def manifest_options(self) -> dict[str, Any]:
        """Return the values of `provider_options` in effect, defaults resolved, for the run manifest."""
        return {}

    def _classify_with_timeouts(self, error: BaseException) -> Fault | None:
        if isinstance(error, asyncio.TimeoutError):
            return Fault(kind="retryable", message=f"no reply within {self.__class__.__name__} timeout")
        return self.classify_error(error)

    async def aclose(self) -> None:
        """Release the SDK's HTTP connections."""
        return None
