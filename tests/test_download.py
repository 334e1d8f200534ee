"""`pix2fact download` against a fake of the Hugging Face hub on 127.0.0.1 serving a tiny release."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from agents_for_tests import LOOK_THEN_ANSWER
from fakes.base import Reply
from fakes.hf_server import HubServer
from fakes.search_servers import API, Result, SearchApiServer
from PIL import Image

import pix2fact.hub
from pix2fact.download import DATASET_URL_VARIABLE, TASK_FILE, download_dataset
from pix2fact.hub import DownloadError
from pix2fact.store import RunStore
from pix2fact.tasks.loaders import load_tasks

REPO = "pix2fact/Pix2FactBenchmark"
HEADER = ["index", "question", "answer", "local_image_path", "search_query", "bounding_box", "evidence_1", "evidence_url_1", "category", "image_resolution"]
BOX = "[{'region': {'tl': {'x': 10, 'y': 10}, 'tr': {'x': 60, 'y': 10}, 'br': {'x': 60, 'y': 40}, 'bl': {'x': 10, 'y': 40}}}]"


def _jpeg(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _release_csv() -> bytes:
    rows = [
        ["0", "What is the phone number on the red sign?", "555-0100", "images/red.jpg", "red sign phone", BOX, "The sign names a shop.", "https://example.org/shop", "Street scene", "320x240"],
        ["1", "When did the blue shop open?", "1998", "images/blue.jpg", "", BOX, "", "", "Retail", "320x240"],
        ["2", "Who founded the green cafe?", "Ada Park", "/images/green.jpg", "", "", "", "", "Food", ""],
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def release() -> dict[str, bytes]:
    return {
        "Pix2Fact_1k.csv": _release_csv(),
        "README.md": b"# Pix2Fact\n",
        "images/red.jpg": _jpeg((200, 30, 30), (320, 240)),
        "images/blue.jpg": _jpeg((30, 30, 200), (320, 240)),
        "images/green.jpg": _jpeg((30, 200, 30), (320, 240)),
    }


@pytest.fixture(autouse=True)
def no_retry_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries wait Retry-After (0 here) or a backoff; keep the backoff short in tests."""
    monkeypatch.setattr(pix2fact.hub, "MAX_RETRY_WAIT_S", 0.05)
    monkeypatch.delenv(DATASET_URL_VARIABLE, raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)


def test_download_writes_loadable_task_file(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release, lfs={"images/red.jpg", "images/blue.jpg", "images/green.jpg"}) as hub:
        result = download_dataset(tmp_path, url=hub.dataset_url)

    tasks = load_tasks(result.task_file)
    assert result.task_file == tmp_path / TASK_FILE
    assert [task.id for task in tasks] == ["0", "1", "2"]
    assert tasks.tasks[0].image == (tmp_path / "images/red.jpg").resolve()
    assert tasks.tasks[0].resolution == (320, 240)
    for path in ("images/red.jpg", "images/blue.jpg", "images/green.jpg", "Pix2Fact_1k.csv"):
        assert (tmp_path / path).read_bytes() == release[path]
    assert not list(tmp_path.rglob("*.part"))
    assert not (tmp_path / "README.md").exists()
    assert result.fetched_bytes == sum(len(release[path]) for path in release if path != "README.md")


def test_listing_is_paged(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release, page_size=1) as hub:
        download_dataset(tmp_path, url=hub.dataset_url)

    tree_requests = [path for path, _range in hub.requests if "/tree/" in path]
    assert len(tree_requests) == len(release)


def test_limit_downloads_first_tasks(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release) as hub:
        result = download_dataset(tmp_path, url=hub.dataset_url, limit=1)

    assert result.tasks == 1
    assert (tmp_path / "images/red.jpg").exists()
    assert not (tmp_path / "images/blue.jpg").exists()
    assert [task.id for task in load_tasks(result.task_file)] == ["0"]


