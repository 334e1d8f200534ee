"""A per-session HTTP proxy on 127.0.0.1 that applies the URL guard to every connection.

Request routing alone cannot guard live browsing: Chromium follows an HTTP redirect without
calling the route handler again (checked with Playwright 1.65 and Chromium 156), and a
`<link rel=preconnect>` opens a connection without any request at all. Every browser context
therefore sends its network traffic through this proxy, which checks each request or CONNECT
tunnel with `UrlGuard.check_resolved` and connects to the address it checked, so a second DNS
lookup cannot swap in another address. Snapshot pages never reach it, because routing fulfils
them inside the browser. With no guard the proxy rejects everything (an offline session).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable
from urllib.parse import SplitResult, urlsplit

from pix2fact.tools.base import ToolError
from pix2fact.tools.urlguard import UrlGuard

logger = logging.getLogger(__name__)

MAX_HEAD_BYTES = 64 * 1024
CHUNK_BYTES = 64 * 1024
# Marks the proxy's own rejection page, so that a recorder can tell it from a server's 403.
BLOCKED_HEADER = "X-Pix2fact-Blocked"
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "upgrade"})


def _error_response(status: str, message: str, headers: dict[str, str] | None = None) -> bytes:
    body = message.encode("utf-8")
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
    return head.encode("latin-1") + body


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, limit: int | None = None) -> None:
    """Copy bytes until EOF, or until `limit` bytes when given."""
    remaining = limit
    while remaining is None or remaining > 0:
        size = CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining)
        data = await reader.read(size)
        if not data:
            break
        writer.write(data)
        await writer.drain()
        if remaining is not None:
            remaining -= len(data)


class GuardProxy:
    """An HTTP/1.1 forward proxy (plain requests and CONNECT tunnels) bound to 127.0.0.1.

    Args:
        guard: the session's guard, or None to reject every connection.
        on_block: called with (url, message) for each rejected request, so the session can
            explain a failed navigation; None to only log them.
        is_served: whether a URL belongs to the web snapshot. Chromium opens speculative
            connections to a host it is about to navigate to, even when routing then serves
            the page from memory, so these are rejected without being reported.
        connect_timeout_s: time allowed to resolve and connect to the upstream server.
        max_response_bytes: bytes relayed from the server on one connection, or None for no
            limit. A plain HTTP response that declares a larger Content-Length is replaced by
            an error page. Any other response, and an HTTPS tunnel, is cut at the limit.
    """

    def __init__(
        self,
        guard: UrlGuard | None,
        on_block: Callable[[str, str], None] | None = None,
        is_served: Callable[[str], bool] = lambda url: False,
        connect_timeout_s: float = 15.0,
        max_response_bytes: int | None = None,
    ) -> None:
        self.guard = guard
        self.max_response_bytes = max_response_bytes
        self.on_block = on_block
        self.is_served = is_served
        self.connect_timeout_s = connect_timeout_s
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("GuardProxy.url read before start(); call `await proxy.start()` first")
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0, limit=MAX_HEAD_BYTES)

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()

        # Aborting the sockets ends each handler through its own error path. Cancelling the
        # tasks instead makes asyncio's stream callback log the CancelledError (Python 3.11).
        for writer in list(self._writers):
            writer.transport.abort()
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=5)
        await self._server.wait_closed()
        self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._handlers.add(task)
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            logger.debug("proxy connection ended: %r", error)
        except ValueError as error:
            logger.warning("proxy received an invalid request and closed the connection: %s", error)
        finally:
            self._handlers.discard(task)
            self._writers.discard(writer)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        fields = request_line.split(" ")
        if len(fields) != 3:
            raise ValueError(f"invalid request line {request_line[:200]!r}")
        method, target, _version = fields
        tunnel = method.upper() == "CONNECT"
        url = f"https://{target}/" if tunnel else target

        try:
            addresses = await self._check(url)
        except ToolError as error:
            if self.on_block is not None and not self.is_served(url):
                self.on_block(url, str(error))
            else:
                logger.debug("proxy rejected %s: %s", url, error)
            writer.write(_error_response("403 Forbidden", str(error), {BLOCKED_HEADER: "1"}))
            await writer.drain()
            return

        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        upstream = await self._connect(addresses, port)
        if upstream is None:
            writer.write(_error_response("502 Bad Gateway", f"could not connect to {parts.hostname} port {port}"))
            await writer.drain()
            return
        upstream_reader, upstream_writer = upstream
        self._writers.add(upstream_writer)

        try:
            if tunnel:
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await writer.drain()
                await self._relay_both_ways(reader, writer, upstream_reader, upstream_writer)
            else:
                await self._forward(method, parts, header_lines, reader, writer, upstream_reader, upstream_writer)
        finally:
            self._writers.discard(upstream_writer)
            upstream_writer.close()

    async def _check(self, url: str) -> list[str]:
        if self.is_served(url):
            raise ToolError(f"rejected {url}: snapshot hosts are served from memory, never from the network")
        if self.guard is None:
            raise ToolError(f"blocked {url}: not available offline; the browser serves only the web snapshot")
        return await self.guard.check_resolved(url)

    async def _connect(self, addresses: list[str], port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for address in addresses:
            try:
                return await asyncio.wait_for(asyncio.open_connection(address, port, limit=MAX_HEAD_BYTES), self.connect_timeout_s)
            except (OSError, asyncio.TimeoutError) as error:
                logger.info("proxy could not connect to %s port %s: %s", address, port, error)
        return None

    async def _forward(
        self,
        method: str,
        parts: SplitResult,
        header_lines: list[str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream_reader: asyncio.StreamReader,
        upstream_writer: asyncio.StreamWriter,
    ) -> None:
        """Send one plain HTTP request upstream and stream the response back, then close.

        One request per connection: "Connection: close" on both sides stops the browser from
        reusing this connection for a request to another host, which would skip the check.
        """
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        request_headers = [line for line in header_lines if line and line.split(":", 1)[0].strip().lower() not in HOP_BY_HOP]
        if any(line.lower().startswith("transfer-encoding:") for line in request_headers):
            # Only bodies with a Content-Length are relayed. Chromium sends a chunked body only for a streamed fetch() upload.
            writer.write(_error_response("411 Length Required", "the pix2fact proxy relays request bodies only with a Content-Length"))
            await writer.drain()
            return
        upstream_writer.write(f"{method} {path} HTTP/1.1\r\n".encode("latin-1") + "\r\n".join([*request_headers, "Connection: close", "", ""]).encode("latin-1"))

        lengths = [line.split(":", 1)[1].strip() for line in request_headers if line.lower().startswith("content-length:")]
        body_length = int(lengths[0]) if lengths and lengths[0].isdigit() else 0
        await _pipe(reader, upstream_writer, limit=body_length)

        response_head = await upstream_reader.readuntil(b"\r\n\r\n")
        status_line, *response_headers = response_head.decode("latin-1").split("\r\n")
        response_headers = [line for line in response_headers if line and line.split(":", 1)[0].strip().lower() not in HOP_BY_HOP]
        declared = [line.split(":", 1)[1].strip() for line in response_headers if line.lower().startswith("content-length:")]
        limit = self.max_response_bytes
        if limit is not None and declared and declared[0].isdigit() and int(declared[0]) > limit:
            message = f"{parts.geturl()} is {int(declared[0]):,} bytes, more than the maximum page size of {limit:,} bytes, so it was not loaded"
            logger.info("proxy: %s", message)
            writer.write(_error_response("502 Bad Gateway", message))
            await writer.drain()
            return
        writer.write("\r\n".join([status_line, *response_headers, "Connection: close", "Proxy-Connection: close", "", ""]).encode("latin-1"))
        await _pipe(upstream_reader, writer, limit=limit)

    async def _relay_both_ways(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream_reader: asyncio.StreamReader,
        upstream_writer: asyncio.StreamWriter,
    ) -> None:
        outbound = asyncio.create_task(_pipe(reader, upstream_writer))
        # NOTE: the limit covers everything the tunnel carries, so many resources fetched
        # from one HTTPS origin over a single HTTP/2 connection share it.
        inbound = asyncio.create_task(_pipe(upstream_reader, writer, limit=self.max_response_bytes))
        done, pending = await asyncio.wait({outbound, inbound}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if (error := task.exception()) is not None and not isinstance(error, ConnectionError):
                raise error
