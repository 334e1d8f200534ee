"""The offline baseline: a deterministic agent without a language model.

`BaselineAgent.solve` works through these steps, each tool call going through the loop so the
trajectory records it like any model's:

1. Parse the question: colour, position phrase, answer kind and qualifiers (`question`).
2. Find panels of that colour in the overview and rank them by shape and place (`vision`).
3. For each candidate, best first: `crop` it at a zoom that makes its letters large, and read
   the name line with Tesseract (`ocr`).
4. `web_search` the name with the fact's words; keep the hits whose title names it exactly
   (look-alike names lose), see `matching`.
5. `open_url` the best hit, check the page names the entity, and extract the fact (`extract`).
   When the page lacks it: `scroll` through further text pages, then `click_link` the links
   whose labels suit the kind ("Contact", "Visit", "History"...), with `go_back` in between.
6. `answer` with the value and the evidence, or with [NO_DEFINITIVE_ANSWER] when nothing fits.

Settings without the crop tool change step 2-3: c3 and c4 show the annotated region first, which
is read directly (`panels.PanelReader`). Without web tools (c3) the name is read and reported,
but the answer is [NO_DEFINITIVE_ANSWER]. With only the overview (c1, c2) the letters are too
small to read, so it abstains at once.
"""

from __future__ import annotations

import logging
from typing import Any

from pix2fact.agents.baseline.extract import Extraction, extract
from pix2fact.agents.baseline.matching import (
    HitMatch,
    host_of,
    links_in,
    match_hits,
    order_for_kind,
    page_body,
    page_mentions,
    rank_links,
)
from pix2fact.agents.baseline.ocr import Reading
from pix2fact.agents.baseline.panels import PanelReader
from pix2fact.agents.baseline.question import ParsedQuestion, parse_question
from pix2fact.agents.baseline.report import Findings
from pix2fact.procedural import ProceduralAgent
from pix2fact.tools.base import ToolResult

logger = logging.getLogger(__name__)

WEB_TOOLS = frozenset({"web_search", "open_url"})
# Above this mean word confidence a reading is trusted letter for letter (see `_look_up`).
CERTAIN_READING = 85.0
# Tool calls kept in reserve below the loop's step limit, so the final `answer` always fits.
RESERVED_STEPS = 2


def _as_int(value: Any, option: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"baseline option {option} must be a whole number, got {value!r}") from None
    if number < 1:
        raise ValueError(f"baseline option {option} must be at least 1, got {number}")
    return number


