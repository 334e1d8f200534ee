"""The run folder on disk: manifest, one trajectory line per finished task, verdicts, image blobs.

Layout of `results/RUN_ID/`:

    manifest.json        run id, agent, model, settings, versions, task-set hash, start/end
    trajectories.jsonl   one TaskRecord per line, appended and fsynced as each task ends
    verdicts.jsonl       the judge's verdicts, rewritten whole (atomically) after judging
    blobs/SHA256.jpg     every image a tool returned, stored once under its content hash
    run.log              the run's log at INFO

Crash safety: a record is one `write()` of a complete line followed by flush and fsync, so a
SIGKILL leaves either the whole line or a truncated tail. Reading tolerates a truncated last
line (and reports it); the next append first cuts the file back to its last complete line, so
the task is re-run once and never recorded twice. Blobs are written to a temporary name and
renamed, so a blob file is either complete or absent.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from pix2fact.errors import ConfigError
from pix2fact.tools.base import ImageBlob
from pix2fact.trajectory import ImageRef, TaskRecord

logger = logging.getLogger(__name__)

TRAJECTORIES = "trajectories.jsonl"
VERDICTS = "verdicts.jsonl"
MANIFEST = "manifest.json"
BLOBS = "blobs"

_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


class LoadedRecords(BaseModel):
    """Records read from a run folder, plus what could not be read."""

    records: list[TaskRecord]
    truncated_tail: bool = False
    invalid_lines: list[int] = []


class RunStore:
    """Reads and writes one run folder."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    @property
    def trajectories_path(self) -> Path:
        return self.folder / TRAJECTORIES

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def create(self) -> None:
        (self.folder / BLOBS).mkdir(parents=True, exist_ok=True)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_atomic(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")

    def read_manifest(self) -> dict[str, Any]:
        if not self.manifest_path.is_file():
            raise ConfigError(f"not a run folder: {self.folder} has no {MANIFEST}; pass a folder that `pix2fact run` wrote")
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def store_image(self, image: ImageBlob) -> ImageRef:
        """Write the image under its content hash (once) and return a reference to it."""
        digest = image.sha256
        relative = f"{BLOBS}/{digest}{_EXTENSIONS.get(image.mime_type, '.bin')}"
        target = self.folder / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, image.data)
        return ImageRef(
            sha256=digest,
            path=relative,
            mime_type=image.mime_type,
            width=image.width,
            height=image.height,
            label=image.label,
        )

    def append_record(self, record: TaskRecord) -> None:
        """Append one finished task as a complete line, durably."""
        line = record.model_dump_json() + "\n"
        self._cut_truncated_tail()
        with open(self.trajectories_path, "a", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())

    def _cut_truncated_tail(self) -> None:
        path = self.trajectories_path
        if not path.exists() or path.stat().st_size == 0:
            return

        with open(path, "rb+") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) == b"\n":
                return
            data = path.read_bytes()
            keep = data.rfind(b"\n") + 1
            logger.warning("cutting a truncated last line (%d bytes) from %s; that task will run again", len(data) - keep, path)
            handle.truncate(keep)

    def load_records(self) -> LoadedRecords:
        """Read every complete record. The newest record wins when a task was run again."""
        path = self.trajectories_path
        if not path.exists():
            return LoadedRecords(records=[])

        data = path.read_bytes()
        truncated = bool(data) and not data.endswith(b"\n")
        lines = data.split(b"\n")
        if truncated:
            lines = lines[:-1]

        latest: dict[tuple[str, int], TaskRecord] = {}
        invalid: list[int] = []
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                record = TaskRecord.model_validate_json(raw)
            except ValidationError:
                invalid.append(number)
                continue
            latest[record.key] = record

        if truncated:
            logger.warning("%s ends in a truncated line (a killed run); it is ignored and that task will run again", path)
        if invalid:
            logger.warning("%s: skipped unreadable line(s) %s", path, invalid)
        return LoadedRecords(records=list(latest.values()), truncated_tail=truncated, invalid_lines=invalid)

    def write_jsonl(self, name: str, rows: Iterable[BaseModel]) -> Path:
        """Replace a whole JSONL file atomically (used for verdicts)."""
        text = "".join(row.model_dump_json() + "\n" for row in rows)
        path = self.folder / name
        write_atomic(path, text)
        return path

    def read_jsonl(self, name: str) -> list[dict[str, Any]]:
        path = self.folder / name
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over the target."""
    mode = "wb" if isinstance(content, bytes) else "w"
    encoding = None if isinstance(content, bytes) else "utf-8"
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, mode, encoding=encoding) as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
