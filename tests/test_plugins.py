"""Agent references: entry-point names, file.py:Class, module:Class, options and their errors."""

from __future__ import annotations

import sys
import textwrap

import pytest

from pix2fact.errors import AgentLoadError, ConfigError
from pix2fact.plugins import create_agent, load_agent_class, parse_options, registered_agents

AGENT_SOURCE = textwrap.dedent(
    """
    from pix2fact.agent import Agent, AgentTurn

    class EchoAgent(Agent):
        name = "echo"

        def __init__(self, greeting="hi", source=None):
            self.greeting = greeting
            self.source = source

        async def step(self, results):
            return AgentTurn(text=self.greeting)

    class NotAnAgent:
        pass
    """
)


@pytest.fixture
def agent_file(tmp_path):
    path = tmp_path / "my_agent.py"
    path.write_text(AGENT_SOURCE)
    return path


def test_file_reference_loads_class(agent_file):
    agent = create_agent(f"{agent_file}:EchoAgent", {"greeting": "hello"})

    assert agent.name == "echo"
    assert agent.greeting == "hello"


def test_module_reference_loads_class(agent_file, monkeypatch):
    monkeypatch.syspath_prepend(str(agent_file.parent))
    try:
        cls, implied = load_agent_class("my_agent:EchoAgent")
    finally:
        sys.modules.pop("my_agent", None)

    assert cls.__name__ == "EchoAgent"
    assert implied == {}


def test_builtin_baseline_is_registered_as_entry_point():
    assert registered_agents()["baseline"] == "pix2fact.agents.baseline:BaselineAgent"


@pytest.mark.parametrize(
    "reference, message",
    [
        pytest.param("no-such-agent", "unknown agent 'no-such-agent'", id="unknown-name"),
        pytest.param("missing_file.py:Agent", "agent file not found", id="missing-file"),
        pytest.param("pix2fact_no_such_module:Agent", "cannot import module", id="missing-module"),
    ],
)
def test_bad_references_say_what_was_looked_up(reference, message):
    with pytest.raises(AgentLoadError, match=message):
        load_agent_class(reference)


def test_missing_class_lists_agents_in_file(agent_file):
    with pytest.raises(AgentLoadError, match="agent classes found there: EchoAgent"):
        load_agent_class(f"{agent_file}:Nope")


def test_non_agent_class_is_rejected(agent_file):
    with pytest.raises(AgentLoadError, match="not a subclass of pix2fact.agent.Agent"):
        load_agent_class(f"{agent_file}:NotAnAgent")


def test_unknown_option_names_accepted_options(agent_file):
    with pytest.raises(ConfigError, match="it accepts: greeting, source"):
        create_agent(f"{agent_file}:EchoAgent", {"colour": "red"})


def test_file_with_syntax_error_is_reported(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def oops(:\n")

    with pytest.raises(AgentLoadError, match="importing .*broken.py failed: SyntaxError"):
        load_agent_class(f"{path}:Anything")


def test_parse_options_pairs():
    assert parse_options(["max-images=3", "mode=zoom=first"]) == {"max_images": "3", "mode": "zoom=first"}


def test_parse_options_rejects_missing_equals():
    with pytest.raises(ConfigError, match="write it as -A key=value"):
        parse_options(["verbose"])
