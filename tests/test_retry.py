"""Retry policy, Retry-After parsing, secret redaction and the per-provider limiter."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time

import pytest

from pix2fact.errors import ContextLengthError, ProviderError
from pix2fact.models.limits import ProviderLimiter, configure_limits, limiter_for
from pix2fact.models.retry import (
    Fault,
    RetryPolicy,
    call_with_retry,
    fault_from_status,
    parse_retry_after,
    redact,
    register_secret,
)

FAST = RetryPolicy(max_attempts=5, max_total_s=5, initial_wait_s=0.01, max_wait_s=0.02)


class Flaky(Exception):
    def __init__(self, fault: Fault) -> None:
        super().__init__(fault.message)
        self.fault = fault


def classify(error: BaseException) -> Fault | None:
    return error.fault if isinstance(error, Flaky) else None


def script(*outcomes):
    """Return an attempt function that raises or returns the given outcomes in order, and its call log."""
    calls: list[float] = []
    queue = list(outcomes)

    async def attempt():
        calls.append(time.monotonic())
        outcome = queue.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return attempt, calls


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "1500", "Retry-After": "9"}, 1.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
        (None, None),
    ],
    ids=["seconds", "fraction", "milliseconds-first", "negative", "garbage", "absent", "no-headers"],
)
def test_parse_retry_after(headers, expected):
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date():
    moment = email.utils.formatdate(time.time() + 30, usegmt=True)

    wait = parse_retry_after({"Retry-After": moment})

    assert wait is not None
    assert 28 <= wait <= 30


@pytest.mark.parametrize(
    ("status", "kind"),
    [(429, "retryable"), (500, "retryable"), (503, "retryable"), (408, "retryable"), (400, "fatal"), (401, "fatal"), (404, "fatal")],
)
def test_fault_from_status(status, kind):
    fault = fault_from_status(status, "message", {"Retry-After": "3"})

    assert fault.kind == kind
    assert fault.status == status
    assert fault.retry_after == (3.0 if kind == "retryable" else None)


async def test_retry_until_success(caplog):
    caplog.set_level(logging.INFO, logger="pix2fact.models.retry")
    attempt, calls = script(Flaky(Fault("retryable", "HTTP 500: boom")), Flaky(Fault("retryable", "HTTP 503: busy")), "ok")

    result = await call_with_retry(attempt, classify=classify, policy=FAST, label="fake/model", task_id="t-1")

    assert result == "ok"
    assert len(calls) == 3
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("retrying fake/model for task t-1 in ")
    assert "attempt 1 of 5 failed): HTTP 500: boom" in messages[0]
    assert all(record.levelno == logging.INFO for record in caplog.records)


async def test_retry_after_sets_wait():
    attempt, calls = script(Flaky(Fault("retryable", "HTTP 429", retry_after=0.3)), "ok")

    await call_with_retry(attempt, classify=classify, policy=FAST, label="fake")

    assert calls[1] - calls[0] >= 0.3


async def test_retry_after_capped():
    policy = FAST.model_copy(update={"max_retry_after_s": 0.05})
    attempt, calls = script(Flaky(Fault("retryable", "HTTP 429", retry_after=30)), "ok")

    await call_with_retry(attempt, classify=classify, policy=policy, label="fake")

    assert calls[1] - calls[0] < 1.0


async def test_attempts_bounded():
    attempt, calls = script(*[Flaky(Fault("retryable", "HTTP 500: down")) for _ in range(5)])

    with pytest.raises(ProviderError) as caught:
        await call_with_retry(attempt, classify=classify, policy=FAST, label="fake/model")

    assert len(calls) == 5
    assert str(caught.value) == "fake/model: gave up after 5 attempt(s): HTTP 500: down"


async def test_total_time_bounded():
    policy = RetryPolicy(max_attempts=50, max_total_s=0.5, initial_wait_s=0.01, max_wait_s=0.02)
    attempt, calls = script(*([Flaky(Fault("retryable", "HTTP 429", retry_after=0.2))] * 50))

    started = time.monotonic()
    with pytest.raises(ProviderError):
        await call_with_retry(attempt, classify=classify, policy=policy, label="fake")

    assert time.monotonic() - started < 1.0
    assert 2 <= len(calls) <= 4


async def test_context_length_never_retried():
    attempt, calls = script(Flaky(Fault("context_length", "too long")), "never")

    with pytest.raises(ContextLengthError):
        await call_with_retry(attempt, classify=classify, policy=FAST, label="fake")

    assert len(calls) == 1


async def test_fatal_fault_not_retried():
    attempt, calls = script(Flaky(Fault("fatal", "HTTP 400: bad")), "never")

    with pytest.raises(ProviderError) as caught:
        await call_with_retry(attempt, classify=classify, policy=FAST, label="fake")

    assert len(calls) == 1
    assert "request rejected: HTTP 400: bad" in str(caught.value)


async def test_foreign_errors_propagate():
    attempt, calls = script(KeyError("bug"), "never")

    with pytest.raises(KeyError):
        await call_with_retry(attempt, classify=classify, policy=FAST, label="fake")

    assert len(calls) == 1


def test_redact_secrets_and_key_shapes():
    register_secret("custom-secret-value-123")

    text = redact("key custom-secret-value-123, sk-proj-abcdEFGH1234 and AIzaSyA1234567890abcdef here")

    assert text == "key [redacted], [redacted] and [redacted] here"


async def test_limiter_bounds_concurrency():
    limiter = ProviderLimiter("test", max_concurrency=2)
    running = 0
    peak = 0

    async def request():
        nonlocal running, peak
        async with limiter.slot():
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.02)
            running -= 1

    await asyncio.gather(*(request() for _ in range(6)))

    assert peak == 2


async def test_limiter_requests_per_minute(monkeypatch):
    limiter = ProviderLimiter("test", max_concurrency=5, requests_per_minute=2)
    sleeps: list[float] = []
    real_sleep = asyncio.sleep

    async def record_sleep(delay):
        sleeps.append(delay)
        # Jump the limiter's clock past the window instead of waiting a minute.
        limiter._request_times.clear()
        await real_sleep(0)

    monkeypatch.setattr("pix2fact.models.limits.asyncio.sleep", record_sleep)
    for _ in range(3):
        async with limiter.slot():
            pass

    assert len(sleeps) == 1
    assert 59 < sleeps[0] <= 60


async def test_limiter_tokens_per_minute():
    limiter = ProviderLimiter("test", tokens_per_minute=1000)

    limiter.record_tokens(600)
    assert limiter._delay_needed(time.monotonic()) == 0
    limiter.record_tokens(500)

    assert limiter._delay_needed(time.monotonic()) > 59


async def test_limiter_shared_by_name():
    configure_limits("shared-test", max_concurrency=3)

    first = limiter_for("shared-test")
    second = limiter_for("shared-test")

    assert first is second
    assert first.max_concurrency == 3
    configure_limits("shared-test", max_concurrency=5)
    assert limiter_for("shared-test").max_concurrency == 5
