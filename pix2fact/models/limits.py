"""Per-provider limits on concurrent requests, requests per minute and tokens per minute.

All clients of one provider in one event loop share a `ProviderLimiter` (looked up by name
with `limiter_for`, configured with `configure_limits`), so concurrent tasks together stay under the account's limits. A slot is
held only while a request is in flight, never during a retry's back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

logger = logging.getLogger(__name__)

DEFAULT_MAX_CONCURRENCY = 8
_WINDOW_S = 60.0


class ProviderLimiter:
    """A concurrency limit plus optional sliding-window request and token rates.

    Args:
        name: provider name, shown in log lines.
        max_concurrency: requests in flight at once.
        requests_per_minute: requests started in any 60 s window, or None for no limit.
        tokens_per_minute: tokens (input plus output) used in any 60 s window, or None. Token
            counts are known only after a reply, so a burst can overshoot by the requests
            already in flight.
    """

    def __init__(
        self,
        name: str,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.name = name
        self.max_concurrency = max_concurrency
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.settings = LimitSettings(max_concurrency, requests_per_minute, tokens_per_minute)
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._request_times: deque[float] = deque()
        self._token_log: deque[tuple[float, int]] = deque()
        self._rate_lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one concurrency slot for the duration of a request, after the rate limits allow it."""
        async with self._semaphore:
            await self._wait_for_rates()
            yield

    def record_tokens(self, tokens: int) -> None:
        """Count the tokens of a finished request against the tokens-per-minute limit."""
        if self.tokens_per_minute is not None and tokens > 0:
            self._token_log.append((time.monotonic(), tokens))

    async def _wait_for_rates(self) -> None:
        # One waiter at a time, so requests start in arrival order once the window frees up.
        async with self._rate_lock:
            while True:
                delay = self._delay_needed(time.monotonic())
                if delay <= 0:
                    break
                logger.info("rate limit of %s reached locally; waiting %.1fs", self.name, delay)
                await asyncio.sleep(delay)
            self._request_times.append(time.monotonic())

    def _delay_needed(self, now: float) -> float:
        while self._request_times and now - self._request_times[0] >= _WINDOW_S:
            self._request_times.popleft()
        while self._token_log and now - self._token_log[0][0] >= _WINDOW_S:
            self._token_log.popleft()

        delay = 0.0
        if self.requests_per_minute is not None and len(self._request_times) >= self.requests_per_minute:
            delay = max(delay, _WINDOW_S - (now - self._request_times[0]))
        if self.tokens_per_minute is not None and self._token_log:
            used = sum(tokens for _, tokens in self._token_log)
            if used >= self.tokens_per_minute:
                delay = max(delay, _WINDOW_S - (now - self._token_log[0][0]))
        return delay


@dataclass(frozen=True)
class LimitSettings:
    """Limits of one provider, as the user configured them."""

    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None


_SETTINGS: dict[str, LimitSettings] = {}
# asyncio primitives belong to one event loop, so limiters are kept per loop.
_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, ProviderLimiter]] = (
    weakref.WeakKeyDictionary()
)


def configure_limits(
    name: str,
    *,
    max_concurrency: int | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
) -> None:
    """Set the limits of provider `name` for limiters created from now on.

    Limiters already in use keep their settings only until the next `limiter_for` call, which
    replaces a limiter whose settings changed (requests holding a slot of the old one finish).
    """
    _SETTINGS[name] = LimitSettings(
        max_concurrency=max_concurrency or DEFAULT_MAX_CONCURRENCY,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
    )


def limiter_for(name: str) -> ProviderLimiter:
    """Return the shared limiter of provider `name` in the running event loop.

    Outside a running loop, a fresh unshared limiter is returned.
    """
    settings = _SETTINGS.get(name, LimitSettings())
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _make(name, settings)

    by_name = _LIMITERS.setdefault(loop, {})
    current = by_name.get(name)
    if current is None or current.settings != settings:
        current = by_name[name] = _make(name, settings)
    return current


def _make(name: str, settings: LimitSettings) -> ProviderLimiter:
    return ProviderLimiter(
        name,
        max_concurrency=settings.max_concurrency,
        requests_per_minute=settings.requests_per_minute,
        tokens_per_minute=settings.tokens_per_minute,
    )
