"""Live browsing on real Chromium against pages served on 127.0.0.1, reached only through the allow-list.

Every address a test names is on this machine: a regression in the guard must not send traffic
anywhere else. Names are given addresses by a guard whose `resolve` is overridden, so the
checks after DNS resolution run without touching system DNS.
"""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from fakes.pages_server import Page, PagesServer, echo_headers, html_page, make_pdf, redirect, streamed

from pix2fact.tools.base import ToolError
from pix2fact.tools.browser import BrowserPool, BrowserSession
from pix2fact.tools.browser.pdf import pdf_to_text
from pix2fact.tools.urlguard import BlockedURLError, UrlGuard
from pix2fact.tools.web import Snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

TIMEOUT_S = 3.0
MAX_PAGE_BYTES = 1_000_000
NOTHING = Snapshot("live", [], [])


class FakeDnsGuard(UrlGuard):
    """A guard whose name lookups come from a table instead of DNS."""

    def __init__(self, names: dict[str, list[str]], **options) -> None:
        super().__init__(**options)
        self.names = names

    async def resolve(self, host: str, port: int) -> list[str]:
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.names[host]


@pytest.fixture(scope="module")
def secret() -> Iterator[PagesServer]:
    """A server no test may reach: tests assert it saw no connection."""
    with PagesServer({"/": html_page("Secret", "<p>secret</p>")}) as server:
        yield server


@pytest.fixture(scope="module")
def site(secret: PagesServer) -> Iterator[PagesServer]:
    with PagesServer() as server:
        server.routes.update(
            {
                "/": html_page("Local site", "<p>Served from 127.0.0.1.</p><a href='/doc.pdf'>the report</a>"),
                "/to-secret": redirect(f"{secret.origin}/"),
                "/to-other-loopback": redirect(f"http://127.0.0.2:{secret.port}/"),
                "/to-unspecified": redirect(f"http://0.0.0.0:{secret.port}/"),
                "/to-ipv6-loopback": redirect(f"http://[::1]:{secret.port}/"),
                "/to-rebound-name": redirect(f"http://rebound.test:{secret.port}/"),
                "/to-file": redirect("file:///etc/passwd"),
                "/doc.pdf": Page(make_pdf(["The tower is 87 metres tall.", "It opened in 1912."], title="Tower report"), content_type="application/pdf"),
                "/to-pdf": redirect("/doc.pdf"),
                "/broken.pdf": Page(b"%PDF-1.4 this is not really a PDF", content_type="application/pdf"),
                "/big-declared": Page(b"<p>" + b"a" * (MAX_PAGE_BYTES + 10) + b"</p>"),
                "/big-streamed": streamed(b"<title>Stream</title><p>Start of the stream.</p>", 4 * MAX_PAGE_BYTES, b"<p>END-MARKER</p>"),
                "/loop": html_page("Loop", "<p>Before the loop.</p><script>while (true) {}</script>"),
                "/slow": server.stall(b"<html><head><title>Slow</title></head><body><p>Visible before the stall.</p>" + b" " * 2048),
                "/archive.zip": Page(b"PK\x03\x04 not a zip", content_type="application/zip", headers={"Content-Disposition": "attachment; filename=archive.zip"}),
                "/headers": echo_headers,
                "/socket": html_page(
                    "Socket",
                    f"<p id='state'>pending</p><script>const ws = new WebSocket('ws://127.0.0.1:{secret.port}/');"
                    "ws.onclose = () => { document.getElementById('state').textContent = 'closed'; };</script>",
                ),
            }
        )
        yield server


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[BrowserPool]:
    browser_pool = BrowserPool(action_timeout_s=TIMEOUT_S, max_page_bytes=MAX_PAGE_BYTES)
    await browser_pool.start()
    yield browser_pool
    await browser_pool.close()


@pytest.fixture
async def session(pool: BrowserPool, site: PagesServer) -> AsyncIterator[BrowserSession]:
    guard = FakeDnsGuard({"rebound.test": ["127.0.0.1"], "site.test": ["127.0.0.1"]}, allow_hosts=[site.host, "site.test"])
    browser_session = await pool.session(NOTHING, guard, live=True)
    yield browser_session
    await browser_session.close()


async def test_allowed_local_page_loads(session: BrowserSession, site: PagesServer) -> None:
    result = await session.open_url(site.origin + "/")

    assert "Served from 127.0.0.1." in result.text
    assert result.data["status"] == 200


async def test_loopback_blocked_without_allow_list(pool: BrowserPool, site: PagesServer) -> None:
    browser_session = await pool.session(NOTHING, UrlGuard(), live=True)
    connections = site.connections
    try:
        with pytest.raises(BlockedURLError, match="loopback"):
            await browser_session.open_url(site.origin + "/")
    finally:
        await browser_session.close()

    assert site.connections == connections


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("/to-secret", "loopback"),
        ("/to-other-loopback", "loopback"),
        ("/to-unspecified", "unspecified"),
        ("/to-ipv6-loopback", "loopback"),
        ("/to-rebound-name", "resolves to 127.0.0.1"),
        ("/to-file", "UNSAFE_REDIRECT"),  # Chromium itself refuses a redirect to file:
    ],
)
async def test_redirect_into_blocked_range(session: BrowserSession, site: PagesServer, secret: PagesServer, path: str, rule: str) -> None:
    with pytest.raises(ToolError, match=rule):
        await session.open_url(site.origin + path)

    assert secret.connections == 0


async def test_name_resolving_to_loopback_blocked(session: BrowserSession, secret: PagesServer) -> None:
    with pytest.raises(BlockedURLError) as caught:
        await session.open_url(f"http://rebound.test:{secret.port}/")

    assert "host 'rebound.test' resolves to 127.0.0.1" in str(caught.value)
    assert secret.connections == 0


