"""Web archives: the pages and search results a run saw live, stored so the run can be replayed offline.

An archive is a web snapshot folder (see `pix2fact.tools.web`) with one more file, so
`Snapshot.load` and `pix2fact web ls` read it like any snapshot:

- `snapshot.json`: `{"format": 1, "name": ..., "domains": [...], "kind": "archive",
  "allow_hosts": [...]}`. `domains` lists every host a recorded response came from, and
  `allow_hosts` the hosts the recording's guard let through (`--allow-host`), which replay
  allows too, so that the guard's decisions repeat.
- `pages.jsonl`: one `ArchivedPage` per line, the first response recorded for each URL:
  HTML documents (`searchable`, so a snapshot-style search covers the pages the run visited),
  scripts, style sheets and fetch/XHR responses. Text is decoded and stored as UTF-8 with
  `charset=utf-8` in `content_type`. A redirect is stored with its 3xx status, an empty body
  and the absolute target URL in `location`. A PDF is stored as the text the browser tools
  showed for it, under its PDF content type. Images, fonts and media are not recorded.
- A refused request (blocked by the guard, or a host name that did not resolve) is stored
  with the message in `error`, so that replay refuses it the same way.
- `search.jsonl`: one `SearchRecord` per query: the provider that returned the hits, the
  query, the number of results requested, and the hits.

Replay (`ArchiveSource`, `ArchiveSearch`) serves only what these files contain. A URL or
query that was never recorded is a `ToolError` that says so, never a request to the network.
"""

from __future__ import annotations

import html
import json
import logging
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from pix2fact.tools.base import ToolError
from pix2fact.tools.web import SNAPSHOT_FORMAT, SearchBackend, SearchHit, WebPage, normalize_url

logger = logging.getLogger(__name__)

PAGES = "pages.jsonl"
SEARCHES = "search.jsonl"
META = "snapshot.json"
ARCHIVE_KIND = "archive"


class ArchivedPage(WebPage):
    """A recorded response: a `WebPage` plus the redirect target, the resource type and any refusal.

    `error` is set for a request that was refused (the guard blocked it, or its host name did
    not resolve) and holds the message. Replay refuses it again with the same message: it
    shows `body` with `status` when the proxy had responded with its rejection page, and aborts
    the request when `status` is 0.
    """

    location: str | None = None
    resource_type: str = "document"
    error: str | None = None


class SearchRecord(BaseModel):
    """One recorded search: the provider that returned the hits, the request, the hits, and the time."""

    provider: str
    query: str
    limit: int
    hits: list[SearchHit]
    recorded_at: str = ""


def search_key(query: str) -> str:
    """Return the form of a query that archive lookups compare: whitespace collapsed, lower case."""
    return " ".join(query.split()).lower()


def _read_lines(path: Path, model: type[BaseModel]) -> list[Any]:
    """Read a JSONL file of `model`s, skipping a truncated last line left by a killed run."""
    if not path.exists():
        return []
    items = []
    lines = path.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            items.append(model.model_validate_json(line))
        except ValidationError:
            if number == len(lines):
                logger.warning("%s: ignoring a truncated last line", path)
                continue
            raise ValueError(f"{path}: line {number} is not a valid {model.__name__}; the archive is damaged") from None
    return items


def _cut_partial_line(path: Path) -> None:
    """Drop an unfinished last line (no newline) so that the next append starts a fresh line."""
    if not path.exists() or path.stat().st_size == 0:
        return
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


