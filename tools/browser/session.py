"""The browser actions of one task: open, click, find, scroll, back and read.

Each action returns a `ToolResult` for the model. Errors the model can fix raise `ToolError`:
an unknown link id, no page open, a blocked URL, empty search text, a page number out of range.
A browser crash or driver failure raises `BrowserFault`, which is a harness fault.
"""

from __future__ import annotations

import re

from pix2fact.tools.base import ToolError, ToolResult
from pix2fact.tools.browser.loader import PageLoader
from pix2fact.tools.browser.text import PageView, find_matches

MAX_FIND_MATCHES = 20


def _with_scheme(url: str) -> str:
    """Add https:// to a bare host such as `museum.example/page`, as a browser's address bar does."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
        return url
    return "https://" + url.lstrip("/")


class BrowserSession(PageLoader):
    """The browser of one task. Create it with `BrowserPool.session`, end it with `close`."""

    async def open_url(self, url: str) -> ToolResult:
        """Open a URL and show the first text page of its rendered text."""
        if not isinstance(url, str) or not url.strip():
            raise ToolError(f"url must be a non-empty string, got {url!r}; give a full URL such as https://example.org/page")
        return await self._visit(_with_scheme(url.strip()))

    async def click_link(self, link_id: int) -> ToolResult:
        """Follow link number `link_id` of the current page."""
        view = self.require_open_page()
        if isinstance(link_id, bool) or not isinstance(link_id, int):
            raise ToolError(f"link_id must be an integer, got {link_id!r}; use a number from the page's link list")
        if not view.links:
            raise ToolError(f"the page {view.url} has no links to click; open another URL or go back")
        if not 1 <= link_id <= len(view.links):
            raise ToolError(f"unknown link id {link_id}: the page {view.url} has links 1 to {len(view.links)}")

        result = await self._visit(view.links[link_id - 1].url)
        result.data["link_id"] = link_id
        return result

    async def find_text(self, text: str) -> ToolResult:
        """List the occurrences of `text` on the current page, with context and text page."""
        view = self.require_open_page()
        if not isinstance(text, str) or not text.strip():
            raise ToolError(f"text must be a non-empty string, got {text!r}; give a word or phrase to find on the page")

        query = " ".join(text.split())
        matches = find_matches(view, query, limit=MAX_FIND_MATCHES)
        data = {"query": query, "url": view.url, "matches": len(matches), "pages": view.page_count}
        if not matches:
            message = f'"{query}" was not found on {view.url} ({view.page_count} text page(s) searched). Try a shorter or different phrase.'
            return ToolResult(text=message, data=data)

        lines = [f'Found "{query}" on {view.url} ({len(matches)}{"+" if len(matches) >= MAX_FIND_MATCHES else ""} match(es)):']
        for number, match in enumerate(matches, start=1):
            lines.append(f"{number}. (text page {match['page']} of {view.page_count}) {match['context']}")
        lines.append("Use read_page with a page number to read a match in full.")
        data["match_pages"] = sorted({match["page"] for match in matches})
        return ToolResult(text="\n".join(lines), data=data)

    async def scroll(self, direction: str) -> ToolResult:
        """Show the next ("down") or previous ("up") text page of the current page."""
        view = self.require_open_page()
        if direction not in ("down", "up"):
            raise ToolError(f"direction must be 'down' or 'up', got {direction!r}")

        index = view.page_index + (1 if direction == "down" else -1)
        if index >= view.page_count:
            raise ToolError(f"already at the last text page ({view.page_count} of {view.page_count}) of {view.url}; scroll up, or open another page")
        if index < 0:
            raise ToolError(f"already at the first text page of {view.url}; scroll down instead")
        return self.result(view, index)

    async def read_page(self, page: int | None = None) -> ToolResult:
        """Show text page `page` (1-based) of the current page, or the current text page."""
        view = self.require_open_page()
        if page is None:
            return self.result(view, view.page_index)
        if isinstance(page, bool) or not isinstance(page, int):
            raise ToolError(f"page must be an integer, got {page!r}")
        if not 1 <= page <= view.page_count:
            raise ToolError(f"text page {page} is out of range: {view.url} has text pages 1 to {view.page_count}")
        return self.result(view, page - 1)

    async def go_back(self) -> ToolResult:
        """Reload the previous page and show the text page that was being read there."""
        if not self.history:
            raise ToolError("there is no previous page to go back to; open a URL instead")

        url, index = self.history[-1]
        view = await self.load(url)
        self.history.pop()
        self.current = view
        return self.result(view, min(index, view.page_count - 1))

    async def _visit(self, url: str) -> ToolResult:
        view: PageView = await self.load(url)
        if self.current is not None:
            self.history.append((self.current.url, self.current.page_index))
        self.current = view
        return self.result(view, 0)
