"""Scripted agents that browse, used by the record/replay tests through `--agent FILE:Class`."""

from __future__ import annotations

from pix2fact.procedural import ProceduralAgent


class WebWalker(ProceduralAgent):
    """Searches, opens the first hit, follows a link, reads, goes back, opens the PDF and "secret" hits, then calls answer.

    Every URL it opens comes from a search result or a page link, so a replay that returns the
    recorded results and pages makes it take the same steps.
    """

    name = "web-walker"

    async def solve(self):
        first = await self.use("web_search", query="harbour museum tower")
        urls = [hit["url"] for hit in first.data.get("results", [])]
        await self.use("open_url", url=urls[0])
        await self.use("click_link", link_id=1)
        await self.use("find_text", text="metres")
        await self.use("go_back")
        await self.use("read_page")
        pdf = [url for url in urls if url.endswith(".pdf")]
        await self.use("open_url", url=pdf[0])
        for url in urls:
            if "secret" in url:
                await self.use("open_url", url=url)
        await self.use("web_search", query="harbour tower opening year")
        await self.use("answer", final_answer="87 metres", observation="the tower sign")


class StrayWalker(ProceduralAgent):
    """Opens a page and runs a search that no recording contains, then calls answer."""

    name = "stray-walker"

    async def solve(self):
        await self.use("open_url", url="http://127.0.0.1:9/never-recorded")
        await self.use("web_search", query="a query nobody recorded")
        await self.use("answer", final_answer="[NO_DEFINITIVE_ANSWER]")


WEB_WALKER = f"{__file__}:WebWalker"
STRAY_WALKER = f"{__file__}:StrayWalker"
