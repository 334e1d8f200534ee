"""The runner: a batch of tasks, run concurrently, saved as they finish, resumable.

A run folder is named by a run id. Unless `--run-id` is given, the id is derived from what
decides the results (agent, its options, task set, setting, limits), so running the same
command again finds the same folder and skips the tasks already in it. `--limit` and
`--concurrency` are left out of that id on purpose: a larger `--limit` extends a run.

Tasks that ended in a harness error (a provider outage, a crashed browser), or that a harness
fault left ungraded, run again on resume. Their newer record replaces the old one when the run
is read.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import platform
import re
import signal
import subprocess
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import pix2fact
from pix2fact.agent import Agent
from pix2fact.environment import Environment
from pix2fact.errors import ConfigError
from pix2fact.judge import JUDGE_VERSION, Verdict, judge_record
from pix2fact.loop import Limits, run_task
from pix2fact.plugins import create_agent
from pix2fact.recorded import RecordedResults
from pix2fact.store import VERDICTS, RunStore, write_atomic
from pix2fact.tasks.model import Task, task_set_hash
from pix2fact.toolset import check_setting
from pix2fact.trajectory import HarnessErrorEvent, TaskRecord
from pix2fact.websetup import WebConfig

logger = logging.getLogger(__name__)

RETRIED_STATUSES = ("harness_error",)
TASKS_COPY = "tasks.jsonl"


@dataclass
class RunConfig:
    """Everything `pix2fact run` was asked to do."""

    agent: str = "baseline"
    agent_options: dict[str, Any] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    tasks_source: str = "sample"
    # Hash of the whole task set before --limit/--task-id; it names the run, so that a larger
    # --limit extends the same run. Defaults to the hash of `tasks`.
    full_set_hash: str | None = None
    web_snapshot: Path | None = None
    out: Path = Path("results")
    run_id: str | None = None
    resume: bool = False
    concurrency: int = 4
    epochs: int = 1
    setting: str = "agentic"
    coords: str = "pixels"
    crop_expand: float = 0.0
    limits: Limits = field(default_factory=Limits)
    # A run folder whose recorded tool results answer every tool but answer (pix2fact.recorded).
    tool_results: Path | None = None
    # The web options (`--web`, `--search`, browser settings); None serves `web_snapshot`.
    web: WebConfig | None = None


class Progress(Protocol):
    """Callbacks the runner calls while it works; the CLI draws them with rich."""

    def start(self, total: int, already_done: int) -> None: ...

    def task_done(self, record: TaskRecord, verdict: Verdict) -> None: ...


@dataclass
class RunOutcome:
    """Summary of a finished run: its id, folder, and how many tasks ran or were skipped."""

    run_id: str
    folder: Path
    ran: int
    skipped: int


def default_run_id(config: RunConfig, agent: Agent) -> str:
    """Derive the run id from what decides the results, so the same command resumes."""
    decisive = {
        "agent": config.agent,
        "options": sorted((key, str(value)) for key, value in config.agent_options.items()),
        "tasks": config.full_set_hash or task_set_hash(config.tasks),
        "setting": config.setting,
        "coords": config.coords,
        "crop_expand": config.crop_expand,
        "epochs": config.epochs,
        "limits": config.limits.model_dump(),
    }
    if config.tool_results is not None:
        decisive["tool_results"] = config.tool_results.resolve().name
    if config.web is not None and config.web.mode != "snapshot":
        decisive["web"] = config.web.identity()
    digest = hashlib.sha256(json.dumps(decisive, sort_keys=True, default=str).encode()).hexdigest()[:8]
    parts = [agent.name, agent.model, config.tasks_source, config.setting, digest]
    name = "-".join(part for part in parts if part)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")


def needs_rerun(task: Task, record: TaskRecord) -> bool:
    """Whether resume runs the task again: a harness error, or a harness fault left it ungraded."""
    if record.status in RETRIED_STATUSES:
        return True
    return bool(record.harness_faults) and judge_record(task, record).verdict == "ungradable"


def check_run_id(run_id: str) -> str:
    """Return the run id if it is a plain folder name, so a run can never write outside --out."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", run_id) or ".." in run_id:
        raise ConfigError(f"invalid run id {run_id!r}: use letters, digits, '.', '_' and '-' only, starting with a letter or digit")
    return run_id


