"""`pix2fact run --agent gemini` end to end against a local fake of the Gemini API.

The fake plays a short model (look, then answer) through the real google-genai SDK, reached
only via GOOGLE_GEMINI_BASE_URL on 127.0.0.1. Every file the run writes, the printed output
and the captured logs are searched for the fake key.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from fakes.gemini_server import SCRIPTED_ANSWER, GeminiServer, field, inline_images, scripted_gemini
from PIL import Image

from pix2fact.store import RunStore
from pix2fact.trajectory import ModelTurnEvent

FAKE_KEY = "gm-test-PIX2FACT-CANARY-51c0ffee9d"
# Prices laid over the shipped table, so the expected cost can be worked out by hand.
TEST_PRICES = {
    "prices": [
        {
            "provider": "gemini",
            "model": "gemini-3-flash-preview",
            "input": 1.0,
            "cached_input": 0.5,
            "output": 2.0,
            "date": "2026-01-01",
            "source": "test",
        }
    ]
}


@pytest.fixture(autouse=True)
def gemini_env(monkeypatch, tmp_path):
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_GENAI_USE_VERTEXAI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(TEST_PRICES), encoding="utf-8")
    monkeypatch.setenv("PIX2FACT_PRICES", str(prices))


@pytest.fixture
def fake(monkeypatch):
    with GeminiServer(handler=scripted_gemini) as server:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
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
    """Return the text and the image size of the first user content of a request."""
    content = field(request.json, "contents")[0]
    images = inline_images(content)
    assert len(images) == 1, [mime for mime, _ in images]
    text = "".join(part.get("text", "") for part in content["parts"])
    return text, Image.open(io.BytesIO(images[0][1])).size


def system_instruction(request) -> str:
    instruction = field(request.json, "systemInstruction")
    return "".join(part.get("text", "") for part in instruction["parts"])


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

    result = cli("-vv", "run", "--agent", "gemini", *arguments)

    assert result.code == 0, result.output
    assert fake.rejected == []
    assert len(fake.requests) >= limit
    grounded = [request for request in fake.requests if {"googleSearch": {}} in (request.json.get("tools") or [])]
    assert len(grounded) == (len(fake.requests) if setting == "builtin-search" else 0)
    folder = run_folder(tmp_path / "out")
    store = RunStore(folder)
    records = store.load_records().records
    assert len(records) == limit
    assert all(record.status == status for record in records), [(record.status, record.error) for record in records]
    assert all(record.final_answer == SCRIPTED_ANSWER for record in records)
    for record in records:
        turns = [event for event in record.events if isinstance(event, ModelTurnEvent)]
        assert all(turn.usage.input_tokens == 400 for turn in turns)
        assert all(turn.usage.output_tokens == 52 for turn in turns)
        assert all(turn.usage.reasoning_tokens == 12 for turn in turns)
        assert all(turn.usage.cached_tokens == 30 for turn in turns)
        # Per turn, in USD per million tokens: 370 uncached input at 1.0, 30 cached at 0.5, 52 output at 2.0.
        assert record.cost_usd == pytest.approx(len(turns) * 489e-6)
    manifest = store.read_manifest()
    assert manifest["agent_config"]["provider"] == "gemini"
    assert manifest["agent_config"]["base_url"] == fake.url
    assert manifest["agent_config"]["tool_images"] == "function_response"
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
    assert [source.url for source in searches[0][0].sources] == ["http://127.0.0.1:9/shop-history"]
    assert records[0].tool_events("web_search") == []


def test_coords_and_options_reach_requests(cli, fake, tmp_path, sample_dir):
    options = ["--coords", "norm1000", "-A", "thinking_budget=2048", "-A", "tool_images=inline", "--model", "gemini-2.5-flash"]
    arguments = ["--tasks", "sample", "--limit", "1", "--setting", "builtin-search", "--out", tmp_path / "out"]

    result = cli("run", "--agent", "gemini", *options, *arguments)

    assert result.code == 0, result.output
    system = system_instruction(fake.requests[0])
    assert "boxes are [ymin, xmin, ymax, xmax], each from 0 to 1000" in system
    assert "[left, top, right, bottom]" not in system
    generation = field(fake.requests[0].json, "generationConfig")
    assert field(field(generation, "thinkingConfig"), "thinkingBudget") == 2048
    config = RunStore(run_folder(tmp_path / "out")).read_manifest()["agent_config"]
    assert config["thinking_budget"] == 2048
    assert config["tool_images"] == "inline"


def test_missing_key_one_line(cli, monkeypatch, tmp_path):
    monkeypatch.delenv("GEMINI_API_KEY")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9")

    result = cli("run", "--agent", "gemini", "--tasks", "sample", "--limit", "1", "--out", tmp_path)

    assert result.code == 2
    assert result.output.strip() == "error: GEMINI_API_KEY or GOOGLE_API_KEY is not set; export it, or run offline with --agent baseline"
