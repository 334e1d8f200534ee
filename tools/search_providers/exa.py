"""Exa search API.

Request: `POST {base}/search` with the key in the `x-api-key` header and a JSON body
`{"query", "numResults", "type": "auto", "contents": {"highlights": true}}`. Highlights are
short query-relevant excerpts, which serve as the snippet; without `contents` a result carries
no text at all. Reply: `results[]` with `title`, `url`, `publishedDate` (ISO 8601, may be
null), `author` and `highlights[]` (or `text` / `summary` when those were requested).

Errors carry `{"requestId", "error", "tag"}`: 401 for a missing or invalid key, 402 when the
credits or the key's budget are used up (tags NO_MORE_CREDITS, API_KEY_BUDGET_EXCEEDED), 429.
Sources: exa.ai/docs/reference/search and exa.ai/docs/reference/error-codes, read in 2026.
"""

from __future__ import annotations

from typing import Any

from pix2fact.tools.search_providers.parsing import make_hit, result_list
from pix2fact.tools.search_providers.provider import HttpSearchProvider, ProviderRequest
from pix2fact.tools.web import SearchHit

SNIPPET_MAX_CHARS = 400


class ExaSearch(HttpSearchProvider):
    """Exa. Environment: `EXA_API_KEY`; `PIX2FACT_EXA_URL` overrides the base URL.

    Args:
        search_type: Exa's `type`: "auto" lets Exa choose between keyword and neural search.
    """

    name = "exa"
    key_variable = "EXA_API_KEY"
    url_variable = "PIX2FACT_EXA_URL"
    default_url = "https://api.exa.ai"
    signup_url = "https://dashboard.exa.ai"
    max_results = 100

    def __init__(self, *, search_type: str = "auto", **options: Any) -> None:
        super().__init__(**options)
        self.search_type = search_type

    def request_params(self, count: int) -> dict[str, Any]:
        return {"count": count, "type": self.search_type}

    def build_request(self, query: str, count: int) -> ProviderRequest:
        body = {"query": query, "numResults": count, "type": self.search_type, "contents": {"highlights": True}}
        return ProviderRequest(method="POST", path="/search", json=body, headers={"x-api-key": self._api_key})

    def parse_response(self, body: Any) -> list[SearchHit]:
        hits = []
        for result in result_list(body, "results"):
            hit = make_hit(result.get("title"), result.get("url"), _snippet(result), result.get("publishedDate"))
            if hit is not None:
                hits.append(hit)
        return hits


def _snippet(result: dict[str, Any]) -> str:
    highlights = result.get("highlights")
    if isinstance(highlights, list) and highlights:
        return " ... ".join(text for text in highlights if isinstance(text, str))
    for key in ("summary", "text"):
        value = result.get(key)
        if isinstance(value, str) and value:
            return value[:SNIPPET_MAX_CHARS]
    return ""
