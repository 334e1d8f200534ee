"""`pix2fact replay`, the replay agent and recorded tool results, on real runs of sample tasks.

The runs use a private copy of three sample tasks and the sample's web snapshot, so a rebuild
of the shared sample cache by another test cannot change the web under a recorded run.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from pix2fact.cli import main
from pix2fact.cli.replay import step_through
from pix2fact.environment import Environment
from pix2fact.procedural import ProceduralAgent
from pix2fact.recorded import RecordedResults, canonical_arguments
from pix2fact.runner import read_run_tasks
from pix2fact.store import RunStore
from pix2fact.tools.base import ImageLimits
from pix2fact.tools.web import Snapshot, normalize_url

from agents_for_tests import LOOK_THEN_ANSWER


class Browsing(ProceduralAgent):
    """Uses every tool: the crop and search of LookThenAnswer first, then the overview, a zoomed
    crop, a page with a link followed and undone, a find, a read, a bad link id, and an answer."""

    name = "browsing"

    async def solve(self):
        width, height = self.context.image_size
        await self.use("crop", box=[width // 3, height // 3, 2 * width // 3, 2 * height // 3])
        hits = await self.use("web_search", query=self.task.question[:60])
        await self.use("view_image")
        await self.use("crop", box=[0, 0, width // 4, height // 4], zoom=2)

        urls = [hit["url"] for hit in hits.data.get("results", [])]
        home_pages = [url for url in urls if url.endswith(".example/")]
        page = await self.use("open_url", url=(home_pages or urls)[0])
        if page.data.get("links"):
            await self.use("click_link", link_id=1)
            await self.use("go_back")
        await self.use("find_text", text="founded")
        await self.use("read_page", page=1)
        await self.use("click_link", link_id=999)
        await self.use("answer", final_answer="1981", observation="a placard", search_plan="search\nopen a page", search_queries=[self.task.question[:60]])


class SearchOnce(ProceduralAgent):
    """Searches for `query` once, then answers."""

    name = "search-once"

    def __init__(self, query: str = "zebra crossing") -> None:
        self.query = query

    async def solve(self):
        await self.use("web_search", query=self.query)
        await self.use("answer", final_answer="[NO_DEFINITIVE_ANSWER]")


BROWSING = f"{__file__}:Browsing"
SEARCH_ONCE = f"{__file__}:SearchOnce"


class Result:
    def __init__(self, code: int, output: str) -> None:
        self.code = code
        self.output = output


def invoke(*argv: object) -> Result:
    """Run the command line in-process, as the `cli` fixture does, for module-scoped fixtures."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
    code = main([str(arg) for arg in argv], console=console)
    return Result(code, buffer.getvalue())


def only_run(out: Path) -> Path:
    folders = [child for child in out.iterdir() if (child / "manifest.json").is_file()]
    assert len(folders) == 1, folders
    return folders[0]


def tool_sequence(folder: Path) -> dict[tuple[str, int], list[tuple]]:
    """Every tool call and result of a run, without timings, per (task, epoch)."""
    return {
        record.key: [(event.name, event.arguments, event.text, event.error, event.fault, [image.sha256 for image in event.images], event.data) for event in record.tool_events()]
        for record in RunStore(folder).load_records().records
    }


def verdict_rows(folder: Path) -> dict[tuple[str, int], dict]:
    return {(row["task_id"], row["epoch"]): row for row in RunStore(folder).read_jsonl("verdicts.jsonl")}


