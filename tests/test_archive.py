"""Web archives: a run recorded against local pages and a fake search API replays offline to the same trajectory."""

from __future__ import annotations

import csv
import json
import socket
from pathlib import Path

import pytest
from agents_for_web import STRAY_WALKER, WEB_WALKER
from fakes.base import Reply
from fakes.pages_server import Page, PagesServer, html_page, make_pdf, redirect
from fakes.search_servers import API, Result, SearchApiServer
from PIL import Image

from pix2fact.store import RunStore
from pix2fact.tools.archive import ArchivedPage, ArchiveSearch, ArchiveSource, RecordingSearch, SearchRecord, WebArchive
from pix2fact.tools.archive.recorder import PageRecorder, decode_body
from pix2fact.tools.base import ToolError
from pix2fact.tools.browser import BrowserPool
from pix2fact.tools.urlguard import UrlGuard
from pix2fact.tools.web import SearchHit, Snapshot


def _site(secret_port: int = 9) -> PagesServer:
    site = PagesServer()
    site.routes.update(
        {
            "/to-secret": redirect(f"http://127.0.0.1:{secret_port}/"),
            "/to-secure-secret": redirect(f"https://127.0.0.1:{secret_port}/deep/page?x=1"),
            "/": html_page(
                "Harbour museum",
                "<link rel='stylesheet' href='/style.css'><h1>Harbour museum</h1>"
                "<p>Read about <a href='/old-tower'>the tower</a>.</p><p id='hours'></p><script src='/hours.js'></script>",
            ),
            "/style.css": Page(b"h1 { color: navy; }", content_type="text/css"),
            "/hours.js": Page("document.getElementById('hours').textContent = 'Open daily, café on the roof.';".encode(), content_type="application/javascript"),
            "/old-tower": redirect("/tower"),
            "/tower": html_page("Harbour tower", "<p>The harbour tower is 87 metres tall.</p>"),
            "/report.pdf": Page(make_pdf(["Annual report", "The tower opened in 1912."], title="Museum report"), content_type="application/pdf"),
        }
    )
    return site


def _task_file(folder: Path) -> Path:
    Image.new("RGB", (640, 360), (90, 120, 150)).save(folder / "harbour.jpg")
    path = folder / "tasks.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["index", "question", "answer", "local_image_path", "category"])
        writer.writerow(["t1", "How tall is the tower on the sign?", "87 metres", "harbour.jpg", "Landmarks"])
    return path


def _steps(run_folder: Path) -> list[tuple[str, dict, str, str | None]]:
    records = RunStore(run_folder).load_records().records
    assert len(records) == 1
    return [(event.name, event.arguments, event.text, event.error) for event in records[0].events if event.type == "tool"]


@pytest.fixture
def search_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("PIX2FACT_SEARCH", raising=False)
    return tmp_path


def test_recorded_run_replays_offline(cli, search_env: Path) -> None:
    tasks = _task_file(search_env)
    out = search_env / "results"
    secret = PagesServer({"/": html_page("Secret", "<p>secret</p>")})
    site = _site(secret.port)
    hits = [
        Result("Harbour museum", site.origin + "/", "The museum by the harbour."),
        Result("Museum report", site.origin + "/report.pdf", "Annual report"),
        Result("Moved", site.origin + "/to-secret"),
        Result("Moved securely", site.origin + "/to-secure-secret"),
    ]
    with SearchApiServer(API["searxng"], script=[Reply(json=API["searxng"].results(hits)), Reply(json=API["searxng"].results(hits[:1]))]) as search:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SEARXNG_URL", search.url)
            recorded = cli("run", "--agent", WEB_WALKER, "--tasks", tasks, "--web", "record", "--search", "searxng", "--allow-host", site.host, "--out", out, "--run-id", "recorded")
    site.close()
    secret.close()

    assert recorded.code == 0, recorded.output
    live_steps = _steps(out / "recorded")
    names = ["web_search", "open_url", "click_link", "find_text", "go_back", "read_page", "open_url", "open_url", "open_url", "web_search", "answer"]
    assert [name for name, *_ in live_steps] == names
    assert [index for index, (*_, error) in enumerate(live_steps) if error is not None] == [7, 8]
    assert "redirected to a blocked address" in live_steps[7][3]
    assert "led to a blocked request" in live_steps[8][3]
    assert secret.connections == 0
    assert "Open daily, café on the roof." in live_steps[1][2]
    assert "87 metres tall" in live_steps[2][2]
    assert "The tower opened in 1912." in live_steps[6][2]
    assert json.loads((out / "recorded" / "web" / "snapshot.json").read_text())["allow_hosts"] == [site.host]
    events = RunStore(out / "recorded").load_records().records[0].events
    assert [event.data["provider"] for event in events if event.type == "tool" and event.name == "web_search"] == ["searxng", "searxng"]

    replayed = cli("run", "--agent", WEB_WALKER, "--tasks", tasks, "--web", f"replay:{out / 'recorded'}", "--out", out, "--run-id", "replayed")

    assert replayed.code == 0, replayed.output
    assert _steps(out / "replayed") == live_steps
    manifest = json.loads((out / "replayed" / "manifest.json").read_text())
    assert manifest["web_options"]["mode"] == "replay"


