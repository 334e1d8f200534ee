"""Helpers that turn a provider's JSON into normalised `SearchHit`s."""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any
from urllib.parse import urlsplit

from pix2fact.tools.web import SearchHit

_TAG = re.compile(r"<[^>]+>")


def plain_text(value: object) -> str:
    """Return `value` as one line of plain text: HTML tags removed, entities decoded."""
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(_TAG.sub("", value)).split())


def make_hit(title: object, url: object, snippet: object = "", date: object = None) -> SearchHit | None:
    """Build a normalised hit, or return None when the result has no http(s) URL."""
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        return None
    clean_title = plain_text(title) or url
    clean_date = date.strip() if isinstance(date, str) and date.strip() else None
    return SearchHit(title=clean_title, url=url, snippet=plain_text(snippet), date=clean_date)


def result_list(body: object, *path: str) -> list[Any]:
    """Return the list at `path` inside a JSON body; an absent key means no results.

    Raises:
        TypeError: the body or a value on the path has the wrong JSON type.
    """
    node = body
    for key in path:
        if not isinstance(node, dict):
            raise TypeError(f"expected a JSON object at {key!r}, got {type(node).__name__}")
        node = node.get(key)
        if node is None:
            return []
    if not isinstance(node, list):
        raise TypeError(f"expected a JSON array at {'.'.join(path)!r}, got {type(node).__name__}")
    return node


def query_digest(query: str) -> str:
    """Return a short hash that names a query in INFO logs without showing it."""
    return hashlib.sha256(query.encode("utf-8")).hexdigest()[:12]
