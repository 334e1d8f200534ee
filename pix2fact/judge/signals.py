"""Signals read from a trajectory, and the thresholds that turn them into failure classes.

Every signal is computed from the saved `TaskRecord` and the task's annotations only. A signal
that needs an annotation the task lacks (regions, a reference query, evidence URLs) is None,
so attribution can tell "not measured" from "measured and failed".
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from pix2fact.judge.goldtext import gold_in_text, key_terms, phrase_in, term_coverage
from pix2fact.judge.text import is_no_answer
from pix2fact.judge.weblinks import canonical_url
from pix2fact.tasks.model import Box, Task
from pix2fact.trajectory import ModelTurnEvent, TaskRecord, ToolEvent

_PAGE_TOOLS = ("open_url", "click_link")
# Tools whose text is the agent's own view of the image, not something it read on the web.
_IMAGE_TOOLS = ("crop", "view_image", "answer")


class AttributionThresholds(BaseModel):
    """Limits that decide each failure class. Change them to test how robust a breakdown is."""

    coverage: float = Field(
        0.5,
        description="A crop must show at least this fraction of the annotated region to count as "
        "finding it; below half, text on a sign is usually cut.",
    )
    max_crop_area_fraction: float = Field(
        0.25,
        description="Crops larger than this fraction of the image do not count: a quarter of the "
        "image (half of each side) is the least that magnifies the detail over the overview.",
    )
    query_key_terms: float = Field(
        0.5,
        description="A query 'has the right key' when it holds at least this fraction of the "
        "reference query's key terms; half tolerates synonyms and dropped words.",
    )
    seen_key_terms: float = Field(
        0.5,
        description="Below this fraction of key terms in everything the agent wrote or searched, "
        "it never read the detail (grounding failure).",
    )
    min_distinct_queries: int = Field(
        2,
        description="Fewer distinct queries than this is shallow search: one query without any "
        "reformulation rarely reaches a long-tail fact.",
    )
    min_pages_opened: int = Field(
        1,
        description="Fewer opened pages than this is shallow search: snippets alone rarely hold "
        "the detail the question asks for.",
    )


class Signals(BaseModel):
    """Measurements of one trajectory's grounding, search and reading."""

    has_regions: bool
    crops: int
    best_crop_coverage: float | None = Field(description="Best fraction of the annotated area covered by one crop; None without regions.")
    first_covering_step: int | None = Field(description="Step of the first crop that reached the coverage threshold.")
    key_terms: list[str] = Field(description="Words of the reference search query that name the detail.")
    key_text: str = Field(description="The annotated regions' labels (the detail's text), joined; empty when unlabelled.")
    query_key_term_coverage: float | None = Field(description="Best fraction of key terms in one agent query; None without key terms.")
    seen_key_term_coverage: float | None = Field(description="Fraction of key terms anywhere in the agent's queries and notes.")
    key_text_in_queries: bool | None
    key_text_seen: bool | None
    distinct_queries: int
    empty_searches: int
    reformulations: int = Field(description="New queries issued after an empty search or one that led to no opened page.")
    pages_opened: int
    links_followed: int
    opened_urls: list[str] = Field(description="Canonical URLs of pages that loaded, in order.")
    evidence_url_reached: bool | None = Field(description="Whether an evidence page was opened; None without evidence URLs.")
    evidence_step: int | None
    gold_in_tool_results: bool = Field(description="The gold answer appeared in some tool result ('found but not extracted').")
    gold_step: int | None
    abstained: bool
    harness_faults: int


def _status(event: ToolEvent) -> int:
    try:
        return int(event.data.get("status") or 200)
    except (TypeError, ValueError):
        return 200


def _box(value: Any) -> Box | None:
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        return None
    try:
        left, top, right, bottom = (float(part) for part in value)
    except (TypeError, ValueError):
        return None
    return Box(left=left, top=top, right=right, bottom=bottom)


def _crop_coverages(task: Task, record: TaskRecord, thresholds: AttributionThresholds) -> list[tuple[int, float]]:
    # NOTE: a region is a quadrilateral, and its bounding box is used in its place. That
    # overstates the area of a strongly tilted region.
    regions = [region.box for region in task.regions]
    total = sum(region.area for region in regions)
    size = record.image_size or task.resolution
    image_area = float(size[0] * size[1]) if size else None

    coverages = []
    for event in record.tool_events("crop"):
        box = _box(event.data.get("box"))
        if event.error or box is None:
            continue
        if image_area and box.area > thresholds.max_crop_area_fraction * image_area:
            coverages.append((event.step, 0.0))
            continue
        coverages.append((event.step, sum(box.intersection(region) for region in regions) / total if total else 0.0))
    return coverages