def test_archive_files_after_recording(cli, search_env: Path) -> None:
    tasks = _task_file(search_env)
    out = search_env / "results"
    with _site() as site, SearchApiServer(API["searxng"], script=[Reply(json=API["searxng"].results([Result("Harbour museum", site.origin + "/"), Result("Report", site.origin + "/report.pdf")]))] * 2) as search:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SEARXNG_URL", search.url)
            result = cli("run", "--agent", WEB_WALKER, "--tasks", tasks, "--web", "record", "--search", "searxng", "--allow-host", site.host, "--out", out, "--run-id", "rec")
        origin = site.origin

    assert result.code == 0, result.output
    archive = WebArchive.load(out / "rec" / "web")
    pages = {page.url: page for page in archive.pages.values()}
    assert pages[origin + "/"].searchable
    assert pages[origin + "/"].title == "Harbour museum"
    assert pages[origin + "/hours.js"].resource_type == "script"
    assert not pages[origin + "/hours.js"].searchable
    assert pages[origin + "/style.css"].content_type == "text/css; charset=utf-8"
    assert pages[origin + "/old-tower"].location == origin + "/tower"
    assert pages[origin + "/old-tower"].status == 302
    assert "The tower opened in 1912." in pages[origin + "/report.pdf"].body
    assert [record.query for record in archive.searches] == ["harbour museum tower", "harbour tower opening year"]
    assert archive.searches[0].provider == "searxng"
    assert json.loads((out / "rec" / "web" / "snapshot.json").read_text())["domains"] == ["127.0.0.1"]
    # The archive is a snapshot too: it loads with Snapshot.load and serves the same pages.
    assert Snapshot.load(out / "rec" / "web").pages.keys() == archive.pages.keys()

    listing = cli("web", "ls", out / "rec")
    assert listing.code == 0, listing.output
    assert origin + "/tower" in listing.output
    assert "redirect -> " + origin + "/tower" in listing.output
    assert "harbour tower opening year" in listing.output
    assert "/hours.js" not in listing.output
    assert "/hours.js" in cli("web", "ls", out / "rec", "--all").output


def test_web_ls_shows_refusals(cli, tmp_path: Path) -> None:
    archive = WebArchive.create(tmp_path / "web")
    archive.add_page(ArchivedPage(url="http://nowhere.test/", status=0, body="", error="could not resolve host 'nowhere.test'"))

    listing = cli("web", "ls", tmp_path / "web")

    assert listing.code == 0, listing.output
    assert "refused: could not resolve host 'nowhere.test'" in listing.output
    assert "No recorded searches." in listing.output


def test_web_ls_without_archive(cli, tmp_path: Path) -> None:
    listing = cli("web", "ls", tmp_path)

    assert listing.code == 2
    assert "no web archive at" in listing.output


