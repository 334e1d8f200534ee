"""Judging a whole run: grade every record with the chosen grader, attribute, confirm, write files.

`judge_records` runs these steps in order:

1. Grade each answer. `rule` uses the rule grader. `llm` asks the LLM judge about every answer
   the protocol does not settle. `both` uses the rule grade when the rules find a match (a
   correct grade) or the protocol settles it, and asks the LLM otherwise.
2. Build each verdict with `judge_record`, which attributes every failure from the signals.
3. With an LLM attribution model, re-read each "unknown" failure's trajectory (`llm_attribution`).
4. When the run folder has counterfactual re-runs (`confirm/`), grade them with the same grader
   and fill `confirmed` (see `confirm`).

`write_verdict_files` then saves the verdicts twice: as `verdicts/VERSION__UTCSTAMP.jsonl`, a
file kept for each pass, and as `verdicts.jsonl`, replaced atomically, which the leaderboard reads.

Given the same records, tasks, confirmation re-runs and cache, the verdicts are the same bytes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from pix2fact.judge import Verdict, judge_record
from pix2fact.judge.attribution import is_harness_failure
from pix2fact.judge.cache import JudgementCache
from pix2fact.judge.confirm import confirmation_entry, has_confirmations, load_confirmation_records, suspected_causes
from pix2fact.judge.llm import LLMGrader
from pix2fact.judge.llm_attribution import LLMAttributor
from pix2fact.judge.rules import Grade, grade_answer
from pix2fact.judge.signals import AttributionThresholds
from pix2fact.judge.spec import JudgeSpec, LLMModel
from pix2fact.store import VERDICTS, RunStore, write_atomic
from pix2fact.tasks.model import Task
from pix2fact.trajectory import TaskRecord

logger = logging.getLogger(__name__)

VERDICT_HISTORY = "verdicts"
# LLM calls in flight at once in one judging pass; the provider limiter may allow fewer.
MAX_PARALLEL_CALLS = 8


class RunJudge:
    """One judging pass: the grader, the optional LLM attributor, and the cache they share.

    Args:
        judge: A `--judge` value or a parsed spec.
        cache_dir: The judgement cache folder (`cache.default_cache_dir()` when None).
        llm_attribution: Model that reads "unknown" failures; None leaves them unknown.
        thresholds: Attribution limits (the defaults when None).
        grader: A ready LLM grader, replacing the one `judge` names (tests pass one).
        attributor: A ready LLM attributor, replacing the one `llm_attribution` names.
    """

    def __init__(
        self,
        judge: "str | JudgeSpec" = "rule",
        *,
        cache_dir: str | Path | None = None,
        llm_attribution: "str | LLMModel | None" = None,
        thresholds: AttributionThresholds | None = None,
        grader: LLMGrader | None = None,
        attributor: LLMAttributor | None = None,
    ) -> None:
        self.spec = JudgeSpec.parse(judge)
        self.cache = JudgementCache(cache_dir)
        self.thresholds = thresholds or AttributionThresholds()
        self.llm = grader or (LLMGrader(self.spec.llm, self.cache) if self.spec.llm is not None else None)
        if isinstance(llm_attribution, str):
            llm_attribution = LLMModel.parse(llm_attribution, option="--llm-attribution")
        self.attributor = attributor or (LLMAttributor(llm_attribution, self.cache) if llm_attribution is not None else None)
        self._limits: dict[int, asyncio.Semaphore] = {}

    def _slot(self) -> asyncio.Semaphore:
        # One semaphore per event loop: a RunJudge may serve several asyncio.run calls.
        loop = id(asyncio.get_running_loop())
        if loop not in self._limits:
            self._limits[loop] = asyncio.Semaphore(MAX_PARALLEL_CALLS)
        return self._limits[loop]

    @property
    def version(self) -> str:
        return self.spec.version

    async def aclose(self) -> None:
        for part in (self.llm, self.attributor):
            if part is not None:
                await part.aclose()

    async def grade(self, task: Task, record: TaskRecord) -> tuple[Grade | None, str]:
        """Return the grade of the record's answer and the grader's name; (None, "rule") leaves it to the rules."""
        answer = record.final_answer
        if self.llm is None or not answer.strip():
            return None, "rule"
        if self.spec.mode == "both":
            rule = grade_answer(answer, task.answer, task.aliases, task.answer_kind)
            if rule.verdict == "correct" or rule.method == "abstention":
                return rule, "rule"
        async with self._slot():
            grade = await self.llm.grade(answer, task.answer, task.aliases, task.answer_kind, task.question, label=record.task_id)
        return grade, self.llm.name

    async def judge(self, task: Task, record: TaskRecord) -> Verdict:
        """Grade and attribute one record (steps 1 to 3 of the module docstring)."""
        grade, name = await self.grade(task, record)
        verdict = judge_record(task, record, self.thresholds, grade=grade, judge=name, judge_version=self.version)
        if verdict.failure == "unknown" and self.attributor is not None:
            async with self._slot():
                reading = await self.attributor.attribute(task, record)
            if reading is not None:
                cause, reason = reading
                evidence = f"LLM reading: {reason}" if reason else "LLM reading"
                verdict = verdict.model_copy(update={"failure": cause, "attribution_source": "llm", "evidence": f"{evidence} (signals: {verdict.evidence})"})
        return verdict

    async def judge_all(self, tasks: dict[str, Task], records: Iterable[TaskRecord], run_folder: Path | None = None, setting: str = "") -> list[Verdict]:
        """Judge every record whose task is known, sorted by (task id, epoch); then fill confirmations."""
        known = []
        for record in sorted(records, key=lambda item: item.key):
            if record.task_id in tasks:
                known.append(record)
            else:
                logger.warning("record for unknown task %s is not judged", record.task_id)
        verdicts = list(await asyncio.gather(*(self.judge(tasks[record.task_id], record) for record in known)))
        if run_folder is not None and has_confirmations(run_folder):
            verdicts = await self.confirm(verdicts, tasks, run_folder, setting)
        return verdicts

    async def confirm(self, verdicts: list[Verdict], tasks: dict[str, Task], run_folder: Path, setting: str) -> list[Verdict]:
        """Fill `confirmed` and `confirm_notes` from the run's counterfactual re-runs (step 4)."""
        reruns = load_confirmation_records(run_folder)
        updated = []
        for verdict in verdicts:
            causes = suspected_causes(verdict.failure, verdict.other_failures)
            if verdict.verdict != "incorrect" or verdict.failure == "harness" or not causes:
                updated.append(verdict)
                continue
            task = tasks[verdict.task_id]
            confirmed: dict[str, bool | None] = {}
            notes: dict[str, str] = {}
            for cause in causes:
                rerun = reruns[cause].get((verdict.task_id, verdict.epoch))
                grade = await self._grade_rerun(task, rerun) if rerun is not None else None
                fault = rerun is not None and is_harness_failure(rerun)
                confirmed[cause], notes[cause] = confirmation_entry(cause, task, setting, rerun, grade, fault)
            updated.append(verdict.model_copy(update={"confirmed": confirmed, "confirm_notes": notes}))
        return updated

    async def _grade_rerun(self, task: Task, record: TaskRecord) -> Grade:
        grade, _ = await self.grade(task, record)
        if grade is not None:
            return grade
        if record.final_answer.strip():
            return grade_answer(record.final_answer, task.answer, task.aliases, task.answer_kind)
        return Grade(verdict="incorrect", method="none", reason=f"no answer (status {record.status})")


