"""Brave Search API, web search endpoint.

Request: `GET {base}/res/v1/web/search?q=...&count=N` with the key in the
`X-Subscription-Token` header; `count` is at most 20. Reply: hits in `web.results[]`, each with
`title`, `url`, `description` (with `<strong>` highlights) and, when Brave dates the page,
`page_age` (ISO 8601) and `age` (display text). A reply without `web` has no hits.

Errors carry `{"type": "ErrorResponse", "error": {"status", "code", "detail"}}`.
Source: Brave Search API documentation, api-dashboard.search.brave.com/app/documentation.
"""

from __future__ import annotations

from typing import Any

import httpx

from pix2fact.tools.search_providers.parsing import make_hit, result_list
from pix2fact.tools.search_providers.provider import ErrorVerdict, HttpSearchProvider, ProviderRequest
from pix2fact.tools.search_providers.retry import parse_retry_after
from pix2fact.tools.web import SearchHit


class BraveSearch(HttpSearchProvider):
    """Brave Search. Environment: `BRAVE_API_KEY`; `PIX2FACT_BRAVE_URL` overrides the base URL."""

    name = "brave"
    key_variable = "BRAVE_API_KEY"
    url_variable = "PIX2FACT_BRAVE_URL"
    default_url = "https://api.search.brave.com"
    signup_url = "https://brave.com/search/api/"
    max_results = 20

    def build_request(self, query: str, count: int) -> ProviderRequest:
        return ProviderRequest(
            method="GET",
            path="/res/v1/web/search",
            params={"q": query, "count": count},
            headers={"Accept": "application/json", "X-Subscription-Token": self._api_key},
        )

    def parse_response(self, body: Any) -> list[SearchHit]:
        hits = []
        for result in result_list(body, "web", "results"):
            hit = make_hit(result.get("title"), result.get("url"), result.get("description"), result.get("page_age") or result.get("age"))
            if hit is not None:
                hits.append(hit)
        return hits

    def error_message(self, body: Any) -> str:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = body["error"]
            return f"{error.get('code', '')}: {error.get('detail', '')}".strip(": ")
        return super().error_message(body)

    def classify_error(self, status: int, message: str, headers: httpx.Headers) -> ErrorVerdict:
        # Brave rejects an invalid key with 422 and code SUBSCRIPTION_TOKEN_INVALID, and a used-up
        # monthly quota with 429 and code QUOTA_LIMITED (per-second limits are RATE_LIMITED).
        code = message.upper()
        if 400 <= status < 500 and status != 429 and "SUBSCRIPTION" in code:
            return ErrorVerdict("auth", message)
        if 400 <= status < 500 and "QUOTA" in code:
            return ErrorVerdict("quota", message)
        verdict = super().classify_error(status, message, headers)
        if status == 429 and verdict.retry_after_s is None:
            return ErrorVerdict("retry", message, _rate_limit_wait(headers))
        return verdict


def _rate_limit_wait(headers: httpx.Headers) -> float | None:
    """Return the wait until Brave's exhausted rate window resets, from its X-RateLimit headers.

    Brave sends one comma-separated value per window (per second, per month), and
    `X-RateLimit-Reset` counts seconds until each window resets.
    """
    # NOTE: the header layout follows Brave's documentation; no live 429 has been observed.
    try:
        remaining = [int(value) for value in headers.get("x-ratelimit-remaining", "").split(",") if value.strip()]
        resets = [float(value) for value in headers.get("x-ratelimit-reset", "").split(",") if value.strip()]
    except ValueError:
        return parse_retry_after(headers)
    exhausted = [reset for left, reset in zip(remaining, resets) if left <= 0]
    if exhausted:
        return max(exhausted)
    return min(resets) if resets else None
