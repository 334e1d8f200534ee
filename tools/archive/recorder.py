"""Recording what one browser context loads into a `WebArchive`.

`PageRecorder.attach` listens to the context's responses. Each recordable response (documents,
scripts, style sheets, fetch/XHR) has its body read at once, while the page that loaded it
still exists, and stored when it arrives. `flush` waits for the reads still running; the session
calls it after each page load, so the archive contains a page before its tool result is returned.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from urllib.parse import urljoin, urlsplit

from playwright.async_api import BrowserContext, Response
from playwright.async_api import Error as PlaywrightError

from pix2fact.tools.archive import ArchivedPage, WebArchive
from pix2fact.tools.browser.proxy import BLOCKED_HEADER
from pix2fact.tools.browser.pdf import is_pdf
from pix2fact.tools.web import normalize_url

logger = logging.getLogger(__name__)

RECORDED_RESOURCE_TYPES = frozenset({"document", "script", "stylesheet", "xhr", "fetch"})
TEXT_TYPES = ("application/javascript", "application/x-javascript", "application/json", "application/xml", "application/xhtml+xml", "image/svg+xml")
FLUSH_TIMEOUT_S = 10.0

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_text(media_type: str) -> bool:
    return media_type.startswith("text/") or media_type in TEXT_TYPES or media_type.endswith(("+json", "+xml"))


def decode_body(body: bytes, content_type: str) -> str:
    """Decode a text response the way a browser picks its encoding.

    The Content-Type charset comes first, then an HTML `<meta charset>`, then UTF-8, and
    windows-1252 (what browsers use for undeclared Latin text) when the bytes are not UTF-8.
    """
    candidates = []
    match = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_.:-]+)", content_type, re.IGNORECASE)
    if match:
        candidates.append(match.group(1))
    if "html" in content_type.lower() and (meta := _META_CHARSET.search(body[:4096])):
        candidates.append(meta.group(1).decode("ascii"))
    candidates.append("utf-8")

    for encoding in candidates:
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", errors="replace")


def html_title(text: str) -> str:
    match = _TITLE.search(text[:200_000])
    return " ".join(html.unescape(match.group(1)).split()) if match else ""


class PageRecorder:
    """Stores the responses of one browser context in an archive.

    Args:
        archive: where responses go; the first response for each URL is kept.
        max_body_bytes: larger bodies are not recorded, so replay shows them as missing.
    """

    def __init__(self, archive: WebArchive, max_body_bytes: int | None = None) -> None:
        self.archive = archive
        self.max_body_bytes = max_body_bytes
        self._pending: set[asyncio.Task] = set()
        # URL -> message of requests blocked while loading, stored at the next flush.
        self._refusals: dict[str, str] = {}

    def attach(self, context: BrowserContext) -> None:
        context.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        request = response.request
        if request.resource_type not in RECORDED_RESOURCE_TYPES or not response.url.startswith(("http://", "https://")):
            return
        task = asyncio.ensure_future(self._capture(response))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _capture(self, response: Response) -> None:
        url = response.url
        try:
            if 300 <= response.status < 400:
                location = await response.header_value("location")
                if location:
                    self.archive.add_page(ArchivedPage(url=url, status=response.status, body="", location=urljoin(url, location), searchable=False, resource_type=response.request.resource_type))
                return

            content_type = await response.header_value("content-type") or "application/octet-stream"
            media_type = _media_type(content_type)
            if await response.header_value(BLOCKED_HEADER):
                message = (await response.body()).decode("utf-8", errors="replace")
                self.archive.add_page(ArchivedPage(url=url, status=response.status, content_type=content_type, body=message, searchable=False, resource_type=response.request.resource_type, error=message))
                return
            # A PDF reaches the archive as the text the browser tools show (see PageLoader).
            if is_pdf(media_type) or not _is_text(media_type):
                return
            body = await response.body()
        except PlaywrightError as error:
            logger.debug("not recording %s: its body could not be read: %s", url, error)
            return

        if self.max_body_bytes is not None and len(body) > self.max_body_bytes:
            logger.info("not recording %s: its %d bytes exceed the recording limit", url, len(body))
            return
        text = decode_body(body, content_type)
        is_main_document = response.request.resource_type == "document" and self._in_main_frame(response)
        self.archive.add_page(
            ArchivedPage(
                url=url,
                status=response.status,
                content_type=f"{media_type}; charset=utf-8",
                body=text,
                title=html_title(text) if "html" in media_type else "",
                searchable=is_main_document and "html" in media_type,
                resource_type=response.request.resource_type,
            )
        )

    @staticmethod
    def _in_main_frame(response: Response) -> bool:
        try:
            return response.frame.parent_frame is None
        except PlaywrightError:
            return False

    def record_refusal(self, url: str, message: str, at_once: bool = False) -> None:
        """Store a request that was blocked or did not resolve, so that replay refuses it too.

        Blocks reported while a page loads wait for `flush`, because the proxy's rejection page
        for the same URL, when there is one, arrives later and is the better record.
        """
        if not url.startswith(("http://", "https://")):
            return  # the guard rejects other schemes by their text alone, in replay too
        if at_once:
            self.archive.add_page(ArchivedPage(url=url, status=0, body="", searchable=False, error=message))
        else:
            self._refusals.setdefault(url, message)

    def _store_refusals(self) -> None:
        refusals, self._refusals = self._refusals, {}
        for url, message in refusals.items():
            targets = [url]
            if urlsplit(url).path in ("", "/"):
                # The proxy gets only host and port of an HTTPS tunnel. A recorded redirect to
                # that origin has the full URL the browser requested, which replay looks up.
                origin = urlsplit(url)[:2]
                targets += [page.location for page in list(self.archive.pages.values()) if page.location and urlsplit(page.location)[:2] == origin]
            for target in targets:
                if normalize_url(target) not in self.archive.pages:
                    self.archive.add_page(ArchivedPage(url=target, status=0, body="", searchable=False, error=message))

    def record_text_page(self, page: ArchivedPage) -> None:
        """Store a page that the session built itself, such as a PDF read as text."""
        self.archive.add_page(page)

    async def flush(self, timeout_s: float = FLUSH_TIMEOUT_S) -> None:
        """Wait for the body reads still running, at most `timeout_s` seconds."""
        if self._pending:
            _done, pending = await asyncio.wait(set(self._pending), timeout=timeout_s)
            if pending:
                # A response that never ends (a page still streaming) has no body to store.
                logger.info("%d response(s) still loading were not recorded", len(pending))
                for task in pending:
                    task.cancel()
        self._store_refusals()
