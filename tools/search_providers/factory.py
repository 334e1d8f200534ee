"""Build the search backend that `--search PROVIDER[,FALLBACK...]` names."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import httpx

from pix2fact.errors import ConfigError
from pix2fact.tools.search_providers.brave import BraveSearch
from pix2fact.tools.search_providers.cache import SearchCache
from pix2fact.tools.search_providers.exa import ExaSearch
from pix2fact.tools.search_providers.fallback import FallbackSearch
from pix2fact.tools.search_providers.google import GoogleSearch
from pix2fact.tools.search_providers.provider import DEFAULT_TIMEOUT, HttpSearchProvider
from pix2fact.tools.search_providers.retry import RetryPolicy
from pix2fact.tools.search_providers.searxng import SearxngSearch
from pix2fact.tools.search_providers.serper import SerperSearch
from pix2fact.tools.search_providers.tavily import TavilySearch
from pix2fact.tools.web import SearchBackend

LIVE_PROVIDERS: dict[str, type[HttpSearchProvider]] = {
    provider.name: provider for provider in (BraveSearch, TavilySearch, SerperSearch, GoogleSearch, ExaSearch, SearxngSearch)
}
LOCAL = "local"
KNOWN_PROVIDERS = (*LIVE_PROVIDERS, LOCAL)


def parse_search_spec(spec: str) -> list[str]:
    """Split `--search` into provider names, checking each one.

    Raises:
        ConfigError: the spec is empty, names an unknown provider, or repeats one.
    """
    known = ", ".join(KNOWN_PROVIDERS)
    names = [part.strip().lower() for part in spec.split(",")]
    if not spec.strip() or any(not name for name in names):
        raise ConfigError(f"--search needs provider names separated by commas, got {spec!r}; known providers: {known}")

    for name in names:
        if name not in KNOWN_PROVIDERS:
            raise ConfigError(f"unknown search provider {name!r} in --search {spec!r}; known providers: {known}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ConfigError(f"--search {spec!r} names {', '.join(repeated)} more than once; list each provider once")
    return names


def make_search_backend(
    spec: str,
    *,
    cache_dir: str | Path | None = None,
    client: httpx.AsyncClient | None = None,
    local: SearchBackend | None = None,
    env: Mapping[str, str] | None = None,
    cache_ttl_s: float | None = None,
    policy: RetryPolicy | None = None,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
) -> SearchBackend:
    """Build the backend for `--search`: one provider, or a `FallbackSearch` over several.

    Args:
        spec: provider names separated by commas, most preferred first, e.g. "brave,tavily".
        cache_dir: folder of the on-disk result cache (e.g. `default_cache_dir()`); None
            disables caching.
        client: one httpx client shared by all live providers; each makes its own when None.
        local: the backend that the name "local" stands for, normally a `LocalSearch` over
            the offline web snapshot.
        env: where keys and URLs are read; `os.environ` when None.
        cache_ttl_s: seconds a cached result stays valid; None keeps it until deleted.
        policy: retry bounds for every live provider.
        timeout: per-request timeouts for every live provider.

    Raises:
        ConfigError: an unknown or repeated name, a missing key or URL, or "local" without
            a local backend. Nothing is sent before all providers are configured.
    """
    names = parse_search_spec(spec)
    cache = SearchCache(cache_dir, ttl_s=cache_ttl_s) if cache_dir is not None else None

    backends: list[SearchBackend] = []
    for name in names:
        if name == LOCAL:
            if local is None:
                raise ConfigError("search provider 'local' searches the offline web snapshot, which this run has not loaded; use it with `--tasks sample`")
            backends.append(local)
            continue
        provider = LIVE_PROVIDERS[name]
        backends.append(provider.from_env(env, client=client, cache=cache, policy=policy, timeout=timeout))

    return backends[0] if len(backends) == 1 else FallbackSearch(backends)