def test_replay_miss_is_tool_error(cli, search_env: Path, tmp_path: Path) -> None:
    tasks = _task_file(search_env)
    archive = WebArchive.create(tmp_path / "archive", allow_hosts=["127.0.0.1"])
    archive.add_page(ArchivedPage(url="http://127.0.0.1:9/recorded", body="<p>recorded</p>"))

    result = cli("run", "--agent", STRAY_WALKER, "--tasks", tasks, "--web", f"replay:{tmp_path / 'archive'}", "--out", tmp_path / "out", "--run-id", "stray")

    assert result.code == 0, result.output
    steps = _steps(tmp_path / "out" / "stray")
    assert "is not in the web archive" in steps[0][3]
    assert "--web record" in steps[0][3]
    assert 'the search "a query nobody recorded" is not in the web archive' in steps[1][3]


def test_live_web_without_search_provider(cli, search_env: Path) -> None:
    tasks = _task_file(search_env)

    result = cli("run", "--agent", WEB_WALKER, "--tasks", tasks, "--out", search_env / "out")

    assert result.code == 2
    assert "--web live needs a live search provider" in result.output
    assert "BRAVE_API_KEY" in result.output
    assert "SEARXNG_URL" in result.output
    assert "--web SNAPSHOT_FOLDER" in result.output


def test_search_provider_without_key(cli, search_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRAVE_API_KEY", raising=False)
    tasks = _task_file(search_env)

    result = cli("run", "--agent", WEB_WALKER, "--tasks", tasks, "--web", "live", "--search", "brave", "--out", search_env / "out")

    assert result.code == 2
    assert "BRAVE_API_KEY" in result.output


@pytest.mark.parametrize(
    ("value", "message"),
    [("replay", "needs the folder of a recorded run"), ("replay:/nonexistent/run", "no web archive at"), ("/nonexistent/snapshot", "is not live, record, replay:ARCHIVE")],
)
def test_bad_web_option(cli, search_env: Path, value: str, message: str) -> None:
    result = cli("run", "--agent", WEB_WALKER, "--tasks", _task_file(search_env), "--web", value, "--out", search_env / "out")

    assert result.code == 2
    assert message in result.output


def test_live_search_with_snapshot_is_error(cli, search_env: Path, sample_dir: Path) -> None:
    result = cli("run", "--agent", WEB_WALKER, "--tasks", _task_file(search_env), "--web", sample_dir / "web", "--search", "searxng", "--out", search_env / "out")

    assert result.code == 2
    assert "offline snapshot" in result.output


async def test_archive_search_order_and_limits(tmp_path: Path) -> None:
    archive = WebArchive.create(tmp_path / "web")
    first = [SearchHit(title=f"A{number}", url=f"https://a.example/{number}") for number in range(5)]
    archive.add_search(SearchRecord(provider="brave", query="Tower  Height", limit=5, hits=first))
    archive.add_search(SearchRecord(provider="tavily", query="tower height", limit=5, hits=first[:1]))
    search = ArchiveSearch(WebArchive.load(tmp_path / "web"))

    assert await search.search_with_provider("tower height", 5) == (first, "brave")
    assert await search.search_with_provider("TOWER height", 5) == (first[:1], "tavily")
    assert await search.search_with_provider("tower height", 5) == (first[:1], "tavily")
    assert (await ArchiveSearch(WebArchive.load(tmp_path / "web")).search_with_provider("tower height", 2))[0] == first[:2]
    with pytest.raises(ToolError, match="not in the web archive"):
        await search.search("tower height", 8)


async def test_recording_search_stores_provider(tmp_path: Path) -> None:
    class TwoNames:
        name = "brave,tavily"

        async def search_with_provider(self, query: str, limit: int = 10):
            return [SearchHit(title="T", url="https://t.example/")], "tavily"

    archive = WebArchive.create(tmp_path / "web")
    hits, provider = await RecordingSearch(TwoNames(), archive).search_with_provider("q", 3)

    assert provider == "tavily"
    assert WebArchive.load(tmp_path / "web").searches[0].provider == "tavily"
    assert WebArchive.load(tmp_path / "web").searches[0].hits == hits


async def test_archive_source_redirect_and_miss(tmp_path: Path) -> None:
    archive = WebArchive.create(tmp_path / "web")
    archive.add_page(ArchivedPage(url="https://a.example/old", status=301, body="", location="https://a.example/new"))
    archive.add_page(ArchivedPage(url="https://a.example/new#top", body="<p>new</p>"))
    source = ArchiveSource(archive)

    stub = await source.fetch("https://a.example/old")
    assert stub.status == 200
    assert 'location.replace("https://a.example/new")' in stub.body
    assert (await source.fetch("https://A.example/new")).body == "<p>new</p>"
    assert source.serves("https://a.example/new")
    assert not source.serves("https://a.example/other")
    assert "is not in the web archive" in source.miss_message("https://a.example/other")


def test_archive_keeps_first_response_and_survives_truncation(tmp_path: Path) -> None:
    archive = WebArchive.create(tmp_path / "web")
    assert archive.add_page(ArchivedPage(url="https://a.example/", body="first"))
    assert not archive.add_page(ArchivedPage(url="https://a.example/", body="second"))
    with open(tmp_path / "web" / "pages.jsonl", "a", encoding="utf-8") as out:
        out.write('{"url": "https://a.example/cut", "bo')

    reopened = WebArchive.create(tmp_path / "web")
    reopened.add_page(ArchivedPage(url="https://b.example/", body="b"))
    loaded = WebArchive.load(tmp_path / "web")

    assert [page.body for page in loaded.pages.values()] == ["first", "b"]
    assert loaded.domains == ["a.example", "b.example"]


def test_damaged_archive_line_is_error(tmp_path: Path) -> None:
    archive = WebArchive.create(tmp_path / "web")
    archive.add_page(ArchivedPage(url="https://a.example/", body="ok"))
    text = (tmp_path / "web" / "pages.jsonl").read_text()
    (tmp_path / "web" / "pages.jsonl").write_text("not json\n" + text)

    with pytest.raises(ValueError, match="line 1 is not a valid ArchivedPage"):
        WebArchive.load(tmp_path / "web")


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("café".encode("utf-8"), "text/html; charset=utf-8", "café"),
        ("café".encode("latin-1"), "text/html; charset=ISO-8859-1", "café"),
        ('<meta charset="windows-1252"><p>café</p>'.encode("cp1252"), "text/html", '<meta charset="windows-1252"><p>café</p>'),
        ("café".encode("cp1252"), "text/plain", "café"),
        ("naïve".encode("utf-8"), "text/plain; charset=nonsense", "naïve"),
    ],
)
def test_decode_body(body: bytes, content_type: str, expected: str) -> None:
    assert decode_body(body, content_type) == expected


