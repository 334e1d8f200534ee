"""An on-disk cache of search results, one JSON file per provider, query and parameters.

Layout: `FOLDER/PROVIDER/SHA256.json`, where the hash covers the provider name, its endpoint
scope (base URL, search engine id), the query and the request parameters. A file holds:

    {"format": 1, "provider": "brave", "query": "...", "params": {"count": 8},
     "stored_at": 1767225600.0, "hits": [{"title", "url", "snippet", "date"}, ...]}

API keys and credentials from a URL are never part of the key or the file, and the endpoint
scope is only hashed. Results are cached after normalisation, so a provider's raw reply is
not kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pix2fact.tools.web import SearchHit

logger = logging.getLogger(__name__)

CACHE_FORMAT = 1


def default_cache_dir() -> Path:
    """Return `$XDG_CACHE_HOME/pix2fact/search`, or `~/.cache/pix2fact/search` without it."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pix2fact" / "search"


class SearchCache:
    """Cached search hits under `folder`, shared by any number of providers.

    Args:
        folder: where cache files go; created on the first write.
        ttl_s: seconds an entry stays valid; None keeps entries until deleted.
    """

    def __init__(self, folder: str | Path, *, ttl_s: float | None = None) -> None:
        if ttl_s is not None and ttl_s <= 0:
            raise ValueError(f"cache ttl_s must be positive seconds or None, got {ttl_s!r}")
        self.folder = Path(folder).expanduser()
        self.ttl_s = ttl_s

    @staticmethod
    def key(provider: str, scope: list[str], query: str, params: dict[str, Any]) -> str:
        """Return the hex SHA-256 that names the entry for this request."""
        material = json.dumps({"provider": provider, "scope": scope, "query": query, "params": params}, sort_keys=True)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def path(self, provider: str, key: str) -> Path:
        return self.folder / provider / f"{key}.json"

    def get(self, provider: str, key: str) -> list[SearchHit] | None:
        """Return the cached hits, or None when there is no valid, unexpired entry."""
        path = self.path(provider, key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            logger.warning("search cache: ignoring unreadable entry %s: %s", path, error)
            return None

        if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT:
            logger.warning("search cache: ignoring entry %s with unknown format", path)
            return None
        stored_at = entry.get("stored_at")
        if self.ttl_s is not None and (not isinstance(stored_at, (int, float)) or time.time() - stored_at > self.ttl_s):
            return None
        try:
            return [SearchHit.model_validate(hit) for hit in entry["hits"]]
        except (KeyError, TypeError, ValidationError) as error:
            logger.warning("search cache: ignoring entry %s with invalid hits: %s", path, error)
            return None

    def put(self, provider: str, key: str, *, query: str, params: dict[str, Any], hits: list[SearchHit]) -> None:
        """Store hits for a request. A failed write is logged and otherwise ignored."""
        path = self.path(provider, key)
        entry = {
            "format": CACHE_FORMAT,
            "provider": provider,
            "query": query,
            "params": params,
            "stored_at": time.time(),
            "hits": [hit.model_dump() for hit in hits],
        }
        temporary = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write to a temporary file and rename, so a concurrent reader never sees half a file.
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out, ensure_ascii=False, indent=1)
            os.replace(temporary, path)
        except OSError as error:
            logger.warning("search cache: could not write %s: %s", path, error)
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
