"""The shared machinery of a live search provider: configuration, HTTP, retries, cache, logging.

A provider subclass supplies only what differs between vendors: `build_request` (endpoint,
authentication, parameters), `parse_response` (where title, URL, snippet and date live) and,
where the vendor needs it, `classify_error`. Everything else happens here, in one order:

1. Normalise the query; return [] for an empty query or a limit below 1.
2. Return the cached hits when an unexpired entry exists.
3. Send the request with bounded retries (see `retry.py`), then map an error status to
   `SearchAuthError`, `SearchQuotaError`, `SearchResponseError`, or a retry.
4. Parse the JSON into `SearchHit`s, log one INFO line, store the hits in the cache.

The API key lives only in request headers or bodies. It is removed from every error message,
and the INFO line names the query by a short hash and its length; only DEBUG shows its text.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
from pydantic import ValidationError

from pix2fact.errors import ConfigError
from pix2fact.tools.search_providers.cache import SearchCache
from pix2fact.tools.search_providers.errors import SearchAuthError, SearchQuotaError, SearchResponseError
from pix2fact.tools.search_providers.parsing import plain_text, query_digest
from pix2fact.tools.search_providers.retry import RetryableFault, RetryPolicy, call_with_retry, parse_retry_after
from pix2fact.tools.web import SearchHit

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
USER_AGENT = "pix2fact-search/0.1"
ERROR_EXCERPT_CHARS = 300


@dataclass(frozen=True)
class ProviderRequest:
    """One HTTP request to a provider. `path` is appended to the provider's base URL."""

    method: Literal["GET", "POST"]
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ErrorVerdict:
    """The decision for an error status: give up with an auth or quota error, retry, or reject."""

    kind: Literal["auth", "quota", "retry", "reject"]
    message: str
    retry_after_s: float | None = None


