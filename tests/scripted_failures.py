"""Scripted agents that commit each failure class on purpose, to measure the judge's attribution.

`ScriptedFailure` reads a plan file (`-A plan=PATH`) that maps each task id to a behaviour and
to the hidden task (gold answer, annotated region, reference query, evidence URLs). Agents under
evaluation never see those; these are test fixtures that aim their mistakes with them:

    grounding       crops far from the region (or not at all), searches a made-up name, opens one
                    of its hits
    shallow_search  crops the region, one query with the right name, opens no page (or one page
                    that is not evidence)
    long_tail       crops the region, two or three good queries, opens only pages that are not
                    evidence
    reasoning       crops the region, searches, then either sees the gold in a snippet or opens
                    the evidence page, and answers a wrong value
    abstention      crops the region, searches (or not), answers [NO_DEFINITIVE_ANSWER]
    harness         a provider outage or a context-length error part-way through
    correct         crops the region, searches, opens the evidence page, answers the gold (alone,
                    or in a sentence)

Where two forms are listed, odd and even copies of a task (the number after the dot in its id)
take turns.

Three behaviours react to the counterfactual fixes of `pix2fact judge --confirm`, so the
confirmation can be tested: grounding answers right when its first image is the annotated
crop, shallow_search when its search is answered with the reference query's results, and
long_tail when the evidence page is already open.

`labelled_tasks` builds the labelled set from the sample: copies of each task (ids
`sample-001.1`, ...) with a behaviour each, at least `per_class` per behaviour. Tasks whose
search snippets already show the gold are kept away from shallow_search and long_tail, because
seeing the gold in a result is (correctly) judged a reasoning failure.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from pix2fact.errors import ContextLengthError, ProviderError
from pix2fact.judge.goldtext import gold_in_text, key_terms
from pix2fact.judge.rules import grade_answer
from pix2fact.judge.weblinks import canonical_url
from pix2fact.procedural import ProceduralAgent
from pix2fact.tasks.model import Task
from pix2fact.tools.answer import NO_ANSWER
from pix2fact.tools.search import LocalSearch
from pix2fact.tools.web import Snapshot

BEHAVIOURS = ("grounding", "shallow_search", "long_tail", "reasoning", "abstention", "harness", "correct")
MADE_UP_NAMES = ("Harbour Street Society", "Quillon Mercantile", "Tavistock Ferry Works", "Marrow Lane Guild", "Ostler Pottery Yard")
_WRONG_VALUES = {
    "phone": "+1 (212) 555-0199",
    "email": "office@quillon-mercantile.example",
    "name": "Morgan Ellery",
    "hours": "07:00-11:00",
    "address": "12 Harbour Road, Easton",
    "price": "$99.95",
}


def wrong_value(task: Task) -> str:
    """Return a plausible answer of the task's kind that is not the gold."""
    if task.answer_kind == "year":
        return str(int(re.search(r"\d{4}", task.answer).group()) + 7)
    value = _WRONG_VALUES.get(task.answer_kind, "Quillon Mercantile")
    if grade_answer(value, task.answer, task.aliases, task.answer_kind).verdict == "correct":
        raise ValueError(f"the wrong value {value!r} for task {task.id} is graded correct; pick another")
    return value


async def snippet_tasks(tasks: list[Task], web_folder: Path) -> set[str]:
    """Return the ids of tasks whose reference or name-only search shows the gold in a snippet."""
    search = LocalSearch(Snapshot.load(web_folder))
    shown = set()
    for task in tasks:
        terms = key_terms(task.search_query, task.question)
        for query in (task.search_query, " ".join(terms)):
            text = "\n".join(f"{hit.title} {hit.url} {hit.snippet}" for hit in await search.search(query, limit=8))
            if gold_in_text(text, task.answer, task.aliases, task.answer_kind, terms):
                shown.add(task.id)
    return shown


async def labelled_tasks(tasks: list[Task], web_folder: Path, copies: int = 3) -> list[tuple[Task, str]]:
    """Return task copies with a behaviour each, spread so every behaviour gets about the same count."""
    shown = await snippet_tasks(tasks, web_folder)
    counts: Counter[str] = Counter()
    labelled = []
    for copy in range(1, copies + 1):
        for task in tasks:
            used = {label for other, label in labelled if other.id.rsplit(".", 1)[0] == task.id}
            allowed = [name for name in BEHAVIOURS if name not in used and not (task.id in shown and name in ("shallow_search", "long_tail"))]
            label = min(allowed, key=lambda name: (counts[name], BEHAVIOURS.index(name)))
            counts[label] += 1
            labelled.append((task.model_copy(update={"id": f"{task.id}.{copy}"}), label))
    return labelled


