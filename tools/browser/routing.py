"""Request routing for one browser context: snapshot pages from memory, the rest guarded.

Every request the page makes passes through `SnapshotRouter.handle`:

1. A URL on a host the web source serves is fulfilled from `web.fetch`, or with a 404 page
   when the snapshot lacks that page. No server process is involved.
2. Any other URL, in a live session: checked with `UrlGuard.check_resolved`, then continued
   to the network (through the session's `GuardProxy`, which checks redirects again).
3. Any other URL, offline: aborted, because it is not available offline.
"""

from __future__ import annotations

import html
import logging
from typing import Callable

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Route, WebSocketRoute

from pix2fact.tools.base import ToolError
from pix2fact.tools.urlguard import UrlGuard
from pix2fact.tools.web import WebSource

logger = logging.getLogger(__name__)


def not_in_snapshot_page(url: str) -> str:
    """Return the HTML of the 404 page shown for a snapshot host's missing page."""
    shown = html.escape(url)
    return (
        "<!doctype html><html><head><title>404 Not Found</title></head><body>"
        f"<h1>404 Not Found</h1><p>The page {shown} is not in the web snapshot.</p>"
        "<p>Go back, or search for another page.</p></body></html>"
    )


def offline_message(url: str, web: WebSource | None = None) -> str:
    """Explain why an offline session cannot open `url`, in the web source's words if it has them."""
    explain = getattr(web, "miss_message", None)
    if callable(explain):
        return explain(url)
    return f"{url} is not available offline: its host is not in the web snapshot and live browsing is off; use web_search to find pages that are"


def serves(web: WebSource, url: str) -> bool | None:
    """Return whether `web` serves the URL's host, or None when the source cannot tell."""
    check = getattr(web, "serves", None)
    return bool(check(url)) if callable(check) else None


class BlockLog:
    """Requests rejected during the current navigation, kept to explain why it failed."""

    def __init__(self, on_record: Callable[[str, str], None] | None = None) -> None:
        self.entries: list[tuple[str, str]] = []
        # Called with each block as well, e.g. by a PageRecorder that stores it for replay.
        self.on_record = on_record

    def record(self, url: str, message: str) -> None:
        logger.info("browser request blocked: %s", message)
        self.entries.append((url, message))
        if self.on_record is not None:
            self.on_record(url, message)

    def clear(self) -> None:
        self.entries.clear()


async def reject_websocket(socket: WebSocketRoute) -> None:
    """Close every WebSocket at once, so a page has no open channel to any server."""
    await socket.close(code=1008, reason="WebSockets are disabled in the pix2fact browser")


class SnapshotRouter:
    """The route handler of one session.

    Args:
        web: where snapshot pages come from.
        guard: checks live URLs.
        live: whether URLs outside the web source may be loaded from the network.
        on_block: called with (url, message) for each request that was blocked.
    """

    def __init__(self, web: WebSource, guard: UrlGuard, live: bool, on_block: Callable[[str, str], None]) -> None:
        self.web = web
        self.guard = guard
        self.live = live
        self.on_block = on_block
        self.fault: BaseException | None = None

    async def handle(self, route: Route) -> None:
        url = route.request.url
        try:
            await self._route(route, url)
        except PlaywrightError as error:
            # The page navigated away or closed while this request was pending; nothing waits for it.
            logger.debug("route for %s ended early: %s", url, error)
        except Exception as error:  # noqa: BLE001 - kept for the session, which re-raises it
            logger.error("web source failed on %s: %r", url, error)
            self.fault = error
            await route.abort("failed")

    async def _route(self, route: Route, url: str) -> None:
        served = serves(self.web, url)
        if served is not False:
            page = await self.web.fetch(url)
            if page is not None:
                # A recorded refusal is replayed as one: blocked again, aborted when status is 0.
                if (refusal := getattr(page, "error", None)) is not None:
                    self.on_block(url, refusal)
                    if page.status == 0:
                        await route.abort("blockedbyclient")
                        return
                await route.fulfill(status=page.status, content_type=page.content_type, body=page.body)
                return
            if served:
                await route.fulfill(status=404, content_type="text/html; charset=utf-8", body=not_in_snapshot_page(url))
                return

        if not self.live:
            self.on_block(url, offline_message(url, self.web))
            await route.abort("blockedbyclient")
            return

        try:
            await self.guard.check_resolved(url)
        except ToolError as error:
            self.on_block(url, str(error))
            await route.abort("blockedbyclient")
            return
        await route.continue_()
