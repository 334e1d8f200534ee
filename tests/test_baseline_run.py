"""The baseline end to end: through the command line, and blind to the annotations it must not see."""

from __future__ import annotations

import json

import pytest

from pix2fact.agents.baseline import BaselineAgent
from pix2fact.environment import Environment
from pix2fact.loop import Limits, run_task
from pix2fact.store import RunStore
from pix2fact.tasks.loaders import load_tasks
from pix2fact.tasks.model import Box, Region

# A fact on a subpage behind a link, and a fact written by JavaScript; both ask for following
# links in the real browser. sample-011 also has a look-alike entity that search ranks first.
CLI_TASKS = ("sample-002", "sample-011")
BLIND_TASK = "sample-003"


def test_cli_run_crops_searches_browses_answers(cli, tmp_path, sample_dir):
    arguments = ["run", "--agent", "baseline", "--concurrency", "2", "--out", tmp_path]
    for task_id in CLI_TASKS:
        arguments += ["--task-id", task_id]

    result = cli(*arguments)

    assert result.code == 0, result.output
    folder = next(child for child in tmp_path.iterdir() if (child / "manifest.json").is_file())
    records = RunStore(folder).load_records().records
    assert sorted(record.task_id for record in records) == sorted(CLI_TASKS)
    for record in records:
        names = [event.name for event in record.tool_events()]
        assert record.status == "answered", record.error
        assert "crop" in names, names
        assert "web_search" in names, names
        assert "open_url" in names, names
        assert names[-1] == "answer", names
        assert record.answer.search_queries, record.answer
        assert record.answer.observation, record.answer
    verdicts = [json.loads(line) for line in (folder / "verdicts.jsonl").read_text().splitlines()]
    assert [verdict["verdict"] for verdict in verdicts] == ["correct"] * len(CLI_TASKS), verdicts


def scrambled(task):
    """Return a copy of the task whose every annotation is replaced with a wrong one."""
    return task.model_copy(
        update={
            "answer": "Scrambled 0000",
            "aliases": ["nothing at all"],
            "regions": [Region.from_box(Box(left=1, top=1, right=40, bottom=30), label="scrambled")],
            "search_query": "unrelated words",
            "evidence": ["The panel reads \"Someone Else\"."],
            "evidence_urls": ["https://unrelated.example/"],
        }
    )


@pytest.fixture
async def environment(sample_dir):
    async with Environment.from_snapshot(sample_dir / "web") as env:
        yield env


async def run_baseline(environment, task, folder, setting="agentic"):
    agent = BaselineAgent()
    async with environment.toolset(task, setting=setting, limits=agent.image_limits) as toolset:
        return await run_task(task, agent, toolset, RunStore(folder), Limits())


def load_task(sample_dir, task_id):
    return next(task for task in load_tasks(sample_dir / "tasks.jsonl", images_dir=sample_dir) if task.id == task_id)


async def test_baseline_ignores_annotations(environment, sample_dir, tmp_path):
    task = load_task(sample_dir, BLIND_TASK)
    blind = scrambled(task)
    assert blind.answer != task.answer
    assert blind.regions != task.regions

    original = await run_baseline(environment, task, tmp_path / "original")
    other = await run_baseline(environment, blind, tmp_path / "scrambled")

    calls = [(event.name, event.arguments) for event in original.tool_events()]
    assert calls == [(event.name, event.arguments) for event in other.tool_events()]
    assert {name for name, _ in calls} >= {"crop", "web_search", "open_url", "answer"}
    assert original.answer is not None
    assert original.answer.final_answer == other.answer.final_answer
    assert original.answer.final_answer == task.answer


async def test_baseline_reads_region_without_crop(environment, sample_dir, tmp_path):
    task = load_task(sample_dir, BLIND_TASK)

    record = await run_baseline(environment, task, tmp_path, setting="c4")

    names = [event.name for event in record.tool_events()]
    assert "crop" not in names, names
    assert "web_search" in names, names
    assert record.answer.final_answer == task.answer, record.answer
