"""The sample's web snapshot: size, evidence pages, fact locations, look-alikes, search, browser."""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_sample_support import built_sample, read_jsonl

from pix2fact.tools.browser import BrowserPool
from pix2fact.tools.search import LocalSearch, crawler_text
from pix2fact.tools.urlguard import UrlGuard
from pix2fact.tools.web import Snapshot, normalize_url

from pix2fact.tasks.sample.website import decode_scripted

@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_sample(tmp_path_factory)


@pytest.fixture(scope="session")
def rows(sample: Path) -> list[dict]:
    return read_jsonl(sample / "tasks.jsonl")


@pytest.fixture(scope="session")
def snapshot(sample: Path) -> Snapshot:
    return Snapshot.load(sample / "web")


def _page(snapshot: Snapshot, url: str):
    page = snapshot.pages.get(normalize_url(url))
    assert page is not None, f"{url} is not in the snapshot"
    return page


def _by_location(rows: list[dict], location: str) -> list[dict]:
    return [row for row in rows if row["fact_location"] == location]


def _names(row: dict) -> tuple[str, str]:
    """Return the target's name and its look-alike's, from the evidence notes."""
    return row["evidence_1"].split('"')[1], row["evidence_3"].split('"')[1]


def test_snapshot_is_large_and_reserved(snapshot: Snapshot) -> None:
    assert len(snapshot.pages) >= 150
    for url, page in snapshot.pages.items():
        host = urlsplit(url).hostname or ""
        assert host.endswith((".example", ".test")), url
        assert host in snapshot.domains
        assert page.title, url
        assert f"<title>{escape(page.title)}</title>" in page.body, url


def test_every_evidence_url_exists(rows: list[dict], snapshot: Snapshot) -> None:
    for row in rows:
        for number in (1, 2, 3):
            if row[f"evidence_url_{number}"]:
                _page(snapshot, row[f"evidence_url_{number}"])


def test_search_facts_on_indexed_page(rows: list[dict], snapshot: Snapshot) -> None:
    for row in _by_location(rows, "search"):
        page = _page(snapshot, row["evidence_url_1"])
        assert page.searchable
        assert row["answer"] in crawler_text(page)[1], row["index"]


def test_long_tail_pages_only_linked(rows: list[dict], snapshot: Snapshot) -> None:
    for row in _by_location(rows, "subpage"):
        page = _page(snapshot, row["evidence_url_1"])
        home = _page(snapshot, row["evidence_url_2"])
        assert not page.searchable, row["index"]
        assert row["answer"] in crawler_text(page)[1], row["index"]
        assert home.searchable
        assert f'<a href="{urlsplit(page.url).path}">' in home.body
        assert row["answer"] not in home.body


def test_javascript_facts_hidden_from_raw_html(rows: list[dict], snapshot: Snapshot) -> None:
    for row in _by_location(rows, "javascript"):
        page = _page(snapshot, row["evidence_url_1"])
        assert row["answer"] not in page.body, row["index"]
        assert "<script>" in page.body
        assert row["answer"] in decode_scripted(page.body), row["index"]
        home = _page(snapshot, page.url.split("/", 3)[0] + "//" + urlsplit(page.url).hostname + "/")
        assert row["answer"] not in home.body


def test_lookalike_differs_by_one_word(rows: list[dict]) -> None:
    for row in rows:
        name, twin = (text.split() for text in _names(row))
        assert len(twin) == len(name)
        assert sum(a != b for a, b in zip(name, twin)) == 1, (name, twin)


async def test_search_returns_target_and_twin(rows: list[dict], snapshot: Snapshot) -> None:
    search = LocalSearch(snapshot)
    for row in rows:
        name, twin = _names(row)
        hits = await search.search(name, limit=10)
        titles = [hit.title.split(" | ")[0] for hit in hits]
        assert name in titles, (row["index"], titles)
        assert twin in titles, (row["index"], titles)


def test_twin_facts_differ(rows: list[dict], snapshot: Snapshot) -> None:
    for row in rows:
        _, twin = _names(row)
        twin_home = next(page for page in snapshot.pages.values() if page.title.startswith(f"{twin} | "))
        assert twin_home.searchable
        # Phones, emails, addresses and people are unique across the sample by construction.
        if row["answer_kind"] in ("phone", "email", "address", "name"):
            assert row["answer"] not in twin_home.body, row["index"]


async def test_browser_renders_javascript_fact(rows: list[dict], snapshot: Snapshot) -> None:
    row = _by_location(rows, "javascript")[0]
    async with BrowserPool(action_timeout_s=15) as pool:
        session = await pool.session(snapshot, UrlGuard())
        try:
            result = await session.open_url(row["evidence_url_1"])
        finally:
            await session.close()
    assert not result.is_error, result.error
    assert row["answer"] in result.text
