"""Bounded retries for search requests: exponential backoff with full jitter, honouring Retry-After.

Only `RetryableFault` is retried: timeouts, dropped connections, 408, 429 and 5xx. A 429 whose
requested wait exceeds `RetryPolicy.max_retry_after_s` is not a burst but an exhausted quota,
and the provider raises `SearchQuotaError` instead, so that a fallback provider takes over at once.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from pydantic import BaseModel
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, stop_before_delay
from tenacity.wait import wait_random_exponential

from pix2fact.tools.search_providers.errors import SearchUnavailableError

logger = logging.getLogger(__name__)

T = TypeVar("T")


class RetryPolicy(BaseModel):
    """Bounds of one query's retries.

    Attributes:
        max_attempts: requests per query, the first included.
        max_total_s: no retry starts if its wait would end later than this after the first attempt.
        initial_wait_s: scale of the exponential backoff; the n-th wait is random in
            [0, initial_wait_s * 2**n], capped at `max_wait_s`.
        max_wait_s: maximum computed wait between attempts.
        max_retry_after_s: maximum server-requested wait (Retry-After) that is honoured; a
            longer one on a 429 is treated as an exhausted quota.
    """

    max_attempts: int = 4
    max_total_s: float = 60.0
    initial_wait_s: float = 0.5
    max_wait_s: float = 8.0
    max_retry_after_s: float = 30.0


class RetryableFault(Exception):
    """A transient failure of one attempt. `retry_after_s` is the server's requested wait."""

    def __init__(self, message: str, *, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after_s = retry_after_s


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Return the wait, in seconds, that a `Retry-After` header requests, or None.

    The header contains either seconds or an HTTP date (RFC 9110, section 10.2.3).
    """
    value = headers.get("retry-after")
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


async def call_with_retry(attempt: Callable[[], Awaitable[T]], *, policy: RetryPolicy, provider: str) -> T:
    """Run `attempt` until it returns, raises a non-retryable error, or the policy gives up.

    Raises:
        SearchUnavailableError: the last attempt failed with a `RetryableFault`.
        Exception: whatever `attempt` raised that is not a `RetryableFault`, unchanged.
    """
    backoff = wait_random_exponential(multiplier=policy.initial_wait_s, max=policy.max_wait_s)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableFault) and error.retry_after_s is not None:
            return min(error.retry_after_s, policy.max_retry_after_s)
        return backoff(state)

    def log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait_s = state.next_action.sleep if state.next_action else 0.0
        logger.info(
            "search %s: retrying in %.2f s (attempt %d of %d failed): %s",
            provider,
            wait_s,
            state.attempt_number,
            policy.max_attempts,
            error,
        )

    retrying = AsyncRetrying(
        retry=retry_if_exception_type(RetryableFault),
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
    except RetryableFault as fault:
        raise SearchUnavailableError(provider, f"gave up after {attempts} attempt(s): {fault.message}", status=fault.status) from None
    raise AssertionError("unreachable: tenacity ended without a result or an error")
