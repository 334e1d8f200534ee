"""The run's environment: the web the agents see (source, search, browser) and per-task toolsets.

One `Environment` lives for a whole run. It owns the single browser process, and hands each
task a `Toolset` with its own image tools and browser context, closed when the task ends.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from pix2fact.recorded import RecordedResults
from pix2fact.tasks.model import Task
from pix2fact.toolset import GROUND_TRUTH_SETTINGS, Toolset, ground_truth_box, setting_families
from pix2fact.tools.answer import AnswerTool
from pix2fact.tools.archive import WebArchive
from pix2fact.tools.archive.recorder import PageRecorder
from pix2fact.tools.base import ImageLimits, ToolResult
from pix2fact.tools.browser import BrowserPool, browser_tools
from pix2fact.tools.image import ImageTools, crop_region
from pix2fact.tools.search import LocalSearch, SearchTool
from pix2fact.tools.urlguard import UrlGuard
from pix2fact.tools.web import SearchBackend, Snapshot, WebSource
from pix2fact.websetup import WebConfig, open_web

logger = logging.getLogger(__name__)


class Environment:
    """Shared resources of a run. Use as `async with Environment(...) as env:`."""

    def __init__(
        self,
        web: WebSource,
        search: SearchBackend,
        *,
        live: bool = False,
        guard: UrlGuard | None = None,
        chromium: str = "/usr/bin/chromium",
        recorded: RecordedResults | None = None,
        archive: WebArchive | None = None,
        browser_options: dict[str, Any] | None = None,
    ) -> None:
        self.web = web
        self.search = search
        self.live = live
        self.guard = guard or UrlGuard()
        # When set, recorded results stand in for every tool but answer (pix2fact.recorded).
        self.recorded = recorded
        # When set, every page load is stored in this archive (`--web record`).
        self.archive = archive
        self.browser = BrowserPool(executable_path=chromium, **(browser_options or {}))
        self._browser_started = False

    @classmethod
    def from_snapshot(cls, folder: str | Path, **options) -> "Environment":
        snapshot = Snapshot.load(folder)
        return cls(snapshot, LocalSearch(snapshot), **options)

    @classmethod
    def from_web_config(cls, config: WebConfig, run_folder: Path | None = None, **options) -> "Environment":
        """Build the environment `--web` and `--search` describe (see `pix2fact.websetup`)."""
        opened = open_web(config, run_folder)
        browser_options = {
            "action_timeout_s": config.page_timeout_s,
            "locale": config.locale,
            "user_agent": config.user_agent,
            "max_page_bytes": config.max_page_bytes,
        }
        return cls(opened.web, opened.search, live=config.live, guard=opened.guard, archive=opened.archive, browser_options=browser_options, **options)

    async def __aenter__(self) -> "Environment":
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def close(self) -> None:
        close_search = getattr(self.search, "aclose", None)
        if close_search is not None:
            await close_search()
        if self._browser_started:
            await self.browser.close()
            self._browser_started = False

    def describe(self) -> dict[str, object]:
        """Facts about the web for the run manifest."""
        return {
            "web": getattr(self.web, "name", type(self.web).__name__),
            "search": self.search.name,
            "live": self.live,
        }

    @asynccontextmanager
    async def toolset(
        self,
        task: Task,
        *,
        setting: str,
        limits: ImageLimits,
        coords: str = "pixels",
        crop_expand: float = 0.0,
    ) -> AsyncIterator[Toolset]:
        """Build the tools for one task; the browser context is closed when the block ends."""
        families = setting_families(setting)
        images = ImageTools(task.image, limits=limits, coords=coords)
        image_size = await images.size()
        tools = list(images.tools) if "image" in families else []

        session = None
        if self.recorded is not None:
            tools = self.recorded.tools_for(task.id, tools, search=self.search if "web" in families else None)
        elif "web" in families:
            if not self._browser_started:
                await self.browser.start()
                self._browser_started = True
            recorder = PageRecorder(self.archive, self.browser.max_page_bytes) if self.archive is not None else None
            session = await self.browser.session(self.web, self.guard, live=self.live, recorder=recorder)
            tools.append(SearchTool(self.search))
            tools.extend(browser_tools(session))
        tools.append(AnswerTool())

        if setting in GROUND_TRUTH_SETTINGS:
            box = ground_truth_box(task, image_size, crop_expand)

            async def first_view() -> ToolResult:
                blob = await crop_region(task.image, box, limits=limits)
                text = f"The annotated region of the image: box {[round(value) for value in box.as_list()]} in original pixels."
                return ToolResult(text=text, images=[blob], data={"box": box.as_list()})

        else:

            async def first_view() -> ToolResult:
                return await images.overview()

        try:
            yield Toolset(tools, setting=setting, image_size=image_size, first_view=first_view, coords=coords)
        finally:
            if session is not None:
                await session.close()
