"""Fakes of the search providers' HTTP APIs on 127.0.0.1, for testing the live providers offline.

    with SearchApiServer(API["brave"], key=KEY, script=[Reply(json=API["brave"].results([hit]))]) as server:
        backend = make_search_backend("brave", env=provider_env("brave", server.url, KEY))

Like the real service, the server checks each request before taking the next scripted reply,
and replies without using up the script when:

- the method or path is not the provider's search endpoint (404);
- the key is missing or wrong where the provider reads it (the vendor's own auth error:
  Brave 422 SUBSCRIPTION_TOKEN_INVALID, Serper 403, Google 400 keyInvalid, others 401);
- the query is missing, or SearXNG was not asked for `format=json` (400 / 403).

Reply bodies follow each vendor's documented JSON (see the provider modules for sources), with
realistic extra fields the client must ignore. A request after the script ran out gets HTTP
418 and is listed in `server.unexpected`.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from fakes.base import FakeServer, RecordedRequest, Reply


@dataclass(frozen=True)
class Result:
    """One search result as a test states it; each API renders it in its own JSON shape."""

    title: str
    url: str
    snippet: str = ""
    date: str | None = None


def _query_params(request: RecordedRequest) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(request.query).items()}


def _body(request: RecordedRequest) -> dict[str, Any]:
    return request.json if isinstance(request.json, dict) else {}


@dataclass(frozen=True)
class ProviderApi:
    """What a fake needs to know about one provider's search API.

    Attributes:
        key_of: reads the key from a request, None when the provider has no key.
        query_of / count_of: read the query text and the requested result count.
        results: renders results as a successful reply body.
        error: renders an error reply body for a status and message.
        auth_error: the reply the vendor sends for a wrong or missing key.
    """

    name: str
    method: str
    path: str
    key_of: Callable[[RecordedRequest], str | None] | None
    query_of: Callable[[RecordedRequest], str | None]
    count_of: Callable[[RecordedRequest], int | None]
    results: Callable[[list[Result]], Any]
    error: Callable[[int, str], Any]
    auth_error: Callable[[], Reply]

    def error_reply(self, status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
        return Reply(status=status, json=self.error(status, message), headers=headers or {})


# Brave Search: GET /res/v1/web/search, X-Subscription-Token.


def _brave_results(results: list[Result]) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "search", "query": {"original": "q", "more_results_available": False}, "mixed": {"type": "mixed", "main": []}}
    if results:
        body["web"] = {
            "type": "search",
            "family_friendly": True,
            "results": [
                {
                    "type": "search_result",
                    "title": result.title,
                    "url": result.url,
                    "is_source_local": False,
                    "description": result.snippet,
                    "meta_url": {"scheme": "https", "hostname": result.url.split("/")[2]},
                    **({"page_age": result.date, "age": "March 5, 2024"} if result.date else {}),
                }
                for result in results
            ],
        }
    return body


def _brave_error(status: int, message: str) -> dict[str, Any]:
    code = {422: "SUBSCRIPTION_TOKEN_INVALID", 429: "RATE_LIMITED"}.get(status, "UNKNOWN")
    return {"type": "ErrorResponse", "error": {"id": "e-1", "status": status, "code": code, "detail": message, "meta": {}}, "time": 1767225600}


def _int_or_none(value: object) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


BRAVE = ProviderApi(
    name="brave",
    method="GET",
    path="/res/v1/web/search",
    key_of=lambda request: request.headers.get("x-subscription-token"),
    query_of=lambda request: _query_params(request).get("q"),
    count_of=lambda request: _int_or_none(_query_params(request).get("count")),
    results=_brave_results,
    error=_brave_error,
    auth_error=lambda: Reply(status=422, json=_brave_error(422, "The provided subscription token is invalid.")),
)


# Tavily: POST /search, Authorization: Bearer.


def _tavily_results(results: list[Result]) -> dict[str, Any]:
    return {
        "query": "q",
        "answer": None,
        "images": [],
        "results": [
            {"title": result.title, "url": result.url, "content": result.snippet, "score": 0.9, "raw_content": None, **({"published_date": result.date} if result.date else {})}
            for result in results
        ],
        "response_time": 0.8,
        "request_id": "req-1",
    }


def _bearer(request: RecordedRequest) -> str | None:
    value = request.headers.get("authorization", "")
    return value[len("Bearer ") :] if value.startswith("Bearer ") else None


TAVILY = ProviderApi(
    name="tavily",
    method="POST",
    path="/search",
    key_of=_bearer,
    query_of=lambda request: _body(request).get("query"),
    count_of=lambda request: _body(request).get("max_results"),
    results=_tavily_results,
    error=lambda status, message: {"detail": {"error": message}},
    auth_error=lambda: Reply(status=401, json={"detail": {"error": "Unauthorized: missing or invalid API key."}}),
)


# Serper: POST /search, X-API-KEY.


def _serper_results(results: list[Result]) -> dict[str, Any]:
    body: dict[str, Any] = {"searchParameters": {"q": "q", "type": "search", "engine": "google"}, "credits": 1}
    if results:
        body["organic"] = [
            {"title": result.title, "link": result.url, "snippet": result.snippet, "position": position, **({"date": result.date} if result.date else {})}
            for position, result in enumerate(results, start=1)
        ]
        body["relatedSearches"] = [{"query": "related"}]
    return body


SERPER = ProviderApi(
    name="serper",
    method="POST",
    path="/search",
    key_of=lambda request: request.headers.get("x-api-key"),
    query_of=lambda request: _body(request).get("q"),
    count_of=lambda request: _body(request).get("num"),
    results=_serper_results,
    error=lambda status, message: {"message": message, "statusCode": status},
    auth_error=lambda: Reply(status=403, json={"message": "Unauthorized.", "statusCode": 403}),
)


# Google Custom Search JSON API: GET /customsearch/v1, key in X-goog-api-key or ?key=.


def _google_results(results: list[Result]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "customsearch#search",
        "queries": {"request": [{"totalResults": str(len(results)), "count": len(results)}]},
        "searchInformation": {"searchTime": 0.2, "totalResults": str(len(results))},
    }
    if results:
        body["items"] = [
            {
                "kind": "customsearch#result",
                "title": result.title,
                "htmlTitle": f"<b>{result.title}</b>",
                "link": result.url,
                "displayLink": result.url.split("/")[2],
                "snippet": result.snippet,
                "pagemap": {"metatags": [{"og:type": "article", **({"article:published_time": result.date} if result.date else {})}]},
            }
            for result in results
        ]
    return body


def _google_error(status: int, message: str, reason: str = "backendError") -> dict[str, Any]:
    grpc = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED"}.get(status, "INTERNAL")
    return {"error": {"code": status, "message": message, "errors": [{"message": message, "domain": "global", "reason": reason}], "status": grpc}}


def google_error(status: int, message: str, reason: str) -> Reply:
    """Return a Google error reply with a specific `reason`, e.g. `dailyLimitExceeded`."""
    return Reply(status=status, json=_google_error(status, message, reason))


GOOGLE = ProviderApi(
    name="google",
    method="GET",
    path="/customsearch/v1",
    key_of=lambda request: request.headers.get("x-goog-api-key") or _query_params(request).get("key"),
    query_of=lambda request: _query_params(request).get("q"),
    count_of=lambda request: _int_or_none(_query_params(request).get("num")),
    results=_google_results,
    error=_google_error,
    auth_error=lambda: google_error(400, "API key not valid. Please pass a valid API key.", "keyInvalid"),
)


# Exa: POST /search, x-api-key.


def _exa_results(results: list[Result]) -> dict[str, Any]:
    return {
        "requestId": "req-1",
        "resolvedSearchType": "neural",
        "results": [
            {
                "id": result.url,
                "title": result.title,
                "url": result.url,
                "publishedDate": result.date,
                "author": None,
                "highlights": [result.snippet] if result.snippet else [],
                "highlightScores": [0.5] if result.snippet else [],
            }
            for result in results
        ],
        "costDollars": {"total": 0.005},
    }


EXA = ProviderApi(
    name="exa",
    method="POST",
    path="/search",
    key_of=lambda request: request.headers.get("x-api-key"),
    query_of=lambda request: _body(request).get("query"),
    count_of=lambda request: _body(request).get("numResults"),
    results=_exa_results,
    error=lambda status, message: {"requestId": "req-1", "error": message, "tag": "ERROR"},
    auth_error=lambda: Reply(status=401, json={"requestId": "req-1", "error": "Invalid API key", "tag": "INVALID_API_KEY"}),
)


# SearXNG: GET /search?format=json, no key.


def _searxng_results(results: list[Result], unresponsive: list[list[str]] | None = None) -> dict[str, Any]:
    return {
        "query": "q",
        "number_of_results": 0,
        "results": [
            {"url": result.url, "title": result.title, "content": result.snippet, "engine": "duckduckgo", "engines": ["duckduckgo"], "score": 1.0, "category": "general", "publishedDate": result.date}
            for result in results
        ],
        "answers": [],
        "corrections": [],
        "infoboxes": [],
        "suggestions": [],
        "unresponsive_engines": unresponsive or [],
    }


def searxng_results(results: list[Result], unresponsive: list[list[str]]) -> dict[str, Any]:
    """Return a SearXNG reply whose listed engines did not respond."""
    return _searxng_results(results, unresponsive)


SEARXNG = ProviderApi(
    name="searxng",
    method="GET",
    path="/search",
    key_of=None,
    query_of=lambda request: _query_params(request).get("q"),
    count_of=lambda request: None,
    results=_searxng_results,
    error=lambda status, message: message,
    auth_error=lambda: Reply(status=401, raw=b"Unauthorized"),
)

API: dict[str, ProviderApi] = {api.name: api for api in (BRAVE, TAVILY, SERPER, GOOGLE, EXA, SEARXNG)}

# Environment variables that aim each provider at a fake. Real runs set only the keys.
_KEY_VARIABLES = {"brave": "BRAVE_API_KEY", "tavily": "TAVILY_API_KEY", "serper": "SERPER_API_KEY", "google": "GOOGLE_CSE_API_KEY", "exa": "EXA_API_KEY"}
_URL_VARIABLES = {"brave": "PIX2FACT_BRAVE_URL", "tavily": "PIX2FACT_TAVILY_URL", "serper": "PIX2FACT_SERPER_URL", "google": "PIX2FACT_GOOGLE_URL", "exa": "PIX2FACT_EXA_URL", "searxng": "SEARXNG_URL"}


def provider_env(name: str, url: str, key: str | None) -> dict[str, str]:
    """Return the environment that configures provider `name` with `key`, aimed at `url`."""
    env = {_URL_VARIABLES[name]: url}
    if name in _KEY_VARIABLES and key is not None:
        env[_KEY_VARIABLES[name]] = key
    if name == "google":
        env["GOOGLE_CSE_ID"] = "fake-engine-id"
    return env


class SearchApiServer(FakeServer):
    """A fake of one provider's search API that checks each request like the vendor does.

    Args:
        api: the provider's API description, e.g. `API["brave"]`.
        key: the only key the fake accepts (ignored for providers without keys).
        script: replies to valid requests, in order.
    """

    def __init__(self, api: ProviderApi, key: str | None = None, script: Iterable[Reply] = ()) -> None:
        self.api = api
        self.key = key
        self._replies: deque[Reply] = deque(script)
        self._reply_lock = threading.Lock()
        self.accepted: list[RecordedRequest] = []
        super().__init__(handler=self._handle)

    def push(self, *replies: Reply) -> None:
        with self._reply_lock:
            self._replies.extend(replies)

    @property
    def remaining(self) -> int:
        with self._reply_lock:
            return len(self._replies)

    def _handle(self, request: RecordedRequest) -> Reply:
        api = self.api
        if request.method != api.method or request.path != api.path:
            return api.error_reply(404, f"no such endpoint: {request.method} {request.path}")
        if api.key_of is not None and api.key_of(request) != self.key:
            return api.auth_error()
        if not api.query_of(request):
            return api.error_reply(400, "missing query")
        if api.name == "searxng" and _query_params(request).get("format") != "json":
            return Reply(status=403, raw=b"<html><body>403 Forbidden</body></html>", headers={"Content-Type": "text/html"})

        with self._reply_lock:
            self.accepted.append(request)
            if self._replies:
                return self._replies.popleft()
            self.unexpected.append(request)
        return api.error_reply(418, f"fake server has no reply scripted for {request.method} {request.path}")
