"""Google Programmable Search Engine through the Custom Search JSON API.

Request: `GET {base}/customsearch/v1?cx=<engine id>&q=...&num=N`, `num` at most 10. Google's
reference passes the key as the `key` query parameter. This client sends it in the
`X-goog-api-key` header instead, so that the key never appears in a URL that httpx or a proxy
logs.
Reply: `items[]` with `title`, `link`, `snippet` and `pagemap.metatags[]`. The API has no
date field, so the date comes from a page's `article:published_time` style meta tags. A
reply without `items` has no hits.

Errors carry `{"error": {"code", "message", "errors": [{"reason"}], "status"}}`. An invalid key
is 400 with reason `keyInvalid`; the daily quota is 429 (or 403 `dailyLimitExceeded`) with a
message naming "per day".

Google's overview page states that the API is closed to new customers and will be shut down on
1 January 2027 (developers.google.com/custom-search/v1/overview, read in 2026).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from pix2fact.errors import ConfigError
from pix2fact.tools.search_providers.parsing import make_hit, result_list
from pix2fact.tools.search_providers.provider import ErrorVerdict, HttpSearchProvider, ProviderRequest
from pix2fact.tools.web import SearchHit

DATE_META_TAGS = ("article:published_time", "og:article:published_time", "datepublished", "date", "dc.date", "article:modified_time")
AUTH_REASONS = ("keyinvalid", "accessnotconfigured", "forbidden", "permission_denied", "api_key_invalid")
DAILY_QUOTA_REASONS = ("dailylimitexceeded", "quotaexceeded")


class GoogleSearch(HttpSearchProvider):
    """Google Programmable Search.

    Environment: `GOOGLE_CSE_API_KEY` and `GOOGLE_CSE_ID` (the engine's `cx`);
    `PIX2FACT_GOOGLE_URL` overrides the base URL.

    Args:
        engine_id: the Programmable Search Engine id (`cx`).
    """

    name = "google"
    key_variable = "GOOGLE_CSE_API_KEY"
    url_variable = "PIX2FACT_GOOGLE_URL"
    default_url = "https://www.googleapis.com"
    signup_url = "https://programmablesearchengine.google.com"
    max_results = 10

    def __init__(self, *, engine_id: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        if not engine_id:
            raise ConfigError(
                "search provider 'google' needs a search engine id: set GOOGLE_CSE_ID to the engine's cx, or run offline with `--tasks sample`"
            )
        self.engine_id = engine_id

    @classmethod
    def settings_from_env(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {"engine_id": env.get("GOOGLE_CSE_ID", "").strip() or None}

    def cache_scope(self) -> list[str]:
        return [self.base_url, self.engine_id]

    def build_request(self, query: str, count: int) -> ProviderRequest:
        return ProviderRequest(
            method="GET",
            path="/customsearch/v1",
            params={"cx": self.engine_id, "q": query, "num": count},
            # NOTE: Google Cloud accepts API keys in the X-goog-api-key header; this has not yet
            # been tried against the live Custom Search API, whose reference shows only `key=`.
            headers={"X-goog-api-key": self._api_key, "Accept": "application/json"},
        )

    def parse_response(self, body: Any) -> list[SearchHit]:
        hits = []
        for item in result_list(body, "items"):
            hit = make_hit(item.get("title"), item.get("link"), item.get("snippet"), _meta_date(item))
            if hit is not None:
                hits.append(hit)
        return hits

    def error_message(self, body: Any) -> str:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = body["error"]
            reasons = [entry.get("reason", "") for entry in error.get("errors") or [] if isinstance(entry, dict)]
            tags = ", ".join(reason for reason in [error.get("status"), *reasons] if reason)
            return f"{error.get('message', '')} ({tags})" if tags else str(error.get("message", ""))
        return super().error_message(body)

    def classify_error(self, status: int, message: str, headers: httpx.Headers) -> ErrorVerdict:
        lowered = message.lower()
        if status in (429, 403) and ("per day" in lowered or any(reason in lowered for reason in DAILY_QUOTA_REASONS)):
            return ErrorVerdict("quota", message)
        if status == 403 and "ratelimitexceeded" in lowered:
            return ErrorVerdict("retry", message)
        if status in (400, 401, 403) and ("api key not valid" in lowered or any(reason in lowered for reason in AUTH_REASONS)):
            return ErrorVerdict("auth", message)
        return super().classify_error(status, message, headers)


def _meta_date(item: dict[str, Any]) -> str | None:
    pagemap = item.get("pagemap")
    metatags = pagemap.get("metatags") if isinstance(pagemap, dict) else None
    if not isinstance(metatags, list):
        return None
    for tags in metatags:
        if not isinstance(tags, dict):
            continue
        lowered = {str(key).lower(): value for key, value in tags.items()}
        for name in DATE_META_TAGS:
            if isinstance(lowered.get(name), str) and lowered[name].strip():
                return lowered[name]
    return None