async def test_allowed_name_connects_to_checked_address(session: BrowserSession, site: PagesServer) -> None:
    result = await session.open_url(f"http://site.test:{site.port}/")

    assert result.data["url"] == f"http://site.test:{site.port}/"
    assert "Served from 127.0.0.1." in result.text


async def test_unresolvable_name_is_tool_error(session: BrowserSession) -> None:
    with pytest.raises(ToolError, match="could not resolve host 'nowhere.test'"):
        await session.open_url("http://nowhere.test/")


@pytest.mark.parametrize(
    ("address", "rule"),
    [
        ("10.1.2.3", "a private address"),
        ("172.20.0.5", "a private address"),
        ("192.168.7.7", "a private address"),
        ("100.64.1.1", "carrier-grade NAT"),
        ("169.254.169.254", "cloud metadata"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "cloud metadata"),
    ],
)
async def test_names_resolving_to_blocked_ranges(address: str, rule: str) -> None:
    # check_resolved only looks the name up, so no packet goes to these addresses.
    guard = FakeDnsGuard({"inside.test": [address]})

    with pytest.raises(BlockedURLError, match=rule):
        await guard.check_resolved("http://inside.test/")


async def test_one_blocked_address_among_public_ones() -> None:
    guard = FakeDnsGuard({"mixed.test": ["93.184.216.34", "10.0.0.1"]})

    with pytest.raises(BlockedURLError, match="10.0.0.1"):
        await guard.check_resolved("https://mixed.test/")


async def test_pdf_opens_as_text(session: BrowserSession, site: PagesServer) -> None:
    result = await session.open_url(site.origin + "/to-pdf")

    assert result.data["url"] == site.origin + "/doc.pdf"
    assert "Title: Tower report" in result.text
    assert "--- PDF page 1 of 2 ---" in result.text
    assert "The tower is 87 metres tall." in result.text
    assert "It opened in 1912." in result.text
    assert "PDF document" in result.text
    found = await session.find_text("opened in")
    assert found.data["matches"] == 1


async def test_pdf_from_link(session: BrowserSession, site: PagesServer) -> None:
    await session.open_url(site.origin + "/")

    result = await session.click_link(1)

    assert "87 metres" in result.text


async def test_broken_pdf_is_tool_error(session: BrowserSession, site: PagesServer) -> None:
    with pytest.raises(ToolError, match="PDF could not be read"):
        await session.open_url(site.origin + "/broken.pdf")


async def test_pdf_to_text_pages() -> None:
    title, text = pdf_to_text(make_pdf(["one", "two", "three"], title="Three"), max_pages=2)

    assert title == "Three"
    assert "--- PDF page 2 of 3 ---\ntwo" in text
    assert "three" not in text
    assert "only the first 2 were read" in text


async def test_declared_huge_page_not_loaded(session: BrowserSession, site: PagesServer) -> None:
    result = await session.open_url(site.origin + "/big-declared")

    assert result.data["status"] == 502
    assert "more than the maximum page size of 1,000,000 bytes" in result.text


async def test_streamed_huge_page_cut(session: BrowserSession, site: PagesServer) -> None:
    started = time.monotonic()

    result = await session.open_url(site.origin + "/big-streamed")

    assert time.monotonic() - started < TIMEOUT_S + 5
    assert "Start of the stream." in result.text
    assert "END-MARKER" not in result.text


async def test_endless_script_on_live_page(session: BrowserSession, site: PagesServer) -> None:
    started = time.monotonic()

    with pytest.raises(ToolError, match="endless loop"):
        await session.open_url(site.origin + "/loop")

    assert time.monotonic() - started < 3 * TIMEOUT_S + 5
    assert "Served from 127.0.0.1." in (await session.open_url(site.origin + "/")).text


async def test_never_finishing_page(session: BrowserSession, site: PagesServer) -> None:
    started = time.monotonic()

    result = await session.open_url(site.origin + "/slow")

    assert time.monotonic() - started < TIMEOUT_S + 5
    assert "Visible before the stall." in result.text
    assert "did not finish loading" in result.text


async def test_live_download_is_tool_error(session: BrowserSession, site: PagesServer) -> None:
    with pytest.raises(ToolError, match="file download"):
        await session.open_url(site.origin + "/archive.zip")


async def test_live_websocket_closed(session: BrowserSession, site: PagesServer, secret: PagesServer) -> None:
    await session.open_url(site.origin + "/socket")

    await session.page.wait_for_function("document.getElementById('state').textContent !== 'pending'", timeout=5000)

    assert await session.page.inner_text("#state") == "closed"
    assert secret.connections == 0


async def test_default_locale_and_user_agent(session: BrowserSession, site: PagesServer) -> None:
    result = await session.open_url(site.origin + "/headers")

    assert "Language header: en-US" in result.text
    assert "navigator.language: en-US" in result.text
    assert "UA header: Mozilla/5.0" in result.text
    assert "Headless" not in result.text


async def test_locale_and_user_agent_options(site: PagesServer) -> None:
    own_pool = BrowserPool(action_timeout_s=TIMEOUT_S, locale="de-DE", user_agent="pix2fact-test/1.0")
    await own_pool.start()
    try:
        browser_session = await own_pool.session(NOTHING, UrlGuard(allow_hosts=[site.host]), live=True)
        result = await browser_session.open_url(site.origin + "/headers")
        await browser_session.close()
    finally:
        await own_pool.close()

    assert "UA header: pix2fact-test/1.0" in result.text
    assert "Language header: de-DE" in result.text
    assert "navigator.language: de-DE" in result.text
