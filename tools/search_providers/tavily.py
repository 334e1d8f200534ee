"""Tavily Search API.

Request: `POST {base}/search` with `Authorization: Bearer <key>` and a JSON body holding
`query`, `max_results` (at most 20), `search_depth`, `topic` and the `include_*` switches, all
of which are turned off here because the agent reads pages itself. Reply: `results[]` with
`title`, `url`, `content` (the snippet), `score` and, for some results, `published_date`.

Errors carry `{"detail": {"error": "..."}}`. Besides 401 and 429, Tavily returns 432 when the
plan's limit is used up and 433 when the pay-as-you-go limit is.
Sources: docs.tavily.com/api-reference and help.tavily.com (HTTP errors), read in 2026.
"""

from __future__ import annotations

from typing import Any

import httpx

from pix2fact.tools.search_providers.parsing import make_hit, result_list
from pix2fact.tools.search_providers.provider import ErrorVerdict, HttpSearchProvider, ProviderRequest
from pix2fact.tools.web import SearchHit

PLAN_LIMIT_STATUSES = (432, 433)


class TavilySearch(HttpSearchProvider):
    """Tavily. Environment: `TAVILY_API_KEY`; `PIX2FACT_TAVILY_URL` overrides the base URL.

    Args:
        search_depth: "basic" (1 credit a query) or "advanced" (2 credits).
    """

    name = "tavily"
    key_variable = "TAVILY_API_KEY"
    url_variable = "PIX2FACT_TAVILY_URL"
    default_url = "https://api.tavily.com"
    signup_url = "https://app.tavily.com"
    max_results = 20

    def __init__(self, *, search_depth: str = "basic", **options: Any) -> None:
        super().__init__(**options)
        self.search_depth = search_depth

    def request_params(self, count: int) -> dict[str, Any]:
        return {"count": count, "search_depth": self.search_depth}

    def build_request(self, query: str, count: int) -> ProviderRequest:
        body = {
            "query": query,
            "max_results": count,
            "search_depth": self.search_depth,
            "topic": "general",
            "include_answer": False,
            "include_raw_content": False,
            "include_images": False,
        }
        return ProviderRequest(method="POST", path="/search", json=body, headers={"Authorization": f"Bearer {self._api_key}"})

    def parse_response(self, body: Any) -> list[SearchHit]:
        hits = []
        for result in result_list(body, "results"):
            hit = make_hit(result.get("title"), result.get("url"), result.get("content"), result.get("published_date"))
            if hit is not None:
                hits.append(hit)
        return hits

    def classify_error(self, status: int, message: str, headers: httpx.Headers) -> ErrorVerdict:
        if status in PLAN_LIMIT_STATUSES:
            return ErrorVerdict("quota", message)
        return super().classify_error(status, message, headers)
