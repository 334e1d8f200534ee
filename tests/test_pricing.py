"""The price table: shipped entries, user overrides, snapshot names and unknown models."""

from __future__ import annotations

import json

import pytest

from pix2fact.agent import Usage
from pix2fact.errors import ConfigError
from pix2fact.models.pricing import PRICES_ENV, cost, load_prices


def test_shipped_entries_have_sources():
    table = load_prices()

    assert len(table) >= 10
    for price in table._prices.values():
        assert price.source.startswith("https://")
        assert price.date[:4].isdigit()
        assert price.input > 0
        assert price.output > 0


def test_cost_with_cached_tokens(monkeypatch):
    monkeypatch.delenv(PRICES_ENV, raising=False)
    usage = Usage(input_tokens=1_000_000, cached_tokens=400_000, output_tokens=100_000, reasoning_tokens=50_000)

    dollars = cost("openai", "gpt-5.4", usage)

    # 600k uncached at 2.50, 400k cached at 0.25, 100k output at 15.00 (reasoning is inside output).
    assert dollars == pytest.approx(1.5 + 0.1 + 1.5)


def test_cached_without_discount_charged_as_input(monkeypatch):
    monkeypatch.delenv(PRICES_ENV, raising=False)
    usage = Usage(input_tokens=1_000_000, cached_tokens=500_000, output_tokens=0)

    assert cost("gemini", "gemini-2.5-flash", usage) == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-5.4-2026-03-05", "gpt-5.4"),
        ("gpt-5.4-mini", "gpt-5.4-mini"),
        ("gpt-5.4-mini-2026-03-17", "gpt-5.4-mini"),
        ("models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("gemini-3-flash-preview", "gemini-3-flash"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("gpt-5.4-turbo-extra", None),
        ("gpt-9", None),
    ],
)
def test_variant_names_resolve(model, expected):
    provider = "gemini" if "gemini" in model else "anthropic" if "claude" in model else "openai"

    price = load_prices().find(provider, model)

    assert (price.model if price else None) == expected


def test_unknown_model_has_no_cost(monkeypatch):
    monkeypatch.delenv(PRICES_ENV, raising=False)

    assert cost("openai-compatible", "qwen2.5-vl", Usage(input_tokens=10, output_tokens=10)) is None
    assert cost("openai", None, Usage(input_tokens=10)) is None


def test_user_file_overrides_and_adds(tmp_path, monkeypatch):
    path = tmp_path / "prices.json"
    entries = [
        {"provider": "openai", "model": "gpt-5.4", "input": 1.0, "output": 2.0, "date": "2026-12-01", "source": "https://example.org/contract"},
        {"provider": "openai-compatible", "model": "qwen2.5-vl", "input": 0.1, "output": 0.2, "date": "2026-12-01", "source": "https://example.org/own-gpu"},
    ]
    path.write_text(json.dumps({"prices": entries}))
    monkeypatch.setenv(PRICES_ENV, str(path))
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)

    assert cost("openai", "gpt-5.4", usage) == pytest.approx(3.0)
    assert cost("openai-compatible", "qwen2.5-vl", usage) == pytest.approx(0.3)
    assert cost("openai", "gpt-5.5", usage) == pytest.approx(35.0)


def test_bad_user_file_rejected(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"prices": [{"provider": "openai", "model": "x", "input": "cheap"}]}))

    with pytest.raises(ConfigError) as caught:
        load_prices(path)
    assert str(path) in str(caught.value)

    with pytest.raises(ConfigError) as caught:
        load_prices(tmp_path / "missing.json")
    assert "cannot read the price file" in str(caught.value)
