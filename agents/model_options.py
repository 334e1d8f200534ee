"""Options of the model agents, converted from `-A key=value` strings and checked.

Values may arrive as Python values (from code) or as strings (from the command line); both
go through the same validation, and an invalid one raises `ConfigError` naming the option,
the value and what is accepted.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pix2fact.errors import ConfigError
from pix2fact.models.base import ReasoningEffort


# Options that only some provider clients take; each client lists its own in `client_options`.
CLIENT_OPTIONS = ("thinking_budget", "tool_images", "prompt_cache")


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
    thinking_budget: int | None = Field(
        None,
        ge=-1,
        description="gemini and claude only: thinking tokens per turn, in place of reasoning_effort "
        "(Gemini: 0 turns thinking off, -1 lets the model choose; Claude: at least 1024)",
    )
    tool_images: Literal["auto", "function_response", "inline"] | None = Field(
        None,
        description="gemini only: where images returned by tools go: inside the function response, "
        "inline after it, or auto (inside for Gemini 3 and later)",
    )
    prompt_cache: bool | None = Field(
        None, description="claude only: mark each request's end as a prompt-cache breakpoint (default true)"
    )

    @field_validator("model", "base_url", "reasoning_effort", "tool_images", "prompt_cache", "thinking_budget", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @model_validator(mode="after")
    def _budget_fits_output(self) -> "ModelAgentOptions":
        # Both providers count thinking tokens within the output budget.
        budget, output = self.thinking_budget, self.max_output_tokens
        if budget is not None and output is not None and budget >= output:
            raise ValueError(
                f"thinking_budget={budget} must be less than max_output_tokens={output}, which includes "
                "the thinking; raise max_output_tokens or lower thinking_budget"
            )
        return self

    def client_options(self) -> dict[str, Any]:
        """Return the provider-specific options that were set, as client keyword arguments."""
        values = {name: getattr(self, name) for name in CLIENT_OPTIONS}
        return {name: value for name, value in values.items() if value is not None}

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
    if not problem["loc"]:
        # A check across options, whose message names them itself.
        return problem["msg"].removeprefix("Value error, ")
    return f"{name}={problem.get('input')!r}: {problem['msg']}"
