"""Loading pages in one task's browser context: checks, navigation, timeouts, text extraction.

Errors the model can fix (a blocked URL, a page that is not available offline, a page whose
scripts hang) raise `ToolError`. A crashed browser or a failing Playwright driver raises
`BrowserFault`, which the loop records as a harness fault.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from playwright.async_api import BrowserContext, Page, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from pix2fact.tools.archive import ArchivedPage
from pix2fact.tools.archive.recorder import PageRecorder
from pix2fact.tools.base import ToolError, ToolResult
from pix2fact.tools.browser.proxy import GuardProxy
from pix2fact.tools.browser.routing import BlockLog, SnapshotRouter, offline_message, serves
from pix2fact.tools.browser.text import EXTRACT_SCRIPT, MAX_LINKS, MAX_TEXT_CHARS, PageView, build_view, refresh_delay, render_page
from pix2fact.tools.browser.pdf import fetch_bytes, is_pdf, read_pdf
from pix2fact.tools.urlguard import BlockedURLError
from pix2fact.tools.web import normalize_url

logger = logging.getLogger(__name__)

LOAD_SETTLE_S = 2.0
SCRIPT_TIMEOUT_S = 5.0
RECORD_FLUSH_S = 5.0


class BrowserFault(RuntimeError):
    """The browser crashed or the Playwright driver failed: a harness fault, not the model's."""


async def _close_quietly(page: Page) -> None:
    try:
        await page.close()
    except PlaywrightError as error:
        logger.debug("closing a popup failed: %s", error)


