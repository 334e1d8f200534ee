"""`pix2fact run` end to end with the gpt and openai-compatible agents against a local fake.

The fake plays a short model (look, then answer) through the real openai SDK, reached only via
OPENAI_BASE_URL on 127.0.0.1. Every file the run writes, the printed output and the captured
logs are searched for the fake key.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from pathlib import Path

import pytest
from fakes.base import FakeServer
from fakes.openai_server import SCRIPTED_ANSWER, image_urls, scripted_model, wire_messages
from PIL import Image

FAKE_KEY = "sk-test-PIX2FACT-CANARY-e2e-90ab17"
# Prices laid over the shipped table, so the expected cost can be worked out by hand.
TEST_PRICES = {
    "prices": [
        {"provider": "openai", "model": "gpt-5.4", "input": 1.0, "cached_input": 0.5, "output": 2.0, "date": "2026-01-01", "source": "test"}
    ]
}


@pytest.fixture(autouse=True)
def test_prices(monkeypatch, tmp_path_factory):
    path = tmp_path_factory.mktemp("prices") / "prices.json"
    path.write_text(json.dumps(TEST_PRICES), encoding="utf-8")
    monkeypatch.setenv("PIX2FACT_PRICES", str(path))


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


def assert_key_absent(folder: Path, *texts: str, caplog=None) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), f"key found in {path}"
    for text in texts:
        assert FAKE_KEY not in text
    if caplog is not None:
        assert caplog.records
        assert all(FAKE_KEY not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("agent", "extra"),
    [("gpt", []), ("openai-compatible", ["--model", "qwen2.5-vl-7b"])],
    ids=["gpt", "openai-compatible"],
)
def test_agentic_sample_run(cli, openai_fake, tmp_path, caplog, agent, extra):
    caplog.set_level(logging.DEBUG)

    result = cli("-vv", "run", "--agent", agent, *extra, "--tasks", "sample", "--limit", "3", "--out", tmp_path, "--concurrency", "2")

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
        turns = [event for event in record["events"] if event["type"] == "model_turn"]
        assert [turn["usage"] for turn in turns] == [
            {"input_tokens": 100, "output_tokens": 20, "reasoning_tokens": 7, "cached_tokens": 30}
        ] * 2
        # Per turn, in USD per million tokens: 70 uncached input at 1.0, 30 cached at 0.5, 20
        # output at 2.0. The openai-compatible provider has no price, so its cost stays empty.
        if agent == "gpt":
            assert record["cost_usd"] == pytest.approx(2 * 125e-6)
        else:
            assert record["cost_usd"] is None

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["agent_config"]["provider"] in ("openai", "openai-compatible")
    assert manifest["agent_config"]["base_url"] == openai_fake.url + "/v1"
    assert len(openai_fake.requests) == 6
    assert all(request.path == "/v1/chat/completions" for request in openai_fake.requests)
    assert openai_fake.unexpected == []
    assert_key_absent(folder, result.output, caplog=caplog)


AGENTS = [pytest.param("gpt", [], id="gpt"), pytest.param("openai-compatible", ["--model", "qwen2.5-vl-7b"], id="openai-compatible")]


@pytest.mark.parametrize("setting", ["single-pass", "builtin-search", "c1", "c2", "c3", "c4"])
@pytest.mark.parametrize(("agent", "extra"), AGENTS)
def test_every_setting(cli, openai_fake, tmp_path, agent, extra, setting):
    result = cli("run", "--agent", agent, *extra, "--tasks", "sample", "--limit", "1", "--setting", setting, "--out", tmp_path)

    assert result.code == 0, result.output
    folder = run_folder(tmp_path)
    records = read_records(folder)
    assert len(records) == 1
    assert records[0]["status"] in ("answered", "text_answer"), records[0]
    assert records[0]["answer"]["final_answer"] == SCRIPTED_ANSWER
    # gpt searches through the Responses API; openai-compatible stays on Chat Completions and requests
    # an OpenRouter-style ":online" model instead.
    responses_api = agent == "gpt" and setting == "builtin-search"
    expected_path = "/v1/responses" if responses_api else "/v1/chat/completions"
    assert {request.path for request in openai_fake.requests} == {expected_path}
    assert openai_fake.unexpected == []
    if agent == "openai-compatible":
        model = "qwen2.5-vl-7b:online" if setting == "builtin-search" else "qwen2.5-vl-7b"
        assert {request.json["model"] for request in openai_fake.requests} == {model}
    if setting == "single-pass":
        assert len(openai_fake.requests) == 1
        assert "tools" not in openai_fake.requests[0].json
    tools = [event["name"] for event in records[0]["events"] if event["type"] == "tool"]
    assert tools.count("web_search") == (1 if setting in ("c2", "c4") else 0), tools
    if not responses_api:
        assert_first_image(setting, openai_fake.requests[0])
    assert_key_absent(folder, result.output)

    searches = [call for event in records[0]["events"] if event["type"] == "model_turn" for call in event["builtin_tool_calls"]]
    if not responses_api:
        # The fake cites no pages on Chat Completions, so no built-in search is recorded.
        assert searches == []
        return
    assert "web_search_call.action.sources" in openai_fake.requests[0].json["include"]
    assert len(searches) == 1
    assert searches[0]["name"] == "web_search"
    assert searches[0]["queries"] == ["corner shop founded"]
    assert searches[0]["sources"] == [{"url": "http://127.0.0.1:9/shop-history", "title": ""}]


def assert_first_image(setting: str, request) -> None:
    """Check that c3/c4 open on the annotated region's crop, and every other setting on the 16:9 overview.

    The sample's first task annotates one region, [1694, 1006, 1859, 1056], of a 3840x2160 photo.
    """
    first_user = next(message for message in wire_messages(request) if message["role"] == "user")
    urls = image_urls(first_user)
    assert len(urls) == 1, first_user
    width, height = Image.open(io.BytesIO(base64.b64decode(urls[0].split(",", 1)[1]))).size
    if setting in ("c3", "c4"):
        assert (width, height) == (165, 50)
    else:
        assert width >= 1000, (width, height)
        assert width / height == pytest.approx(16 / 9, rel=0.01), (width, height)


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


def test_compatible_missing_url_names_option(cli, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)

    result = cli("run", "--agent", "openai-compatible", "--model", "llava", "--tasks", "sample", "--limit", "1", "--out", tmp_path)

    assert result.code == 2
    assert "--base-url URL" in result.output
    assert "OPENAI_BASE_URL" in result.output


def test_bad_price_file_stops_before_any_task(cli, openai_fake, monkeypatch, tmp_path):
    prices = tmp_path / "broken-prices.json"
    prices.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("PIX2FACT_PRICES", str(prices))

    result = cli("run", "--agent", "gpt", "--tasks", "sample", "--limit", "1", "--setting", "c1", "--out", tmp_path / "out")

    assert result.code == 2
    assert "invalid price table" in result.output
    assert not (tmp_path / "out").exists()
    assert openai_fake.requests == []
