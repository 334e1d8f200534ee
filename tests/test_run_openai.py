"""`pix2fact run` end to end with the gpt and openai-compatible agents against a local fake.

The fake plays a short model (look, then answer) through the real openai SDK, reached only via
OPENAI_BASE_URL on 127.0.0.1. Every file the run writes is searched for the fake key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes.base import FakeServer
from fakes.openai_server import SCRIPTED_ANSWER, scripted_model

FAKE_KEY = "sk-test-PIX2FACT-CANARY-e2e-90ab17"


@pytest.fixture
def openai_fake(monkeypatch):
    with FakeServer(handler=scripted_model) as server:
        monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
        yield server


def run_folder(out: Path) -> Path:
    folders = [path for path in out.iterdir() if path.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def read_records(folder: Path) -> list[dict]:
    lines = (folder / "trajectories.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def assert_key_absent(folder: Path, *texts: str) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), f"key found in {path}"
    for text in texts:
        assert FAKE_KEY not in text


@pytest.mark.parametrize(
    ("agent", "extra"),
    [("gpt", []), ("openai-compatible", ["--model", "qwen2.5-vl-7b"])],
    ids=["gpt", "openai-compatible"],
)
def test_agentic_sample_run(cli, openai_fake, tmp_path, agent, extra):
    result = cli("run", "--agent", agent, *extra, "--tasks", "sample", "--limit", "3", "--out", tmp_path, "--concurrency", "2")

    assert result.code == 0, result.output
    folder = run_folder(tmp_path)
    records = read_records(folder)
    assert len(records) == 3
    assert {record["status"] for record in records} == {"answered"}
    assert {record["answer"]["final_answer"] for record in records} == {SCRIPTED_ANSWER}
    for record in records:
        assert record["usage"]["input_tokens"] == 200
        assert record["usage"]["cached_tokens"] == 60
        assert record["usage"]["reasoning_tokens"] == 14
        tools = [event["name"] for event in record["events"] if event["type"] == "tool"]
        assert tools == ["view_image", "crop", "answer"]

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["agent_config"]["provider"] in ("openai", "openai-compatible")
    assert manifest["agent_config"]["base_url"] == openai_fake.url + "/v1"
    assert len(openai_fake.requests) == 6
    assert all(request.path == "/v1/chat/completions" for request in openai_fake.requests)
    assert openai_fake.unexpected == []
    assert_key_absent(folder, result.output)


@pytest.mark.parametrize("setting", ["single-pass", "builtin-search", "c1", "c2", "c3", "c4"])
def test_gpt_every_setting(cli, openai_fake, tmp_path, setting):
    result = cli("run", "--agent", "gpt", "--tasks", "sample", "--limit", "1", "--setting", setting, "--out", tmp_path)

    assert result.code == 0, result.output
    folder = run_folder(tmp_path)
    records = read_records(folder)
    assert len(records) == 1
    assert records[0]["status"] in ("answered", "text_answer"), records[0]
    assert records[0]["answer"]["final_answer"] == SCRIPTED_ANSWER
    expected_path = "/v1/responses" if setting == "builtin-search" else "/v1/chat/completions"
    assert {request.path for request in openai_fake.requests} == {expected_path}
    if setting == "single-pass":
        assert len(openai_fake.requests) == 1
        assert "tools" not in openai_fake.requests[0].json
    assert_key_absent(folder, result.output)


def test_provider_fault_is_harness_error(cli, monkeypatch, tmp_path):
    with FakeServer() as server:
        monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
        # No script: every request gets HTTP 418, which the client does not retry.
        result = cli("run", "--agent", "gpt", "--tasks", "sample", "--limit", "2", "--out", tmp_path)

    assert result.code == 0, result.output
    records = read_records(run_folder(tmp_path))
    assert [record["status"] for record in records] == ["harness_error", "harness_error"]
    assert all("ProviderError" in record["error"] for record in records)


def test_missing_key_one_line(cli, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")

    result = cli("run", "--agent", "gpt", "--tasks", "sample", "--limit", "1", "--out", tmp_path)

    assert result.code == 2
    assert "OPENAI_API_KEY is not set" in result.output
    assert "--agent baseline" in result.output
