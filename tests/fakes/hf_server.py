"""A fake of the Hugging Face hub's dataset API on 127.0.0.1, for testing `pix2fact download`.

    with HubServer("pix2fact/Pix2FactBenchmark", {"Pix2Fact_1k.csv": csv_bytes, "images/a.jpg": jpeg}) as hub:
        download_dataset(dest, url=hub.dataset_url)

It serves the two endpoints the downloader uses, like the hub does:

- `GET /api/datasets/ID/tree/REV?recursive=true`: a JSON list of files (`type`, `path`,
  `size`, `oid`, and `lfs.oid`, the SHA-256, for files marked as LFS), `page_size` entries per
  page, with the next page in a `Link: <...>; rel="next"` header;
- `GET /datasets/ID/resolve/REV/PATH`: a 302 to `/cdn/PATH`, which serves the bytes and
  honours `Range: bytes=N-` with 206 and Content-Range.

`faults[path]` is a list of one-time misbehaviours for the next downloads of that file:
`("cut", n)` sends the full Content-Length but only n bytes before closing, `("status", code)`
responds with that status (and `Retry-After: 0`), and `"ignore-range"` returns 200 with the whole
file. `listed_sizes` overrides the size in the listing, `missing` files are listed but
return 404, and `tree_status` or `tree_body` replace the listing's response.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from urllib.parse import parse_qs, quote, unquote, urlsplit


class HubServer:
    def __init__(self, repo_id: str, files: dict[str, bytes], *, lfs: set[str] | None = None, page_size: int = 2) -> None:
        self.repo_id = repo_id
        self.files = dict(files)
        self.lfs = set(lfs or ())
        self.page_size = page_size
        self.faults: dict[str, list[object]] = {}
        self.listed_sizes: dict[str, int] = {}
        self.missing: set[str] = set()
        self.tree_status: int | None = None
        self.tree_body: bytes | None = None
        self.requests: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.dataset_url = f"{self.origin}/datasets/{repo_id}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "HubServer":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def entry(self, path: str) -> dict:
        data = self.files[path]
        size = self.listed_sizes.get(path, len(data))
        entry = {"type": "file", "path": path, "size": size, "oid": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()}
        if path in self.lfs:
            entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": size, "pointerSize": 134}
        return entry

    def resolve_requests(self, path: str) -> list[str | None]:
        """Return the Range header (or None) of each byte request made for `path`."""
        return [range_header for request_path, range_header in self.requests if request_path == f"/cdn/{quote(path)}"]

    def _next_fault(self, path: str) -> object | None:
        with self._lock:
            queue = self.faults.get(path)
            return queue.pop(0) if queue else None

    def _handler_class(self) -> type[http.server.BaseHTTPRequestHandler]:
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                hub.requests.append((parts.path, self.headers.get("Range")))
                tree_prefix = f"/api/datasets/{hub.repo_id}/tree/"
                resolve_prefix = f"/datasets/{hub.repo_id}/resolve/"
                if parts.path.startswith(tree_prefix):
                    self._tree(parts)
                elif parts.path.startswith(resolve_prefix):
                    path = unquote(parts.path[len(resolve_prefix):]).split("/", 1)[1]
                    self._send(302, b"", {"Location": f"/cdn/{quote(path)}"})
                elif parts.path.startswith("/cdn/"):
                    self._bytes(unquote(parts.path[len("/cdn/"):]))
                else:
                    self._send(404, b'{"error": "Repository not found"}', {"Content-Type": "application/json"})

            def _tree(self, parts) -> None:
                if hub.tree_body is not None:
                    self._send(200, hub.tree_body, {"Content-Type": "text/html"})
                    return
                if hub.tree_status is not None:
                    self._send(hub.tree_status, b'{"error": "Repository not found"}', {"Content-Type": "application/json"})
                    return
                cursor = int(parse_qs(parts.query).get("cursor", ["0"])[0])
                paths = sorted(hub.files)
                page = [hub.entry(path) for path in paths[cursor : cursor + hub.page_size]]
                headers = {"Content-Type": "application/json"}
                if cursor + hub.page_size < len(paths):
                    headers["Link"] = f'<{hub.origin}{parts.path}?recursive=true&cursor={cursor + hub.page_size}>; rel="next"'
                self._send(200, json.dumps(page).encode(), headers)

            def _bytes(self, path: str) -> None:
                if path not in hub.files or path in hub.missing:
                    self._send(404, b"Entry not found", {"Content-Type": "text/plain"})
                    return
                data = hub.files[path]
                fault = hub._next_fault(path)
                if isinstance(fault, tuple) and fault[0] == "status":
                    self._send(fault[1], b"server error", {"Retry-After": "0"})
                    return

                start = 0
                range_header = self.headers.get("Range", "")
                if range_header.startswith("bytes=") and fault != "ignore-range":
                    start = int(range_header[len("bytes=") :].split("-", 1)[0])
                    if start >= len(data):
                        self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                        return
                body = data[start:]
                headers = {"Content-Type": "application/octet-stream"}
                if start:
                    headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                if isinstance(fault, tuple) and fault[0] == "cut":
                    self.close_connection = True
                    self.send_response(206 if start else 200)
                    for name, value in {**headers, "Content-Length": str(len(body))}.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body[: fault[1]])
                    self.wfile.flush()
                    return
                self._send(206 if start else 200, body, headers)

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        return Handler
