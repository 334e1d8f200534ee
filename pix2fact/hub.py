"""Reading a Hugging Face dataset repository over its HTTP API: the file list, and resumable downloads.

    GET {endpoint}/api/datasets/{id}/tree/{revision}?recursive=true   file list, paged by Link: rel="next"
    GET {endpoint}/datasets/{id}/resolve/{revision}/{path}            file bytes (often a 302 to a CDN)

Each listed file has a `size`. Files stored with LFS also carry `lfs.oid`, the SHA-256 of the
content; other files carry `oid`, the git blob SHA-1. Both are checked after a download.

A download writes `PATH.part` and renames it when complete and checked. An interrupted
download, whether the connection dropped or the program was stopped, continues from the end of
the `.part` file with an HTTP Range request. Timeouts, dropped connections, 429 and 5xx are
retried a bounded number of times, honouring Retry-After.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote, urlsplit

import httpx

from pix2fact.errors import Pix2FactError

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
MAX_ATTEMPTS = 4
MAX_RETRY_WAIT_S = 30.0
TOKEN_VARIABLE = "HF_TOKEN"


class DownloadError(Pix2FactError):
    """A file or listing could not be fetched or failed its checks. The message names the file and the fix."""


@dataclass(frozen=True)
class HubFile:
    """One file of the repository as the tree listing describes it."""

    path: str
    size: int | None
    sha256: str | None = None
    git_oid: str | None = None


class HubRepo:
    """One dataset repository at one revision.

    Args:
        url: the dataset's page URL, `{endpoint}/datasets/{owner}/{name}`.
        client: the HTTP client; its timeouts and transport are used as they are.
        revision: a branch, tag or commit.
    """

    def __init__(self, url: str, client: httpx.Client, revision: str = "main") -> None:
        parts = urlsplit(url.rstrip("/"))
        segments = parts.path.strip("/").split("/")
        if parts.scheme not in ("http", "https") or len(segments) < 3 or segments[-3] != "datasets":
            raise DownloadError(f"invalid dataset URL {url!r}: expected https://HOST/datasets/OWNER/NAME")
        self.endpoint = f"{parts.scheme}://{parts.netloc}{'/'.join([''] + segments[:-3])}"
        self.repo_id = "/".join(segments[-2:])
        self.url = url.rstrip("/")
        self.client = client
        self.revision = revision
        token = os.environ.get(TOKEN_VARIABLE, "").strip()
        # Sent only to the hub; httpx drops it when a download redirects to another host.
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def file_url(self, path: str) -> str:
        return f"{self.endpoint}/datasets/{self.repo_id}/resolve/{quote(self.revision, safe='')}/{quote(path)}"

    def list_files(self) -> dict[str, HubFile]:
        """Return every file of the repository by path, following the listing's pages.

        Raises:
            DownloadError: the dataset does not exist, needs a token, or the hub failed.
        """
        url: str | None = f"{self.endpoint}/api/datasets/{self.repo_id}/tree/{quote(self.revision, safe='')}?recursive=true"
        files: dict[str, HubFile] = {}
        while url is not None:
            response = self._request_with_retries("GET", url, what=f"the file list of {self.url}")
            try:
                entries = response.json()
            except ValueError:
                raise DownloadError(f"the file list at {url} is not JSON; check that the dataset URL points to a Hugging Face hub") from None
            if not isinstance(entries, list):
                raise DownloadError(f"the file list at {url} is not a JSON list; check that the dataset URL points to a Hugging Face hub")
            for entry in entries:
                if not isinstance(entry, dict) or "path" not in entry:
                    continue
                if entry.get("type") != "file":
                    continue
                lfs = entry.get("lfs") or {}
                files[entry["path"]] = HubFile(
                    path=entry["path"],
                    size=entry.get("size"),
                    sha256=lfs.get("oid") or lfs.get("sha256"),
                    git_oid=None if lfs else entry.get("oid"),
                )
            url = response.links.get("next", {}).get("url")
        logger.info("dataset %s at %s lists %d file(s)", self.repo_id, self.revision, len(files))
        return files

    def _request_with_retries(self, method: str, url: str, *, what: str) -> httpx.Response:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                response = self.client.request(method, url, headers=self.headers, follow_redirects=True)
            except httpx.TransportError as error:
                if attempt == MAX_ATTEMPTS:
                    raise DownloadError(f"could not fetch {what} from {url}: {type(error).__name__}: {error}; check the network and run again") from None
                _wait_before_retry(attempt, None, what, error)
                continue
            if response.status_code < 400:
                return response
            if _retryable(response.status_code) and attempt < MAX_ATTEMPTS:
                _wait_before_retry(attempt, response, what, f"HTTP {response.status_code}")
                continue
            raise DownloadError(_status_message(response.status_code, url, what))
        raise AssertionError("unreachable")

    def download(self, file: HubFile, dest: Path, on_bytes: Callable[[int], None] = lambda count: None) -> int:
        """Download `file` to `dest` unless a file of the listed size is already there.

        Args:
            file: the listed file.
            dest: the final path; `dest.part` contains the bytes while the download runs.
            on_bytes: called with the number of bytes each time some arrive (or are found on disk).

        Returns:
            The number of bytes fetched over the network.

        Raises:
            DownloadError: the file is missing, the hub keeps failing, or the size or hash is wrong.
        """
        if dest.exists() and file.size is not None and dest.stat().st_size == file.size:
            # Small files kept in git (the task file) are hashed again, since a new release
            # may keep their size. LFS images are checked by size only, to avoid rereading gigabytes.
            if file.git_oid is None or _digest(dest, file) == file.git_oid:
                on_bytes(file.size)
                return 0
            logger.info("%s changed in the dataset; downloading it again", file.path)

        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        url = self.file_url(file.path)
        fetched = 0
        if part.exists():
            on_bytes(part.stat().st_size)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                fetched += self._fetch_into(url, part, file, on_bytes)
                break
            except _Retry as retry:
                if attempt == MAX_ATTEMPTS:
                    raise DownloadError(f"could not download {file.path} from {url} after {MAX_ATTEMPTS} attempts: {retry.reason}; run the command again to resume") from None
                _wait_before_retry(attempt, retry.response, file.path, retry.reason)

        _check_complete(part, file)
        part.replace(dest)
        return fetched

    def _fetch_into(self, url: str, part: Path, file: HubFile, on_bytes: Callable[[int], None]) -> int:
        """Append the rest of the file to `part`; raise `_Retry` for faults worth retrying."""
        start = part.stat().st_size if part.exists() else 0
        if file.size is not None and start > file.size:
            logger.warning("%s: partial file is larger than the listed %d bytes; starting again", part, file.size)
            part.unlink()
            on_bytes(-start)
            start = 0
        headers = dict(self.headers)
        if start:
            headers["Range"] = f"bytes={start}-"

        fetched = 0
        try:
            with self.client.stream("GET", url, headers=headers, follow_redirects=True) as response:
                if response.status_code == 416 and file.size is not None and start == file.size:
                    return 0  # the partial file already contains every byte
                if _retryable(response.status_code):
                    raise _Retry(f"HTTP {response.status_code}", response)
                if response.status_code >= 400:
                    raise DownloadError(_status_message(response.status_code, url, file.path))

                mode = "ab" if response.status_code == 206 else "wb"
                if start and mode == "wb":
                    logger.info("%s: the server ignored the Range request; downloading it from the start", file.path)
                    on_bytes(-start)
                expected = _expected_total(response, start if mode == "ab" else 0)
                if file.size is not None and expected is not None and expected != file.size:
                    raise DownloadError(
                        f"size mismatch for {file.path}: the dataset listing gives {file.size:,} bytes but the server response has {expected:,}; "
                        "the release may have changed while downloading, so run the command again"
                    )
                with open(part, mode) as out:
                    # Chunks as they arrive: a fixed chunk size would hold back bytes that a dropped connection then loses.
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                        fetched += len(chunk)
                        on_bytes(len(chunk))
        except httpx.TransportError as error:
            raise _Retry(f"{type(error).__name__}: {error}", None) from None
        return fetched


class _Retry(Exception):
    def __init__(self, reason: str, response: httpx.Response | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.response = response


def _retryable(status: int) -> bool:
    return status in (408, 429) or status >= 500


def _status_message(status: int, url: str, what: str) -> str:
    if status == 404:
        return f"not found: {what} at {url} (HTTP 404); check the dataset URL (--dataset-url or PIX2FACT_DATASET_URL) and the revision"
    if status in (401, 403):
        return f"access denied to {what} at {url} (HTTP {status}); accept the dataset's terms on its page and set {TOKEN_VARIABLE} to a read token"
    return f"could not fetch {what} from {url}: HTTP {status}; run the command again later"


def _wait_before_retry(attempt: int, response: httpx.Response | None, what: str, reason: object) -> None:
    wait = min(MAX_RETRY_WAIT_S, 0.5 * 2 ** (attempt - 1))
    retry_after = response.headers.get("retry-after") if response is not None else None
    if retry_after is not None and retry_after.strip().replace(".", "", 1).isdigit():
        wait = min(MAX_RETRY_WAIT_S, float(retry_after))
    logger.warning("%s: %s; retrying in %.1f s (attempt %d of %d)", what, reason, wait, attempt + 1, MAX_ATTEMPTS)
    time.sleep(wait)


def _expected_total(response: httpx.Response, start: int) -> int | None:
    """Return the full file size the response implies, from Content-Range or Content-Length."""
    content_range = response.headers.get("content-range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].strip().isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("content-length", "")
    return start + int(length) if length.isdigit() else None


def _check_complete(part: Path, file: HubFile) -> None:
    """Check the finished `.part` file against the listing; remove it when it is wrong."""
    size = part.stat().st_size
    if file.size is not None and size != file.size:
        part.unlink()
        raise DownloadError(f"size mismatch for {file.path}: expected {file.size:,} bytes, received {size:,}; the partial file was removed, so run the command again")

    if file.sha256 is None and file.git_oid is None:
        return
    expected = file.sha256 or file.git_oid
    actual = _digest(part, file)
    if actual != expected:
        part.unlink()
        kind = "SHA-256" if file.sha256 else "git blob hash"
        raise DownloadError(f"{kind} mismatch for {file.path}: expected {expected}, got {actual}; the file was removed, so run the command again")


def _digest(path: Path, file: HubFile) -> str:
    """Hash a file the way the listing does: SHA-256 for LFS files, the git blob SHA-1 otherwise."""
    digest = hashlib.sha256() if file.sha256 else hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()
