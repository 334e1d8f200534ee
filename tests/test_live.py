"""Opt-in tests against the real model APIs: `pytest -m live` with the provider's key exported.

They are deselected by default (see `addopts` in pyproject.toml) and skip themselves when the key
is missing, so a plain `pytest` never sends a request anywhere but 127.0.0.1.
"""

from __future__ import annotations

import os

import pytest

from pix2fact.store import RunStore

pytestmark = pytest.mark.live

AGENTS = [
    pytest.param("gemini", ("GEMINI_API_KEY", "GOOGLE_API_KEY"), id="gemini"),
    pytest.param("gpt", ("OPENAI_API_KEY",), id="gpt"),
    pytest.param("claude", ("ANTHROPIC_API_KEY",), id="claude"),
]


@pytest.mark.parametrize("agent, key_names", AGENTS)
def test_live_agent_answers_one_sample_task(cli, tmp_path, sample_dir, agent, key_names):
    if not any(os.environ.get(name) for name in key_names):
        pytest.skip(f"set {' or '.join(key_names)} to run the live {agent} test")

    result = cli("run", "--agent", agent, "--tasks", "sample", "--limit", "1", "--max-steps", "12", "--out", tmp_path)

    assert result.code == 0, result.output
    folder = next(tmp_path.iterdir())
    records = RunStore(folder).load_records().records
    assert len(records) == 1
    assert records[0].usage.input_tokens > 0
    assert records[0].status in ("answered", "text_answer", "limit")
    for name in key_names:
        secret = os.environ.get(name)
        if secret:
            for path in folder.rglob("*"):
                if path.is_file() and path.suffix in (".json", ".jsonl", ".log"):
                    assert secret not in path.read_text(encoding="utf-8", errors="ignore")
