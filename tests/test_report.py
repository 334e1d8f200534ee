"""`pix2fact report` on a real run, opened in real Chromium with every non-file request failed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from playwright.async_api import async_playwright
from rich.console import Console

from pix2fact.cli import main
from pix2fact.procedural import ProceduralAgent
from pix2fact.report import build_report, files_folder
from pix2fact.store import RunStore
from pix2fact.tools.browser import LAUNCH_ARGS

CHROMIUM = "/usr/bin/chromium"
# Markup in a search query: if the report failed to escape it, Chromium would request this
# address, and the route below records and fails every request that is not a file.
INJECTED = '<img src="http://127.0.0.1:9/leak.png">'
ZOOM_BOX = (1600, 950, 2000, 1110)  # px of the 3840x2160 sample images, around sample-001's placard


class ZoomSearchOpen(ProceduralAgent):
    """Crops the middle and then a tight box, searches, opens the first hit and answers."""

    name = "zoom-search-open"

    def __init__(self, reply: str = "1981") -> None:
        self.reply = reply

    async def solve(self):
        width, height = self.context.image_size
        await self.use("crop", box=[width // 3, height // 3, 2 * width // 3, 2 * height // 3])
        await self.use("crop", box=list(ZOOM_BOX))
        hits = await self.use("web_search", query=f"{INJECTED} {self.task.question[:50]}")
        results = hits.data.get("results") or []
        if results:
            await self.use("open_url", url=results[0]["url"])
        await self.use("answer", final_answer=self.reply)


def run_cli(*argv: object) -> tuple[int, str]:
    buffer = io.StringIO()
    code = main([str(arg) for arg in argv], console=Console(file=buffer, width=200, force_terminal=False, color_system=None))
    return code, buffer.getvalue()


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory, sample_dir) -> Path:
    out = tmp_path_factory.mktemp("report-run")
    code, output = run_cli("run", "--agent", f"{__file__}:ZoomSearchOpen", "--limit", "3", "--out", out, "--run-id", "zoom", "--concurrency", "3")
    assert code == 0, output
    return out / "zoom"


@pytest.fixture(scope="module")
def report_page(run_folder, tmp_path_factory) -> Path:
    page = tmp_path_factory.mktemp("report") / "zoom.html"
    code, output = run_cli("report", run_folder, "--out", page)
    assert code == 0, output
    return page


def test_page_and_images_written(report_page, run_folder):
    html = report_page.read_text()
    images = sorted(files_folder(report_page).iterdir())

    # Three thumbnails and six crops (two per task), each a small JPEG.
    assert len(images) == 9
    assert all(path.suffix == ".jpg" and path.stat().st_size < 120_000 for path in images)
    assert html.count('<section class="task"') == 3
    assert INJECTED not in html
    assert "&lt;img src=&quot;http://127.0.0.1:9/leak.png&quot;&gt;" in html
    assert "http://127.0.0.1:9" not in html.replace("&quot;http://127.0.0.1:9", "")


def test_default_path_and_image_reuse(run_folder):
    first = build_report(run_folder)
    before = {path.name: path.stat().st_mtime_ns for path in files_folder(first).iterdir()}
    second = build_report(run_folder)

    assert first == second == run_folder / "report.html"
    assert {path.name: path.stat().st_mtime_ns for path in files_folder(second).iterdir()} == before


@pytest.mark.asyncio(loop_scope="session")
async def test_report_renders_in_chromium(report_page, run_folder, tmp_path):
    records = {record.task_id: record for record in RunStore(run_folder).load_records().records}
    blocked: list[str] = []

    async def only_files(route):
        if route.request.url.startswith("file://"):
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 1400})
            await page.route("**/*", only_files)
            await page.goto(report_page.as_uri())

            assert await page.locator("table.leaderboard").count() >= 3
            sections = page.locator("section.task")
            assert await sections.count() == 3

            for index in range(3):
                section = sections.nth(index)
                await section.scroll_into_view_if_needed()
                task_id = await section.get_attribute("data-task-id")
                width, height = records[task_id].image_size
                assert await section.locator("rect.region").count() == 1
                assert await section.locator("rect.crop").count() == 2
                assert await section.locator(".crops img").count() == 2
                await section.locator(".shot img").evaluate("image => image.decode()")

                # The second crop's rectangle sits where ZOOM_BOX is, relative to the thumbnail.
                shot = await section.locator(".shot img").bounding_box()
                crop = await section.locator("rect.crop").nth(1).bounding_box()
                assert crop["x"] - shot["x"] == pytest.approx(ZOOM_BOX[0] / width * shot["width"], abs=3)
                assert crop["y"] - shot["y"] == pytest.approx(ZOOM_BOX[1] / height * shot["height"], abs=3)
                assert crop["width"] == pytest.approx((ZOOM_BOX[2] - ZOOM_BOX[0]) / width * shot["width"], abs=4)

            first = sections.first
            await first.scroll_into_view_if_needed()
            loaded = await first.locator("img").evaluate_all("images => images.map(image => image.complete && image.naturalWidth > 0)")
            assert loaded and all(loaded)
            assert await first.locator(".verdict").count() == 1
            assert "evidence" in (await sections.nth(1).locator(".verdict").inner_text())
            assert INJECTED in await first.locator("ul.queries").inner_text()
            assert await page.locator('img[src^="http"]').count() == 0

            await page.evaluate("window.scrollTo(0, 0)")
            await page.screenshot(path=str(tmp_path / "report-top.png"))
            await first.screenshot(path=str(tmp_path / "report-task.png"))
        finally:
            await browser.close()

    assert blocked == []
    assert (tmp_path / "report-task.png").stat().st_size > 10_000
    print(json.dumps({"screenshots": [str(tmp_path / "report-top.png"), str(tmp_path / "report-task.png")]}))