class PageLoader:
    """The page-loading half of `BrowserSession`: one context, one page, the current view."""

    def __init__(
        self,
        context: BrowserContext,
        page: Page,
        router: SnapshotRouter,
        proxy: GuardProxy,
        block_log: BlockLog,
        action_timeout_s: float,
        browser_relaunched: bool = False,
        *,
        recorder: PageRecorder | None = None,
        headers: dict[str, str] | None = None,
        max_page_bytes: int | None = None,
    ) -> None:
        self.context = context
        self.page = page
        self.router = router
        self.proxy = proxy
        self.block_log = block_log
        self.guard = router.guard
        self.web = router.web
        self.live = router.live
        self.action_timeout_s = action_timeout_s
        self.browser_relaunched = browser_relaunched
        self.recorder = recorder
        # Sent when the session downloads a PDF itself, so that its request carries the browser's User-Agent and language.
        self.headers = headers or {}
        self.max_page_bytes = max_page_bytes
        self.current: PageView | None = None
        self.history: list[tuple[str, int]] = []
        self._closed = False
        self._crashed = False
        self._main_status: int | None = None
        self._main_content_type: str | None = None
        self._watch(page)

    def _watch(self, page: Page) -> None:
        page.on("crash", lambda _page: self._mark_crashed())
        page.on("response", self._note_response)
        # Popups are closed at once, because the model reads one page at a time.
        page.on("popup", lambda popup: asyncio.ensure_future(_close_quietly(popup)))

    def _mark_crashed(self) -> None:
        logger.error("browser page crashed at %s", self.current.url if self.current else "(no page)")
        self._crashed = True

    def _note_response(self, response: Response) -> None:
        # Kept from the event because a navigation that times out has no Response object.
        if response.request.is_navigation_request() and response.frame == self.page.main_frame:
            self._main_status = response.status
            self._main_content_type = response.headers.get("content-type")

    async def close(self) -> None:
        """Close the context and the proxy. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self.recorder is not None:
            await self.recorder.flush(min(RECORD_FLUSH_S, self.action_timeout_s))
        try:
            await asyncio.wait_for(self.context.close(), self.action_timeout_s)
        except (PlaywrightError, asyncio.TimeoutError) as error:
            logger.warning("closing the browser context failed (the browser may have died): %r", error)
        await self.proxy.close()

    def require_open_page(self) -> PageView:
        if self.current is None:
            raise ToolError("no page is open; call open_url with a URL, or use web_search first")
        return self.current

    def result(self, view: PageView, index: int) -> ToolResult:
        """Show text page `index` of `view` and record what the trajectory needs."""
        view.page_index = index
        data: dict[str, Any] = {
            "requested_url": view.requested_url,
            "url": view.url,
            "status": view.status,
            "title": view.title,
            "page": index + 1,
            "pages": view.page_count,
            "links": len(view.links),
        }
        return ToolResult(text=render_page(view, index), data=data)

    async def load(self, url: str) -> PageView:
        """Check `url`, navigate to it, and read the rendered page.

        Raises:
            BlockedURLError: the guard rejects the URL or a redirect on the way.
            ToolError: the URL is offline-only, does not resolve, or the page hung.
            BrowserFault: the browser or the driver failed.
        """
        if self._closed:
            raise BrowserFault("this browser session is closed; the engine must open a new session per task")
        if self._crashed:
            raise BrowserFault("the browser page crashed earlier in this session; the run needs a new session")

        self.guard.check(url)
        if serves(self.web, url) is False:
            if not self.live:
                raise ToolError(offline_message(url, self.web))
            try:
                await self.guard.check_resolved(url)
            except ToolError as error:
                # Replay has no DNS, so a name that was blocked or did not resolve is stored.
                if self.recorder is not None:
                    self.recorder.record_refusal(url, str(error), at_once=True)
                raise

        self.block_log.clear()
        self.router.fault = None
        self._main_status = None
        self._main_content_type = None
        started = time.monotonic()
        deadline = started + self.action_timeout_s
        note = await self._navigate(url, deadline)
        self._raise_source_fault(url)
        if is_pdf(self._main_content_type):
            return await self._pdf_view(url, self.page.url)

        extracted = await self._read(url, deadline)
        for blocked_url, message in self.block_log.entries:
            # The proxy answers a blocked plain-HTTP redirect with its own 403 page, shown at the blocked URL.
            if normalize_url(blocked_url) == normalize_url(extracted["url"]):
                await self._reset_page()
                raise BlockedURLError(f"{url} redirected to a blocked address. {message}")
        if extracted["url"].startswith("chrome-error:"):
            # A script or meta refresh led to a request that routing or the proxy rejected.
            await self._reset_page()
            if self.block_log.entries:
                raise BlockedURLError(f"{url} led to a blocked request. {self.block_log.entries[-1][1]}")
            raise ToolError(f"could not open {url}: the browser showed an error page; check the URL or try another page")
        logger.debug("loaded %s as %s in %.0f ms", url, extracted["url"], (time.monotonic() - started) * 1000)
        if self.recorder is not None:
            await self.recorder.flush(min(RECORD_FLUSH_S, self.action_timeout_s))
        return build_view(url, self._main_status, extracted, note)

    async def _pdf_view(self, url: str, pdf_url: str) -> PageView:
        """Show a PDF as text: from the web source when it serves the URL, else downloaded live."""
        if serves(self.web, pdf_url) is not False and (stored := await self.web.fetch(pdf_url)) is not None:
            title, text = stored.title, stored.body
        elif self.live:
            data = await fetch_bytes(pdf_url, proxy_url=self.proxy.url, timeout_s=self.action_timeout_s, max_bytes=self.max_page_bytes, headers=self.headers)
            title, text = await read_pdf(data, self.action_timeout_s)
            if self.recorder is not None:
                self.recorder.record_text_page(
                    ArchivedPage(url=pdf_url, status=self._main_status or 200, content_type="application/pdf", body=text, title=title, searchable=True)
                )
        else:
            raise ToolError(offline_message(pdf_url, self.web))

        extracted = {"url": pdf_url, "title": title, "text": text[:MAX_TEXT_CHARS], "links": [], "totalChars": len(text)}
        return build_view(url, self._main_status, extracted, "Note: this is a PDF document, shown as its extracted text.")

    async def _navigate(self, url: str, deadline: float) -> str:
        """Go to `url`; return a note for the header when the page did not finish loading."""
        unfinished = f"Note: the page did not finish loading within {self.action_timeout_s:g} s; this is what had rendered by then."
        try:
            await self.page.goto(url, wait_until="domcontentloaded", timeout=self.action_timeout_s * 1000)
        except PlaywrightTimeoutError:
            return unfinished
        except PlaywrightError as error:
            # A script or meta refresh that redirects before DOMContentLoaded interrupts the
            # navigation. The page then shows the redirect target, so read that one.
            if "interrupted by another navigation" not in (error.message or ""):
                self._raise_navigation_error(url, error)
            if not await self._wait_for_state("domcontentloaded", deadline - time.monotonic()):
                return unfinished

        settle_s = min(LOAD_SETTLE_S, deadline - time.monotonic())
        if not await self._wait_for_state("load", settle_s):
            logger.debug("%s: load event still pending after DOMContentLoaded; reading the page as it is", url)
        return ""

    async def _wait_for_state(self, state: str, timeout_s: float) -> bool:
        """Wait for a load state; return False when it did not arrive within `timeout_s`."""
        try:
            await self.page.wait_for_load_state(state, timeout=max(0.1, timeout_s) * 1000)
        except PlaywrightTimeoutError:
            return False
        except PlaywrightError as error:
            raise BrowserFault(f"the browser failed while waiting for {self.page.url} to load: {error.message}") from error
        return True

    def _raise_source_fault(self, url: str) -> None:
        """Raise the web source's failure, if routing met one, as the harness fault it is."""
        if self.router.fault is not None:
            fault, self.router.fault = self.router.fault, None
            raise BrowserFault(f"the web source failed while serving {url}: {fault!r}") from fault

    def _raise_navigation_error(self, url: str, error: PlaywrightError) -> None:
        self._raise_source_fault(url)
        message = error.message.splitlines()[0] if error.message else repr(error)
        if "Download is starting" in message:
            raise ToolError(f"{url} is a file download, which this browser does not open; look for an HTML page with the same information") from None
        if "net::ERR_" not in message:
            raise BrowserFault(f"the browser failed while opening {url}: {message}") from error

        if self.block_log.entries:
            blocked_url, reason = self.block_log.entries[-1]
            if blocked_url != url and not reason.startswith(url):
                reason = f"{url} led to a blocked request. {reason}"
            raise BlockedURLError(reason) from None
        raise ToolError(f"could not open {url}: {message}; check the URL or try another page") from None

    async def _extract(self, url: str) -> dict:
        """Read the page text with `EXTRACT_SCRIPT`, waiting out a late redirect at most twice."""
        limit = min(SCRIPT_TIMEOUT_S, self.action_timeout_s)
        for _attempt in range(3):
            try:
                return await asyncio.wait_for(self.page.evaluate(EXTRACT_SCRIPT, [MAX_TEXT_CHARS, MAX_LINKS]), limit)
            except asyncio.TimeoutError:
                await self._reset_page()
                raise ToolError(f"the page {url} kept its scripts running for more than {limit:g} s (an endless loop?), so it was closed; open another page") from None
            except PlaywrightError as error:
                if "Execution context was destroyed" not in (error.message or ""):
                    raise BrowserFault(f"reading the page {url} failed: {error.message}") from error
                await self._wait_for_state("domcontentloaded", limit)
        raise ToolError(f"{url} kept navigating to other pages while being read; open the page it ends on directly")

    async def _read(self, url: str, deadline: float) -> dict:
        """Read the page, and read again after a late redirect when there is time left.

        A meta refresh due within `LOAD_SETTLE_S` is followed, because Chromium starts it only
        once the page has loaded. A document still parsing (readyState "loading") is read
        again after DOMContentLoaded unless the action time is used up, as it is for a page
        that never finishes loading.
        """
        extracted = await self._extract(url)
        for _attempt in range(2):
            if (delay := refresh_delay(extracted.get("refresh"))) is not None and delay <= LOAD_SETTLE_S:
                if not await self._wait_for_refresh(url, extracted["url"], delay):
                    return extracted
            elif extracted["readyState"] == "loading" and deadline - time.monotonic() > 0.1:
                await self._wait_for_state("domcontentloaded", deadline - time.monotonic())
            else:
                return extracted
            extracted = await self._extract(url)
        return extracted

    async def _wait_for_refresh(self, url: str, current_url: str, delay: float) -> bool:
        """Wait for a meta refresh to leave `current_url`; return False when it did not."""
        try:
            await self.page.wait_for_url(lambda current: current != current_url, wait_until="commit", timeout=(delay + LOAD_SETTLE_S) * 1000)
        except PlaywrightTimeoutError:
            logger.debug("%s: meta refresh after %.1f s did not navigate; reading the page as it is", url, delay)
            return False
        except PlaywrightError as error:
            raise BrowserFault(f"the browser failed while following the refresh of {url}: {error.message}") from error

        await self._wait_for_state("domcontentloaded", self.action_timeout_s)
        return True

    async def _reset_page(self) -> None:
        """Replace the page with a fresh one, e.g. after a script hung its renderer."""
        old = self.page
        try:
            self.page = await self.context.new_page()
        except PlaywrightError as error:
            raise BrowserFault(f"could not open a new tab after {old.url} hung: {error.message}") from error
        self._watch(self.page)
        try:
            await asyncio.wait_for(old.close(run_before_unload=False), self.action_timeout_s)
        except (asyncio.TimeoutError, PlaywrightError) as error:
            logger.warning("closing a hung page failed: %r", error)
