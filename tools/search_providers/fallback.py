"""A chain of search backends: the first that returns results wins, and the caller learns which one.

`search_with_provider` returns the hits together with the name of the backend that produced
them. `SearchTool` calls it when a backend has it, so the trajectory records the provider that
returned the hits of each query, not the chain.

A backend whose key was rejected, or whose quota ran out, is skipped for later queries: for the
rest of the run after an auth error, and until the provider's Retry-After has passed after a
quota error (for the rest of the run when it gave none). An empty result is a valid result,
and does not move on to the next backend.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from pix2fact.tools.base import ToolError
from pix2fact.tools.search_providers.errors import SearchAuthError, SearchProviderError, SearchQuotaError, SearchUnavailableError
from pix2fact.tools.web import SearchBackend, SearchHit

logger = logging.getLogger(__name__)


async def search_with_provider(backend: SearchBackend, query: str, limit: int) -> tuple[list[SearchHit], str]:
    """Search with any backend; return its hits and the name of the backend that produced them."""
    nested = getattr(backend, "search_with_provider", None)
    if nested is not None:
        return await nested(query, limit=limit)
    return await backend.search(query, limit=limit), backend.name


class FallbackSearch:
    """Query each backend in order until one returns results without an error.

    Args:
        backends: the backends, most preferred first; at least one.

    Attributes:
        name: the backends' names joined by commas, e.g. "brave,tavily", as `--search` spells it.
        last_provider: name of the backend that returned the latest query's hits, or None. With
            concurrent queries it may belong to another query; use `search_with_provider` then.
    """

    def __init__(self, backends: Sequence[SearchBackend]) -> None:
        if not backends:
            raise ValueError("FallbackSearch needs at least one backend")
        self.backends = list(backends)
        self.name = ",".join(backend.name for backend in self.backends)
        self.last_provider: str | None = None
        # Backend name -> monotonic time until which it is skipped (inf: for the whole run).
        self._skipped_until: dict[str, float] = {}

    async def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        hits, _provider = await self.search_with_provider(query, limit=limit)
        return hits

    async def search_with_provider(self, query: str, limit: int = 10) -> tuple[list[SearchHit], str]:
        """Return the first backend's hits that did not fail, with that backend's name.

        Raises:
            ToolError: a backend rejected the query itself; the model can change it.
            SearchUnavailableError: every backend failed or is skipped; the message lists why.
        """
        failures: list[str] = []
        for backend in self.backends:
            skipped_until = self._skipped_until.get(backend.name)
            if skipped_until is not None and time.monotonic() < skipped_until:
                failures.append(f"{backend.name}: skipped after an earlier auth or quota error")
                continue

            try:
                hits, provider = await search_with_provider(backend, query, limit)
            except ToolError:
                raise
            except Exception as error:  # any failure of one provider hands the query to the next
                # A provider error already starts with the provider's name.
                failures.append(str(error) if isinstance(error, SearchProviderError) else f"{backend.name}: {type(error).__name__}: {error}")
                self._skip_if_dead(backend.name, error)
                logger.warning("search %s failed, trying the next provider: %s: %s", backend.name, type(error).__name__, error)
                continue

            self.last_provider = provider
            return hits, provider

        raise SearchUnavailableError(self.name, "every search provider failed: " + "; ".join(failures))

    def _skip_if_dead(self, name: str, error: Exception) -> None:
        if isinstance(error, SearchAuthError):
            self._skipped_until[name] = float("inf")
        elif isinstance(error, SearchQuotaError):
            wait = error.retry_after_s
            self._skipped_until[name] = float("inf") if wait is None else time.monotonic() + wait
        else:
            return
        logger.warning("search %s: skipped for later queries (%s)", name, type(error).__name__)

    async def aclose(self) -> None:
        """Close every backend that has an `aclose` method."""
        for backend in self.backends:
            close = getattr(backend, "aclose", None)
            if close is not None:
                await close()