def run_setting(run_folder: Path) -> str:
    """Return the run's evaluation setting from its manifest ("agentic" when not recorded)."""
    path = Path(run_folder) / "manifest.json"
    if not path.is_file():
        return "agentic"
    return json.loads(path.read_text(encoding="utf-8")).get("setting") or "agentic"


def judge_records(tasks: dict[str, Task], records: Iterable[TaskRecord], judge: "RunJudge | str | JudgeSpec" = "rule", *, run_folder: Path | None = None, **options: Any) -> list[Verdict]:
    """Judge records from synchronous code; see `RunJudge` for `options`.

    Safe to call while an event loop is running (the runner judges from async code): the pass
    then runs on a fresh loop in a worker thread.
    """
    records = list(records)

    async def work() -> list[Verdict]:
        run_judge = judge if isinstance(judge, RunJudge) else RunJudge(judge, **options)
        try:
            setting = run_setting(run_folder) if run_folder is not None else ""
            return await run_judge.judge_all(tasks, records, run_folder, setting)
        finally:
            if not isinstance(judge, RunJudge):
                await run_judge.aclose()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pix2fact-judge") as pool:
        return pool.submit(asyncio.run, work()).result()


def write_verdict_files(store: RunStore, verdicts: list[Verdict], version_slug: str) -> Path:
    """Save a versioned copy under `verdicts/`, then replace `verdicts.jsonl` atomically; return the copy's path."""
    text = "".join(verdict.model_dump_json() + "\n" for verdict in verdicts)
    history = store.folder / VERDICT_HISTORY
    history.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = history / f"{version_slug}__{stamp}.jsonl"
    number = 1
    while path.exists():
        number += 1
        path = history / f"{version_slug}__{stamp}-{number}.jsonl"
    write_atomic(path, text)
    write_atomic(store.folder / VERDICTS, text)
    return path
