"""A scripted HTTP server on 127.0.0.1 for testing the real provider SDKs.

The server replies to each request with the next `Reply` of its script, or with whatever a
handler function returns, and records every request for assertions:

    with FakeServer([Reply(json=body), Reply(status=429, headers={"Retry-After": "0.1"})]) as server:
        client = SomeSDK(base_url=server.url + "/v1")
        ...
        assert server.requests[0].json["model"] == "..."

A request that arrives after the script ran out gets HTTP 418 with an error body, and is
listed in `server.unexpected`, so a test sees it instead of hanging in retries.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    """One scripted response.

    Attributes:
        status: HTTP status code.
        json: body, serialised as JSON (ignored when `raw` is given).
        raw: body bytes sent as they are.
        headers: extra response headers.
        delay: seconds to wait before replying (to provoke client timeouts).
        drop: close the connection without any response (a dropped connection).
    """

    status: int = 200
    json: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


@dataclass
class RecordedRequest:
    """A request as the server received it. `headers` keys are lower case."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


Handler = Callable[[RecordedRequest], Reply]


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 with an OS-chosen port.

    Args:
        script: replies given in order, one per request.
        handler: called for each request once the script is used up; returns the reply.
    """

    def __init__(self, script: Iterable[Reply] = (), handler: Handler | None = None) -> None:
        self._script: deque[Reply] = deque(script)
        self._handler = handler
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self.unexpected: list[RecordedRequest] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_request_handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, for example `http://127.0.0.1:54321`."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def push(self, *replies: Reply) -> None:
        """Append replies to the script."""
        with self._lock:
            self._script.extend(replies)

    @property
    def remaining(self) -> int:
        """Replies of the script not yet sent."""
        with self._lock:
            return len(self._script)

    def start(self) -> "FakeServer":
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._script:
                return self._script.popleft()
        if self._handler is not None:
            return self._handler(request)
        with self._lock:
            self.unexpected.append(request)
        return Reply(
            status=418,
            json={"error": {"message": f"fake server has no reply scripted for {request.method} {request.path}"}},
        )


def _make_request_handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = RecordedRequest(
                method=self.command,
                path=parts.path,
                query=parts.query,
                headers={key.lower(): value for key, value in self.headers.items()},
                body=body,
            )
            reply = server._next_reply(request)

            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                self.close_connection = True
                return

            payload = reply.raw if reply.raw is not None else json.dumps(reply.json).encode()
            self.send_response(reply.status)
            headers = {"Content-Type": "application/json", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            try:
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (a timeout test); nothing is waiting for the body.
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return RequestHandler
