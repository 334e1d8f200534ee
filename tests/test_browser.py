"""The browser tools on real Chromium: snapshot pages from memory, live pages from 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.server
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from pix2fact.tools.base import Tool, ToolError
from pix2fact.tools.browser import BrowserFault, BrowserPool, BrowserSession, browser_tools
from pix2fact.tools.browser.proxy import GuardProxy
from pix2fact.tools.browser.text import MAX_TEXT_CHARS
from pix2fact.tools.search import LocalSearch
from pix2fact.tools.urlguard import BlockedURLError, UrlGuard
from pix2fact.tools.web import Snapshot, WebPage

pytestmark = pytest.mark.asyncio(loop_scope="session")

HOME = "https://museum.example/"
SHORT_TIMEOUT_S = 2.0


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self, routes: dict[str, object]) -> None:
        self.routes = routes
        self.connections = 0
        self.paths: list[str] = []
        self.stop = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.paths.append(self.path)
                route = server.routes.get(self.path)
                if callable(route):
                    route(self)
                else:
                    body = (route or "<title>Local</title><p>local page</p>").encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        class CountingServer(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def process_request(self, request, client_address) -> None:
                server.connections += 1
                super().process_request(request, client_address)

        self.httpd = CountingServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _redirect(location: str):
    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return respond


def _stall_after_first_part(server: LocalServer):
    """Send the start of a page, then keep the response open for at most 20 s."""

    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.end_headers()
        handler.wfile.write(b"<html><head><title>Slow page</title></head><body><p>Visible before the stall.</p>" + b" " * 2048)
        handler.wfile.flush()
        deadline = time.monotonic() + 20
        while not server.stop.is_set() and time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                handler.wfile.write(b" ")
                handler.wfile.flush()
            except OSError:
                return

    return respond


@pytest.fixture(scope="module")
def secret_server() -> Iterator[LocalServer]:
    """A server that no test may reach: every check asserts it saw no connection."""
    server = LocalServer({})
    yield server
    server.close()


@pytest.fixture(scope="module")
def live_server(secret_server: LocalServer) -> Iterator[LocalServer]:
    server = LocalServer({})
    server.routes.update(
        {
            "/ok": "<title>Live page</title><p>Served live from the test server.</p>",
            "/to-secret": _redirect(f"{secret_server.origin}/secret"),
            "/to-secret-decimal": _redirect(f"http://2130706433:{secret_server.port}/secret"),
            "/script-to-secret": f"<title>Away</title><script>location.href = '{secret_server.origin}/secret';</script>",
            "/to-ok": _redirect("/ok"),
            "/slow": _stall_after_first_part(server),
        }
    )
    yield server
    server.close()


def _html(title: str, body: str) -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


def _long_article() -> str:
    paragraphs = [f"<p>Paragraph {number}: " + "The collection grew slowly over the decades. " * 8 + "</p>" for number in range(1, 31)]
    paragraphs[24] = "<p>The founder's cat was named Marmalade Jones.</p>"
    return "".join(paragraphs)


@pytest.fixture(scope="module")
def snapshot(secret_server: LocalServer) -> Snapshot:
    pages = [
        WebPage(
            url=HOME,
            body=_html(
                "Museum home",
                "<h1>City Museum</h1><p>Read the <a href='/article'>long article</a>, see the "
                "<a href='/bell'>bell page</a>, the <a href='/missing'>missing page</a> or "
                "<a href='https://elsewhere.example/'>a page elsewhere</a>.</p>"
                "<p style='display:none'><a href='/hidden-link'>hidden link</a></p>",
            ),
        ),
        WebPage(url="https://museum.example/article", body=_html("Long article", _long_article())),
        WebPage(
            url="https://museum.example/bell",
            body=_html("Bell", "<p>The bell hangs in the tower.</p><p id='weight'></p><script>document.getElementById('weight').textContent = 'The bell weighs 4207 kilograms.';</script>"),
        ),
        WebPage(url="https://museum.example/huge", body=_html("Huge", "<p>" + "lorem ipsum " * 100_000 + "</p>")),
        WebPage(url="https://museum.example/loop", body=_html("Loop", "<p>Before the loop.</p><script>while (true) {}</script>")),
        WebPage(
            url="https://museum.example/leaky",
            body=_html(
                "Leaky",
                f"<link rel='preconnect' href='{secret_server.origin}'><img src='{secret_server.origin}/pixel.png'>"
                f"<script>fetch('{secret_server.origin}/beacon').catch(() => {{}});</script><p>Leaky page.</p>",
            ),
        ),
        WebPage(
            url="https://museum.example/socket",
            body=_html(
                "Socket",
                f"<p id='state'>pending</p><script>const ws = new WebSocket('ws://127.0.0.1:{secret_server.port}/');"
                "ws.onclose = (event) => { document.getElementById('state').textContent = 'closed ' + event.code; };</script>",
            ),
        ),
        WebPage(url="https://museum.example/cookie", body=_html("Cookie", "<p id='c'></p><script>document.getElementById('c').textContent = 'cookie=[' + document.cookie + ']'; document.cookie = 'visited=yes; path=/';</script>")),
        WebPage(url="https://elsewhere.example/", body=_html("Elsewhere", "<p>Another snapshot host.</p>")),
        WebPage(url="https://museum.example/script-redirect", body=_html("Moving", "<script>location.replace('/bell');</script>")),
        WebPage(url="https://museum.example/meta-refresh", body=_html("Refresh", "<meta http-equiv='refresh' content='0; url=/bell'><p>Refreshing.</p>")),
        WebPage(url="https://museum.example/offline-redirect", body=_html("Away", "<script>location.href = 'https://unknown-host.example/';</script>")),
        WebPage(url="https://museum.example/archive.zip", content_type="application/zip", body="PK not really a zip"),
    ]
    return Snapshot("browser-test", pages, ["museum.example", "elsewhere.example"])


@pytest.fixture(scope="session")
async def pool() -> AsyncIterator[BrowserPool]:
    browser_pool = BrowserPool(action_timeout_s=10)
    await browser_pool.start()
    yield browser_pool
    await browser_pool.close()


@pytest.fixture
async def session(pool: BrowserPool, snapshot: Snapshot) -> AsyncIterator[BrowserSession]:
    browser_session = await pool.session(snapshot, UrlGuard())
    yield browser_session
    await browser_session.close()


async def test_open_url_header_text_and_links(session: BrowserSession) -> None:
    result = await session.open_url(HOME)

    assert result.text.startswith(f"URL: {HOME}\nTitle: Museum home\nText page 1 of 1")
    assert "Read the [1] long article, see the [2] bell page" in result.text
    assert "[4] a page elsewhere -> https://elsewhere.example/" in result.text
    assert "hidden link" not in result.text
    assert result.data == {"requested_url": HOME, "url": HOME, "status": 200, "title": "Museum home", "page": 1, "pages": 1, "links": 4}


async def test_open_url_without_scheme(session: BrowserSession) -> None:
    result = await session.open_url("museum.example/bell")

    assert result.data["url"] == "https://museum.example/bell"


async def test_click_link_follows_numbered_link(session: BrowserSession) -> None:
    await session.open_url(HOME)

    result = await session.click_link(1)

    assert result.data["url"] == "https://museum.example/article"
    assert result.data["link_id"] == 1
    assert result.data["pages"] >= 3


async def test_click_link_unknown_id(session: BrowserSession) -> None:
    await session.open_url(HOME)

    for bad in (0, 5, -1):
        with pytest.raises(ToolError, match="links 1 to 4"):
            await session.click_link(bad)


async def test_actions_need_open_page(session: BrowserSession) -> None:
    for action in (lambda: session.click_link(1), lambda: session.find_text("x"), lambda: session.scroll("down"), lambda: session.read_page(1)):
        with pytest.raises(ToolError, match="no page is open"):
            await action()
    with pytest.raises(ToolError, match="no previous page"):
        await session.go_back()


async def test_find_text_reports_text_page_and_context(session: BrowserSession) -> None:
    await session.open_url("https://museum.example/article")

    result = await session.find_text("marmalade   JONES")

    assert result.data["query"] == "marmalade JONES"
    assert result.data["matches"] == 1
    page = result.data["match_pages"][0]
    assert page > 1
    assert f"(text page {page} of {session.current.page_count})" in result.text
    assert "founder's cat was named Marmalade Jones" in result.text
    assert "Marmalade Jones" in (await session.read_page(page)).text


async def test_find_text_no_match_and_empty(session: BrowserSession) -> None:
    await session.open_url(HOME)

    result = await session.find_text("zeppelin")

    assert result.data["matches"] == 0
    assert "not found" in result.text
    with pytest.raises(ToolError, match="non-empty"):
        await session.find_text("  ")


async def test_scroll_moves_between_text_pages(session: BrowserSession) -> None:
    first = await session.open_url("https://museum.example/article")
    pages = first.data["pages"]

    second = await session.scroll("down")
    back = await session.scroll("up")

    assert second.data["page"] == 2
    assert f"Text page 2 of {pages}" in second.text
    assert back.text == first.text
    with pytest.raises(ToolError, match="first text page"):
        await session.scroll("up")
    with pytest.raises(ToolError, match="'down' or 'up'"):
        await session.scroll("left")


async def test_text_pages_cover_text_once(session: BrowserSession) -> None:
    first = await session.open_url("https://museum.example/article")
    texts = [(await session.read_page(number)).text.split("\n\n", 1)[1] for number in range(1, first.data["pages"] + 1)]

    assert all(len(text) <= 3300 for text in texts)
    assert sum(text.count("Paragraph ") for text in texts) == 29


async def test_read_page_range(session: BrowserSession) -> None:
    first = await session.open_url("https://museum.example/article")
    pages = first.data["pages"]

    last = await session.read_page(pages)
    current = await session.read_page(None)

    assert last.data["page"] == pages
    assert current.data["page"] == pages
    assert "More text follows" not in last.text
    for bad in (0, pages + 1):
        with pytest.raises(ToolError, match="out of range"):
            await session.read_page(bad)
    with pytest.raises(ToolError, match="already at the last"):
        await session.scroll("down")


async def test_go_back_restores_text_page(session: BrowserSession) -> None:
    await session.open_url("https://museum.example/article")
    await session.read_page(3)
    await session.open_url(HOME)

    result = await session.go_back()

    assert result.data["url"] == "https://museum.example/article"
    assert result.data["page"] == 3
    assert session.history == []


async def test_js_text_in_browser_not_in_search(session: BrowserSession, snapshot: Snapshot) -> None:
    result = await session.open_url("https://museum.example/bell")
    hits = await LocalSearch(snapshot).search("4207 kilograms")

    assert "The bell weighs 4207 kilograms." in result.text
    assert hits == []
    assert (await LocalSearch(snapshot).search("bell hangs tower"))[0].url == "https://museum.example/bell"


async def test_missing_snapshot_page_is_404(session: BrowserSession) -> None:
    result = await session.open_url("https://museum.example/missing")

    assert result.data["status"] == 404
    assert "HTTP status: 404" in result.text
    assert "is not in the web snapshot" in result.text


async def test_offline_host_is_tool_error(session: BrowserSession) -> None:
    with pytest.raises(ToolError, match="not available offline"):
        await session.open_url("https://unknown-host.example/page")


@pytest.mark.parametrize("path", ["script-redirect", "meta-refresh"])
async def test_client_redirect_reads_target(session: BrowserSession, path: str) -> None:
    result = await session.open_url(f"https://museum.example/{path}")

    assert result.data["requested_url"] == f"https://museum.example/{path}"
    assert result.data["url"] == "https://museum.example/bell"
    assert "The bell hangs in the tower." in result.text


async def test_script_redirect_offline_is_tool_error(session: BrowserSession) -> None:
    with pytest.raises(ToolError, match="not available offline"):
        await session.open_url("https://museum.example/offline-redirect")


async def test_download_is_tool_error(session: BrowserSession) -> None:
    with pytest.raises(ToolError, match="file download"):
        await session.open_url("https://museum.example/archive.zip")

    assert (await session.open_url(HOME)).data["title"] == "Museum home"


@pytest.fixture(scope="module")
async def guarded_live_session(pool: BrowserPool, snapshot: Snapshot) -> AsyncIterator[BrowserSession]:
    browser_session = await pool.session(snapshot, UrlGuard(), live=True)
    yield browser_session
    await browser_session.close()


# Only addresses on this machine: a regression in the guard must not send traffic elsewhere.
# Private, CGNAT and metadata ranges are covered without a browser in test_urlguard.py.
@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("file:///etc/passwd", "scheme file:"),
        ("data:text/html,<p>x</p>", "scheme data:"),
        ("javascript:alert(1)", "scheme javascript:"),
        ("http://127.0.0.1:{port}/", "loopback"),
        ("http://localhost:{port}/", "loopback host name"),
        ("http://[::1]:{port}/", "loopback"),
        ("http://[::ffff:127.0.0.1]:{port}/", "loopback"),
        ("http://2130706433:{port}/", "loopback"),
        ("http://0x7f.1:{port}/", "loopback"),
    ],
)
async def test_live_session_blocks_local_urls(guarded_live_session: BrowserSession, secret_server: LocalServer, url: str, rule: str) -> None:
    with pytest.raises(BlockedURLError, match=rule):
        await guarded_live_session.open_url(url.format(port=secret_server.port))

    assert secret_server.connections == 0


@pytest.fixture
async def live_session(pool: BrowserPool, snapshot: Snapshot, live_server: LocalServer) -> AsyncIterator[BrowserSession]:
    guard = UrlGuard(allow_hosts=[f"127.0.0.1:{live_server.port}"])
    browser_session = await pool.session(snapshot, guard, live=True, action_timeout_s=SHORT_TIMEOUT_S)
    yield browser_session
    await browser_session.close()


async def test_live_allowed_page_and_redirect(live_session: BrowserSession, live_server: LocalServer) -> None:
    result = await live_session.open_url(f"{live_server.origin}/to-ok")

    assert "Served live from the test server." in result.text
    assert result.data["requested_url"] == f"{live_server.origin}/to-ok"
    assert result.data["url"] == f"{live_server.origin}/ok"
    assert result.data["status"] == 200


async def test_redirect_to_decimal_loopback_blocked(live_session: BrowserSession, live_server: LocalServer, secret_server: LocalServer) -> None:
    with pytest.raises(BlockedURLError) as caught:
        await live_session.open_url(f"{live_server.origin}/to-secret-decimal")

    assert f"/to-secret-decimal redirected to a blocked address" in str(caught.value)
    assert "loopback" in str(caught.value)
    assert secret_server.connections == 0


async def test_redirect_to_other_local_port_blocked(live_session: BrowserSession, live_server: LocalServer, secret_server: LocalServer) -> None:
    with pytest.raises(BlockedURLError) as caught:
        await live_session.open_url(f"{live_server.origin}/to-secret")

    assert f"127.0.0.1:{secret_server.port}" in str(caught.value)
    assert secret_server.connections == 0


async def test_script_redirect_to_local_port_blocked(live_session: BrowserSession, live_server: LocalServer, secret_server: LocalServer) -> None:
    with pytest.raises(BlockedURLError) as caught:
        await live_session.open_url(f"{live_server.origin}/script-to-secret")

    assert f"127.0.0.1:{secret_server.port}" in str(caught.value)
    assert secret_server.connections == 0


async def test_never_finishing_page_returns_rendered_part(live_session: BrowserSession, live_server: LocalServer) -> None:
    started = time.monotonic()

    result = await live_session.open_url(f"{live_server.origin}/slow")

    assert time.monotonic() - started < SHORT_TIMEOUT_S + 5
    assert "Visible before the stall." in result.text
    assert "did not finish loading" in result.text


async def test_offline_page_reaches_no_other_server(session: BrowserSession, secret_server: LocalServer) -> None:
    result = await session.open_url("https://museum.example/leaky")
    await asyncio.sleep(0.5)

    assert "Leaky page." in result.text
    assert secret_server.connections == 0


async def test_websocket_rejected(session: BrowserSession, secret_server: LocalServer) -> None:
    await session.open_url("https://museum.example/socket")

    await session.page.wait_for_function("document.getElementById('state').textContent !== 'pending'", timeout=5000)

    assert (await session.page.inner_text("#state")).startswith("closed")
    assert secret_server.connections == 0


async def test_huge_page_text_capped(session: BrowserSession) -> None:
    result = await session.open_url("https://museum.example/huge")

    assert len(session.current.text) <= MAX_TEXT_CHARS
    assert "the page text was cut to the first 200,000 of" in result.text
    assert result.data["pages"] >= 60


async def test_endless_script_times_out(pool: BrowserPool, snapshot: Snapshot) -> None:
    browser_session = await pool.session(snapshot, UrlGuard(), action_timeout_s=SHORT_TIMEOUT_S)
    try:
        started = time.monotonic()
        with pytest.raises(ToolError, match="endless loop"):
            await browser_session.open_url("https://museum.example/loop")

        assert time.monotonic() - started < 3 * SHORT_TIMEOUT_S + 5
        after = await browser_session.open_url(HOME)
        assert after.data["title"] == "Museum home"
    finally:
        await browser_session.close()


async def test_sessions_share_no_cookies(pool: BrowserPool, snapshot: Snapshot) -> None:
    first = await pool.session(snapshot, UrlGuard())
    second = await pool.session(snapshot, UrlGuard())
    try:
        await first.open_url("https://museum.example/cookie")
        again = await first.open_url("https://museum.example/cookie")
        fresh = await second.open_url("https://museum.example/cookie")
    finally:
        await first.close()
        await second.close()

    assert "cookie=[visited=yes]" in again.text
    assert "cookie=[]" in fresh.text


async def test_browser_tools_call_session(session: BrowserSession) -> None:
    tools = {tool.spec.name: tool for tool in browser_tools(session)}

    assert list(tools) == ["open_url", "click_link", "find_text", "scroll", "go_back", "read_page"]
    assert all(isinstance(tool, Tool) for tool in tools.values())
    opened = await tools["open_url"].call({"url": HOME})
    clicked = await tools["click_link"].call({"link_id": "2"})
    back = await tools["go_back"].call({})
    assert opened.data["url"] == HOME
    assert clicked.data["url"] == "https://museum.example/bell"
    assert back.data["url"] == HOME
    with pytest.raises(ToolError, match="unknown argument"):
        await tools["scroll"].call({"direction": "down", "amount": 3})
    with pytest.raises(ToolError, match="must be an integer"):
        await tools["read_page"].call({"page": "two"})


async def test_dead_browser_is_fault_then_relaunched(snapshot: Snapshot) -> None:
    own_pool = BrowserPool(action_timeout_s=5)
    await own_pool.start()
    try:
        browser_session = await own_pool.session(snapshot, UrlGuard())
        await browser_session.open_url(HOME)
        await own_pool._browser.close()

        with pytest.raises(BrowserFault):
            await browser_session.open_url(HOME)
        await browser_session.close()

        relaunched = await own_pool.session(snapshot, UrlGuard())
        result = await relaunched.open_url(HOME)
        await relaunched.close()
    finally:
        await own_pool.close()

    assert own_pool.relaunch_count == 1
    assert relaunched.browser_relaunched
    assert result.data["title"] == "Museum home"


async def _connect_through(proxy: GuardProxy, target: str) -> tuple[bytes, asyncio.StreamReader, asyncio.StreamWriter]:
    port = int(proxy.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    return head, reader, writer


async def test_proxy_tunnel_allowed_host(live_server: LocalServer) -> None:
    proxy = GuardProxy(UrlGuard(allow_hosts=[f"127.0.0.1:{live_server.port}"]))
    await proxy.start()
    try:
        head, reader, writer = await _connect_through(proxy, f"127.0.0.1:{live_server.port}")
        writer.write(b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), 5)
        writer.close()
    finally:
        await proxy.close()

    assert head.startswith(b"HTTP/1.1 200")
    assert b"Served live from the test server." in response


async def test_proxy_tunnel_blocked_host(secret_server: LocalServer) -> None:
    blocked: list[tuple[str, str]] = []
    proxy = GuardProxy(UrlGuard(), on_block=lambda url, message: blocked.append((url, message)))
    await proxy.start()
    try:
        head, _reader, writer = await _connect_through(proxy, f"127.0.0.1:{secret_server.port}")
        writer.close()
    finally:
        await proxy.close()

    assert head.startswith(b"HTTP/1.1 403")
    assert blocked[0][0] == f"https://127.0.0.1:{secret_server.port}/"
    assert "loopback address" in blocked[0][1]
    assert secret_server.connections == 0


async def test_proxy_without_guard_rejects_all(live_server: LocalServer) -> None:
    proxy = GuardProxy(None)
    await proxy.start()
    try:
        head, _reader, writer = await _connect_through(proxy, f"127.0.0.1:{live_server.port}")
        writer.close()
    finally:
        await proxy.close()

    assert head.startswith(b"HTTP/1.1 403")


class PagesOnlySource:
    """A web source with `fetch` only, so routing cannot ask which hosts it serves."""

    def __init__(self, snapshot: Snapshot, failing_url: str) -> None:
        self.snapshot = snapshot
        self.failing_url = failing_url

    async def fetch(self, url: str) -> WebPage | None:
        if url == self.failing_url:
            raise OSError("archive file vanished")
        return await self.snapshot.fetch(url)


async def test_source_without_serves(pool: BrowserPool, snapshot: Snapshot) -> None:
    source = PagesOnlySource(snapshot, failing_url="https://museum.example/bell")
    browser_session = await pool.session(source, UrlGuard())
    try:
        opened = await browser_session.open_url(HOME)
        with pytest.raises(ToolError, match="not available offline"):
            await browser_session.open_url("https://unknown-host.example/")
        with pytest.raises(BrowserFault, match="archive file vanished"):
            await browser_session.open_url("https://museum.example/bell")
    finally:
        await browser_session.close()

    assert opened.data["title"] == "Museum home"


async def test_parallel_sessions(pool: BrowserPool, snapshot: Snapshot) -> None:
    sessions = [await pool.session(snapshot, UrlGuard()) for _ in range(3)]
    try:
        results = await asyncio.gather(
            sessions[0].open_url(HOME), sessions[1].open_url("https://museum.example/bell"), sessions[2].open_url("https://elsewhere.example/")
        )
    finally:
        for browser_session in sessions:
            await browser_session.close()

    assert [result.data["title"] for result in results] == ["Museum home", "Bell", "Elsewhere"]
