"""Web sources and search backends, and the on-disk web snapshot format they share.

A web source answers a URL with a page; a search backend answers a query with hits. The browser
and search tools see only these two interfaces, so the offline snapshot, a live provider and a
recorded archive are interchangeable.

Snapshot format (a folder):

- `snapshot.json`: `{"format": 1, "name": ..., "domains": [...]}`. `domains` lists the host
  names the snapshot serves; a URL on any other host is not in the snapshot.
- `pages.jsonl`: one `WebPage` per line. `searchable` pages go into the search index; the rest
  are reachable only by following links, like long-tail pages that a search engine never ranks.

A web archive recorded by `--web record` is such a folder too, with extra fields on each page
line and a `search.jsonl` of recorded searches; `pix2fact.tools.archive` describes it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Protocol, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel

SNAPSHOT_FORMAT = 1


class WebPage(BaseModel):
    """One stored HTTP response."""

    url: str
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    body: str
    title: str = ""
    searchable: bool = True


class SearchHit(BaseModel):
    """One search result, normalised across providers."""

    title: str
    url: str
    snippet: str = ""
    date: str | None = None


@runtime_checkable
class WebSource(Protocol):
    """Something that can answer a URL. `fetch` returns None for a URL it does not hold."""

    async def fetch(self, url: str) -> WebPage | None: ...


@runtime_checkable
class SearchBackend(Protocol):
    """A search provider. `name` is recorded in the trajectory with every query it answers."""

    name: str

    async def search(self, query: str, limit: int = 10) -> list[SearchHit]: ...


def normalize_url(url: str) -> str:
    """Return the URL in the form snapshot lookups use: lower-case host, no fragment, "/" path."""
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


class Snapshot:
    """A web snapshot loaded in memory: pages by normalised URL, plus the served domains."""

    def __init__(self, name: str, pages: Iterable[WebPage], domains: Iterable[str]) -> None:
        self.name = name
        self.pages: dict[str, WebPage] = {normalize_url(page.url): page for page in pages}
        self.domains = frozenset(domain.lower() for domain in domains)

    @classmethod
    def load(cls, folder: str | Path) -> "Snapshot":
        folder = Path(folder)
        meta_path = folder / "snapshot.json"
        if not meta_path.is_file():
            raise FileNotFoundError(f"web snapshot not found: {meta_path} is missing; build it with `pix2fact tasks build-sample`")

        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"unsupported web snapshot format {meta.get('format')!r} in {meta_path}; expected {SNAPSHOT_FORMAT}")

        with open(folder / "pages.jsonl", encoding="utf-8") as lines:
            pages = [WebPage.model_validate_json(line) for line in lines if line.strip()]
        return cls(meta.get("name", folder.name), pages, meta.get("domains", []))

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"format": SNAPSHOT_FORMAT, "name": self.name, "domains": sorted(self.domains)}
        (folder / "snapshot.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        with open(folder / "pages.jsonl", "w", encoding="utf-8") as out:
            for url in sorted(self.pages):
                out.write(self.pages[url].model_dump_json() + "\n")

    def serves(self, url: str) -> bool:
        """Whether the URL's host belongs to this snapshot (even if that exact page is absent)."""
        host = (urlsplit(url).hostname or "").lower()
        return host in self.domains

    async def fetch(self, url: str) -> WebPage | None:
        return self.pages.get(normalize_url(url))
