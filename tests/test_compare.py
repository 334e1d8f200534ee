"""`pix2fact compare` on two real runs of the sample that differ on one task."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from pix2fact.cli import main
from pix2fact.compare import CI_NEWCOMBE, compare_runs
from pix2fact.leaderboard import CI_BOOTSTRAP_IMAGE
from pix2fact.runner import TASKS_COPY

from agents_for_tests import LOOK_THEN_ANSWER as TEST_AGENT


def run_cli(*argv: object, width: int = 200) -> tuple[int, str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    code = main([str(arg) for arg in argv], console=console)
    return code, buffer.getvalue()


@pytest.fixture(scope="module")
def runs(tmp_path_factory, sample_dir) -> dict[str, Path]:
    """Run A answers '1981' (right on sample-001), run B a phone number (always wrong)."""
    out = tmp_path_factory.mktemp("compare")
    folders = {}
    for name, reply, limit in (("right-once", "1981", "3"), ("never-right", "555-0100", "3"), ("two-tasks", "1981", "2")):
        code, output = run_cli("run", "--agent", TEST_AGENT, "-A", f"reply={reply}", "--limit", limit, "--out", out, "--run-id", name, "--concurrency", "3")
        assert code == 0, output
        folders[name] = out / name
    return folders


def rewrite_tasks(folder: Path, change) -> None:
    """Edit the run's copy of its tasks in place: `change(row)` edits one task's JSON row."""
    path = folder / TASKS_COPY
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        change(row)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def test_paired_figures(runs):
    comparison = compare_runs(runs["right-once"], runs["never-right"])

    assert comparison.paired == 3
    assert (comparison.both_correct, comparison.only_first, comparison.only_second, comparison.neither) == (0, 1, 0, 2)
    assert comparison.first_accuracy == pytest.approx(1 / 3)
    assert comparison.second_accuracy == 0.0
    assert comparison.difference == pytest.approx(1 / 3)
    assert comparison.ci_method == CI_NEWCOMBE
    assert comparison.ci_low < 0 < comparison.difference < comparison.ci_high
    assert comparison.mcnemar_method == "exact"
    assert comparison.p_value == 1.0  # one discordant task: P = 2 * 1/2, capped at 1
    assert [task.task_id for task in comparison.disagreements] == ["sample-001"]
    assert comparison.disagreements[0].first_answer == "1981"
    assert comparison.same_task_set


def test_reversed_order_flips_sign(runs):
    forward = compare_runs(runs["right-once"], runs["never-right"])
    backward = compare_runs(runs["never-right"], runs["right-once"])

    assert backward.difference == pytest.approx(-forward.difference)
    assert backward.ci_low == pytest.approx(-forward.ci_high)
    assert backward.p_value == forward.p_value


def test_table_lists_disagreements_at_80_columns(runs):
    code, output = run_cli("compare", runs["right-once"], runs["never-right"], width=80)

    assert code == 0, output
    assert all(len(line) <= 80 for line in output.splitlines())
    assert "Tasks where A and B disagree" in output
    assert "sample-001" in output
    assert "+33.3 pts" in output
    assert "McNemar p" in output
    assert "1 (exact)" in output


def test_json_and_markdown_parse(runs):
    code, output = run_cli("compare", runs["right-once"], runs["never-right"], "--format", "json")
    document = json.loads(output)
    assert code == 0
    assert document["only_first"] == 1
    assert document["disagreements"][0]["gold"] == "1981"

    code, output = run_cli("compare", runs["right-once"], runs["never-right"], "--format", "markdown")
    assert code == 0
    assert "| difference A - B | +33.3 pts |" in output
    assert "| sample-001 | correct | incorrect | 1981 | 555-0100 | 1981 |" in output


def test_different_task_sets_compare_the_overlap(runs):
    code, output = run_cli("compare", runs["right-once"], runs["two-tasks"])

    assert code == 0, output
    assert "Paired on 2 task(s)" in output
    assert "ran different task sets" in output
    assert "1 task(s) graded only in A are left out: sample-003" in output


def test_shared_images_use_paired_bootstrap(runs, tmp_path):
    # Point sample-002 and sample-003 at one image: the pairs on that image must move together.
    copies = []
    for name in ("right-once", "never-right"):
        folder = tmp_path / name
        shutil.copytree(runs[name], folder)
        rewrite_tasks(folder, lambda row: row.update(image=row["image"].replace("sample-003", "sample-002")))
        copies.append(folder)

    comparison = compare_runs(*copies)
    again = compare_runs(*copies)

    assert comparison.ci_method == CI_BOOTSTRAP_IMAGE
    assert (comparison.ci_low, comparison.ci_high) == (again.ci_low, again.ci_high)
    assert comparison.ci_low <= comparison.difference <= comparison.ci_high


def test_different_gold_is_left_out(runs, tmp_path):
    folder = tmp_path / "other-gold"
    shutil.copytree(runs["never-right"], folder)
    rewrite_tasks(folder, lambda row: row.update(answer="another answer") if row["id"] == "sample-003" else None)

    comparison = compare_runs(runs["right-once"], folder)

    assert comparison.gold_mismatch == ["sample-003"]
    assert comparison.paired == 2


def test_missing_epoch_is_one_clear_line(runs):
    code, output = run_cli("compare", runs["right-once"], runs["never-right"], "--epoch", "2")

    assert code == 2
    assert "share no task in epoch 2" in output