def test_dataset_url_from_environment(tmp_path: Path, release: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    with HubServer(REPO, release) as hub:
        monkeypatch.setenv(DATASET_URL_VARIABLE, hub.dataset_url)
        result = download_dataset(tmp_path, limit=1)

    assert result.tasks == 1


def test_interrupted_transfer_resumes_with_range(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release, lfs={"images/blue.jpg"}) as hub:
        hub.faults["images/blue.jpg"] = [("cut", 100)]
        download_dataset(tmp_path, url=hub.dataset_url, workers=1)

    assert hub.resolve_requests("images/blue.jpg") == [None, "bytes=100-"]
    assert (tmp_path / "images/blue.jpg").read_bytes() == release["images/blue.jpg"]


def test_partial_file_from_stopped_run_resumes(tmp_path: Path, release: dict[str, bytes]) -> None:
    data = release["images/green.jpg"]
    (tmp_path / "images").mkdir()
    (tmp_path / "images/green.jpg.part").write_bytes(data[:250])

    with HubServer(REPO, release) as hub:
        result = download_dataset(tmp_path, url=hub.dataset_url)

    assert hub.resolve_requests("images/green.jpg") == ["bytes=250-"]
    assert (tmp_path / "images/green.jpg").read_bytes() == data
    assert not (tmp_path / "images/green.jpg.part").exists()
    assert result.tasks == 3


def test_server_ignoring_range_restarts_file(tmp_path: Path, release: dict[str, bytes]) -> None:
    data = release["images/green.jpg"]
    (tmp_path / "images").mkdir()
    (tmp_path / "images/green.jpg.part").write_bytes(data[:250])

    with HubServer(REPO, release) as hub:
        hub.faults["images/green.jpg"] = ["ignore-range"]
        download_dataset(tmp_path, url=hub.dataset_url)

    assert (tmp_path / "images/green.jpg").read_bytes() == data


def test_second_run_fetches_nothing_again(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release) as hub:
        download_dataset(tmp_path, url=hub.dataset_url)
        before = len(hub.requests)
        again = download_dataset(tmp_path, url=hub.dataset_url)

    byte_requests = [path for path, _range in hub.requests[before:] if path.startswith("/cdn/")]
    assert byte_requests == []
    assert again.fetched_bytes == 0
    assert again.tasks == 3


def test_size_mismatch_is_error(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release) as hub:
        hub.listed_sizes["images/red.jpg"] = len(release["images/red.jpg"]) + 7
        with pytest.raises(DownloadError) as caught:
            download_dataset(tmp_path, url=hub.dataset_url)

    message = str(caught.value)
    assert "1 image(s) failed" in message
    assert "size mismatch for images/red.jpg" in message
    assert not (tmp_path / "images/red.jpg").exists()
    assert [task.id for task in load_tasks(tmp_path / TASK_FILE)] == ["1", "2"]


def test_sha256_mismatch_is_error(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release, lfs={"images/red.jpg"}) as hub:
        hub.files["images/red.jpg"] = release["images/red.jpg"]
        listed = hub.entry("images/red.jpg")
        hub.files["images/red.jpg"] = release["images/red.jpg"][:-1] + b"\x00"
        hub.entry = lambda path, original=hub.entry: listed if path == "images/red.jpg" else original(path)
        with pytest.raises(DownloadError, match="SHA-256 mismatch for images/red.jpg"):
            download_dataset(tmp_path, url=hub.dataset_url)

    assert not (tmp_path / "images/red.jpg").exists()
    assert not (tmp_path / "images/red.jpg.part").exists()


def test_missing_image_is_404_error(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release) as hub:
        hub.missing.add("images/blue.jpg")
        with pytest.raises(DownloadError) as caught:
            download_dataset(tmp_path, url=hub.dataset_url)

    assert "not found: images/blue.jpg" in str(caught.value)
    assert "HTTP 404" in str(caught.value)
    assert (tmp_path / "images/red.jpg").exists()
    assert [task.id for task in load_tasks(tmp_path / TASK_FILE)] == ["0", "2"]


def test_transient_5xx_is_retried(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release) as hub:
        hub.faults["images/red.jpg"] = [("status", 503), ("status", 502)]
        result = download_dataset(tmp_path, url=hub.dataset_url)

    assert len(hub.resolve_requests("images/red.jpg")) == 3
    assert result.tasks == 3


def test_persistent_5xx_is_error(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release) as hub:
        hub.faults["images/red.jpg"] = [("status", 500)] * 10
        with pytest.raises(DownloadError, match="could not download images/red.jpg .* after 4 attempts: HTTP 500"):
            download_dataset(tmp_path, url=hub.dataset_url)

    assert len(hub.resolve_requests("images/red.jpg")) == 4


def test_unknown_dataset_is_error(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release) as hub:
        hub.tree_status = 404
        with pytest.raises(DownloadError, match="not found: the file list of .*HTTP 404.*--dataset-url"):
            download_dataset(tmp_path, url=hub.dataset_url)


def test_release_without_task_file_is_error(tmp_path: Path) -> None:
    with HubServer(REPO, {"data/train-00000.parquet": b"PAR1", "README.md": b"#"}) as hub:
        with pytest.raises(DownloadError, match="no task file found .* data/train-00000.parquet"):
            download_dataset(tmp_path, url=hub.dataset_url)


def test_invalid_dataset_url(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="invalid dataset URL"):
        download_dataset(tmp_path, url="http://127.0.0.1:9/not-a-dataset")


def test_cli_download_and_run(cli, tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release) as hub:
        result = cli("download", "--dest", tmp_path / "data", "--limit", "2", "--dataset-url", hub.dataset_url)

    assert result.code == 0, result.output
    assert f"2 task(s) in {tmp_path / 'data' / TASK_FILE}" in result.output
    listed = cli("tasks", "list", "--tasks", tmp_path / "data" / TASK_FILE)
    assert listed.code == 0, listed.output
    assert "blue shop" in listed.output


def test_cli_download_error_is_one_line(cli, tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release) as hub:
        hub.tree_status = 401
        result = cli("download", "--dest", tmp_path / "data", "--dataset-url", hub.dataset_url)

    assert result.code == 2
    assert "access denied" in result.output
    assert "HF_TOKEN" in result.output


def test_hash_helper_matches_git() -> None:
    # The hub's `oid` for a file stored without LFS is git's blob hash; check the formula.
    assert hashlib.sha1(b"blob 0\0").hexdigest() == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"


def test_downloaded_release_runs_with_live_search(cli, tmp_path: Path, release: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with HubServer(REPO, release) as hub:
        downloaded = cli("download", "--dest", tmp_path / "data", "--limit", "1", "--dataset-url", hub.dataset_url)
    reply = Reply(json=API["searxng"].results([Result("Red shop", "https://shop.example/", "Call 555-0100")]))
    with SearchApiServer(API["searxng"], script=[reply]) as search:
        monkeypatch.setenv("SEARXNG_URL", search.url)
        result = cli("run", "--agent", LOOK_THEN_ANSWER, "--tasks", tmp_path / "data" / TASK_FILE, "--search", "searxng", "--out", tmp_path / "out", "--run-id", "live")

    assert downloaded.code == 0, downloaded.output
    assert result.code == 0, result.output
    record = RunStore(tmp_path / "out" / "live").load_records().records[0]
    searches = [event for event in record.events if event.type == "tool" and event.name == "web_search"]
    assert searches[0].data["provider"] == "searxng"
    assert "Call 555-0100" in searches[0].text
    assert json.loads((tmp_path / "out" / "live" / "manifest.json").read_text())["web_options"]["mode"] == "live"


def test_changed_task_file_is_fetched_again(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release) as hub:
        download_dataset(tmp_path, url=hub.dataset_url, limit=1)
        changed = release["Pix2Fact_1k.csv"].replace(b"555-0100", b"555-0199")
        hub.files["Pix2Fact_1k.csv"] = changed
        download_dataset(tmp_path, url=hub.dataset_url, limit=1)

    assert (tmp_path / "Pix2Fact_1k.csv").read_bytes() == changed
    assert load_tasks(tmp_path / TASK_FILE).tasks[0].answer == "555-0199"


def test_file_list_that_is_not_json(tmp_path: Path, release: dict[str, bytes]) -> None:
    with HubServer(REPO, release) as hub:
        hub.tree_body = b"<html>a login page</html>"
        with pytest.raises(DownloadError, match="is not JSON; check that the dataset URL"):
            download_dataset(tmp_path, url=hub.dataset_url)