@dataclass
class PreparedRun:
    """A run whose folder and manifest exist and whose remaining work is known."""

    config: RunConfig
    run_id: str
    store: RunStore
    manifest: dict[str, Any]
    pending: list[tuple[Task, int]]
    finished: list[TaskRecord]
    image_limits: Any


def prepare_run(config: RunConfig) -> PreparedRun:
    """Create or reopen the run folder and work out which tasks are left to run."""
    check_setting(config.setting)
    if not config.tasks:
        raise ConfigError("no tasks to run; check --tasks and --limit")

    if config.run_id:
        check_run_id(config.run_id)
    if config.resume and not RunStore(config.out / (config.run_id or "")).exists():
        raise ConfigError(f"cannot resume {config.run_id!r}: no run folder at {config.out / (config.run_id or '')}; drop --resume to start it")

    probe = create_agent(config.agent, config.agent_options)
    run_id = check_run_id(config.run_id) if config.run_id else default_run_id(config, probe)
    store = RunStore(config.out / run_id)

    manifest = _prepare_manifest(store, config, probe, run_id)
    loaded = store.load_records()
    tasks_by_id = {task.id: task for task in config.tasks}
    finished = [record for record in loaded.records if record.task_id in tasks_by_id and not needs_rerun(tasks_by_id[record.task_id], record)]
    done = {record.key for record in finished}
    pending = [(task, epoch) for epoch in range(1, config.epochs + 1) for task in config.tasks if (task.id, epoch) not in done]
    if finished:
        logger.info("run %s: %d task(s) already finished, %d to run", run_id, len(finished), len(pending))
    return PreparedRun(config, run_id, store, manifest, pending, finished, probe.image_limits)


async def execute_run(prepared: PreparedRun, progress: Progress | None = None, judge: Any = "rule") -> RunOutcome:
    """Run the pending tasks, then judge the whole run. Finished tasks stay saved if interrupted.

    An interrupted run is judged with the rules only, so Ctrl-C never waits on an LLM judge.
    """
    config = prepared.config
    tasks_by_id = {task.id: task for task in config.tasks}
    if progress:
        progress.start(total=len(config.tasks) * config.epochs, already_done=len(prepared.finished))
        for record in prepared.finished:
            progress.task_done(record, judge_record(tasks_by_id[record.task_id], record))

    interrupted = True
    ran = 0
    logger.info("run %s: starting %d task(s) with agent %s, concurrency %d", prepared.run_id, len(prepared.pending), config.agent, config.concurrency)
    try:
        ran = await _run_pending(config, prepared.store, prepared.pending, progress)
        interrupted = False
    finally:
        saved = len(prepared.store.load_records().records)
        logger.info("run %s: %s; %d task(s) saved in %s", prepared.run_id, "interrupted" if interrupted else "finished", saved, prepared.store.folder)
        prepared.manifest["finished_at"] = datetime.now(timezone.utc).isoformat()
        prepared.manifest["status"] = "interrupted" if interrupted else "finished"
        prepared.store.write_manifest(prepared.manifest)
        judge_run(prepared.store, "rule" if interrupted else judge)

    return RunOutcome(run_id=prepared.run_id, folder=prepared.store.folder, ran=ran, skipped=len(prepared.finished))


async def run(config: RunConfig, progress: Progress | None = None) -> RunOutcome:
    """Prepare and execute a run in one call (the API behind `pix2fact run`)."""
    return await execute_run(prepare_run(config), progress)


