"""Which grader a judging pass uses, parsed from `--judge`, and the model client behind an LLM judge.

Forms of `--judge`:

    rule                        the offline rule grader (the default)
    llm:PROVIDER[:MODEL]        an LLM grades every answer the protocol does not settle
    both:PROVIDER[:MODEL]       the rule grader first; the LLM only where the rules find no match

PROVIDER is gemini, openai, anthropic or openai-compatible. MODEL may contain colons (Ollama
names such as `qwen2.5:7b`); without it the provider client's default model is used, except for
openai-compatible, which has none. Keys and base URLs come from the same environment variables
the model agents read (OPENAI_API_KEY / OPENAI_BASE_URL, GEMINI_API_KEY / GOOGLE_GEMINI_BASE_URL,
ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any, Literal

from pix2fact.errors import ConfigError
from pix2fact.judge.versions import JUDGE_PROMPT_VERSION, RULE_JUDGE_VERSION

PROVIDERS: dict[str, str] = {
    "gemini": "pix2fact.models.gemini:GeminiClient",
    "openai": "pix2fact.models.openai_chat:OpenAIChatClient",
    "anthropic": "pix2fact.models.anthropic:AnthropicClient",
    "openai-compatible": "pix2fact.models.openai_chat:OpenAICompatibleClient",
}

Mode = Literal["rule", "llm", "both"]


@dataclass(frozen=True)
class LLMModel:
    """A provider and model name, as in `openai:gpt-5.4-mini`; `model` is None for the provider's default."""

    provider: str
    model: str | None = None

    @classmethod
    def parse(cls, text: str, *, option: str = "--judge") -> "LLMModel":
        """Read `PROVIDER[:MODEL]`.

        Raises:
            ConfigError: for an unknown provider or a missing model where one is required.
        """
        provider, _, model = text.strip().partition(":")
        provider = provider.strip().lower()
        if provider not in PROVIDERS:
            raise ConfigError(f"unknown judge provider {provider!r} in {option} {text!r}; choose one of: {', '.join(PROVIDERS)}")
        model = model.strip() or None
        if model is None and provider == "openai-compatible":
            raise ConfigError(f"{option} {text!r}: openai-compatible has no default model; write openai-compatible:MODEL")
        return cls(provider, model)

    def client_class(self) -> Any:
        module_name, _, class_name = PROVIDERS[self.provider].partition(":")
        return getattr(importlib.import_module(module_name), class_name)

    @property
    def name(self) -> str:
        """`provider:model` with the default model filled in; it keys the verdict cache."""
        return f"{self.provider}:{self.model or self.client_class().default_model}"

    def make_client(self, **options: Any) -> Any:
        """Build the provider's `ModelClient` from the environment (key and base URL).

        Raises:
            ConfigError: when the provider's key (or, for openai-compatible, its URL) is missing.
        """
        return self.client_class().from_env(self.model, **options)


@dataclass(frozen=True)
class JudgeSpec:
    """A parsed `--judge` value."""

    mode: Mode = "rule"
    llm: LLMModel | None = None

    @classmethod
    def parse(cls, text: "str | JudgeSpec | None") -> "JudgeSpec":
        """Read a `--judge` value (see the module docstring); a JudgeSpec passes through.

        Raises:
            ConfigError: naming the value and the accepted forms.
        """
        if isinstance(text, JudgeSpec):
            return text
        value = (text or "rule").strip()
        mode, _, rest = value.partition(":")
        mode = mode.lower()
        if mode == "rule" and not rest:
            return cls("rule")
        if mode in ("llm", "both"):
            if not rest:
                raise ConfigError(
                    f"--judge {value!r} needs the judge model: write {mode}:PROVIDER[:MODEL], for example "
                    f"{mode}:openai:gpt-5.4-mini or {mode}:gemini (providers: {', '.join(PROVIDERS)})"
                )
            return cls(mode, LLMModel.parse(rest))  # type: ignore[arg-type]
        raise ConfigError(f"invalid --judge {value!r}; write rule, llm:PROVIDER[:MODEL] or both:PROVIDER[:MODEL]")

    @property
    def uses_llm(self) -> bool:
        return self.llm is not None

    @property
    def version(self) -> str:
        """The judge version stamped on every verdict and verdict file of a pass."""
        if self.llm is None:
            return RULE_JUDGE_VERSION
        llm = f"llm-{JUDGE_PROMPT_VERSION}+{self.llm.name}"
        return llm if self.mode == "llm" else f"{RULE_JUDGE_VERSION}+{llm}"

    @property
    def slug(self) -> str:
        """`version` made safe for a file name."""
        return re.sub(r"[^A-Za-z0-9._+-]+", "-", self.version).strip("-")