class _FakeDnsGuard(UrlGuard):
    """A guard whose name lookups come from a table instead of DNS."""

    def __init__(self, names: dict[str, list[str]], **options) -> None:
        super().__init__(**options)
        self.names = names

    async def resolve(self, host: str, port: int) -> list[str]:
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.names[host]


async def _errors(session, urls: list[str]) -> list[str]:
    messages = []
    for url in urls:
        try:
            result = await session.open_url(url)
            messages.append(result.text)
        except ToolError as error:
            messages.append(f"error: {error}")
    return messages


@pytest.mark.asyncio(loop_scope="session")
async def test_refusals_replay_with_same_message(tmp_path: Path) -> None:
    urls = ["http://nowhere.test/", "http://rebound.test:8/", "http://127.0.0.1:9/page"]
    archive = WebArchive.create(tmp_path / "web", allow_hosts=["site.test"])
    pool = BrowserPool(action_timeout_s=5)
    await pool.start()
    try:
        guard = _FakeDnsGuard({"rebound.test": ["127.0.0.1"]}, allow_hosts=["site.test"])
        recording = await pool.session(Snapshot("live", [], []), guard, live=True, recorder=PageRecorder(archive))
        live = await _errors(recording, urls)
        await recording.close()

        replay_archive = WebArchive.load(tmp_path / "web")
        replaying = await pool.session(ArchiveSource(replay_archive), UrlGuard(allow_hosts=replay_archive.allow_hosts))
        replayed = await _errors(replaying, urls)
        await replaying.close()
    finally:
        await pool.close()

    assert "could not resolve host 'nowhere.test'" in live[0]
    assert "resolves to 127.0.0.1" in live[1]
    assert "loopback" in live[2]
    assert replayed == live
    assert replay_archive.pages["http://nowhere.test/"].error is not None
    assert replay_archive.pages["http://nowhere.test/"].status == 0
