"""Exceptions of the harness.

    Pix2FactError                 any error the CLI prints as one line and exits non-zero on
    ├── ConfigError               the user's input is wrong: an option, a file, a missing key
    │   └── TaskFormatError       a task file row that cannot be read (file, row, column, value)
    ├── AgentLoadError            an `--agent` reference that does not resolve to an agent
    └── HarnessError              our fault or the provider's, never the model's
        ├── ProviderError         a model API failed after the retries ran out
        └── ContextLengthError    the conversation no longer fits the model's context window

Model misbehaviour (bad tool arguments, unknown tools, no answer) is not an exception: the loop
answers it with a tool error, and the model may recover.
"""

from __future__ import annotations


class Pix2FactError(Exception):
    """Base class for errors the CLI reports as one clear line."""


class ConfigError(Pix2FactError):
    """Invalid user input: the message names the value and the fix."""


class TaskFormatError(ConfigError):
    """A task file row that cannot be read."""

    def __init__(self, path: str, row: int | str, column: str, value: object, problem: str) -> None:
        self.path = path
        self.row = row
        self.column = column
        self.value = value
        self.problem = problem
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"{path}: row {row}, column {column!r}: {problem} (value {shown})")


class AgentLoadError(Pix2FactError):
    """An agent reference that could not be resolved."""


class HarnessError(Pix2FactError):
    """A failure of the harness or a provider. The judge never counts it against the model."""

    kind = "harness"


class ProviderError(HarnessError):
    """A model provider failed after retries (rate limit, 5xx, timeout, dropped connection)."""

    kind = "provider"


class ContextLengthError(HarnessError):
    """The request exceeded the model's context window."""

    kind = "context_length"
