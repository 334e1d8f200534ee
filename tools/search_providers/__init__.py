"""Live web search providers behind the `SearchBackend` interface, with fallback, retries and cache.

    backend = make_search_backend("brave,tavily", cache_dir=default_cache_dir())
    hits = await backend.search("Old Harbor Lighthouse height", limit=8)

Providers and their environment variables (`--search` name: key, base-URL override):

    brave    BRAVE_API_KEY                          PIX2FACT_BRAVE_URL  (https://api.search.brave.com)
    tavily   TAVILY_API_KEY                         PIX2FACT_TAVILY_URL (https://api.tavily.com)
    serper   SERPER_API_KEY                         PIX2FACT_SERPER_URL (https://google.serper.dev)
    google   GOOGLE_CSE_API_KEY and GOOGLE_CSE_ID   PIX2FACT_GOOGLE_URL (https://www.googleapis.com)
    exa      EXA_API_KEY                            PIX2FACT_EXA_URL    (https://api.exa.ai)
    searxng  no key                                 SEARXNG_URL         (required, no default)
    local    the offline web snapshot (`LocalSearch`), passed in by the caller

Each default URL is the vendor's documented endpoint. The override variables exist so that
tests and proxies can aim a provider elsewhere.

Every provider normalises results to `SearchHit` (title, URL, plain-text snippet, and the date
when the vendor gives one), retries timeouts, 429 and 5xx within a `RetryPolicy`, and
caches results on disk when given a `SearchCache`.
"""

from pix2fact.tools.search_providers.brave import BraveSearch
from pix2fact.tools.search_providers.cache import SearchCache, default_cache_dir
from pix2fact.tools.search_providers.errors import (
    SearchAuthError,
    SearchProviderError,
    SearchQuotaError,
    SearchResponseError,
    SearchUnavailableError,
)
from pix2fact.tools.search_providers.exa import ExaSearch
from pix2fact.tools.search_providers.factory import KNOWN_PROVIDERS, LIVE_PROVIDERS, make_search_backend, parse_search_spec
from pix2fact.tools.search_providers.fallback import FallbackSearch, search_with_provider
from pix2fact.tools.search_providers.google import GoogleSearch
from pix2fact.tools.search_providers.provider import HttpSearchProvider
from pix2fact.tools.search_providers.retry import RetryPolicy
from pix2fact.tools.search_providers.searxng import SearxngSearch
from pix2fact.tools.search_providers.serper import SerperSearch
from pix2fact.tools.search_providers.tavily import TavilySearch

__all__ = [
    "KNOWN_PROVIDERS",
    "LIVE_PROVIDERS",
    "BraveSearch",
    "ExaSearch",
    "FallbackSearch",
    "GoogleSearch",
    "HttpSearchProvider",
    "RetryPolicy",
    "SearchAuthError",
    "SearchCache",
    "SearchProviderError",
    "SearchQuotaError",
    "SearchResponseError",
    "SearchUnavailableError",
    "SearxngSearch",
    "SerperSearch",
    "TavilySearch",
    "default_cache_dir",
    "make_search_backend",
    "parse_search_spec",
    "search_with_provider",
]
