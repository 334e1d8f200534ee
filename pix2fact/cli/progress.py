"""Progress of a run in the terminal: a rich bar, or one plain line per task when piped."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pix2fact.judge import Verdict
from pix2fact.trajectory import TaskRecord


class RunProgress:
    """Shows tasks done, accuracy so far and errors. Implements the runner's Progress protocol."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.correct = 0
        self.graded = 0
        self.errors = 0
        self._bar: Progress | None = None
        self._task_id = None

    def __enter__(self) -> "RunProgress":
        if self.console.is_terminal:
            self._bar = Progress(
                TextColumn("[bold]tasks"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[score]}"),
                TimeElapsedColumn(),
                console=self.console,
            )
            self._bar.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc_info)

    def start(self, total: int, already_done: int) -> None:
        if self._bar is not None:
            self._task_id = self._bar.add_task("tasks", total=total, completed=0, score=self._score())

    def task_done(self, record: TaskRecord, verdict: Verdict) -> None:
        if verdict.verdict in ("correct", "incorrect"):
            self.graded += 1
            self.correct += verdict.verdict == "correct"
        if record.status in ("harness_error", "context_length") or record.harness_faults:
            self.errors += 1

        if self._bar is not None and self._task_id is not None:
            self._bar.update(self._task_id, advance=1, score=self._score())
        else:
            line = f"{record.task_id}: {verdict.verdict} ({record.status}, {record.steps} steps, {record.duration_s:.1f} s)  {self._score()}"
            self.console.print(line, highlight=False, soft_wrap=True)
        if record.error and self._bar is None:
            self.console.print(f"  {record.task_id}: {record.error}", highlight=False, soft_wrap=True)
        elif record.error:
            self._bar.console.print(f"{record.task_id}: {record.status}: {record.error}", highlight=False, soft_wrap=True)

    def _score(self) -> str:
        accuracy = f"{self.correct / self.graded:.0%}" if self.graded else "-"
        return f"accuracy {accuracy} ({self.correct}/{self.graded})  errors {self.errors}"
