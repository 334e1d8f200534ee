"""LocalSearch over a snapshot built here, and the web_search tool around it."""

from __future__ import annotations

import pytest

from pix2fact.tools.base import Tool, ToolError
from pix2fact.tools.search import LocalSearch, SearchTool, crawler_text
from pix2fact.tools.web import SearchBackend, SearchHit, Snapshot, WebPage


def _page(url: str, title: str, text: str, **fields) -> WebPage:
    body = f"<html><head><title>{title}</title></head><body><p>{text}</p></body></html>"
    return WebPage(url=url, title=title, body=body, **fields)


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    pages = [
        _page("https://harbor.example/lighthouse", "Old Harbor Lighthouse", "The lighthouse was built in 1887 and is 34 metres tall."),
        _page("https://harbor.example/ferry", "Harbor Ferry Timetable", "Ferries leave the harbor every hour. The lighthouse is visible from the deck."),
        _page("https://museum.example/clock", "Station Clock", "The station clock was made by Brandt & Sons in 1902."),
        _page("https://museum.example/tower", "Tower", "Tower tower tower tower tower tower tower tower tower tower tower."),
        _page("https://museum.example/hidden", "Hidden Archive Page", "The lighthouse keeper was named Aldous Finch.", searchable=False),
        _page("https://museum.example/gone", "Gone Page", "The lighthouse page that moved.", status=404),
        WebPage(
            url="https://museum.example/scripted",
            title="Scripted Page",
            body=(
                "<html><body><p>Opening hours are listed below.</p><div id='out'></div>"
                "<script>document.getElementById('out').textContent = 'zanzibarite ' + 'quokka';</script>"
                "<style>.x { color: tealfox; }</style></body></html>"
            ),
        ),
        WebPage(url="https://museum.example/plain.txt", content_type="text/plain", title="Plain Notes", body="Plain text about the ferry schedule."),
        _page("https://museum.example/cafe", "Café Müller", "The café serves crème brûlée."),
    ]
    return Snapshot("search-test", pages, ["harbor.example", "museum.example"])


@pytest.fixture(scope="module")
def search(snapshot: Snapshot) -> LocalSearch:
    return LocalSearch(snapshot)


async def test_finds_page_by_body_terms(search: LocalSearch) -> None:
    hits = await search.search("built 1887")

    assert hits[0].url == "https://harbor.example/lighthouse"
    assert hits[0].title == "Old Harbor Lighthouse"
    assert "1887" in hits[0].snippet


async def test_title_match_ranks_first(search: LocalSearch) -> None:
    hits = await search.search("lighthouse")

    assert [hit.url for hit in hits][:2] == ["https://harbor.example/lighthouse", "https://harbor.example/ferry"]


async def test_more_matching_terms_rank_higher(search: LocalSearch) -> None:
    hits = await search.search("tower clock station")

    assert hits[0].url == "https://museum.example/clock"
    assert "https://museum.example/tower" in [hit.url for hit in hits]


async def test_or_semantics_returns_partial_matches(search: LocalSearch) -> None:
    hits = await search.search("lighthouse zeppelin")

    assert "https://harbor.example/lighthouse" in [hit.url for hit in hits]


async def test_skips_unsearchable_and_error_pages(search: LocalSearch) -> None:
    hits = await search.search("lighthouse keeper Aldous Finch moved")
    urls = [hit.url for hit in hits]

    assert "https://museum.example/hidden" not in urls
    assert "https://museum.example/gone" not in urls


async def test_script_output_not_indexed(search: LocalSearch) -> None:
    assert await search.search("zanzibarite quokka") == []
    assert await search.search("tealfox") == []
    hits = await search.search("opening hours")
    assert hits[0].url == "https://museum.example/scripted"


async def test_plain_text_page_indexed(search: LocalSearch) -> None:
    hits = await search.search("ferry schedule plain")

    assert hits[0].url == "https://museum.example/plain.txt"


async def test_stemming_and_diacritics(search: LocalSearch) -> None:
    assert (await search.search("ferry leaving"))[0].url == "https://harbor.example/ferry"
    assert (await search.search("cafe creme brulee"))[0].url == "https://museum.example/cafe"


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "lighthouse AND OR NOT", "NEAR(a b)", "title:clock", "clock*", "^start", "a - b + (c", "'; DROP TABLE pages; --", "???", "\u0000"],
)
async def test_fts5_syntax_in_query_is_safe(search: LocalSearch, query: str) -> None:
    hits = await search.search(query)

    assert isinstance(hits, list)


async def test_limit_caps_hits(search: LocalSearch) -> None:
    assert len(await search.search("the lighthouse harbor clock tower café ferry", limit=2)) == 2


def test_crawler_text_drops_script_and_style() -> None:
    page = WebPage(url="https://a.example/", body="<title>T</title><p>kept</p><script>var dropped = 1;</script><style>p{}</style>")

    title, text = crawler_text(page)

    assert title == "T"
    assert "kept" in text
    assert "dropped" not in text
    assert "T" not in text.split()


@pytest.fixture
def tool(search: LocalSearch) -> SearchTool:
    return SearchTool(search, max_results=3)


def test_tool_schema(tool: SearchTool) -> None:
    assert isinstance(tool, Tool)
    assert tool.spec.name == "web_search"
    assert tool.spec.parameters["required"] == ["query"]
    assert tool.spec.parameters["properties"]["max_results"]["maximum"] == 20


async def test_tool_lists_numbered_hits(tool: SearchTool) -> None:
    result = await tool.call({"query": "  lighthouse   built "})

    assert result.data["query"] == "lighthouse built"
    assert result.data["provider"] == "local-snapshot"
    assert result.data["count"] == len(result.data["results"]) == 2
    assert result.data["results"][0] == {"title": "Old Harbor Lighthouse", "url": "https://harbor.example/lighthouse"}
    assert "1. Old Harbor Lighthouse\n   https://harbor.example/lighthouse" in result.text
    assert "2. Harbor Ferry Timetable" in result.text


async def test_tool_max_results(tool: SearchTool) -> None:
    default = await tool.call({"query": "the lighthouse harbor clock tower café ferry"})
    one = await tool.call({"query": "the lighthouse harbor clock tower café ferry", "max_results": 1})

    two = await tool.call({"query": "the lighthouse harbor clock tower café ferry", "max_results": "2"})

    assert default.data["count"] == 3
    assert one.data["count"] == 1
    assert two.data["count"] == 2


async def test_tool_no_hits_is_normal_result(tool: SearchTool) -> None:
    result = await tool.call({"query": "xylophone"})

    assert not result.is_error
    assert result.data["count"] == 0
    assert result.data["results"] == []
    assert "No results" in result.text
    assert "other words" in result.text


@pytest.mark.parametrize(
    "arguments",
    [{"query": ""}, {"query": "   "}, {"query": 42}, {"query": None}, {}, {"query": "x", "max_results": 0}, {"query": "x", "max_results": 21}, {"query": "x", "max_results": "five"}, {"query": "x", "max_results": True}, {"query": "x", "page": 2}],
)
async def test_tool_rejects_bad_arguments(tool: SearchTool, arguments: dict) -> None:
    with pytest.raises(ToolError):
        await tool.call(arguments)


class FailingBackend:
    name = "failing"

    async def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        raise ConnectionError("provider down")


async def test_backend_fault_propagates() -> None:
    backend = FailingBackend()
    assert isinstance(backend, SearchBackend)

    with pytest.raises(ConnectionError):
        await SearchTool(backend).call({"query": "anything"})
