"""Building and caching the sample: reuse, rebuild of incomplete folders, concurrency, cleanup."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_sample_support import built_sample

from pix2fact.tasks.sample import SAMPLE_VERSION, build, default_sample_dir, ensure_sample, is_complete
from pix2fact.tasks.sample.plan import SamplePlan, plan_sample


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_sample(tmp_path_factory)


def test_default_dir_uses_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PIX2FACT_CACHE_DIR", str(tmp_path))
    assert default_sample_dir(3) == tmp_path / f"sample-v{SAMPLE_VERSION}-seed3"


def test_default_dir_without_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PIX2FACT_CACHE_DIR", raising=False)
    assert default_sample_dir() == Path.home() / ".cache" / "pix2fact" / f"sample-v{SAMPLE_VERSION}-seed0"


def test_layout_of_built_folder(sample: Path) -> None:
    assert (sample / "tasks.jsonl").is_file()
    assert (sample / "web" / "snapshot.json").is_file()
    assert (sample / "web" / "pages.jsonl").is_file()
    assert len(list((sample / "images").glob("*.jpg"))) >= 24
    assert is_complete(sample, 0)
    assert not is_complete(sample, 1)


def test_complete_folder_is_reused(sample: Path) -> None:
    manifest = sample / build.MANIFEST
    before = manifest.stat().st_mtime_ns
    assert ensure_sample(0, sample) == sample
    assert manifest.stat().st_mtime_ns == before


def test_truncated_image_marks_incomplete(sample: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sample, copy)
    assert is_complete(copy, 0)
    image = copy / "images" / "sample-002.jpg"
    image.write_bytes(image.read_bytes()[:1000])
    assert not is_complete(copy, 0)


def test_other_generator_marks_incomplete(sample: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sample, copy)
    manifest = json.loads((copy / build.MANIFEST).read_text())
    manifest["generator"] = "0" * 16
    (copy / build.MANIFEST).write_text(json.dumps(manifest))
    assert not is_complete(copy, 0)


def test_failed_build_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(build, "render_images", fail)
    with pytest.raises(RuntimeError, match="rendering failed"):
        build.build_sample(tmp_path / "sample", seed=0)
    assert list(tmp_path.iterdir()) == []


def test_concurrent_ensure_rebuilds_incomplete_once(sample: Path, tmp_path: Path) -> None:
    dest = tmp_path / "shared"
    shutil.copytree(sample, dest)
    (dest / "images" / "sample-003.jpg").unlink()
    script = "import sys; from pathlib import Path; from pix2fact.tasks.sample import ensure_sample; print(ensure_sample(0, Path(sys.argv[1])))"
    processes = [subprocess.Popen([sys.executable, "-c", script, str(dest)], stdout=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [process.communicate(timeout=300)[0].strip() for process in processes]

    assert [process.returncode for process in processes] == [0, 0]
    assert outputs == [str(dest), str(dest)]
    assert is_complete(dest, 0)
    assert (dest / "images" / "sample-003.jpg").read_bytes() == (sample / "images" / "sample-003.jpg").read_bytes()
    leftovers = [path.name for path in tmp_path.iterdir() if path.name not in ("shared", ".shared.lock")]
    assert leftovers == []


def test_process_pool_renders_same_bytes(sample: Path, tmp_path: Path) -> None:
    plan = plan_sample(0)
    subset = SamplePlan(seed=0, tasks=plan.tasks[:2])
    build.render_images(subset, tmp_path, workers=2)
    for task in subset.tasks:
        name = f"images/{task.index}.jpg"
        assert (tmp_path / name).read_bytes() == (sample / name).read_bytes(), name