def write_plan(labelled: list[tuple[Task, str]], path: Path) -> Path:
    """Write the plan file the agent reads: behaviour and hidden task per task id."""
    plan = {task.id: {"behaviour": label, "task": task.model_dump(mode="json")} for task, label in labelled}
    path.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    return path


class ScriptedFailure(ProceduralAgent):
    """Commits the failure its plan names for each task; see the module docstring."""

    name = "scripted-failure"

    def __init__(self, plan: str) -> None:
        self.plan_path = plan
        entries = json.loads(Path(plan).read_text(encoding="utf-8"))
        self.plan = {task_id: (entry["behaviour"], Task.model_validate(entry["task"])) for task_id, entry in entries.items()}

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "model": None, "plan": self.plan_path}

    async def solve(self) -> None:
        behaviour, self.hidden = self.plan[self.task.id]
        self.evidence = {canonical_url(url) for url in self.hidden.evidence_urls if url.strip()}
        self.name_text = " ".join(re.findall(r'"([^"]+)"', self.hidden.search_query)) or self.hidden.search_query
        await getattr(self, behaviour)()

    # The behaviours, one per class.

    async def correct(self) -> None:
        await self.crop_region()
        await self.use("web_search", query=self.hidden.search_query)
        await self.use("open_url", url=self.hidden.evidence_urls[0])
        if self.odd:
            await self.answer(self.hidden.answer)
        else:
            await self.answer(f"According to its website, it is {self.hidden.answer}.")

    async def grounding(self) -> None:
        if self.first_image_is_region():
            await self.correct()
            return
        width, height = self.context.image_size
        region = self.hidden.regions[0].box
        left = width - 420 if (region.left + region.right) / 2 < width / 2 else 20
        top = height - 320 if (region.top + region.bottom) / 2 < height / 2 else 20
        if self.odd:
            await self.use("crop", box=[left, top, left + 400, top + 300])
        else:
            await self.use("view_image")
        made_up = self.made_up_name()
        hits = await self.use("web_search", query=f"{made_up} {self.fact_words()}")
        await self.open_first_hit(hits.data, exclude=self.evidence)
        await self.use("web_search", query=f"{made_up} official site")
        await self.answer(wrong_value(self.hidden), observation=f"The sign seems to read {made_up}.")

    async def shallow_search(self) -> None:
        await self.crop_region()
        asked = f"{self.name_text} {self.fact_words()}"
        result = await self.use("web_search", query=asked)
        if result.data.get("query") != asked:
            # The search was answered for another query (the shallow-search fix): follow it up.
            await self.open_first_hit(result.data, only=self.evidence)
            await self.answer(self.hidden.answer)
            return
        if not self.odd:
            await self.open_first_hit(result.data, exclude=self.evidence)
        await self.answer(wrong_value(self.hidden), observation=f"The sign reads {self.name_text}.")

    async def long_tail(self) -> None:
        if self.context.overview.data.get("open_url"):
            await self.use("read_page")
            await self.answer(self.hidden.answer)
            return
        await self.crop_region()
        first = await self.use("web_search", query=self.hidden.search_query)
        opened = await self.open_first_hit(first.data, exclude=self.evidence)
        second = await self.use("web_search", query=f"{self.name_text} contact details")
        opened_too = await self.open_first_hit(second.data, exclude=self.evidence | {opened})
        if not self.odd:
            third = await self.use("web_search", query=f"{self.name_text} {self.fact_words()} city directory")
            await self.open_first_hit(third.data, exclude=self.evidence | {opened, opened_too})
        await self.answer(wrong_value(self.hidden), observation=f"The sign reads {self.name_text}.")

    async def reasoning(self) -> None:
        await self.crop_region()
        hits = await self.use("web_search", query=self.hidden.search_query)
        terms = key_terms(self.hidden.search_query, self.hidden.question)
        if self.odd or not gold_in_text(hits.text, self.hidden.answer, self.hidden.aliases, self.hidden.answer_kind, terms):
            await self.use("open_url", url=self.hidden.evidence_urls[0])
        await self.answer(wrong_value(self.hidden), observation=f"The sign reads {self.name_text}.")

    async def abstention(self) -> None:
        await self.crop_region()
        if self.odd:
            hits = await self.use("web_search", query=self.hidden.search_query)
            await self.open_first_hit(hits.data, exclude=self.evidence)
        await self.answer(NO_ANSWER, observation=f"The sign reads {self.name_text}, but no source settles it.")

    async def harness(self) -> None:
        if self.odd:
            await self.crop_region()
            raise ProviderError("scripted/model-x: gave up after 6 attempt(s): HTTP 503: the service is overloaded")
        await self.crop_region()
        await self.use("web_search", query=self.hidden.search_query)
        raise ContextLengthError("scripted/model-x: context window exceeded: prompt is 212345 tokens")

    # Helpers.

    @property
    def odd(self) -> bool:
        """Whether this is an odd copy of its task (an id without a copy number counts as odd)."""
        suffix = self.task.id.rsplit(".", 1)[-1]
        return not suffix.isdigit() or int(suffix) % 2 == 1

    async def answer(self, value: str, observation: str = "") -> None:
        await self.use("answer", final_answer=value, observation=observation or f"The sign reads {self.name_text}.")

    async def crop_region(self) -> None:
        box = self.hidden.regions[0].box
        await self.use("crop", box=[box.left - 20, box.top - 20, box.right + 20, box.bottom + 20])

    def first_image_is_region(self) -> bool:
        shown = self.context.overview.data.get("box")
        if not shown:
            return False
        region = self.hidden.regions[0].box
        left, top, right, bottom = shown
        overlap = max(0.0, min(right, region.right) - max(left, region.left)) * max(0.0, min(bottom, region.bottom) - max(top, region.top))
        return region.area > 0 and overlap / region.area >= 0.5

    def made_up_name(self) -> str:
        terms = set(key_terms(self.hidden.search_query, self.hidden.question))
        return next(name for name in MADE_UP_NAMES if not terms & set(name.lower().split()))

    def fact_words(self) -> str:
        quoted = re.sub(r'"[^"]+"', "", self.hidden.search_query).strip()
        return quoted or "details"

    async def open_first_hit(self, data: dict, *, exclude: set[str] = frozenset(), only: set[str] | None = None) -> str:
        """Open the first hit not in `exclude` (and in `only`, when given); return its canonical URL."""
        for hit in data.get("results", []):
            url = canonical_url(hit["url"])
            if url in exclude or (only is not None and url not in only):
                continue
            await self.use("open_url", url=hit["url"])
            return url
        return ""


