"""Exporting a run: the benchmark's own CSV layout, or one JSON object per task.

`official-csv` writes what the Pix2Fact reference scripts read, so their judge can grade our runs.
The columns come from the scripts in github.com/Pix2FactEval/pix2fact_eval:
`src/inference_openrouter_with_search_v2.py` writes the task columns, `model_output` (the model's
JSON text, or "ERROR: ..." when no answer could be produced) and `response_observation`,
`response_search_plan`, `response_search_query` (JSON lists as text),
`response_comprehensive_answer`, `response_final_answer` and `response_is_error`;
`src/judge_openrouter.py` grades `response_final_answer` (with `response_comprehensive_answer`)
and falls back to the "Final Answer" key of `model_output`.

Rows follow the records of the run, one per task and epoch; an `epoch` column is added only when
the run has more than one epoch. A task that ended in a harness error gets "ERROR: ..." like a
failed API call there; a task that ended without an answer gets an empty "Final Answer".
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pix2fact.errors import ConfigError
from pix2fact.judge import judge_record
from pix2fact.runner import read_run_tasks
from pix2fact.store import VERDICTS, RunStore
from pix2fact.tasks.model import Task
from pix2fact.trajectory import TaskRecord

FORMATS = ("official-csv", "jsonl")

# The current release's task columns, in the order the task loader documents them.
TASK_COLUMNS = (
    "index", "question", "answer", "local_image_path", "search_query", "bounding_box",
    "evidence_1", "evidence_2", "evidence_3", "evidence_url_1", "evidence_url_2", "evidence_url_3",
    "category", "image_resolution",
)
RESPONSE_COLUMNS = (
    "model_output", "response_observation", "response_search_plan", "response_search_query",
    "response_comprehensive_answer", "response_final_answer", "response_is_error",
)
HARNESS_STATUSES = ("harness_error", "context_length")


def check_format(name: str) -> str:
    if name not in FORMATS:
        raise ConfigError(f"unknown export format {name!r}; choose one of: {', '.join(FORMATS)}")
    return name


def export_run(folder: Path, fmt: str, *, images: Path | None = None) -> tuple[str, int]:
    """Return the run exported as text in `fmt`, and the number of rows.

    Args:
        folder: The run folder.
        fmt: "official-csv" or "jsonl".
        images: Write `local_image_path` relative to this folder (official-csv); absolute when None.

    Raises:
        ConfigError: an unknown format, or a folder that is not a run folder.
    """
    check_format(fmt)
    store = RunStore(folder)
    store.read_manifest()
    records = sorted(store.load_records().records, key=lambda record: record.key)
    tasks = {task.id: task for task in read_run_tasks(store)}

    if fmt == "jsonl":
        verdicts = _verdicts(store, records, tasks)
        lines = [json.dumps(jsonl_row(record, tasks.get(record.task_id), verdicts.get(record.key)), ensure_ascii=False) for record in records]
        return "".join(line + "\n" for line in lines), len(records)

    several_epochs = any(record.epoch > 1 for record in records)
    columns = list(TASK_COLUMNS) + (["epoch"] if several_epochs else []) + list(RESPONSE_COLUMNS)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = task_columns(tasks.get(record.task_id), record, images)
        if several_epochs:
            row["epoch"] = record.epoch
        row.update(response_columns(record))
        writer.writerow(row)
    return buffer.getvalue(), len(records)


def task_columns(task: Task | None, record: TaskRecord, images: Path | None) -> dict[str, Any]:
    """Return the current release's task columns; from the record alone when the task copy lacks it."""
    if task is None:
        return {"index": record.task_id, "question": record.question, "category": record.category}

    image = task.image
    if images is not None and image.is_relative_to(images.resolve()):
        image = image.relative_to(images.resolve())
    row: dict[str, Any] = {
        "index": task.id,
        "question": task.question,
        "answer": task.answer,
        "local_image_path": str(image),
        "search_query": task.search_query,
        "bounding_box": _bounding_box(task),
        "category": task.category,
        "image_resolution": f"{task.resolution[0]}x{task.resolution[1]}" if task.resolution else "",
    }
    for number in (1, 2, 3):
        row[f"evidence_{number}"] = task.evidence[number - 1] if len(task.evidence) >= number else ""
        row[f"evidence_url_{number}"] = task.evidence_urls[number - 1] if len(task.evidence_urls) >= number else ""
    return row


