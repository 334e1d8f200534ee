"""The example plug-in agent: a full-resolution sweep first, then the wrapped agent."""

from __future__ import annotations

import pytest

from pix2fact.errors import ConfigError
from pix2fact.plugins import create_agent
from pix2fact.store import RunStore


def test_sweeps_then_hands_over_to_baseline(cli, tmp_path, sample_dir):
    result = cli("run", "--agent", "zoom-first", "-A", "inner=baseline", "-A", "grid=2", "--task-id", "sample-002", "--out", tmp_path)

    assert result.code == 0, result.output
    folder = next(tmp_path.iterdir())
    record = RunStore(folder).load_records().records[0]
    first_turn = record.events[0]
    assert [call.name for call in first_turn.tool_calls] == ["crop"] * 4
    assert first_turn.tool_calls[3].arguments["box"] == [1920, 1080, 3840, 2160]
    assert record.status == "answered"
    assert len(record.tool_events("web_search")) >= 1
    verdict = RunStore(folder).read_jsonl("verdicts.jsonl")[0]
    assert verdict["verdict"] == "correct"
    assert RunStore(folder).read_manifest()["agent_config"]["inner"] == "baseline"


@pytest.mark.parametrize(
    "options, message",
    [
        pytest.param({"grid": "x"}, "grid must be a whole number", id="grid-not-a-number"),
        pytest.param({"grid": "9"}, "grid must be from 1 to 4", id="grid-too-large"),
        pytest.param({"inner": "zoom-first"}, "cannot wrap itself", id="wraps-itself"),
    ],
)
def test_bad_options_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        create_agent("zoom-first", options)