class HttpSearchProvider:
    """Base class of the live providers; each subclass is one vendor's wire format.

    Args:
        api_key: the vendor's key; required unless the class sets `key_variable` to None.
        base_url: scheme and host (and path prefix) of the API; `default_url` when None.
        client: an `httpx.AsyncClient` to send requests with. Without one, the provider
            makes its own and closes it in `aclose`.
        cache: where to cache results; None sends every query.
        policy: retry bounds.
        timeout: per-request timeouts, applied to an injected client as well.

    Raises:
        ConfigError: the key or URL is missing, or the URL is not http(s).
    """

    name: ClassVar[str]
    key_variable: ClassVar[str | None]
    url_variable: ClassVar[str]
    default_url: ClassVar[str | None]
    signup_url: ClassVar[str] = ""
    max_results: ClassVar[int]

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        client: httpx.AsyncClient | None = None,
        cache: SearchCache | None = None,
        policy: RetryPolicy | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    ) -> None:
        if self.key_variable is not None and not api_key:
            where = f" (get one at {self.signup_url})" if self.signup_url else ""
            raise ConfigError(
                f"search provider {self.name!r} needs an API key: set {self.key_variable}{where}, or run offline with `--tasks sample`"
            )
        url = (base_url or self.default_url or "").strip()
        if not url:
            raise ConfigError(f"search provider {self.name!r} needs a URL: set {self.url_variable}, or run offline with `--tasks sample`")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            shown = url if "@" not in parts.netloc else url.replace(parts.netloc, "[credentials]@" + parts.netloc.rsplit("@", 1)[1])
            raise ConfigError(f"{self.url_variable} must be an http(s) URL, got {shown!r}")

        # Credentials in the URL (a SearXNG behind basic auth) move into an auth header, because
        # httpx logs request URLs at INFO.
        self._auth: httpx.BasicAuth | None = None
        if parts.username is not None or parts.password is not None:
            self._auth = httpx.BasicAuth(unquote(parts.username or ""), unquote(parts.password or ""))
            url = urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[1], parts.path, parts.query, parts.fragment))

        self.base_url = url.rstrip("/")
        self._api_key = api_key or ""
        self._secrets = [secret for secret in (api_key, parts.password, unquote(parts.password or "")) if secret]
        self._client = client
        self._owns_client = False
        self.cache = cache
        self.policy = policy or RetryPolicy()
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **options: Any) -> "HttpSearchProvider":
        """Build the provider from its documented environment variables (see the package docs)."""
        env = os.environ if env is None else env
        api_key = env.get(cls.key_variable, "").strip() if cls.key_variable else None
        base_url = env.get(cls.url_variable, "").strip() or None
        return cls(api_key=api_key, base_url=base_url, **cls.settings_from_env(env), **options)

    @classmethod
    def settings_from_env(cls, env: Mapping[str, str]) -> dict[str, Any]:
        """Return provider-specific constructor arguments read from the environment."""
        return {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} at {self.base_url}>"

    # Vendor-specific parts.

    def build_request(self, query: str, count: int) -> ProviderRequest:
        raise NotImplementedError

    def parse_response(self, body: Any) -> list[SearchHit]:
        raise NotImplementedError

    def request_params(self, count: int) -> dict[str, Any]:
        """Return the non-secret parameters that change the results; they key the cache."""
        return {"count": count}

    def cache_scope(self) -> list[str]:
        """Return what identifies this endpoint in cache keys; hashed, never written out."""
        return [self.base_url]

    def error_message(self, body: Any) -> str:
        """Return the human-readable message of an error reply."""
        if isinstance(body, dict):
            for key in ("message", "error", "detail"):
                value = body.get(key)
                if isinstance(value, dict):
                    value = value.get("message") or value.get("error") or value.get("detail")
                if isinstance(value, str) and value:
                    return value
        return plain_text(body) if isinstance(body, str) else str(body)

    def classify_error(self, status: int, message: str, headers: httpx.Headers) -> ErrorVerdict:
        """Decide what an error status means. Subclasses refine it for vendor-specific codes."""
        if status in (401, 403):
            return ErrorVerdict("auth", message)
        if status == 402:
            return ErrorVerdict("quota", message)
        if status == 429 or status == 408 or status >= 500:
            return ErrorVerdict("retry", message, parse_retry_after(headers))
        return ErrorVerdict("reject", message)

    # The shared request path.

    async def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Return up to `limit` hits (at most `max_results`) for the query.

        Raises:
            SearchProviderError: a subclass that names why the provider returned no results.
        """
        query = " ".join(query.split())
        if not query or limit < 1:
            return []
        count = min(limit, self.max_results)
        params = self.request_params(count)
        digest = query_digest(query)

        key = SearchCache.key(self.name, self.cache_scope(), query, params) if self.cache is not None else None
        if self.cache is not None and key is not None:
            cached = self.cache.get(self.name, key)
            if cached is not None:
                logger.info("search %s: query %s (%d chars) -> %d hit(s) from cache", self.name, digest, len(query), len(cached))
                return cached[:limit]

        logger.debug("search %s: query %s is %r", self.name, digest, query)
        started = time.monotonic()
        hits, status = await call_with_retry(lambda: self._attempt(query, count), policy=self.policy, provider=self.name)
        logger.info(
            "search %s: query %s (%d chars) -> %d hit(s), HTTP %d in %.2f s",
            self.name,
            digest,
            len(query),
            len(hits),
            status,
            time.monotonic() - started,
        )

        if self.cache is not None and key is not None:
            self.cache.put(self.name, key, query=query, params=params, hits=hits)
        return hits[:limit]

    async def aclose(self) -> None:
        """Close the HTTP client if this provider made it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None
            self._owns_client = False

    async def _attempt(self, query: str, count: int) -> tuple[list[SearchHit], int]:
        request = self.build_request(query, count)
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout, headers={"User-Agent": USER_AGENT})
            self._owns_client = True

        try:
            response = await self._client.request(
                request.method,
                self.base_url + request.path,
                params=request.params or None,
                json=request.json,
                headers=request.headers,
                timeout=self.timeout,
                **({"auth": self._auth} if self._auth is not None else {}),
            )
        except httpx.TimeoutException as error:
            raise RetryableFault(f"request timed out ({type(error).__name__})") from None
        except httpx.TransportError as error:
            raise RetryableFault(f"connection failed ({type(error).__name__}: {self._redact(str(error))})") from None

        status = response.status_code
        if status >= 400:
            self._raise_for_error(response)

        try:
            body = response.json()
        except ValueError:
            excerpt = self._redact(response.text[:ERROR_EXCERPT_CHARS])
            raise SearchResponseError(self.name, f"HTTP {status} reply is not JSON: {excerpt!r}", status=status) from None
        try:
            hits = self.parse_response(body)
        except (KeyError, TypeError, ValueError, AttributeError, ValidationError) as error:
            raise SearchResponseError(self.name, f"HTTP {status} reply has an unexpected shape: {type(error).__name__}: {error}", status=status) from None
        return hits, status

    def _raise_for_error(self, response: httpx.Response) -> None:
        status = response.status_code
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        message = self._redact(self.error_message(body))[:ERROR_EXCERPT_CHARS]
        verdict = self.classify_error(status, message, response.headers)
        message = verdict.message

        # A 429 with a long Retry-After is an exhausted quota, not a burst, so a fallback takes over now.
        long_wait = verdict.retry_after_s is not None and verdict.retry_after_s > self.policy.max_retry_after_s
        if verdict.kind == "retry" and status == 429 and long_wait:
            wait = f"the server asks to wait {verdict.retry_after_s:.0f} s, longer than the {self.policy.max_retry_after_s:.0f} s this run waits"
            raise SearchQuotaError(self.name, f"HTTP {status}: rate limit or quota reached ({wait}): {message}", status=status, retry_after_s=verdict.retry_after_s)
        if verdict.kind == "retry":
            raise RetryableFault(f"HTTP {status}: {message}", status=status, retry_after_s=verdict.retry_after_s)
        if verdict.kind == "auth":
            fix = f"check {self.key_variable}" if self.key_variable else f"check the server at {self.url_variable}"
            raise SearchAuthError(self.name, f"HTTP {status}: access denied ({fix}): {message}", status=status)
        if verdict.kind == "quota":
            raise SearchQuotaError(self.name, f"HTTP {status}: quota or credit exhausted: {message}", status=status, retry_after_s=verdict.retry_after_s)
        raise SearchResponseError(self.name, f"HTTP {status}: request rejected: {message}", status=status)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text
