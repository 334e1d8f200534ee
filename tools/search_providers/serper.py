"""Serper (serper.dev), Google results as JSON.

Request: `POST {base}/search` with the key in the `X-API-KEY` header and a JSON body
`{"q": ..., "num": N}`. Reply: `organic[]` with `title`, `link`, `snippet`, `position` and, when
Google shows one, `date` (display text such as "Mar 5, 2024"). Other blocks (`answerBox`,
`knowledgeGraph`, `peopleAlsoAsk`) are not hits and are ignored.

Errors carry `{"message": ..., "statusCode": ...}`: an invalid key is 403 "Unauthorized.", and a
used-up balance is 400 "Not enough credits".
"""

from __future__ import annotations

import math
from typing import Any

import httpx

from pix2fact.tools.search_providers.parsing import make_hit, result_list
from pix2fact.tools.search_providers.provider import ErrorVerdict, HttpSearchProvider, ProviderRequest
from pix2fact.tools.web import SearchHit


class SerperSearch(HttpSearchProvider):
    """Serper. Environment: `SERPER_API_KEY`; `PIX2FACT_SERPER_URL` overrides the base URL."""

    name = "serper"
    key_variable = "SERPER_API_KEY"
    url_variable = "PIX2FACT_SERPER_URL"
    default_url = "https://google.serper.dev"
    signup_url = "https://serper.dev"
    max_results = 100

    def request_params(self, count: int) -> dict[str, Any]:
        return {"num": _page_size(count)}

    def build_request(self, query: str, count: int) -> ProviderRequest:
        return ProviderRequest(
            method="POST",
            path="/search",
            json={"q": query, "num": _page_size(count)},
            headers={"X-API-KEY": self._api_key},
        )

    def parse_response(self, body: Any) -> list[SearchHit]:
        results = sorted(result_list(body, "organic"), key=lambda result: result.get("position") or 0)
        hits = []
        for result in results:
            hit = make_hit(result.get("title"), result.get("link"), result.get("snippet"), result.get("date"))
            if hit is not None:
                hits.append(hit)
        return hits

    def classify_error(self, status: int, message: str, headers: httpx.Headers) -> ErrorVerdict:
        if status == 400 and "credit" in message.lower():
            return ErrorVerdict("quota", message)
        return super().classify_error(status, message, headers)


def _page_size(count: int) -> int:
    """Round the wanted count up to Serper's page sizes (10, 20, ... 100); extra hits are dropped."""
    # NOTE: Serper's playground offers only multiples of 10 for `num`; other values are untested.
    return min(100, max(10, math.ceil(count / 10) * 10))
