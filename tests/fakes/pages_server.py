"""A small web site on 127.0.0.1 for live-browsing tests, and a PDF writer for its documents.

    with PagesServer({"/": html_page("Home", "<p>hi</p>"), "/old": redirect("/")}) as site:
        await session.open_url(site.origin + "/old")

A route is either `Page` (status, content type, body bytes, extra headers) or a function that
gets the request handler and writes the whole response itself (for stalls and streams). The
server counts connections, so a test can assert that a blocked request never reached it.
"""

from __future__ import annotations

import http.server
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

Handler = http.server.BaseHTTPRequestHandler


@dataclass
class Page:
    """A complete response."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Route = Page | Callable[[Handler], None]


def html_page(title: str, body: str) -> Page:
    return Page(f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>".encode())


def redirect(location: str, status: int = 302) -> Page:
    return Page(b"", status=status, headers={"Location": location})


def make_pdf(pages: list[str], title: str = "") -> bytes:
    """Write a PDF with one line of Helvetica text per page (no external tools needed)."""
    objects: list[bytes] = []
    page_ids = [4 + 2 * index for index in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % number for number in page_ids) + b"] /Count %d >>" % len(pages))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for text in pages:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")
        stream = zlib.compress(b"BT /F1 14 Tf 72 720 Td (" + escaped + b") Tj ET")
        page_number = len(objects) + 1
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_number + 1))
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info_id = len(objects) + 1
    objects.append(b"<< /Title (" + title.encode("latin-1") + b") >>")

    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info_id, xref)
    return bytes(out)


class PagesServer:
    """A threaded HTTP server on 127.0.0.1 with an OS-chosen port."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.connections = 0
        self.paths: list[str] = []
        self.stop_event = threading.Event()
        server = self

        class RequestHandler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.paths.append(self.path)
                route = server.routes.get(self.path)
                if route is None:
                    route = Page(b"<title>Not found</title><p>no such page</p>", status=404)
                if callable(route):
                    route(self)
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        class CountingServer(http.server.ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def process_request(self, request, client_address) -> None:
                server.connections += 1
                super().process_request(request, client_address)

        self.httpd = CountingServer(("127.0.0.1", 0), RequestHandler)
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "PagesServer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def stall(self, first_part: bytes, seconds: float = 20.0) -> Callable[[Handler], None]:
        """A route that sends `first_part`, then keeps the response open for up to `seconds`."""

        def respond(handler: Handler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.end_headers()
            handler.wfile.write(first_part)
            handler.wfile.flush()
            deadline = time.monotonic() + seconds
            while not self.stop_event.is_set() and time.monotonic() < deadline:
                time.sleep(0.2)
                try:
                    handler.wfile.write(b" ")
                    handler.wfile.flush()
                except OSError:
                    return

        return respond


def streamed(head: bytes, padding_bytes: int, tail: bytes) -> Callable[[Handler], None]:
    """A route whose body has no Content-Length: `head`, an HTML comment of padding, `tail`."""

    def respond(handler: Handler) -> None:
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Connection", "close")
        handler.end_headers()
        try:
            handler.wfile.write(head + b"<!--")
            chunk = b"x" * 65536
            for _ in range(padding_bytes // len(chunk)):
                handler.wfile.write(chunk)
            handler.wfile.write(b"-->" + tail)
        except OSError:
            return

    return respond


def echo_headers(handler: Handler) -> None:
    """A route that shows the request's User-Agent and Accept-Language, and what scripts see."""
    body = (
        "<title>Headers</title>"
        f"<p>UA header: {handler.headers.get('User-Agent', '')}</p>"
        f"<p>Language header: {handler.headers.get('Accept-Language', '')}</p>"
        "<p id='js'></p><script>document.getElementById('js').textContent = 'navigator.language: ' + navigator.language;</script>"
    ).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