@pytest.fixture(scope="module")
def tasks_copy(tmp_path_factory, sample_dir) -> Path:
    """Three sample tasks, their images and the web snapshot, copied into a private folder."""
    folder = tmp_path_factory.mktemp("sample-copy")
    lines = (sample_dir / "tasks.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    (folder / "images").mkdir()
    for line in lines:
        image = json.loads(line)["local_image_path"]
        shutil.copy(sample_dir / image, folder / image)
    (folder / "tasks.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copytree(sample_dir / "web", folder / "web")
    return folder


def run_arguments(tasks_copy: Path, *extra: object) -> list[object]:
    return ["run", "--tasks", tasks_copy / "tasks.jsonl", "--web", tasks_copy / "web", "--concurrency", "2", *extra]


@pytest.fixture(scope="module")
def recorded_run(tasks_copy, tmp_path_factory) -> Path:
    """A run of the Browsing agent on the first two tasks, made by the CLI."""
    out = tmp_path_factory.mktemp("recorded")
    result = invoke(*run_arguments(tasks_copy, "--agent", BROWSING, "--limit", "2", "--out", out))
    assert result.code == 0, result.output
    return only_run(out)


def first_task_id(folder: Path) -> str:
    return sorted(record.task_id for record in RunStore(folder).load_records().records)[0]


def test_recorded_run_used_every_tool(recorded_run):
    names = {name for events in tool_sequence(recorded_run).values() for name, *_ in events}

    assert {"crop", "web_search", "view_image", "open_url", "click_link", "go_back", "find_text", "read_page", "answer"} <= names


def test_replay_lists_tasks_with_verdicts(cli, recorded_run):
    result = cli("replay", recorded_run)

    assert result.code == 0, result.output
    for row in verdict_rows(recorded_run).values():
        assert row["task_id"] in result.output
        assert row["verdict"] in result.output


def test_replay_all_prints_every_step(cli, recorded_run):
    task_id = first_task_id(recorded_run)

    result = cli("replay", recorded_run, "--task", task_id, "--all")

    assert result.code == 0, result.output
    assert "model turn" in result.output
    assert "box: [1280, 720, 2560, 1440]" in result.output
    assert "output_size: [" in result.output
    assert "query: " in result.output
    assert "url: https://" in result.output
    assert "unknown link id 999" in result.output or "has no links" in result.output
    assert "final answer: 1981" in result.output
    assert "verdict:" in result.output


def test_replay_stops_when_reader_quits(recorded_run):
    store = RunStore(recorded_run)
    record = store.load_records().records[0]
    replies = iter([True, False])
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None)

    shown = step_through(record, None, console, next_step=lambda: next(replies))

    assert shown == 2
    assert "step 1 · crop" in buffer.getvalue()
    assert "step 2 · model turn" not in buffer.getvalue()
    assert "final answer" not in buffer.getvalue()


def test_execute_unchanged_run_is_identical(cli, recorded_run):
    result = cli("replay", recorded_run, "--execute")

    assert result.code == 0, result.output
    assert "All 2 task(s) identical" in result.output


def test_execute_reports_tampered_search_result(cli, recorded_run, tmp_path):
    copy = Path(shutil.copytree(recorded_run, tmp_path / "tampered"))
    task_id = first_task_id(copy)
    lines = []
    for line in (copy / "trajectories.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["task_id"] == task_id:
            search = next(event for event in record["events"] if event.get("name") == "web_search")
            search["data"]["results"][0]["url"] = "https://moved.example/"
            search["text"] = search["text"].replace("Search results", "Old results")
        lines.append(json.dumps(record))
    (copy / "trajectories.jsonl").write_text("\n".join(lines) + "\n")

    result = cli("replay", copy, "--execute", "--task", task_id)

    assert result.code == 1, result.output
    assert "web_search · search results" in result.output
    assert "https://moved.example/" in result.output
    assert "web_search · text" in result.output
    assert "1 of 1 task(s) differ" in result.output


def test_execute_reports_changed_page(cli, recorded_run, tasks_copy, tmp_path):
    task_id = first_task_id(recorded_run)
    record = next(record for record in RunStore(recorded_run).load_records().records if record.task_id == task_id)
    opened = record.tool_events("open_url")[0].data["url"]
    snapshot = Snapshot.load(tasks_copy / "web")
    page = snapshot.pages[normalize_url(opened)]
    page.body = page.body.replace("<body>", "<body><h1>Closed for renovation</h1>", 1)
    assert "Closed for renovation" in page.body
    snapshot.save(tmp_path / "web")

    result = cli("replay", recorded_run, "--execute", "--task", task_id, "--web", tmp_path / "web")

    assert result.code == 1, result.output
    assert "open_url · page text" in result.output
    assert "Closed for renovation" in result.output


def test_replay_agent_reproduces_verdicts(cli, recorded_run, tasks_copy, tmp_path):
    result = cli(*run_arguments(tasks_copy, "--agent", f"replay:{recorded_run}", "--limit", "2", "--out", tmp_path))

    assert result.code == 0, result.output
    replayed = only_run(tmp_path)
    assert verdict_rows(replayed) == verdict_rows(recorded_run)
    assert tool_sequence(replayed) == tool_sequence(recorded_run)
    manifest = RunStore(replayed).read_manifest()
    assert manifest["agent_config"]["source_run_id"] == recorded_run.name


def test_replay_agent_offline_with_recorded_results(cli, recorded_run, tasks_copy, tmp_path):
    result = cli(*run_arguments(tasks_copy, "--agent", f"replay:{recorded_run}", "--limit", "2", "--tool-results", recorded_run, "--out", tmp_path))

    assert result.code == 0, result.output
    replayed = only_run(tmp_path)
    assert verdict_rows(replayed) == verdict_rows(recorded_run)
    assert tool_sequence(replayed) == tool_sequence(recorded_run)


def test_replay_agent_divergence_and_unknown_task(cli, recorded_run, tasks_copy, tmp_path):
    copy = Path(shutil.copytree(recorded_run, tmp_path / "cut"))
    task_id = first_task_id(copy)
    lines = []
    for line in (copy / "trajectories.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["task_id"] == task_id:
            last_turn = max(event["step"] for event in record["events"])
            record["events"] = [event for event in record["events"] if event["step"] != last_turn]
        lines.append(json.dumps(record))
    (copy / "trajectories.jsonl").write_text("\n".join(lines) + "\n")

    result = cli(*run_arguments(tasks_copy, "--agent", f"replay:{copy}", "--limit", "3", "--tool-results", copy, "--out", tmp_path / "out"))

    assert result.code == 0, result.output
    records = {record.task_id: record for record in RunStore(only_run(tmp_path / "out")).load_records().records}
    assert len(records) == 3
    cut = records[task_id]
    assert cut.status == "harness_error"
    assert "replay diverged" in cut.error
    assert "asked for turn" in cut.error
    unknown_id = sorted(records)[-1]
    assert records[unknown_id].status == "harness_error"
    assert f"task {unknown_id} (epoch 1) is not in" in records[unknown_id].error
    verdicts = verdict_rows(only_run(tmp_path / "out"))
    assert verdicts[(unknown_id, 1)]["verdict"] == "ungradable"


def test_recorded_results_answer_matching_calls(cli, recorded_run, tasks_copy, tmp_path):
    result = cli(*run_arguments(tasks_copy, "--agent", LOOK_THEN_ANSWER, "--limit", "2", "--tool-results", recorded_run, "--out", tmp_path))

    assert result.code == 0, result.output
    new = tool_sequence(only_run(tmp_path))
    old = tool_sequence(recorded_run)
    for key, events in new.items():
        names = [event[0] for event in events]
        assert names == ["crop", "web_search", "answer"]
        assert events[0] == old[key][0], "the crop comes from the recording"
        assert events[1] == old[key][1], "the search comes from the recording"
        assert events[2][3] is None, "answer is live and succeeds"


def test_recorded_results_miss_is_a_tool_error(cli, recorded_run, tasks_copy, tmp_path):
    result = cli(*run_arguments(tasks_copy, "--agent", SEARCH_ONCE, "-A", "query=zebra  crossing", "--limit", "1", "--tool-results", recorded_run, "--out", tmp_path))

    assert result.code == 0, result.output
    record = RunStore(only_run(tmp_path)).load_records().records[0]
    search = record.tool_events("web_search")[0]
    assert search.fault == "model"
    assert 'web_search({"query":"zebra crossing"}) was not recorded' in search.error
    recorded_query = record.question[:60]
    assert f"recorded web_search calls: web_search({canonical_arguments({'query': recorded_query})})" in search.error
    assert record.status == "answered"


async def test_recorded_mode_starts_no_browser(recorded_run, tasks_copy):
    recorded = RecordedResults.load(recorded_run)
    task = read_run_tasks(RunStore(recorded_run))[0]
    opened = next(record for record in RunStore(recorded_run).load_records().records if record.task_id == task.id).tool_events("open_url")[0]

    async with Environment.from_snapshot(tasks_copy / "web", recorded=recorded) as environment:
        async with environment.toolset(task, setting="agentic", limits=ImageLimits()) as toolset:
            assert toolset.names() == ["view_image", "crop", "web_search", "open_url", "click_link", "find_text", "scroll", "go_back", "read_page", "answer"]
            result = await toolset.get("open_url").call(dict(opened.arguments))
            page_tool_result = await toolset.get("read_page").call({"page": 1})
        assert environment.browser.version == "", "no browser was started"

    assert result.text == opened.text
    assert page_tool_result.data["url"] == opened.data["url"]


def test_canonical_arguments_ignore_order_and_spacing():
    assert canonical_arguments({"b": 2.0, "a": "  two   words "}) == '{"a":"two words","b":2}'
    assert canonical_arguments({"box": [1, 2.5]}) == canonical_arguments({"box": [1.0, 2.5]})
    assert canonical_arguments(None) == "{}"


@pytest.mark.parametrize(
    "arguments, message",
    [
        pytest.param(["replay", "{run}", "--task", "no-such-task"], "task 'no-such-task' (epoch 1) is not in", id="unknown-task"),
        pytest.param(["replay", "{run}", "--execute", "--task", "no-such-task"], "task 'no-such-task' is not in", id="execute-unknown-task"),
        pytest.param(["replay", "no/such/run"], "not a run folder", id="not-a-run-folder"),
        pytest.param(["replay", "{run}", "--execute", "--web", "no/such/web"], "web snapshot not found: no/such/web", id="missing-web"),
        pytest.param(["replay", "{run}", "--task", "x", "--epoch", "0"], "--epoch must be at least 1", id="bad-epoch"),
        pytest.param(["run", "--agent", "replay:no/such/run"], "is not a run folder", id="replay-agent-missing-run"),
        pytest.param(["run", "--agent", "replay"], "needs a run folder", id="replay-agent-without-run"),
        pytest.param(["run", "--tool-results", "no/such/run"], "not a run folder", id="tool-results-missing-run"),
    ],
)
def test_bad_replay_input_is_one_clear_line(cli, recorded_run, tmp_path, arguments, message):
    argv = [str(recorded_run) if argument == "{run}" else argument for argument in arguments]
    if argv[0] == "run":
        argv += ["--limit", "1", "--out", str(tmp_path)]

    result = cli(*argv)

    assert result.code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