class BaselineAgent(PanelReader, ProceduralAgent):
    """Answers Pix2Fact-style questions with colour search, Tesseract and rule-based reading.

    Args:
        max_candidates: Panels of the asked colour to crop and read, best first.
        max_sites: Matching search hits to open for one name.
        max_links: Links to follow on a site when its first page lacks the fact.
    """

    name = "baseline"
    model = None

    def __init__(self, max_candidates: int | str = 3, max_sites: int | str = 2, max_links: int | str = 3) -> None:
        self.max_candidates = _as_int(max_candidates, "max_candidates")
        self.max_sites = _as_int(max_sites, "max_sites")
        self.max_links = _as_int(max_links, "max_links")
        self._calls = 0

    def config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": None,
            "max_candidates": self.max_candidates,
            "max_sites": self.max_sites,
            "max_links": self.max_links,
        }

    async def use(self, name: str, **arguments: Any) -> ToolResult:
        self._calls += 1
        return await super().use(name, **arguments)

    def _room_for(self, calls: int) -> bool:
        """Tell whether `calls` more tool calls still leave room for the final answer."""
        return self._calls + calls + RESERVED_STEPS <= self.context.max_steps

    async def solve(self) -> None:
        question = parse_question(self.task.question)
        findings = Findings(question)
        tools = {spec.name for spec in self.context.tools}
        if question.colour is None or question.kind is None:
            findings.note("The question names no panel colour or no known kind of fact, so there is nothing to look for.")
            await self._answer(findings, None)
            return

        async for reading in self.readings(question, findings, tools):
            if not WEB_TOOLS <= tools:
                findings.note(f"This setting ({self.context.setting}) offers no web search and browser, so the fact cannot be looked up.")
                break
            found = await self._look_up(reading, question, findings)
            if found is not None:
                await self._answer(findings, found)
                return
        await self._answer(findings, None)

    async def _look_up(self, reading: Reading, question: ParsedQuestion, findings: Findings) -> Extraction | None:
        """Search for the name read on the panel, open the matching sites and extract the fact.

        A second, name-only search runs when the first finds no exact match, because pages
        that list every fact of other entities can crowd the right home page out. Fuzzy
        matches are used only for an uncertain reading: a clearly read name that matches no
        title exactly is more likely a look-alike's than an OCR slip.
        """
        name = reading.text
        queries = [" ".join([name, *question.search_words]), f'"{name}"']
        exact: list[HitMatch] = []
        fuzzy: list[HitMatch] = []
        for query in queries:
            if exact or not self._room_for(2):
                break
            result = await self.use("web_search", query=query, max_results=10)
            findings.searched(query)
            exact, fuzzy_here = match_hits(name, result.data.get("results", []))
            fuzzy = fuzzy or fuzzy_here

        matches = exact
        if not matches and fuzzy:
            if reading.confidence < CERTAIN_READING:
                matches = fuzzy
            else:
                names = ", ".join(sorted({match.name for match in fuzzy}))
                findings.note(f'Search found only look-alike names ({names}), not "{name}"; they were not used.')
        if not matches:
            findings.note(f'No search result names "{name}".')
            return None

        for match in order_for_kind(matches, question.kind)[: self.max_sites]:
            if not self._room_for(2):
                break
            found = await self._read_site(match, question, findings)
            if found is not None:
                return found
        return None

    async def _read_site(self, match: HitMatch, question: ParsedQuestion, findings: Findings) -> Extraction | None:
        """Open a hit, check it names the entity, then read it and its most promising links."""
        page = await self.use("open_url", url=match.url)
        if page.is_error:
            findings.note(f"Opening {match.url} failed: {page.error}")
            return None
        # The site's own spelling is the better name to check for after an OCR slip.
        entity = match.name
        if not page_mentions(page_body(page.text), entity):
            findings.note(f'{page.data.get("url", match.url)} does not mention "{entity}"; skipped.')
            return None
        findings.opened(page.data.get("url", match.url), entity)

        found = await self._read_pages(page, question, entity, findings)
        if found is not None:
            return found

        site = host_of(page.data.get("url", match.url))
        seen = {page.data.get("url", match.url).rstrip("/")}
        links = rank_links(links_in(page.text), question.kind, site, seen)[: self.max_links]
        # Link ids belong to the site's first page, so the browser goes back there between links.
        # NOTE: links are followed one level deep only; a fact two clicks away is not reached.
        away = False
        for link_id, label, url in links:
            if not self._room_for(3 if away else 2):
                break
            if away:
                back = await self.use("go_back")
                if back.is_error:
                    break
                away = False
            subpage = await self.use("click_link", link_id=link_id)
            if subpage.is_error:
                continue
            away = True
            findings.followed(label, subpage.data.get("url", url))
            found = await self._read_pages(subpage, question, entity, findings)
            if found is not None:
                return found
        return None

    async def _read_pages(self, page: ToolResult, question: ParsedQuestion, entity: str, findings: Findings) -> Extraction | None:
        """Extract the fact from a page's text pages, scrolling down through at most three."""
        url = page.data.get("url", "")
        for _ in range(3):
            found = extract(question, page_body(page.text), entity)
            if found is not None:
                findings.found_on(url)
                return found
            if page.data.get("page", 1) >= page.data.get("pages", 1) or not self._room_for(1):
                return None
            page = await self.use("scroll", direction="down")
            if page.is_error:
                return None
        return None

    async def _answer(self, findings: Findings, found: Extraction | None) -> None:
        fields = findings.answer_fields(found)
        logger.info("task %s: baseline answers %r", self.task.id, fields["final_answer"])
        await self.use("answer", **fields)