async def _run_pending(config: RunConfig, store: RunStore, pending: list[tuple[Task, int]], progress: Progress | None) -> int:
    queue: asyncio.Queue[tuple[Task, int]] = asyncio.Queue()
    for item in pending:
        queue.put_nowait(item)
    finished = 0
    stop = _StopOnInterrupt()

    async def worker(environment: Environment) -> None:
        nonlocal finished
        while not queue.empty() and not stop.requested:
            task, epoch = queue.get_nowait()
            agent = create_agent(config.agent, config.agent_options)
            try:
                async with environment.toolset(
                    task,
                    setting=config.setting,
                    limits=agent.image_limits,
                    coords=config.coords,
                    crop_expand=config.crop_expand,
                ) as toolset:
                    record = await run_task(task, agent, toolset, store, config.limits, epoch=epoch)
            except Exception as error:  # the task's set-up failed (a bad image, a dead browser)
                logger.error("task %s: could not start: %s: %s", task.id, type(error).__name__, error)
                record = setup_failure_record(task, epoch, error)
            store.append_record(record)
            finished += 1
            verdict = judge_record(task, record)
            logger.info("task %s (epoch %d): %s, %s in %.1f s", task.id, epoch, record.status, verdict.verdict, record.duration_s)
            if progress:
                progress.task_done(record, verdict)

    with stop:
        async with _environment(config, store.folder) as environment:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(config.concurrency, len(pending))):
                    group.create_task(worker(environment))
    if stop.requested:
        raise KeyboardInterrupt
    return finished


class _StopOnInterrupt:
    """Turn Ctrl-C into "start no new task, cancel the running ones".

    Ctrl-C in a terminal also reaches Chromium and the Playwright driver, whose failures can
    swallow the cancellation of a running task. Without this flag the workers would then go on
    and record every remaining task as a harness error instead of stopping.
    """

    def __init__(self) -> None:
        self.requested = False
        self._installed = False

    def __enter__(self) -> "_StopOnInterrupt":
        loop = asyncio.get_running_loop()
        main = asyncio.current_task()

        def interrupt() -> None:
            self.requested = True
            if main is not None:
                main.cancel()

        try:
            loop.add_signal_handler(signal.SIGINT, interrupt)
            self._installed = True
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            pass
        return self

    def __exit__(self, *exc_info) -> None:
        if self._installed:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)


def setup_failure_record(task: Task, epoch: int, error: Exception) -> TaskRecord:
    """Record a task whose tools could not be set up: a harness error, retried on resume."""
    now = datetime.now(timezone.utc).isoformat()
    message = f"{type(error).__name__}: {error}"
    return TaskRecord(
        task_id=task.id,
        epoch=epoch,
        question=task.question,
        category=task.category,
        status="harness_error",
        events=[HarnessErrorEvent(step=0, kind="setup", message=message)],
        started_at=now,
        finished_at=now,
        duration_s=0.0,
        error=message,
    )


def _environment(config: RunConfig, run_folder: Path | None = None) -> Environment:
    from pix2fact.tasks.sample import ensure_sample

    recorded = RecordedResults.load(config.tool_results) if config.tool_results is not None else None
    if config.web is not None and config.web.mode != "snapshot":
        return Environment.from_web_config(config.web, run_folder, recorded=recorded)
    folder = config.web_snapshot or ensure_sample() / "web"
    if config.web is not None:
        return Environment.from_web_config(replace(config.web, path=folder), run_folder, recorded=recorded)
    return Environment.from_snapshot(folder, recorded=recorded)


def judge_run(store: RunStore, judge: Any = "rule", **options: Any) -> list[Verdict]:
    """Grade every record of the run against the run's copy of its tasks; write the verdict files.

    Args:
        store: The run folder.
        judge: A `--judge` value ("rule", "llm:PROVIDER[:MODEL]", "both:PROVIDER[:MODEL]"), a
            `JudgeSpec`, or a ready `pix2fact.judge.batch.RunJudge`.
        **options: `RunJudge` options: cache_dir, llm_attribution, thresholds.

    Writes `verdicts/VERSION__UTCSTAMP.jsonl` and replaces verdicts.jsonl atomically with it.
    """
    from pix2fact.judge.batch import RunJudge, judge_records, write_verdict_files
    from pix2fact.judge.spec import JudgeSpec

    tasks = {task.id: task for task in read_run_tasks(store)}
    records = store.load_records().records
    verdicts = judge_records(tasks, records, judge, run_folder=store.folder, **options)
    version = judge.spec if isinstance(judge, RunJudge) else JudgeSpec.parse(judge)
    path = write_verdict_files(store, verdicts, version.slug)
    logger.info("run %s: %d verdict(s) by judge %s in %s and %s", store.folder.name, len(verdicts), version.version, path.name, VERDICTS)
    return verdicts


