"""`pix2fact run --agent claude` end to end against a local fake of the Anthropic Messages API.

The fake plays a short model (think and look, then answer) through the real anthropic SDK,
reached only via ANTHROPIC_BASE_URL on 127.0.0.1. Every file the run writes, the printed
output and the captured logs are searched for the fake key.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from pathlib import Path

import pytest
from fakes.anthropic_server import SCRIPTED_ANSWER, AnthropicServer, scripted_claude
from PIL import Image

from pix2fact.models.anthropic import DEFAULT_MAX_TOKENS, WEB_SEARCH_TOOL
from pix2fact.store import RunStore
from pix2fact.trajectory import ModelTurnEvent

FAKE_KEY = "sk-ant-test-PIX2FACT-CANARY-4e5d6c7b"
# Prices laid over the shipped table, so the expected cost can be worked out by hand.
TEST_PRICES = {
    "prices": [
        {
            "provider": "anthropic",
            "model": "claude-sonnet-4-6",
            "input": 1.0,
            "cached_input": 0.5,
            "output": 2.0,
            "date": "2026-01-01",
            "source": "test",
        }
    ]
}


@pytest.fixture(autouse=True)
def anthropic_env(monkeypatch, tmp_path):
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(TEST_PRICES), encoding="utf-8")
    monkeypatch.setenv("PIX2FACT_PRICES", str(prices))


@pytest.fixture
def fake(monkeypatch):
    with AnthropicServer(handler=scripted_claude) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yield server


def run_folder(out: Path) -> Path:
    folders = [child for child in out.iterdir() if (child / "manifest.json").is_file()]
    assert len(folders) == 1, folders
    return folders[0]


def assert_key_absent(folder: Path, output: str, caplog) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), path
    assert FAKE_KEY not in output
    assert all(FAKE_KEY not in record.getMessage() for record in caplog.records)


def first_view(request) -> tuple[str, tuple[int, int]]:
    """Return the text and the image size of the first user message of a request."""
    blocks = request.json["messages"][0]["content"]
    images = [block for block in blocks if block["type"] == "image"]
    assert len(images) == 1, blocks
    text = "".join(block.get("text", "") for block in blocks if block["type"] == "text")
    return text, Image.open(io.BytesIO(base64.b64decode(images[0]["source"]["data"]))).size


# The sample's first task annotates one region, [1694, 1006, 1859, 1056], of a 3840x2160 photo.
REGION_SIZE = (165, 50)


def assert_first_view(setting: str, text: str, size: tuple[int, int]) -> None:
    """Check that c3/c4 open on the annotated region's crop, and every other setting on the 16:9 overview."""
    width, height = size
    if setting in ("c3", "c4"):
        assert size == REGION_SIZE, size
        assert "The annotated region of the image: box [1694, 1006, 1859, 1056]" in text
    else:
        assert width >= 1000, size
        assert width / height == pytest.approx(16 / 9, rel=0.01), size
        assert "annotated region" not in text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setting", "limit", "status"),
    [
        pytest.param("agentic", 3, "answered", id="agentic"),
        pytest.param("single-pass", 1, "text_answer", id="single-pass"),
        pytest.param("builtin-search", 1, "answered", id="builtin-search"),
        # c1/c3 offer only the answer tool, which the scripted model calls at once; c2/c4 search first.
        pytest.param("c1", 1, "answered", id="c1"),
        pytest.param("c2", 1, "answered", id="c2"),
        pytest.param("c3", 1, "answered", id="c3"),
        pytest.param("c4", 1, "answered", id="c4"),
    ],
)
def test_cli_run_against_fake(cli, fake, tmp_path, sample_dir, caplog, setting, limit, status):
    caplog.set_level(logging.DEBUG)
    arguments = ["--tasks", "sample", "--limit", limit, "--setting", setting, "--out", tmp_path / "out"]

    result = cli("-vv", "run", "--agent", "claude", "-A", "reasoning_effort=medium", *arguments)

    assert result.code == 0, result.output
    assert fake.rejected == []
    assert len(fake.requests) >= limit
    searching = [request for request in fake.requests if WEB_SEARCH_TOOL in (request.json.get("tools") or [])]
    assert len(searching) == (len(fake.requests) if setting == "builtin-search" else 0)
    assert all(request.json["output_config"] == {"effort": "medium"} for request in fake.requests)
    folder = run_folder(tmp_path / "out")
    store = RunStore(folder)
    records = store.load_records().records
    assert len(records) == limit
    assert all(record.status == status for record in records), [(record.status, record.error) for record in records]
    assert all(record.final_answer == SCRIPTED_ANSWER for record in records)
    for record in records:
        turns = [event for event in record.events if isinstance(event, ModelTurnEvent)]
        # Anthropic counts cache reads (100) and writes (20) apart from input_tokens (300).
        assert all(turn.usage.input_tokens == 420 for turn in turns)
        assert all(turn.usage.cached_tokens == 100 for turn in turns)
        assert all(turn.usage.output_tokens == 50 for turn in turns)
        assert all(turn.usage.reasoning_tokens == 9 for turn in turns)
        # Per turn, in USD per million tokens: 320 uncached input at 1.0, 100 cached at 0.5, 50 output at 2.0.
        assert record.cost_usd == pytest.approx(len(turns) * 470e-6)
    manifest = store.read_manifest()
    assert manifest["agent_config"]["provider"] == "anthropic"
    assert manifest["agent_config"]["reasoning_effort"] == "medium"
    assert manifest["agent_config"]["prompt_cache"] is True
    assert_key_absent(folder, result.output, caplog)
    text, size = first_view(fake.requests[0])
    assert_first_view(setting, text, size)
    searched = [len(record.tool_events("web_search")) for record in records]
    assert searched == [1 if setting in ("c2", "c4") else 0] * limit

    searches = [record.builtin_tool_calls("web_search") for record in records]
    if setting != "builtin-search":
        assert searches == [[]] * limit
        return
    assert len(searches[0]) == 1
    assert searches[0][0].queries == ["corner shop founded"]
    assert searches[0][0].id.startswith("srvtoolu_")
    assert [source.url for source in searches[0][0].sources] == ["http://127.0.0.1:9/shop-history"]
    assert searches[0][0].error is None


