"""Retries for model calls: exponential, jittered, honouring `Retry-After`, bounded.

Provider clients classify each vendor exception as a `Fault`:

- `retryable`: rate limits (429), server errors (5xx, 408, 409), timeouts, dropped connections.
- `context_length`: the request no longer fits the context window. Never retried, because
  the same request fails the same way, and raised as `ContextLengthError`.
- `fatal`: anything else the vendor rejected (bad request, wrong key). Raised at once as
  `ProviderError`.

The SDKs' own retries are switched off (`max_retries=0`) so nothing retries twice.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from pydantic import BaseModel
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_before_delay
from tenacity.wait import wait_random_exponential

from pix2fact.errors import ContextLengthError, ProviderError

logger = logging.getLogger(__name__)

T = TypeVar("T")

_KNOWN_SECRETS: set[str] = set()
# Key-shaped tokens (OpenAI `sk-...`, Anthropic `sk-ant-...`, Google `AIza...`) that a vendor
# may echo in an error message, even partly masked.
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-*]{6,}|AIza[A-Za-z0-9_\-]{10,})")


@dataclass(frozen=True)
class Fault:
    """A vendor error, classified. `retry_after` is the server's requested wait in seconds."""

    kind: Literal["retryable", "context_length", "fatal"]
    message: str
    retry_after: float | None = None
    status: int | None = None


class RetryPolicy(BaseModel):
    """Bounds of the retry loop. Waits grow exponentially with full jitter up to `max_wait_s`.

    A `Retry-After` from the server replaces the computed wait, capped at `max_retry_after_s`.
    No retry starts if its wait would end after `max_total_s` from the first attempt.
    """

    max_attempts: int = 6
    max_total_s: float = 600.0
    initial_wait_s: float = 1.0
    max_wait_s: float = 60.0
    max_retry_after_s: float = 300.0


def register_secret(value: str) -> None:
    """Remember a secret so `redact` removes it from every message the harness writes."""
    if len(value) >= 8:
        _KNOWN_SECRETS.add(value)


def redact(text: str) -> str:
    """Remove registered secrets and key-shaped tokens from `text`."""
    for secret in _KNOWN_SECRETS:
        text = text.replace(secret, "[redacted]")
    return _KEY_PATTERN.sub("[redacted]", text)


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Return the wait a response asks for, in seconds, or None.

    Reads `retry-after-ms` (sent by OpenAI) and `Retry-After` as seconds or as an HTTP date
    (RFC 9110, section 10.2.3).
    """
    if not headers:
        return None
    lowered = {key.lower(): value for key, value in headers.items()}

    milliseconds = lowered.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass

    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def fault_from_status(status: int, message: str, headers: Mapping[str, str] | None = None) -> Fault:
    """Classify an HTTP error status. Context-length detection is left to each provider."""
    retryable = status in (408, 409, 429) or status >= 500
    return Fault(
        kind="retryable" if retryable else "fatal",
        message=f"HTTP {status}: {message}",
        retry_after=parse_retry_after(headers) if retryable else None,
        status=status,
    )


async def call_with_retry(
    attempt: Callable[[], Awaitable[T]],
    *,
    classify: Callable[[BaseException], Fault | None],
    policy: RetryPolicy,
    label: str,
    task_id: str | None = None,
) -> T:
    """Run `attempt` until it succeeds or the policy gives up, then translate the last fault.

    Exceptions that `classify` maps to None are not the provider's and propagate unchanged.

    Raises:
        ContextLengthError: for a `context_length` fault (never retried).
        ProviderError: for a `fatal` fault, or a `retryable` one that outlasted the policy.
    """
    backoff = wait_random_exponential(multiplier=policy.initial_wait_s, max=policy.max_wait_s)

    def is_retryable(error: BaseException) -> bool:
        fault = classify(error)
        return fault is not None and fault.kind == "retryable"

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        fault = classify(error) if error is not None else None
        if fault is not None and fault.retry_after is not None:
            return min(fault.retry_after, policy.max_retry_after_s)
        return backoff(state)

    def log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        fault = classify(error) if error is not None else None
        wait_s = state.next_action.sleep if state.next_action else 0.0
        logger.info(
            "retrying %s for task %s in %.2fs (attempt %d of %d failed): %s",
            label,
            task_id or "-",
            wait_s,
            state.attempt_number,
            policy.max_attempts,
            redact(fault.message) if fault else type(error).__name__,
        )

    retrying = AsyncRetrying(
        retry=retry_if_exception(is_retryable),
        wait=wait,
        stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.max_total_s),
        before_sleep=log_retry,
        reraise=True,
    )
    attempts = 0
    try:
        async for attempt_state in retrying:
            with attempt_state:
                attempts += 1
                return await attempt()
    except Exception as error:
        fault = classify(error)
        if fault is None:
            raise
        message = redact(fault.message)
        if fault.kind == "context_length":
            raise ContextLengthError(f"{label}: context window exceeded: {message}") from None
        if fault.kind == "retryable":
            raise ProviderError(f"{label}: gave up after {attempts} attempt(s): {message}") from None
        raise ProviderError(f"{label}: request rejected: {message}") from None
    raise AssertionError("unreachable: tenacity ended without a result or an error")
