"""`pix2fact leaderboard` on real run folders: intervals, epochs, cost, formats, filters, width."""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from pix2fact.agent import Usage
from pix2fact.cli import main
from pix2fact.cli.tables import leaderboard_text, print_leaderboard
from pix2fact.leaderboard import CI_BOOTSTRAP_IMAGE, CI_BOOTSTRAP_TASK, CI_WILSON, summarize_run, summarize_runs
from pix2fact.models.pricing import load_prices
from pix2fact.store import TRAJECTORIES, RunStore

from agents_for_tests import LOOK_THEN_ANSWER as TEST_AGENT

TERMINAL_WIDTH = 80


def run_cli(*argv: object) -> tuple[int, str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
    code = main([str(arg) for arg in argv], console=console)
    return code, buffer.getvalue()


def make_run(out: Path, run_id: str, *options: object) -> Path:
    code, output = run_cli("run", "--agent", TEST_AGENT, "-A", "reply=1981", "--out", out, "--run-id", run_id, "--concurrency", "3", *options)
    assert code == 0, output
    return out / run_id


def shared_image_tasks(sample_dir: Path, target: Path) -> Path:
    """Write a task file of 5 tasks on 3 images: two images carry two questions each."""
    rows = {json.loads(line)["index"]: json.loads(line) for line in (sample_dir / "tasks.jsonl").read_text().splitlines()}
    lines = []
    for source, copies in (("sample-001", 2), ("sample-002", 2), ("sample-003", 1)):
        for number in range(copies):
            row = dict(rows[source], index=f"{source}-q{number + 1}")
            lines.append(json.dumps(row))
    target.write_text("\n".join(lines) + "\n")
    return target


@pytest.fixture(scope="module")
def runs(tmp_path_factory, sample_dir) -> dict[str, Path]:
    """Three real runs, all answering '1981' (right for sample-001 only)."""
    out = tmp_path_factory.mktemp("runs")
    task_file = shared_image_tasks(sample_dir, out / "shared.jsonl")
    return {
        "plain": make_run(out, "plain", "--limit", "3"),
        "epochs": make_run(out, "epochs", "--limit", "2", "--epochs", "2"),
        "shared": make_run(out, "shared", "--tasks", task_file, "--images", sample_dir, "--web", sample_dir / "web"),
    }


def test_independent_tasks_use_wilson(runs):
    summary = summarize_run(runs["plain"])

    assert summary.correct == 1
    assert summary.graded == 3
    assert summary.ci_method == CI_WILSON
    assert summary.images == 3
    assert summary.failures
    assert sum(summary.failure_shares.values()) == pytest.approx(1.0)


def test_shared_images_use_clustered_bootstrap(runs):
    first = summarize_run(runs["shared"])
    again = summarize_run(runs["shared"])

    assert first.graded == 5
    assert first.correct == 2  # both questions on sample-001's image
    assert first.images == 3
    assert first.ci_method == CI_BOOTSTRAP_IMAGE
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert first.ci_low < first.accuracy < first.ci_high


def test_epoch_figures(runs):
    summary = summarize_run(runs["epochs"])

    assert summary.epochs == 2
    assert summary.finished == 4
    assert summary.tasks == 4
    assert summary.epoch_accuracies == [0.5, 0.5]
    assert summary.mean_accuracy == 0.5
    assert summary.pass_at_k == {1: 0.5, 2: 0.5}
    assert summary.all_correct == 0.5
    assert summary.ci_method == CI_BOOTSTRAP_TASK


def test_cost_from_token_usage(runs, tmp_path):
    folder = tmp_path / "priced"
    shutil.copytree(runs["plain"], folder)
    store = RunStore(folder)
    manifest = store.read_manifest()
    store.write_manifest({**manifest, "model": "gpt-5.4", "agent_config": {"provider": "openai"}})
    records = store.load_records().records
    (folder / TRAJECTORIES).unlink()
    for record in records:
        store.append_record(record.model_copy(update={"usage": Usage(input_tokens=100_000, output_tokens=10_000)}))

    summary = summarize_run(folder, load_prices())

    # Each task: 100k input at $2.50 and 10k output at $15.00 per million = $0.40.
    assert summary.cost_usd == pytest.approx(1.2)
    assert summary.cost_per_correct == pytest.approx(1.2)  # one correct answer
    assert summarize_run(runs["plain"]).cost_usd is None  # an agent without a model


def test_table_fits_80_columns_and_flags_task_sets(runs):
    summaries = summarize_runs(list(runs.values()))
    buffer = io.StringIO()

    print_leaderboard(summaries, Console(file=buffer, width=TERMINAL_WIDTH, force_terminal=False, color_system=None))

    text = buffer.getvalue()
    too_wide = [line for line in text.splitlines() if len(line) > TERMINAL_WIDTH]
    assert not too_wide, too_wide
    for title in ("Runs", "Scores", "Epochs", "Effort per task", "Accuracy per category", "Failures per class"):
        assert title in text
    assert CI_BOOTSTRAP_IMAGE in text
    assert "Wilson score interval" in text
    assert "3 different task sets" in text
    assert "set A" in text


def test_machine_formats_parse(runs):
    summaries = summarize_runs(list(runs.values()))

    rows = json.loads(leaderboard_text(summaries, "json"))
    assert [row["run_id"] for row in rows] == ["plain", "epochs", "shared"]
    assert rows[1]["pass_at_k"] == {"1": 0.5, "2": 0.5}
    assert {row["task_set_label"] for row in rows} == {"A", "B", "C"}

    table = list(csv.DictReader(io.StringIO(leaderboard_text(summaries, "csv"))))
    assert len(table) == 3
    assert float(table[0]["accuracy"]) == pytest.approx(1 / 3)
    assert table[2]["ci method"] == CI_BOOTSTRAP_IMAGE
    assert table[1]["pass@k"] == "0.5"
    assert table[0]["cost usd"] == ""
    assert "accuracy: Street scene with people" in table[0]

    lines = leaderboard_text(summaries, "markdown").splitlines()
    assert lines[0].startswith("| run |")
    assert len({line.count("|") for line in lines}) == 1, "every markdown row has the same cells"


def test_machine_format_warns_on_stderr_log(runs, caplog):
    with caplog.at_level(logging.WARNING, logger="pix2fact"):
        code, output = run_cli("leaderboard", runs["plain"], runs["shared"], "--format", "json")

    assert code == 0
    assert len(json.loads(output)) == 2
    assert "different task sets" in caplog.text


def test_filters_and_sort(runs):
    code, output = run_cli("leaderboard", *runs.values(), "--format", "json", "--sort", "accuracy")
    accuracies = [row["accuracy"] for row in json.loads(output)]
    assert code == 0
    assert accuracies == sorted(accuracies, reverse=True)

    code, output = run_cli("leaderboard", *runs.values(), "--format", "json", "--agent", "look-*", "--setting", "agentic")
    assert code == 0
    assert len(json.loads(output)) == 3

    code, output = run_cli("leaderboard", *runs.values(), "--model", "gpt-*")
    assert code == 2
    assert "no run among the 3 given matches" in output
