"""The browser: one Chromium per run, one fresh context per task.

    pool = BrowserPool()
    await pool.start()
    session = await pool.session(snapshot, UrlGuard())
    result = await session.open_url("https://museum.example/")
    tools = browser_tools(session)          # open_url, click_link, find_text, scroll, ...
    await session.close()
    await pool.close()

Chromium is Debian's /usr/bin/chromium driven by Playwright's async API; Playwright's own
browser downloads are never used. Each session gets its own context (no shared cookies or
storage), its own request routing (snapshot pages from memory) and its own guard proxy.
"""

from __future__ import annotations

import asyncio
import logging
import os

from playwright.async_api import Browser, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from pix2fact.tools.archive.recorder import PageRecorder
from pix2fact.tools.browser.loader import BrowserFault
from pix2fact.tools.browser.proxy import GuardProxy
from pix2fact.tools.browser.routing import BlockLog, SnapshotRouter, reject_websocket, serves
from pix2fact.tools.browser.session import BrowserSession
from pix2fact.tools.browser.tools import browser_tools
from pix2fact.tools.urlguard import UrlGuard
from pix2fact.tools.web import WebSource

__all__ = ["BrowserFault", "BrowserPool", "BrowserSession", "browser_tools", "LAUNCH_ARGS"]

logger = logging.getLogger(__name__)

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
DEFAULT_LOCALE = "en-US"
# Bytes one connection may bring in (see GuardProxy); also the largest PDF that is read.
DEFAULT_MAX_PAGE_BYTES = 32 * 1024 * 1024


class BrowserPool:
    """One Chromium process shared by the tasks of a run.

    Args:
        executable_path: the Chromium binary to launch.
        action_timeout_s: the default time limit of one browser action, in seconds.
        headless: run without a window.
        locale: the language pages see (navigator.language, Accept-Language), e.g. "en-US".
            No geolocation is granted and the time zone is the machine's.
        user_agent: the User-Agent header and navigator.userAgent; None uses Chromium's own
            with "HeadlessChrome" changed to "Chrome", because many sites refuse headless browsers.
        max_page_bytes: bytes one connection may bring in, and the largest PDF that is read.
    """

    def __init__(
        self,
        executable_path: str = "/usr/bin/chromium",
        action_timeout_s: float = 15,
        headless: bool = True,
        *,
        locale: str = DEFAULT_LOCALE,
        user_agent: str | None = None,
        max_page_bytes: int | None = DEFAULT_MAX_PAGE_BYTES,
    ) -> None:
        self.executable_path = executable_path
        self.action_timeout_s = action_timeout_s
        self.headless = headless
        self.locale = locale
        self.user_agent = user_agent
        self.max_page_bytes = max_page_bytes
        self.relaunch_count = 0
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._lock = asyncio.Lock()

    @property
    def version(self) -> str:
        """The Chromium version string, e.g. "156.0.8078.114" (empty before `start`)."""
        return self._browser.version if self._browser is not None else ""

    async def __aenter__(self) -> "BrowserPool":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Start Playwright and launch Chromium. Does nothing when already started."""
        async with self._lock:
            if self._browser is None:
                await self._launch()

    async def _launch(self) -> None:
        if not os.access(self.executable_path, os.X_OK):
            raise FileNotFoundError(f"Chromium not found at {self.executable_path}; install Debian's package with `apt-get install chromium` or pass executable_path")
        if self._playwright is None:
            self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(
            executable_path=self.executable_path, headless=self.headless, args=LAUNCH_ARGS, timeout=60_000
        )
        logger.info("launched Chromium %s from %s", self._browser.version, self.executable_path)

    async def close(self) -> None:
        """Close Chromium and stop Playwright. Safe to call twice."""
        async with self._lock:
            if self._browser is not None:
                try:
                    await self._browser.close()
                except PlaywrightError as error:
                    logger.warning("closing Chromium failed (it may have died already): %s", error)
                self._browser = None
            if self._playwright is not None:
                await self._playwright.stop()
                self._playwright = None

    async def _live_browser(self) -> tuple[Browser, bool]:
        """Return the browser, relaunching it (and saying so) when it has died."""
        async with self._lock:
            if self._browser is None:
                await self._launch()
                return self._browser, False
            if self._browser.is_connected():
                return self._browser, False

            self.relaunch_count += 1
            logger.warning("Chromium died; relaunching it (relaunch %d of this run)", self.relaunch_count)
            await self._launch()
            return self._browser, True

    def _user_agent(self, browser: Browser) -> str:
        if self.user_agent:
            return self.user_agent
        return f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{browser.version} Safari/537.36"

    async def session(
        self,
        web: WebSource,
        guard: UrlGuard,
        *,
        live: bool = False,
        action_timeout_s: float | None = None,
        recorder: PageRecorder | None = None,
    ) -> BrowserSession:
        """Open a fresh browser context for one task.

        Args:
            web: the pages to serve from memory (a `Snapshot`, or any `WebSource`).
            guard: the URL guard for requests outside `web`.
            live: allow URLs outside `web` to load from the network, through `guard`.
            action_timeout_s: this session's action time limit; the pool's when None.
            recorder: stores every response the session loads in a web archive.

        Raises:
            BrowserFault: the browser could not open a context.
        """
        browser, relaunched = await self._live_browser()
        timeout_s = action_timeout_s if action_timeout_s is not None else self.action_timeout_s
        block_log = BlockLog(on_record=recorder.record_refusal if recorder is not None else None)
        proxy = GuardProxy(
            guard if live else None,
            block_log.record if live else None,
            is_served=lambda url: serves(web, url) is True,
            connect_timeout_s=timeout_s,
            max_response_bytes=self.max_page_bytes,
        )
        await proxy.start()
        try:
            context = await browser.new_context(
                accept_downloads=False,
                service_workers="block",
                proxy={"server": proxy.url},
                viewport=VIEWPORT,
                locale=self.locale,
                user_agent=self._user_agent(browser),
            )
            context.set_default_timeout(timeout_s * 1000)
            if recorder is not None:
                recorder.attach(context)
            await context.route_web_socket("**/*", reject_websocket)
            router = SnapshotRouter(web, guard, live, block_log.record)
            await context.route("**/*", router.handle)
            page = await context.new_page()
        except PlaywrightError as error:
            await proxy.close()
            raise BrowserFault(f"could not open a browser context: {error.message}") from error

        return BrowserSession(
            context,
            page,
            router,
            proxy,
            block_log,
            timeout_s,
            relaunched,
            recorder=recorder,
            headers={"User-Agent": self._user_agent(browser), "Accept-Language": self.locale},
            max_page_bytes=self.max_page_bytes,
        )
