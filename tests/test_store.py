"""The run folder: appends survive a killed writer, blobs are stored once, verdicts are atomic."""

from __future__ import annotations

from pix2fact.store import RunStore
from pix2fact.tools.base import ImageBlob
from pix2fact.trajectory import TaskRecord


def make_record(task_id: str, status: str = "answered", epoch: int = 1) -> TaskRecord:
    return TaskRecord(
        task_id=task_id,
        epoch=epoch,
        status=status,
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:00:01+00:00",
        duration_s=1.0,
    )


def test_append_and_load_round_trip(tmp_path):
    store = RunStore(tmp_path / "run")
    store.create()
    store.append_record(make_record("a"))
    store.append_record(make_record("b"))

    loaded = store.load_records()

    assert [record.task_id for record in loaded.records] == ["a", "b"]
    assert loaded.truncated_tail is False


def test_truncated_tail_is_reported_and_cut(tmp_path):
    store = RunStore(tmp_path / "run")
    store.create()
    store.append_record(make_record("a"))
    with open(store.trajectories_path, "a", encoding="utf-8") as out:
        out.write(make_record("b").model_dump_json()[:40])  # a writer killed mid-line

    loaded = store.load_records()
    assert [record.task_id for record in loaded.records] == ["a"]
    assert loaded.truncated_tail is True

    store.append_record(make_record("b"))
    lines = store.trajectories_path.read_text().splitlines()
    assert len(lines) == 2
    assert [record.task_id for record in store.load_records().records] == ["a", "b"]


def test_newest_record_wins_for_rerun_task(tmp_path):
    store = RunStore(tmp_path / "run")
    store.create()
    store.append_record(make_record("a", status="harness_error"))
    store.append_record(make_record("a", status="answered"))

    records = store.load_records().records

    assert len(records) == 1
    assert records[0].status == "answered"


def test_epochs_are_separate_records(tmp_path):
    store = RunStore(tmp_path / "run")
    store.create()
    store.append_record(make_record("a", epoch=1))
    store.append_record(make_record("a", epoch=2))

    assert sorted(record.epoch for record in store.load_records().records) == [1, 2]


def test_invalid_line_is_skipped_not_fatal(tmp_path):
    store = RunStore(tmp_path / "run")
    store.create()
    store.append_record(make_record("a"))
    with open(store.trajectories_path, "a", encoding="utf-8") as out:
        out.write('{"not": "a record"}\n')
    store.append_record(make_record("b"))

    loaded = store.load_records()

    assert [record.task_id for record in loaded.records] == ["a", "b"]
    assert loaded.invalid_lines == [2]


def test_image_blob_stored_once_by_hash(tmp_path):
    store = RunStore(tmp_path / "run")
    store.create()
    blob = ImageBlob(data=b"\xff\xd8fake-jpeg-bytes", mime_type="image/jpeg", width=4, height=3)

    first = store.store_image(blob)
    second = store.store_image(blob)

    assert first == second
    assert first.path == f"blobs/{blob.sha256}.jpg"
    assert (store.folder / first.path).read_bytes() == blob.data
    assert len(list((store.folder / "blobs").iterdir())) == 1
