"""E-mail addresses and URLs.

E-mail addresses compare case-insensitively and otherwise exactly; diacritics are kept, because
"café.fr" and "cafe.fr" are different domains. URLs compare after dropping what does not change
the page: the scheme, a leading "www.", a default port, the fragment and a trailing slash. Path
case is folded too (a graded answer is a shop's web address, not a case-sensitive file path), but
the path itself and the query string must agree.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pix2fact.judge.base import Found
from pix2fact.judge.text import FILLER, fold, only_filler

_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"'.]+")
_URL = re.compile(
    r"(?<![@\w.])(?:[a-z][a-z0-9+.-]*://)?(?:[\w-]+\.)+[a-z]{2,}(?![\w@])(?::\d+)?(?:[/?#][^\s<>\"']*)?",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {":80", ":443"}
_WEB_FILLER = FILLER | frozenset("mailto general enquiries enquiry contact or and via at visit see online".split())


def find_emails(text: str) -> tuple[list[str], str]:
    """Return every e-mail address in the text, folded, and the text left over."""
    folded = fold(text, accents=True)
    addresses = [match.group(0).rstrip(".") for match in _EMAIL.finditer(folded)]
    return addresses, _EMAIL.sub(" ", folded)


def canonical_url(url: str) -> str:
    """Return a URL's comparable form: host without "www." plus path, query; no scheme or fragment.

    Example: "HTTPS://www.Example.org/Visit/#hours" -> "example.org/visit".
    """
    raw = url.strip().rstrip(".,;)")
    if "://" not in raw:
        raw = "http://" + raw
    parts = urlsplit(raw)
    host = (parts.hostname or "").casefold()
    if host.startswith("www."):
        host = host[4:]
    port = f":{parts.port}" if parts.port else ""
    if port in _DEFAULT_PORTS:
        port = ""

    path = parts.path.casefold().rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{port}{path}{query}"


def find_urls(text: str) -> tuple[list[str], str]:
    """Return every URL or bare domain in the text in canonical form, and the text left over.

    Domains inside e-mail addresses are skipped, so "info@bakery.de" contains no URL.
    """
    folded = fold(text, accents=True)
    without_emails = _EMAIL.sub(" ", folded)
    urls = [canonical_url(match.group(0)) for match in _URL.finditer(without_emails)]
    return urls, _URL.sub(" ", without_emails)


class EmailNormalizer:
    """Find and compare e-mail addresses."""

    kind = "email"

    def find(self, text: str) -> Found:
        values, leftover = find_emails(text)
        return Found(values, whole=bool(values) and only_filler(leftover, _WEB_FILLER))

    def same(self, answer: str, gold: str) -> bool:
        return answer == gold

    def describe(self, value: str) -> str:
        return value

    def looks_like(self, gold: str) -> bool:
        found = self.find(gold)
        return len(found.values) == 1 and found.whole


class UrlNormalizer:
    """Find and compare URLs and bare domains."""

    kind = "url"

    def find(self, text: str) -> Found:
        values, leftover = find_urls(text)
        return Found(values, whole=bool(values) and only_filler(leftover, _WEB_FILLER))

    def same(self, answer: str, gold: str) -> bool:
        return answer == gold

    def describe(self, value: str) -> str:
        return value

    def looks_like(self, gold: str) -> bool:
        stripped = gold.strip()
        if " " in stripped or "@" in stripped:
            return False
        found = self.find(stripped)
        return len(found.values) == 1 and found.whole