def _bounding_box(task: Task) -> str:
    """Write the regions as the release does: a Python literal of corner points in pixels."""
    if not task.regions:
        return ""

    def point(xy: tuple[float, float]) -> dict[str, float | int]:
        return {"x": _number(xy[0]), "y": _number(xy[1])}

    items = []
    for region in task.regions:
        item: dict[str, Any] = {"region": {"tl": point(region.tl), "tr": point(region.tr), "bl": point(region.bl), "br": point(region.br)}}
        if region.label:
            item["label"] = region.label
        items.append(item)
    return repr(items)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def model_output(record: TaskRecord) -> str:
    """Return the answer as the benchmark's JSON object with its five keys, or "ERROR: ..." for harness errors."""
    if record.answer is None and (record.status in HARNESS_STATUSES or record.error):
        return f"ERROR: {record.error or record.status}"

    answer = record.answer
    output = {
        "Observation": answer.observation if answer else "",
        "Search Plan": _plan_steps(answer.search_plan) if answer else [],
        "Search Query": list(answer.search_queries) if answer else [],
        "Comprehensive Answer": answer.comprehensive_answer if answer else "",
        "Final Answer": answer.final_answer if answer else "",
    }
    return json.dumps(output, ensure_ascii=False)


def response_columns(record: TaskRecord) -> dict[str, Any]:
    """Return `model_output` and the `response_*` columns of one record."""
    answer = record.answer
    return {
        "model_output": model_output(record),
        "response_observation": answer.observation if answer else "",
        "response_search_plan": json.dumps(_plan_steps(answer.search_plan) if answer else [], ensure_ascii=False),
        "response_search_query": json.dumps(list(answer.search_queries) if answer else [], ensure_ascii=False),
        "response_comprehensive_answer": answer.comprehensive_answer if answer else "",
        "response_final_answer": answer.final_answer if answer else "",
        "response_is_error": model_output(record).startswith("ERROR:"),
    }


def _plan_steps(plan: str) -> list[str]:
    """Split our one-string search plan into the benchmark's list of steps, one per line."""
    return [line.strip() for line in plan.splitlines() if line.strip()]


def jsonl_row(record: TaskRecord, task: Task | None, verdict: dict[str, Any] | None) -> dict[str, Any]:
    """Return one task's answer fields, verdict and failure class as a flat object."""
    answer = record.answer
    verdict = verdict or {}
    return {
        "task_id": record.task_id,
        "epoch": record.epoch,
        "question": record.question,
        "category": record.category,
        "status": record.status,
        "final_answer": answer.final_answer if answer else None,
        "observation": answer.observation if answer else "",
        "search_plan": answer.search_plan if answer else "",
        "search_queries": list(answer.search_queries) if answer else [],
        "comprehensive_answer": answer.comprehensive_answer if answer else "",
        "gold": task.answer if task else None,
        "verdict": verdict.get("verdict"),
        "failure": verdict.get("failure"),
        "other_failures": verdict.get("other_failures", []),
        "evidence": verdict.get("evidence", ""),
        "reason": verdict.get("reason", ""),
        "steps": record.steps,
        "input_tokens": record.usage.input_tokens,
        "output_tokens": record.usage.output_tokens,
        "duration_s": record.duration_s,
        "error": record.error,
    }


def _verdicts(store: RunStore, records: list[TaskRecord], tasks: dict[str, Task]) -> dict[tuple[str, int], dict[str, Any]]:
    """Read verdicts.jsonl, judging in memory the records it lacks (nothing is written)."""
    verdicts = {(row["task_id"], row.get("epoch", 1)): row for row in store.read_jsonl(VERDICTS)}
    for record in records:
        if record.key not in verdicts and record.task_id in tasks:
            verdicts[record.key] = judge_record(tasks[record.task_id], record).model_dump(mode="json")
    return verdicts
