"""Loading agents by reference: an entry-point name, `path/to/file.py:Class`, or `module:Class`.

Built-in agents are registered in the `pix2fact.agents` entry-point group exactly like
third-party ones, so the engine never imports `pix2fact.agents` by name.

A registered name may take an argument after a colon (`replay:results/run-1`); it reaches the
agent as the `source` option.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pix2fact.agent import Agent
from pix2fact.errors import AgentLoadError, ConfigError, Pix2FactError

GROUP = "pix2fact.agents"


def registered_agents() -> dict[str, str]:
    """Return registered agent names mapped to their `module:Class` targets."""
    return {point.name: point.value for point in entry_points(group=GROUP)}


def load_agent_class(reference: str) -> tuple[type[Agent], dict[str, Any]]:
    """Resolve a reference to an Agent subclass, plus options implied by the reference itself."""
    reference = reference.strip()
    registered = registered_agents()

    name, _, argument = reference.partition(":")
    if name in registered:
        point = next(point for point in entry_points(group=GROUP) if point.name == name)
        try:
            cls = point.load()
        except Exception as error:
            raise AgentLoadError(f"agent {name!r} is registered as {point.value!r} but failed to import: {type(error).__name__}: {error}") from error
        implied = {"source": argument} if argument else {}
        return _check_agent_class(cls, reference), implied

    if ":" not in reference:
        known = ", ".join(sorted(registered)) or "none"
        raise AgentLoadError(f"unknown agent {reference!r}; registered agents: {known}; or give path/to/file.py:ClassName or package.module:ClassName")

    target, _, class_name = reference.rpartition(":")
    module = _import_file(target) if target.endswith(".py") else _import_module(target)
    cls = getattr(module, class_name, None)
    if cls is None:
        public = sorted(name for name, value in vars(module).items() if inspect.isclass(value) and issubclass(value, Agent) and value is not Agent)
        raise AgentLoadError(f"{target!r} has no class {class_name!r}; agent classes found there: {', '.join(public) or 'none'}")
    return _check_agent_class(cls, reference), {}


def create_agent(reference: str, options: dict[str, Any] | None = None) -> Agent:
    """Load the agent class and construct it with keyword options."""
    cls, implied = load_agent_class(reference)
    merged = {**implied, **(options or {})}
    try:
        return cls(**merged)
    except TypeError as error:
        accepted = [name for name in inspect.signature(cls).parameters if name not in ("self", "args", "kwargs")]
        raise ConfigError(f"agent {reference!r} rejected its options {sorted(merged)}: {error}; it accepts: {', '.join(accepted) or 'no options'}") from error
    except ValueError as error:  # agents validate option values in __init__
        raise ConfigError(f"agent {reference!r}: invalid option value: {error}") from error
    except Pix2FactError:
        raise
    except Exception as error:
        raise AgentLoadError(f"creating agent {reference!r} failed: {type(error).__name__}: {error}") from error


def parse_options(pairs: list[str]) -> dict[str, str]:
    """Turn `-A key=value` pairs into a dict; values stay strings for the agent to convert."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key.strip():
            raise ConfigError(f"invalid agent option {pair!r}; write it as -A key=value")
        options[key.strip().replace("-", "_")] = value
    return options


def _check_agent_class(cls: Any, reference: str) -> type[Agent]:
    if not (inspect.isclass(cls) and issubclass(cls, Agent)):
        raise AgentLoadError(f"{reference!r} resolved to {cls!r}, which is not a subclass of pix2fact.agent.Agent")
    if inspect.isabstract(cls):
        raise AgentLoadError(f"{reference!r} resolved to {cls.__name__}, which is abstract; implement step()")
    return cls


def _import_module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise AgentLoadError(f"cannot import module {name!r} for the agent: {error}; check the name and that its package is installed") from error


def _import_file(path_text: str):
    path = Path(path_text).expanduser().resolve()
    if not path.is_file():
        raise AgentLoadError(f"agent file not found: {path_text} (looked at {path})")

    module_name = f"pix2fact_user_agent_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise AgentLoadError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[module_name]
        raise AgentLoadError(f"importing {path} failed: {type(error).__name__}: {error}") from error
    return module
