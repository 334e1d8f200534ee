"""Errors of the live search providers.

    SearchProviderError          a provider returned no results for a query
    ├── SearchAuthError          the key was rejected (401, 403); never retried
    ├── SearchQuotaError         the plan's quota or credit is used up; never retried
    ├── SearchUnavailableError   timeouts, 429 and 5xx outlasted the retries, or every
    │                            backend of a fallback chain failed
    └── SearchResponseError      the request was rejected (other 4xx) or the reply was not
                                 the JSON the provider documents

These are deliberately not `HarnessError`s: the agent loop ends a task on a `HarnessError`,
while any other exception from a tool costs only that tool call. It is recorded as a harness
fault, and the model is told that the search failed.

A missing key or URL is the user's input and raises `pix2fact.errors.ConfigError` when the
provider is built, before any task runs.
"""

from __future__ import annotations


class SearchProviderError(RuntimeError):
    """A search provider failed to return results. The message names the provider and the cause.

    Attributes:
        provider: the provider's name, e.g. "brave".
        status: the HTTP status of the last response, or None when no response arrived.
    """

    kind = "search"

    def __init__(self, provider: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.status = status


class SearchAuthError(SearchProviderError):
    """The provider rejected the API key or the account's access."""


class SearchQuotaError(SearchProviderError):
    """The account's quota, credit or plan limit is exhausted.

    Attributes:
        retry_after_s: seconds until the provider accepts requests again (its Retry-After), or None.
    """

    def __init__(self, provider: str, message: str, *, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(provider, message, status=status)
        self.retry_after_s = retry_after_s


class SearchUnavailableError(SearchProviderError):
    """Transient failures that outlasted the retry policy, or a fallback chain whose backends all failed."""


class SearchResponseError(SearchProviderError):
    """A rejected request or a reply in an unexpected format. Retrying would fail the same way."""