def read_run_tasks(store: RunStore) -> list[Task]:
    path = store.folder / TASKS_COPY
    if not path.exists():
        return []
    return [Task.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _prepare_manifest(store: RunStore, config: RunConfig, agent: Agent, run_id: str) -> dict[str, Any]:
    """Create the run folder and its manifest, or check that an existing one matches."""
    fresh = {
        "run_id": run_id,
        "agent": config.agent,
        "agent_name": agent.name,
        "agent_config": agent.config(),
        "agent_options": redact_options(config.agent_options),
        "model": agent.model,
        "setting": config.setting,
        "coords": config.coords,
        "crop_expand": config.crop_expand,
        "epochs": config.epochs,
        "limits": config.limits.model_dump(),
        "image_limits": agent.image_limits.model_dump(),
        "web": str(Path(config.web_snapshot).resolve()) if config.web_snapshot else None,
        "tool_results": str(config.tool_results.resolve()) if config.tool_results else None,
        "web_options": config.web.describe() if config.web is not None else None,
        "tasks": {"source": config.tasks_source, "hash": task_set_hash(config.tasks), "count": len(config.tasks)},
        "pix2fact_version": pix2fact.__version__,
        "judge_version": JUDGE_VERSION,
        "git_revision": _git_revision(),
        "python": platform.python_version(),
    }

    if store.exists():
        manifest = store.read_manifest()
        for key in ("agent", "agent_options", "setting", "coords", "crop_expand", "epochs", "limits"):
            if key not in manifest:  # a manifest written before this key was recorded
                continue
            if manifest.get(key) != fresh[key]:
                raise ConfigError(
                    f"run {run_id!r} in {store.folder} was made with {key}={manifest.get(key)!r}, not {fresh[key]!r}; "
                    "pick another --run-id or remove that folder"
                )
        manifest["resumed_at"] = datetime.now(timezone.utc).isoformat()
    elif store.trajectories_path.exists():
        raise ConfigError(
            f"{store.folder} has trajectories but no manifest.json, so it cannot be checked against this run; "
            "restore the manifest, or pick another --run-id or --out"
        )
    else:
        store.create()
        manifest = {**fresh, "started_at": datetime.now(timezone.utc).isoformat()}

    _merge_tasks_copy(store, config.tasks)
    manifest["tasks"]["count"] = len(read_run_tasks(store))
    store.write_manifest(manifest)
    return manifest


# Option names that may carry a credential; their values never reach the manifest.
_SECRET_NAME = re.compile(r"key|token|secret|password|credential|auth", re.IGNORECASE)


def redact_options(options: dict[str, Any]) -> dict[str, str]:
    """Return the agent options as given on the command line, with credential-like values hidden."""
    return {name: "<redacted>" if _SECRET_NAME.search(name) else str(value) for name, value in sorted(options.items())}


def _merge_tasks_copy(store: RunStore, tasks: list[Task]) -> None:
    """Keep a copy of every task the run has seen, so the judge can re-grade it from the folder alone."""
    merged = {task.id: task for task in read_run_tasks(store)}
    merged.update({task.id: task for task in tasks})
    text = "".join(merged[key].model_dump_json() + "\n" for key in sorted(merged))
    write_atomic(store.folder / TASKS_COPY, text)


def _git_revision() -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(pix2fact.__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() or None if completed.returncode == 0 else None
