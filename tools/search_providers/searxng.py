"""A self-hosted SearXNG instance, through its JSON search API.

Request: `GET {SEARXNG_URL}/search?q=...&format=json&pageno=1`. There is no key and no
result-count parameter: a page contains what the instance's engines return (about 10 to 30
results), and the provider keeps the first `limit`. Reply: `results[]` with `url`, `title`,
`content` (the snippet), `engine` and `publishedDate` (ISO 8601 or null), plus
`unresponsive_engines` as `[engine, reason]` pairs.

An instance returns 403 when `json` is missing from `search.formats` in its settings.yml,
and its bot limiter returns 429.
Source: docs.searxng.org/dev/search_api.
"""

from __future__ import annotations

from typing import Any

import httpx

from pix2fact.tools.search_providers.parsing import make_hit, result_list
from pix2fact.tools.search_providers.provider import ErrorVerdict, HttpSearchProvider, ProviderRequest
from pix2fact.tools.search_providers.retry import RetryableFault
from pix2fact.tools.web import SearchHit


class SearxngSearch(HttpSearchProvider):
    """SearXNG. Environment: `SEARXNG_URL`, the instance's base URL (there is no default).

    Args:
        language: SearXNG's `language` parameter, e.g. "en"; None leaves the instance default.
    """

    name = "searxng"
    key_variable = None
    url_variable = "SEARXNG_URL"
    default_url = None
    max_results = 50

    def __init__(self, *, language: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.language = language

    def request_params(self, count: int) -> dict[str, Any]:
        # The count is not sent, so every limit shares one cache entry.
        return {"pageno": 1, "language": self.language}

    def build_request(self, query: str, count: int) -> ProviderRequest:
        params: dict[str, Any] = {"q": query, "format": "json", "pageno": 1}
        if self.language:
            params["language"] = self.language
        return ProviderRequest(method="GET", path="/search", params=params, headers={"Accept": "application/json"})

    def parse_response(self, body: Any) -> list[SearchHit]:
        hits = []
        seen: set[str] = set()
        for result in result_list(body, "results"):
            hit = make_hit(result.get("title"), result.get("url"), result.get("content"), result.get("publishedDate"))
            if hit is not None and hit.url not in seen:
                seen.add(hit.url)
                hits.append(hit)

        # No results while engines failed means the instance could not search, not that the
        # web has nothing: retry, then let a fallback provider take over.
        failed = result_list(body, "unresponsive_engines")
        if not hits and failed:
            names = ", ".join(str(entry[0]) if isinstance(entry, list) and entry else str(entry) for entry in failed)
            raise RetryableFault(f"no results and unresponsive engines: {names}")
        return hits

    def classify_error(self, status: int, message: str, headers: httpx.Headers) -> ErrorVerdict:
        if status == 403:
            hint = "the instance may not allow format=json (add json to search.formats in its settings.yml), or it needs credentials in SEARXNG_URL"
            return ErrorVerdict("reject", f"{hint}: {message}")
        return super().classify_error(status, message, headers)