class WebArchive:
    """An archive folder, read in full and appended to as a recording run goes.

    Use `WebArchive.create(folder)` to record (it reopens an existing archive, so a resumed run
    adds to it) and `WebArchive.load(folder)` to read one.
    """

    def __init__(
        self, folder: Path, name: str, pages: list[ArchivedPage], searches: list[SearchRecord], writable: bool, allow_hosts: list[str] | None = None
    ) -> None:
        self.folder = folder
        self.name = name
        self.allow_hosts = list(allow_hosts or [])
        self.pages: dict[str, ArchivedPage] = {}
        for page in pages:
            self.pages.setdefault(normalize_url(page.url), page)
        self.searches = searches
        self.writable = writable

    @classmethod
    def load(cls, folder: str | Path) -> "WebArchive":
        """Read an archive (or a plain snapshot folder, which has no searches).

        Raises:
            FileNotFoundError: the folder has no snapshot.json.
            ValueError: a file is not in the archive format.
        """
        folder = Path(folder)
        meta_path = folder / META
        if not meta_path.is_file():
            raise FileNotFoundError(f"web archive not found: {meta_path} is missing; record one with `pix2fact run --web record`")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"unsupported web archive format {meta.get('format')!r} in {meta_path}; expected {SNAPSHOT_FORMAT}")
        pages = _read_lines(folder / PAGES, ArchivedPage)
        return cls(folder, meta.get("name", folder.name), pages, _read_lines(folder / SEARCHES, SearchRecord), False, meta.get("allow_hosts", []))

    @classmethod
    def create(cls, folder: str | Path, name: str | None = None, allow_hosts: list[str] | None = None) -> "WebArchive":
        """Open `folder` for recording, keeping what an earlier run recorded there.

        Args:
            folder: the archive folder, created when missing.
            name: the archive's name; the parent folder's (the run id) when None.
            allow_hosts: the recording guard's allow-list, added to an earlier run's.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for file_name in (PAGES, SEARCHES):
            _cut_partial_line(folder / file_name)
        if (folder / META).is_file():
            existing = cls.load(folder)
            hosts = list(dict.fromkeys([*existing.allow_hosts, *(allow_hosts or [])]))
            archive = cls(folder, existing.name, list(existing.pages.values()), existing.searches, True, hosts)
        else:
            archive = cls(folder, name or folder.parent.name or folder.name, [], [], True, allow_hosts)
        archive.write_meta()
        return archive

    @property
    def domains(self) -> list[str]:
        return sorted({(urlsplit(page.url).hostname or "").lower() for page in self.pages.values()} - {""})

    def write_meta(self) -> None:
        meta = {"format": SNAPSHOT_FORMAT, "name": self.name, "domains": self.domains, "kind": ARCHIVE_KIND, "allow_hosts": self.allow_hosts}
        temporary = self.folder / (META + ".tmp")
        temporary.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        temporary.replace(self.folder / META)

    def _append(self, file_name: str, item: BaseModel) -> None:
        if not self.writable:
            raise RuntimeError(f"web archive {self.folder} was opened for reading; open it with WebArchive.create to record")
        with open(self.folder / file_name, "a", encoding="utf-8") as out:
            out.write(item.model_dump_json() + "\n")

    def add_page(self, page: ArchivedPage) -> bool:
        """Store a response unless its URL is already recorded; return whether it was stored."""
        key = normalize_url(page.url)
        if key in self.pages:
            return False
        new_host = (urlsplit(page.url).hostname or "").lower() not in self.domains
        self.pages[key] = page
        self._append(PAGES, page)
        if new_host:
            self.write_meta()
        logger.debug("archived %s (%d, %d chars)", page.url, page.status, len(page.body))
        return True

    def add_search(self, record: SearchRecord) -> None:
        if not record.recorded_at:
            record = record.model_copy(update={"recorded_at": datetime.now(timezone.utc).isoformat()})
        self.searches.append(record)
        self._append(SEARCHES, record)


def redirect_stub(target: str) -> str:
    """Return an HTML page that sends the browser on to `target` at once.

    Chromium follows a redirect that routing fulfils without calling the route handler for the
    target (checked with Playwright 1.65 and Chromium 156), so the target could not come from
    the archive. A script navigation goes through routing like any other.
    """
    return (
        "<!doctype html><html><head><title></title>"
        f"<script>location.replace({json.dumps(target)});</script></head>"
        f"<body><p>Redirecting to {html.escape(target)}</p></body></html>"
    )


class ArchiveSource:
    """The pages of an archive as a `WebSource`: recorded URLs only, misses explained."""

    def __init__(self, archive: WebArchive) -> None:
        self.archive = archive
        self.name = f"archive:{archive.name}"

    def serves(self, url: str) -> bool:
        return normalize_url(url) in self.archive.pages

    def miss_message(self, url: str) -> str:
        return (
            f"{url} is not in the web archive {self.archive.folder}: a replayed run serves only the pages its recording "
            "loaded; open a page the recorded run opened, or record a new run with --web record"
        )

    async def fetch(self, url: str) -> WebPage | None:
        page = self.archive.pages.get(normalize_url(url))
        if page is None or page.location is None:
            return page
        return WebPage(url=page.url, status=200, content_type="text/html; charset=utf-8", body=redirect_stub(page.location), searchable=False)


class ArchiveSearch:
    """Recorded searches as a `SearchBackend`.

    A query repeated in the replay gets the recorded results in the order they were recorded,
    then the last ones again. A query recorded only with a larger limit gets the first `limit`
    hits of that record.
    """

    def __init__(self, archive: WebArchive) -> None:
        self.archive = archive
        self.name = f"archive:{archive.name}"
        self._records: dict[tuple[str, int], list[SearchRecord]] = defaultdict(list)
        for record in archive.searches:
            self._records[(search_key(record.query), record.limit)].append(record)
        self._served: dict[tuple[str, int], int] = defaultdict(int)

    def _find(self, query: str, limit: int) -> SearchRecord:
        key = (search_key(query), limit)
        if key not in self._records:
            larger = sorted(size for text, size in self._records if text == key[0] and size > limit)
            if not larger:
                raise ToolError(
                    f'the search "{query}" is not in the web archive {self.archive.folder}: a replayed run returns only the '
                    "results of searches its recording made; search with the same words as the recorded run"
                )
            key = (key[0], larger[0])
        records = self._records[key]
        index = min(self._served[key], len(records) - 1)
        self._served[key] += 1
        return records[index]

    async def search_with_provider(self, query: str, limit: int = 10) -> tuple[list[SearchHit], str]:
        record = self._find(query, limit)
        return record.hits[:limit], record.provider

    async def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        return (await self.search_with_provider(query, limit))[0]


class RecordingSearch:
    """A live `SearchBackend` whose every result list is also stored in an archive."""

    def __init__(self, backend: SearchBackend, archive: WebArchive) -> None:
        self.backend = backend
        self.archive = archive
        self.name = backend.name

    async def search_with_provider(self, query: str, limit: int = 10) -> tuple[list[SearchHit], str]:
        nested = getattr(self.backend, "search_with_provider", None)
        if nested is not None:
            hits, provider = await nested(query, limit=limit)
        else:
            hits, provider = await self.backend.search(query, limit=limit), self.backend.name
        self.archive.add_search(SearchRecord(provider=provider, query=query, limit=limit, hits=hits))
        return hits, provider

    async def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        return (await self.search_with_provider(query, limit))[0]

    async def aclose(self) -> None:
        close = getattr(self.backend, "aclose", None)
        if close is not None:
            await close()
