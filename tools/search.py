"""Web search: a BM25 index over the snapshot, and the `web_search` tool over any backend.

`LocalSearch` indexes what a crawler reads: the text of the stored HTML without running its
scripts, so a fact that only JavaScript writes into a page can be read in the browser but not
found by search. The index needs SQLite's FTS5 module, and `LocalSearch` raises at once without it.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import Any

from bs4 import BeautifulSoup

from pix2fact.tools.base import ToolError, ToolResult, ToolSpec, require_keys
from pix2fact.tools.web import SearchBackend, SearchHit, Snapshot, WebPage

logger = logging.getLogger(__name__)

TITLE_WEIGHT = 5.0
BODY_WEIGHT = 1.0
MAX_QUERY_TERMS = 32
SNIPPET_TOKENS = 24
MAX_RESULTS_LIMIT = 20

# Words too common to say anything about a page. They are dropped from the query unless they
# are all it has, so "the height of the tower" ranks pages by "height" and "tower".
STOPWORDS = frozenset(
    "a an and are as at be by did do does for from had has have how in is it its of on or "
    "that the their this to was were what when where which who whom why will with".split()
)


def crawler_text(page: WebPage) -> tuple[str, str]:
    """Return (title, text) of a stored page as a crawler reads it: HTML text, no script output."""
    if "html" not in page.content_type.lower():
        return page.title, " ".join(page.body.split())

    soup = BeautifulSoup(page.body, "html.parser")
    for element in soup(["script", "style", "template"]):
        element.decompose()
    title = page.title or (soup.title.get_text(" ", strip=True) if soup.title else "")
    if soup.title:
        # The title has its own weighted column; keeping it in the body would count it twice.
        soup.title.decompose()
    return title, " ".join(soup.get_text(" ").split())


def query_terms(query: str) -> list[str]:
    """Split user text into plain word terms, so FTS5 operators and quotes cannot reach MATCH."""
    words = list(dict.fromkeys(word.lower() for word in re.findall(r"\w+", query)))[:MAX_QUERY_TERMS]
    content = [word for word in words if word not in STOPWORDS]
    return content or words


def _fts5_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class LocalSearch:
    """BM25 search over the `searchable` pages of a web snapshot.

    Terms match with OR semantics. Hits that contain more of the query's terms come first, and
    BM25 (title weighted above body) orders hits with the same number of terms.

    Raises:
        RuntimeError: this Python's SQLite lacks the FTS5 module.
    """

    name = "local-snapshot"

    def __init__(self, snapshot: Snapshot) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            self._db.execute(
                "CREATE VIRTUAL TABLE pages USING fts5(title, body, url UNINDEXED, tokenize='porter unicode61 remove_diacritics 2')"
            )
        except sqlite3.OperationalError as error:
            raise RuntimeError(f"SQLite {sqlite3.sqlite_version} has no FTS5 module ({error}); use a Python whose sqlite3 is built with FTS5") from error

        rows = []
        for page in snapshot.pages.values():
            if page.searchable and page.status < 400:
                title, text = crawler_text(page)
                rows.append((title, text, page.url))
        self._db.executemany("INSERT INTO pages (title, body, url) VALUES (?, ?, ?)", rows)
        self.page_count = len(rows)
        logger.info("indexed %d searchable pages of snapshot %r", len(rows), snapshot.name)

    async def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        terms = query_terms(query)
        if not terms or limit < 1:
            return []

        match = " OR ".join(_fts5_phrase(term) for term in terms)
        candidates = self._db.execute(
            f"SELECT rowid, title, url, snippet(pages, 1, '', '', ' ... ', {SNIPPET_TOKENS}), bm25(pages, ?, ?) "
            "FROM pages WHERE pages MATCH ? ORDER BY bm25(pages, ?, ?) LIMIT ?",
            (TITLE_WEIGHT, BODY_WEIGHT, match, TITLE_WEIGHT, BODY_WEIGHT, max(50, limit * 5)),
        ).fetchall()

        coverage = self._term_coverage(terms, [row[0] for row in candidates])
        ranked = sorted(candidates, key=lambda row: (-coverage.get(row[0], 0), row[4]))
        return [SearchHit(title=title or url, url=url, snippet=snippet.strip()) for _rowid, title, url, snippet, _score in ranked[:limit]]

    def _term_coverage(self, terms: list[str], rowids: list[int]) -> dict[int, int]:
        """Count, for each candidate row, how many distinct query terms it contains."""
        if len(terms) == 1 or not rowids:
            return {}
        placeholders = ",".join("?" * len(rowids))
        counts: dict[int, int] = {}
        for term in terms:
            found = self._db.execute(f"SELECT rowid FROM pages WHERE pages MATCH ? AND rowid IN ({placeholders})", (_fts5_phrase(term), *rowids))
            for (rowid,) in found:
                counts[rowid] = counts.get(rowid, 0) + 1
        return counts


def _format_hits(query: str, hits: list[SearchHit]) -> str:
    lines = [f'Search results for "{query}":']
    for number, hit in enumerate(hits, start=1):
        lines.append(f"{number}. {hit.title}\n   {hit.url}")
        if hit.snippet:
            lines.append(f"   {hit.snippet}")
    lines.append("Open a result with open_url.")
    return "\n".join(lines)


class SearchTool:
    """The `web_search` tool: a query in, numbered hits (title, URL, snippet) out.

    Args:
        backend: the search provider. Its `name` is recorded with every query, or, for a
            backend with `search_with_provider` (a fallback chain), the name it returns.
        max_results: hits returned when the call does not ask for a number.
    """

    def __init__(self, backend: SearchBackend, max_results: int = 8) -> None:
        if not 1 <= max_results <= MAX_RESULTS_LIMIT:
            raise ValueError(f"max_results must be between 1 and {MAX_RESULTS_LIMIT}, got {max_results}")
        self.backend = backend
        self.max_results = max_results
        self.spec = ToolSpec(
            name="web_search",
            description="Search the web. Returns numbered results with title, URL and a text snippet; open one with open_url.",
            parameters={
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "Search words, e.g. a name you read in the image plus the fact you need."},
                    "max_results": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_RESULTS_LIMIT,
                        "description": f"How many results to return (default {max_results}).",
                    },
                },
                "required": ["query"],
            },
        )

    async def call(self, arguments: dict[str, Any]) -> ToolResult:
        require_keys(arguments, self.spec.parameters)
        query = arguments["query"]
        if not isinstance(query, str) or not query.strip():
            raise ToolError(f"query must be a non-empty string, got {query!r}; give the words to search for")
        query = " ".join(query.split())

        count = arguments.get("max_results", self.max_results)
        if isinstance(count, str) and count.strip().isdigit():
            count = int(count)  # Some models send numbers as strings.
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_RESULTS_LIMIT:
            raise ToolError(f"max_results must be an integer from 1 to {MAX_RESULTS_LIMIT}, got {count!r}")

        # A backend failure that is not a ToolError propagates: the loop records a harness fault.
        # A fallback chain reports which of its providers returned the hits; any other backend did so itself.
        search_with_provider = getattr(self.backend, "search_with_provider", None)
        if search_with_provider is not None:
            hits, provider = await search_with_provider(query, limit=count)
        else:
            hits, provider = await self.backend.search(query, limit=count), self.backend.name
        hits = hits[:count]
        logger.info("web_search via %s: %r -> %d hit(s)", provider, query, len(hits))
        data = {"query": query, "provider": provider, "results": [{"title": hit.title, "url": hit.url} for hit in hits], "count": len(hits)}
        if not hits:
            text = f'No results for "{query}". Try other words: fewer or more general terms, another spelling, or a related name.'
            return ToolResult(text=text, data=data)
        return ToolResult(text=_format_hits(query, hits), data=data)
