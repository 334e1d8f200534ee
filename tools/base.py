"""The tool contract: a name, a JSON schema and an async call that returns a typed result.

Two kinds of failure are kept apart here, because the judge must never blame a model for a
harness fault:

- `ToolError` is the model's problem (a crop box outside the image, a dead link id, a search
  with no hits). The loop sends its message back to the model as a tool result it can act on.
- Any other exception is the harness's problem (the browser crashed, a file vanished). The
  loop records it as a harness fault and tells the model only that the tool failed.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class ToolError(Exception):
    """A tool call the model can correct: the message says what was wrong and what to do."""


class ImageBlob(BaseModel):
    """An image produced by a tool, kept as encoded bytes until the trajectory stores it."""

    model_config = ConfigDict(frozen=True)

    data: bytes = Field(repr=False)
    mime_type: str = "image/jpeg"
    width: int
    height: int
    label: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class ToolResult(BaseModel):
    """What a tool call returns to the model, plus structured facts for the trajectory.

    `text` and `images` are what the model sees. `data` holds what the judge and replay need
    (the crop box in original-image pixels, the URL a page really loaded, which search provider
    answered) and is recorded but never shown to the model.
    """

    text: str = ""
    images: list[ImageBlob] = Field(default_factory=list)
    error: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.error is not None


class ImageLimits(BaseModel):
    """The largest image a model accepts. Image tools size overviews and crops to fit it."""

    max_side: int = 1568
    max_bytes: int = 3_750_000


class ToolSpec(BaseModel):
    """A tool as a model client presents it: name, description and JSON schema of arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@runtime_checkable
class Tool(Protocol):
    """One callable tool. `call` receives arguments already parsed from JSON."""

    spec: ToolSpec

    async def call(self, arguments: dict[str, Any]) -> ToolResult: ...


def require_keys(arguments: dict[str, Any], schema: dict[str, Any]) -> None:
    """Raise `ToolError` when a required argument is missing or an unknown one is given."""
    properties = schema.get("properties", {})
    missing = [key for key in schema.get("required", []) if key not in arguments]
    if missing:
        raise ToolError(f"missing required argument(s): {', '.join(missing)}; expected {sorted(properties)}")

    unknown = [key for key in arguments if key not in properties]
    if unknown:
        raise ToolError(f"unknown argument(s): {', '.join(unknown)}; expected {sorted(properties)}")
