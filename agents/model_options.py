"""Options of the model agents, converted from `-A key=value` strings and checked.

Values may arrive as Python values (from code) or as strings (from the command line); both
go through the same validation, and an invalid one raises `ConfigError` naming the option,
the value and what is accepted.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pix2fact.errors import ConfigError
from pix2fact.models.base import ReasoningEffort


class ModelAgentOptions(BaseModel):
    """Options of a model agent. None leaves the provider's or client's default."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str | None = Field(None, description="model name (default: the agent's default model)")
    base_url: str | None = Field(None, description="API base URL (default: the SDK's base-URL variable)")
    temperature: float | None = Field(None, ge=0, le=2, description="sampling temperature, 0 to 2")
    max_output_tokens: int | None = Field(None, ge=1, description="output token budget per turn")
    reasoning_effort: ReasoningEffort | None = Field(None, description="thinking effort: " + ", ".join(get_args(ReasoningEffort)))
    max_images_in_history: int = Field(8, ge=1, description="newest images kept in the conversation; older ones become notes")
    timeout_s: float = Field(180.0, gt=0, description="seconds one model call may take")
    max_attempts: int = Field(6, ge=1, description="attempts per model call, counting the first")
    max_retry_seconds: float = Field(600.0, gt=0, description="seconds after which no more retries start")
    max_concurrency: int | None = Field(None, ge=1, description="model calls in flight per provider (default 8)")
    requests_per_minute: int | None = Field(None, ge=1, description="model calls started per minute per provider")
    tokens_per_minute: int | None = Field(None, ge=1, description="input+output tokens per minute per provider")

    @field_validator("model", "base_url", "reasoning_effort", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @classmethod
    def parse(cls, options: dict[str, Any], *, agent: str) -> "ModelAgentOptions":
        """Validate `options` and return them converted.

        Raises:
            ConfigError: naming each invalid or unknown option, with the accepted values.
        """
        try:
            return cls.model_validate(options)
        except ValidationError as error:
            problems = [_describe(problem) for problem in error.errors()]
            raise ConfigError(f"invalid option(s) for agent {agent!r}: " + "; ".join(problems)) from None

    @classmethod
    def help_lines(cls) -> list[str]:
        """Return one `name: description` line per option, for help text and errors."""
        return [f"{name}: {field.description}" for name, field in cls.model_fields.items()]


def _describe(problem: dict[str, Any]) -> str:
    name = ".".join(str(part) for part in problem["loc"]) or "?"
    if problem["type"] == "extra_forbidden":
        accepted = ", ".join(ModelAgentOptions.model_fields)
        return f"unknown option {name!r} (accepted: {accepted})"
    return f"{name}={problem.get('input')!r}: {problem['msg']}"
