"""PDF documents as text: fetching one through the session's guard proxy, and reading it with pypdf.

Chromium shows a PDF in its built-in viewer, whose text the page-reading script cannot reach.
The browser session therefore detects a PDF by the Content-Type of the main response. It fetches
the same URL again through its `GuardProxy`, so every connection and redirect is checked like
the browser's own, and shows the extracted text as text pages, one block per PDF page.
"""

from __future__ import annotations

import asyncio
import io
import logging

import httpx
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from pix2fact.tools.base import ToolError

logger = logging.getLogger(__name__)

MAX_PDF_PAGES = 300
PDF_TYPES = ("application/pdf", "application/x-pdf")


def is_pdf(content_type: str | None) -> bool:
    """Return whether a Content-Type header value names a PDF document."""
    return (content_type or "").split(";", 1)[0].strip().lower() in PDF_TYPES


def pdf_to_text(data: bytes, max_pages: int = MAX_PDF_PAGES) -> tuple[str, str]:
    """Extract the title and text of a PDF, each page under a "--- PDF page N of M ---" line.

    Raises:
        ToolError: the bytes are not a readable PDF, or it is encrypted with a password.
    """
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ToolError("the PDF is protected by a password, so its text cannot be read; look for an HTML page with the same information")
        count = len(reader.pages)
        parts = []
        for number, page in enumerate(reader.pages[:max_pages], start=1):
            parts.append(f"--- PDF page {number} of {count} ---\n{page.extract_text() or ''}")
        title = (reader.metadata.title or "") if reader.metadata else ""
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        # pypdf raises these plain errors for damaged files as well as PdfReadError.
        raise ToolError(f"the PDF could not be read ({type(error).__name__}: {error}); it may be damaged, try another source") from None

    if count > max_pages:
        parts.append(f"(The PDF has {count} pages; only the first {max_pages} were read.)")
    return str(title).strip(), "\n\n".join(parts)


async def fetch_bytes(url: str, *, proxy_url: str, timeout_s: float, max_bytes: int | None, headers: dict[str, str]) -> bytes:
    """Download `url` through the guard proxy, following redirects, up to `max_bytes`.

    Raises:
        ToolError: the request failed, returned an HTTP error or was larger than `max_bytes`.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        async with httpx.AsyncClient(proxy=proxy_url, timeout=timeout_s, follow_redirects=True, headers=headers) as client:
            async with client.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise ToolError(f"could not download the PDF {url}: HTTP status {response.status_code}")
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise ToolError(f"the PDF {url} is larger than the maximum page size of {max_bytes:,} bytes, so it was not read")
                    chunks.append(chunk)
    except httpx.HTTPError as error:
        raise ToolError(f"could not download the PDF {url}: {type(error).__name__}: {error}") from None
    return b"".join(chunks)


async def read_pdf(data: bytes, timeout_s: float) -> tuple[str, str]:
    """Run `pdf_to_text` in a worker thread, giving up after `timeout_s`.

    NOTE: a thread cannot be stopped, so a PDF that takes too long keeps one worker thread busy
    until pypdf finishes with it, although the tool call has already returned.
    """
    try:
        return await asyncio.wait_for(asyncio.to_thread(pdf_to_text, data), timeout_s)
    except asyncio.TimeoutError:
        raise ToolError(f"reading the PDF took more than {timeout_s:g} s, so it was given up; look for an HTML page with the same information") from None
