"""`pix2fact show`: print one saved trajectory step by step, with its verdict.

The rendering functions here are shared with `pix2fact replay`, which prints the same panels one
step at a time.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.text import Text

from pix2fact.errors import ConfigError
from pix2fact.store import VERDICTS, RunStore
from pix2fact.trajectory import Event, HarnessErrorEvent, LimitEvent, ModelTurnEvent, TaskRecord, ToolEvent

TEXT_PREVIEW = 600  # characters of a tool result shown; the full text is in trajectories.jsonl

# Facts from `ToolEvent.data` shown under a tool result, in this order, when the tool recorded them.
DATA_KEYS = ("box", "output_size", "zoom", "query", "provider", "count", "url", "status", "title", "page", "pages", "matches")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("show", help="print one trajectory step by step", description=__doc__)
    parser.add_argument("run", type=Path, metavar="RUN_DIR", help="a run folder under results/")
    parser.add_argument("task_id", metavar="TASK_ID", help="the task to show")
    parser.add_argument("--epoch", type=int, default=1, help="which epoch of the task (default: 1)")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace, console: Console) -> int:
    store = RunStore(args.run)
    store.read_manifest()
    record = find_record(store, args.task_id, args.epoch)
    print_record(record, find_verdict(store, record), console)
    return 0


def find_record(store: RunStore, task_id: str, epoch: int = 1) -> TaskRecord:
    records = store.load_records().records
    for record in records:
        if record.task_id == task_id and record.epoch == epoch:
            return record
    known = ", ".join(sorted({record.task_id for record in records})[:8]) or "none"
    raise ConfigError(f"task {task_id!r} (epoch {epoch}) is not in {store.folder}; finished tasks include: {known}")


def find_verdict(store: RunStore, record: TaskRecord) -> dict[str, Any] | None:
    """Return the verdict row of `record` from verdicts.jsonl, or None when it was not judged."""
    rows = store.read_jsonl(VERDICTS)
    return next((row for row in rows if row["task_id"] == record.task_id and row.get("epoch", 1) == record.epoch), None)


def print_record(record: TaskRecord, verdict: dict | None, console: Console) -> None:
    """Print the header, every event and the verdict of one trajectory."""
    print_header(record, console)
    for event in record.events:
        console.print(render_event(event))
    print_verdict(record, verdict, console)


def print_header(record: TaskRecord, console: Console) -> None:
    console.rule(f"[bold]{record.task_id}[/] · {record.category or 'no category'} · {record.status}")
    console.print(Text(record.question), style="italic")
    if record.image_size:
        first = record.overview
        shown = f"{first.width}x{first.height} px, {first.path}" if first else "-"
        console.print(f"image {record.image_size[0]}x{record.image_size[1]} px; first image shown to the agent: {shown}", highlight=False)


def render_event(event: Event) -> RenderableType:
    """Return one event as a panel (model turns, tool results) or a line (limits, harness errors)."""
    if isinstance(event, ModelTurnEvent):
        usage = event.usage
        header = f"step {event.step} · model turn · {usage.input_tokens} in / {usage.output_tokens} out tokens · {event.duration_s:.2f} s"
        body = event.text.strip() or "(no text)"
        calls = "\n".join(f"→ {call.name}({call.raw_arguments if call.arguments is None else call.arguments})" for call in event.tool_calls)
        return Panel(Text(body + ("\n" + calls if calls else "")), title=header, title_align="left", border_style="cyan")
    if isinstance(event, ToolEvent):
        return _tool_panel(event)
    if isinstance(event, LimitEvent):
        return Text.from_markup(f"[yellow]limit reached:[/] {event.limit} = {event.value:g}")
    return Text.from_markup(f"[red]harness error ({event.kind}):[/] ") + Text(event.message)


def print_verdict(record: TaskRecord, verdict: dict | None, console: Console) -> None:
    answer = record.answer.final_answer if record.answer else "(none)"
    console.print(f"[bold]final answer:[/] {answer}", highlight=False)
    if verdict:
        failure = f" · failure: {verdict.get('failure')}" if verdict.get("failure") else ""
        console.print(f"[bold]verdict:[/] {verdict['verdict']}{failure}", highlight=False)
        if verdict.get("evidence"):
            console.print(f"[bold]evidence:[/] {verdict['evidence']}", highlight=False)
        console.print(f"[dim]{verdict.get('reason', '')}[/]", highlight=False)


def _tool_panel(event: ToolEvent) -> Panel:
    lines = []
    if event.error:
        lines.append(f"error ({event.fault}): {event.error}")
    text = event.text.strip()
    if text:
        lines.append(text[:TEXT_PREVIEW] + (" …" if len(text) > TEXT_PREVIEW else ""))
    for image in event.images:
        lines.append(f"image {image.width}x{image.height} px: {image.path}")
    for key in DATA_KEYS:
        if event.data.get(key) is not None:
            lines.append(f"{key}: {event.data[key]}")

    style = "red" if event.error else "green"
    title = f"step {event.step} · {event.name} · {event.duration_s:.2f} s"
    return Panel(Text("\n".join(lines) or "(empty result)"), title=title, title_align="left", border_style=style)