# The reference the runner loads: `--agent path/to/scripted_failures.py:ScriptedFailure`.
SCRIPTED_FAILURE = f"{__file__}:ScriptedFailure"


async def run_labelled_set(out: Path, *, copies: int = 3, concurrency: int = 4) -> tuple[dict[tuple[str, int], str], Path]:
    """Run the labelled set through the real runner on the sample; return the labels and the run folder."""
    from pix2fact.datasets import resolve_tasks
    from pix2fact.runner import RunConfig, run

    sample = resolve_tasks("sample")
    labelled = await labelled_tasks(sample.tasks, sample.web_snapshot, copies=copies)
    plan = write_plan(labelled, Path(out) / "plan.json")
    config = RunConfig(
        agent=SCRIPTED_FAILURE,
        agent_options={"plan": str(plan)},
        tasks=[task for task, _ in labelled],
        tasks_source="labelled",
        web_snapshot=sample.web_snapshot,
        out=Path(out),
        run_id="labelled",
        concurrency=concurrency,
    )
    outcome = await run(config)
    return {(task.id, 1): label for task, label in labelled}, outcome.folder


def judged_class(verdict: Any) -> str:
    """Return the class a verdict assigns: its failure, or "correct"."""
    return "correct" if verdict.verdict == "correct" else (verdict.failure or verdict.verdict)


def confusion(labels: dict[tuple[str, int], str], verdicts: list[Any]) -> dict[str, Counter]:
    """Return, per labelled class, how often the judge assigned each class."""
    matrix: dict[str, Counter] = {name: Counter() for name in BEHAVIOURS}
    for verdict in verdicts:
        matrix[labels[(verdict.task_id, verdict.epoch)]][judged_class(verdict)] += 1
    return matrix


def format_confusion(matrix: dict[str, Counter]) -> str:
    """Render the matrix as text: labelled class per row, judged class per column, agreement last."""
    columns = [*BEHAVIOURS, "unknown"]
    short = {"shallow_search": "shallow", "long_tail": "longtail", "abstention": "abstain"}
    header = f"{'labelled/judged':<18}" + "".join(f"{short.get(name, name):>10}" for name in columns) + f"{'agree':>9}"
    lines = [header]
    for name in BEHAVIOURS:
        row = matrix[name]
        total = sum(row.values())
        share = f"{row[name] / total:.0%}" if total else "-"
        lines.append(f"{name:<18}" + "".join(f"{row[column]:>10}" for column in columns) + f"{share:>9}")
    return "\n".join(lines)