def test_provider_options_reach_requests(cli, fake, tmp_path, sample_dir):
    options = ["-A", "thinking_budget=2048", "-A", "prompt_cache=false"]
    arguments = ["--tasks", "sample", "--limit", "1", "--setting", "builtin-search", "--out", tmp_path / "out"]

    result = cli("run", "--agent", "claude", *options, *arguments)

    assert result.code == 0, result.output
    assert fake.rejected == []
    body = fake.requests[0].json
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["max_tokens"] == DEFAULT_MAX_TOKENS + 2048
    assert "cache_control" not in json.dumps([request.json["messages"] for request in fake.requests])
    config = RunStore(run_folder(tmp_path / "out")).read_manifest()["agent_config"]
    assert config["thinking_budget"] == 2048
    assert config["prompt_cache"] is False


def test_small_thinking_budget_rejected(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")

    result = cli("run", "--agent", "claude", "-A", "thinking_budget=500", "--tasks", "sample", "--limit", "1", "--out", tmp_path)

    assert result.code == 2
    assert "thinking_budget=500 is below Claude's minimum of 1024 tokens" in result.output


def test_missing_key_one_line(cli, monkeypatch, tmp_path):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")

    result = cli("run", "--agent", "claude", "--tasks", "sample", "--limit", "1", "--out", tmp_path)

    assert result.code == 2
    assert result.output.strip() == "error: ANTHROPIC_API_KEY is not set; export it, or run offline with --agent baseline"