def _agent_writing(record: TaskRecord) -> list[str]:
    """Everything the agent itself wrote: turn text, tool arguments and answer fields."""
    texts = [event.text for event in record.events if isinstance(event, ModelTurnEvent)]
    texts += [str(value) for event in record.tool_events() for value in (event.arguments or {}).values()]
    if record.answer is not None:
        answer = record.answer
        texts += [answer.observation, answer.search_plan, answer.comprehensive_answer, answer.final_answer, *answer.search_queries]
    return texts


def _search_counts(record: TaskRecord) -> tuple[list[str], int, int]:
    """Return the distinct queries, the number of empty searches and of reformulations."""
    queries: list[str] = []
    empty = 0
    reformulations = 0
    needs_new_query = False
    for event in record.events:
        if isinstance(event, ModelTurnEvent):
            # Searches the provider ran itself (builtin-search setting) count like harness searches.
            for call in event.builtin_tool_calls:
                for text in call.queries if call.name == "web_search" else []:
                    query = " ".join(text.split()).casefold()
                    if query and query not in queries:
                        queries.append(query)
            continue
        if not isinstance(event, ToolEvent):
            continue
        if event.name in _PAGE_TOOLS and not event.error:
            needs_new_query = False
        if event.name != "web_search":
            continue
        query = " ".join(str(event.data.get("query") or (event.arguments or {}).get("query") or "").split()).casefold()
        is_new = bool(query) and query not in queries
        if needs_new_query and is_new:
            reformulations += 1
        if is_new:
            queries.append(query)
        if event.data.get("count") == 0 or event.error:
            empty += 1
        needs_new_query = True
    return queries, empty, reformulations


def compute_signals(task: Task, record: TaskRecord, thresholds: AttributionThresholds) -> Signals:
    """Read every attribution signal from one trajectory."""
    coverages = _crop_coverages(task, record, thresholds)
    has_regions = bool(task.regions)
    best = max((coverage for _, coverage in coverages), default=0.0) if has_regions else None
    first_covering = next((step for step, coverage in coverages if coverage >= thresholds.coverage), None) if has_regions else None

    terms = key_terms(task.search_query, task.question)
    key_text = " ".join(region.label for region in task.regions if region.label.strip())
    queries, empty, reformulations = _search_counts(record)
    writing = " \n ".join(_agent_writing(record) + queries)

    pages = [event for event in record.tool_events() if event.name in _PAGE_TOOLS and not event.error and _status(event) < 400]
    opened = [canonical_url(str(event.data.get("url") or (event.arguments or {}).get("url") or "")) for event in pages]
    evidence = {canonical_url(url) for url in task.evidence_urls if url.strip()}
    evidence_step = next((event.step for event, url in zip(pages, opened) if url in evidence), None)

    gold_step = None
    for event in record.tool_events():
        if event.name not in _IMAGE_TOOLS and gold_in_text(event.text, task.answer, task.aliases, task.answer_kind, terms):
            gold_step = event.step
            break

    return Signals(
        has_regions=has_regions,
        crops=len(coverages),
        best_crop_coverage=None if best is None else round(best, 4),
        first_covering_step=first_covering,
        key_terms=terms,
        key_text=key_text,
        query_key_term_coverage=round(max((term_coverage(terms, query) for query in queries), default=0.0), 4) if terms else None,
        seen_key_term_coverage=round(term_coverage(terms, writing), 4) if terms else None,
        key_text_in_queries=any(phrase_in(key_text, query) for query in queries) if key_text else None,
        key_text_seen=phrase_in(key_text, writing) if key_text else None,
        distinct_queries=len(queries),
        empty_searches=empty,
        reformulations=reformulations,
        pages_opened=len(pages),
        links_followed=sum(1 for event in pages if event.name == "click_link"),
        opened_urls=opened,
        evidence_url_reached=(evidence_step is not None) if evidence else None,
        evidence_step=evidence_step,
        gold_in_tool_results=gold_step is not None,
        gold_step=gold_step,
        abstained=is_no_answer(record.final_answer),
        harness_faults=len(record.harness_faults),
    )
