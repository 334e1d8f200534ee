"""`pix2fact run`, `show`, `judge` and `leaderboard` in-process on real sample tasks, and resume after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pix2fact.store import RunStore

from agents_for_tests import LOOK_THEN_ANSWER as TEST_AGENT




def run_folder(out: Path) -> Path:
    folders = [child for child in out.iterdir() if (child / "manifest.json").is_file()]
    assert len(folders) == 1, folders
    return folders[0]


def test_run_saves_trajectories_crops_and_verdicts(cli, tmp_path, sample_dir):
    result = cli("run", "--agent", TEST_AGENT, "--limit", "3", "--concurrency", "2", "--out", tmp_path)

    assert result.code == 0, result.output
    assert "Scores" in result.output
    folder = run_folder(tmp_path)
    store = RunStore(folder)
    records = store.load_records().records
    assert len(records) == 3
    assert all(record.status == "answered" for record in records)
    crop_events = [event for record in records for event in record.tool_events("crop")]
    assert len(crop_events) == 3
    for event in crop_events:
        assert (folder / event.images[0].path).is_file()
        assert "base64" not in (folder / "trajectories.jsonl").read_text()
    assert len(store.read_jsonl("verdicts.jsonl")) == 3
    manifest = store.read_manifest()
    assert manifest["status"] == "finished"
    assert manifest["tasks"]["count"] == 3
    assert (folder / "run.log").is_file()


def test_same_command_skips_finished_tasks_and_limit_extends(cli, tmp_path, sample_dir):
    arguments = ["run", "--agent", TEST_AGENT, "--limit", "2", "--out", tmp_path]
    assert cli(*arguments).code == 0

    again = cli(*arguments)
    assert again.code == 0
    assert "0 task(s) to run, 2 already finished" in again.output

    extended = cli("run", "--agent", TEST_AGENT, "--limit", "3", "--out", tmp_path)
    assert "1 task(s) to run, 2 already finished" in extended.output
    lines = (run_folder(tmp_path) / "trajectories.jsonl").read_text().splitlines()
    assert len(lines) == 3
    assert len({json.loads(line)["task_id"] for line in lines}) == 3


def test_show_leaderboard_and_judge_read_the_folder(cli, tmp_path, sample_dir):
    assert cli("run", "--agent", TEST_AGENT, "--limit", "2", "--out", tmp_path).code == 0
    folder = run_folder(tmp_path)
    task_id = RunStore(folder).load_records().records[0].task_id

    shown = cli("show", folder, task_id)
    assert shown.code == 0
    assert "crop" in shown.output
    assert "verdict:" in shown.output
    assert "final answer: 555-0100" in shown.output

    board = cli("leaderboard", tmp_path)
    assert board.code == 0
    assert "look-then-answer" in board.output

    as_json = cli("leaderboard", folder, "--format", "json")
    rows = json.loads(as_json.output)
    assert rows[0]["finished"] == 2
    assert cli("leaderboard", folder, "--format", "csv").output.splitlines()[0].startswith("run,agent,model")
    assert cli("leaderboard", folder, "--format", "markdown").output.startswith("| run |")

    rejudged = cli("judge", folder)
    assert rejudged.code == 0
    assert "graded 2 task(s)" in rejudged.output


@pytest.mark.parametrize(
    "arguments, message",
    [
        pytest.param(["run", "--tasks", "no/such/file.csv"], "task file not found: no/such/file.csv", id="missing-task-file"),
        pytest.param(["run", "--agent", "nope"], "unknown agent 'nope'", id="unknown-agent"),
        pytest.param(["run", "--concurrency", "0"], "--concurrency must be at least 1, got 0", id="zero-concurrency"),
        pytest.param(["run", "--limit", "0"], "--limit must be at least 1, got 0", id="zero-limit"),
        pytest.param(["run", "--crop-expand", "3"], "--crop-expand is a fraction", id="bad-crop-expand"),
        pytest.param(["run", "--resume", "never-made"], "cannot resume 'never-made'", id="resume-missing"),
        pytest.param(["run", "-A", "novalue"], "write it as -A key=value", id="bad-agent-option"),
        pytest.param(["run", "-A", "max_links=abc"], "invalid option value", id="bad-agent-option-value"),
        pytest.param(["run", "--run-id", "../../escape"], "invalid run id '../../escape'", id="run-id-escapes-out"),
        pytest.param(["run", "--max-tokens", "0"], "--max-tokens must be at least 1, got 0", id="zero-max-tokens"),
        pytest.param(["show", "no/such/run", "t1"], "not a run folder", id="show-missing-run"),
        pytest.param(["leaderboard", "no/such/run"], "not a run folder", id="leaderboard-missing-run"),
    ],
)
def test_bad_input_is_one_clear_line(cli, tmp_path, sample_dir, arguments, message):
    result = cli(*arguments, *(["--out", tmp_path] if arguments[0] == "run" else []))

    assert result.code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_show_unknown_task_lists_known_ones(cli, tmp_path, sample_dir):
    assert cli("run", "--agent", TEST_AGENT, "--limit", "1", "--out", tmp_path).code == 0

    result = cli("show", run_folder(tmp_path), "no-such-task")

    assert result.code == 2
    assert "finished tasks include" in result.output


@pytest.mark.slow
def test_sigkill_mid_run_resumes_without_loss_or_duplicates(tmp_path, sample_dir):
    command = [
        sys.executable, "-m", "pix2fact", "run", "--agent", TEST_AGENT, "-A", "delay=0.3",
        "--limit", "6", "--concurrency", "2", "--out", str(tmp_path), "--run-id", "killed",
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    trajectories = tmp_path / "killed" / "trajectories.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if trajectories.exists() and len(trajectories.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    text = trajectories.read_text()
    before = text[: text.rfind("\n") + 1].splitlines()  # a line cut by the kill is not finished
    assert 2 <= len(before) < 6, "the kill should land mid-run"
    finished_before = [json.loads(line)["task_id"] for line in before]

    resumed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]

    after = trajectories.read_text().splitlines()
    task_ids = [json.loads(line)["task_id"] for line in after]
    assert len(task_ids) == 6
    assert len(set(task_ids)) == 6
    assert after[: len(before)] == before, "finished records must not be rewritten"
    assert f"{len(finished_before)} already finished" in resumed.stdout


def test_manifest_keeps_agent_options(cli, tmp_path, sample_dir):
    result = cli("run", "--agent", TEST_AGENT, "-A", "reply=42", "--limit", "1", "--out", tmp_path)

    assert result.code == 0, result.output
    manifest = RunStore(run_folder(tmp_path)).read_manifest()
    assert manifest["agent_options"] == {"reply": "42"}


def test_redact_options_hides_credentials():
    from pix2fact.runner import redact_options

    shown = redact_options({"api_key": "sk-secret", "AUTH_TOKEN": "t", "temperature": 0.2})

    assert shown == {"AUTH_TOKEN": "<redacted>", "api_key": "<redacted>", "temperature": "0.2"}


def test_folder_without_manifest_is_not_reused(cli, tmp_path, sample_dir):
    assert cli("run", "--agent", TEST_AGENT, "--limit", "1", "--out", tmp_path, "--run-id", "r").code == 0
    (tmp_path / "r" / "manifest.json").unlink()

    result = cli("run", "--agent", TEST_AGENT, "--limit", "2", "--out", tmp_path, "--run-id", "r")

    assert result.code == 2
    assert "has trajectories but no manifest.json" in result.output
    assert len((tmp_path / "r" / "trajectories.jsonl").read_text().splitlines()) == 1


def test_changed_options_under_same_run_id_are_rejected(cli, tmp_path, sample_dir):
    assert cli("run", "--agent", TEST_AGENT, "--limit", "1", "--out", tmp_path, "--run-id", "r").code == 0

    result = cli("run", "--agent", TEST_AGENT, "--max-steps", "3", "--limit", "1", "--out", tmp_path, "--run-id", "r")

    assert result.code == 2
    assert "was made with limits=" in result.output


def test_agent_exception_counts_against_the_agent(cli, tmp_path, sample_dir):
    agent_file = tmp_path / "crashing.py"
    agent_file.write_text(
        "from pix2fact.agent import Agent\n\n"
        "class Crashing(Agent):\n"
        "    name = 'crashing'\n\n"
        "    async def step(self, results):\n"
        "        raise ValueError('bug in my agent')\n"
    )

    result = cli("run", "--agent", f"{agent_file}:Crashing", "--limit", "1", "--out", tmp_path / "out")

    assert result.code == 0, result.output
    store = RunStore(run_folder(tmp_path / "out"))
    record = store.load_records().records[0]
    assert record.status == "agent_error"
    assert "bug in my agent" in record.error
    verdict = store.read_jsonl("verdicts.jsonl")[0]
    assert verdict["verdict"] == "incorrect"
    assert "the agent raised ValueError" in verdict["reason"]


def test_resume_reruns_tasks_a_harness_fault_left_ungraded(sample_dir):
    from pix2fact.runner import needs_rerun
    from pix2fact.tasks.loaders import load_tasks
    from pix2fact.tools.answer import AnswerFields
    from pix2fact.trajectory import TaskRecord, ToolEvent

    task = load_tasks(sample_dir / "tasks.jsonl").tasks[0]
    fault = ToolEvent(step=1, call_id="c1", name="open_url", error="browser died", fault="harness")

    def record(answer: str, events) -> TaskRecord:
        return TaskRecord(
            task_id=task.id, status="answered", answer=AnswerFields(final_answer=answer), events=events,
            started_at="2026-01-01T00:00:00+00:00", finished_at="2026-01-01T00:00:01+00:00", duration_s=1.0,
        )

    assert needs_rerun(task, record("wrong", [fault])) is True
    assert needs_rerun(task, record(task.answer, [fault])) is False
    assert needs_rerun(task, record("wrong", [])) is False
