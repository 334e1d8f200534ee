"""Model agents: one design shared by every provider, over the engine's loop.

Each agent keeps the conversation in provider-neutral form (`pix2fact.models.base`) and hands
it to a provider client each turn:

1. `start` builds the system prompt (`agents/prompts.py`) and the first user message: the
   question plus the overview image the engine prepared.
2. `step(results)` appends the previous turn's tool results, replaces images older than the
   newest `max_images_in_history` by short notes, calls the client, and returns its turn.
3. `close` releases the client's HTTP connections.

In the `single-pass` setting the agent makes one call without tools and returns the model's
JSON answer as text; the loop parses it. In `builtin-search` the client enables the provider's
own web search (and `builtin_search_client_path`, when set, picks a client that supports it).

Adding a provider takes a client module in `pix2fact/models/` (a `ModelClient` subclass) plus
a subclass here, registered in the `pix2fact.agents` entry-point group of pyproject.toml:

    class MistralAgent(ModelAgent):
        '''Mistral models through the mistralai SDK (key: MISTRAL_API_KEY).'''

        name = "mistral"
        client_path = "pix2fact.models.mistral:MistralClient"

The client class supplies the default model, key variables, image limits and provider name.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from pix2fact.agent import Agent, AgentContext, AgentTurn, ToolOutcome
from pix2fact.agents.model_options import CLIENT_OPTIONS, ModelAgentOptions
from pix2fact.errors import ConfigError
from pix2fact.agents.prompts import first_message, system_prompt
from pix2fact.models.base import (
    GenerationSettings,
    Message,
    ModelClient,
    ModelRequest,
    ToolResultsMessage,
    UserMessage,
    prune_images,
)
from pix2fact.models.limits import configure_limits
from pix2fact.models.retry import RetryPolicy
from pix2fact.tasks.model import TaskView

logger = logging.getLogger(__name__)


class ModelAgent(Agent):
    """An agent whose turns come from a vision-language model API.

    Options (keyword arguments, or `-A key=value` strings from the command line) are checked
    by `ModelAgentOptions`, which documents each one.

    Raises:
        ConfigError: for an invalid option or a missing API key.
    """

    name: ClassVar[str] = "model"
    client_path: ClassVar[str]
    builtin_search_client_path: ClassVar[str | None] = None

    def __init__(self, **options: Any) -> None:
        self.options = ModelAgentOptions.parse(options, agent=self.name)
        client_class = _load_client_class(self.client_path)
        self.provider = client_class.provider
        self.image_limits = client_class.image_limits
        self.client = self._make_client(client_class)
        self.model = self.client.model
        self.messages: list[Message] = []
        self.system = ""

    def _make_client(self, client_class: type[ModelClient]) -> ModelClient:
        opts = self.options
        if any(value is not None for value in (opts.max_concurrency, opts.requests_per_minute, opts.tokens_per_minute)):
            configure_limits(
                client_class.provider,
                max_concurrency=opts.max_concurrency,
                requests_per_minute=opts.requests_per_minute,
                tokens_per_minute=opts.tokens_per_minute,
            )
        policy = RetryPolicy(max_attempts=opts.max_attempts, max_total_s=opts.max_retry_seconds)
        extra = opts.client_options()
        for name in extra:
            if name not in client_class.provider_options:
                scope = (ModelAgentOptions.model_fields[name].description or "").partition(":")[0]
                raise ConfigError(f"option {name!r} does not apply to agent {self.name!r} ({scope}); remove -A {name}=...")
        return client_class.from_env(opts.model, opts.base_url, retry_policy=policy, **extra)

    async def start(self, task: TaskView, context: AgentContext) -> None:
        await super().start(task, context)
        if context.setting == "builtin-search" and self.builtin_search_client_path:
            await self.client.aclose()
            self.client = self._make_client(_load_client_class(self.builtin_search_client_path))

        self.system = system_prompt(context)
        self.messages = [UserMessage(text=first_message(task, context), images=list(context.overview.images))]
        self._answered_single_pass = False

    async def step(self, results: list[ToolOutcome]) -> AgentTurn:
        """Append the tool results, ask the model for its next turn, and return that turn."""
        single_pass = self.context.setting == "single-pass"
        if single_pass and self._answered_single_pass:
            # The loop stops after a turn without tool calls; this guards a custom loop that does not.
            return AgentTurn(model=self.model, stop_reason="single_pass_done")

        if results:
            self.messages.append(ToolResultsMessage(outcomes=results))
        keep = min(self.options.max_images_in_history, self.client.max_images_per_request)
        request = ModelRequest(
            system=self.system,
            messages=prune_images(self.messages, keep),
            tools=[] if single_pass else list(self.context.tools),
            settings=GenerationSettings(
                temperature=self.options.temperature,
                max_output_tokens=self.options.max_output_tokens,
                reasoning_effort=self.options.reasoning_effort,
                timeout_s=self.options.timeout_s,
            ),
            task_id=self.task.id,
            builtin_search=self.context.setting == "builtin-search",
        )

        turn = await self.client.generate(request)
        self.messages.append(turn)
        if single_pass:
            self._answered_single_pass = True
            turn = turn.model_copy(update={"tool_calls": []})
        return turn

    async def close(self) -> None:
        await self.client.aclose()

    def config(self) -> dict[str, Any]:
        """Return the options that shape results, for the run manifest. Never contains a key."""
        values = self.options.model_dump(exclude={"model", "base_url", *CLIENT_OPTIONS})
        return {
            "name": self.name,
            "provider": self.provider,
            "model": self.model,
            "client": type(self.client).__name__,
            "builtin_search_client": self.builtin_search_client_path,
            "base_url": _public_url(self.client.base_url or self.options.base_url),
            **values,
            **self.client.manifest_options(),
        }


class GPTAgent(ModelAgent):
    """OpenAI models through Chat Completions (key: OPENAI_API_KEY; base URL: OPENAI_BASE_URL).

    The default model is `OpenAIChatClient.default_model`. In `builtin-search` the agent uses
    the Responses API, whose `web_search` tool works together with function tools.
    """

    name: ClassVar[str] = "gpt"
    client_path: ClassVar[str] = "pix2fact.models.openai_chat:OpenAIChatClient"
    builtin_search_client_path: ClassVar[str | None] = "pix2fact.models.openai_responses:OpenAIResponsesClient"


class OpenAICompatibleAgent(ModelAgent):
    """Any OpenAI-compatible server: vLLM, SGLang, Ollama, LM Studio, OpenRouter.

    Needs `base_url` (or OPENAI_BASE_URL) and `model`; the key (OPENAI_API_KEY) is optional.
    In `builtin-search` the model name gets OpenRouter's `:online` suffix.
    """

    name: ClassVar[str] = "openai-compatible"
    client_path: ClassVar[str] = "pix2fact.models.openai_chat:OpenAICompatibleClient"


class GeminiAgent(ModelAgent):
    """Google Gemini models through the google-genai SDK (key: GEMINI_API_KEY or GOOGLE_API_KEY)."""

    name: ClassVar[str] = "gemini"
    client_path: ClassVar[str] = "pix2fact.models.gemini:GeminiClient"


class ClaudeAgent(ModelAgent):
    """Anthropic Claude models through the anthropic SDK (key: ANTHROPIC_API_KEY)."""

    name: ClassVar[str] = "claude"
    client_path: ClassVar[str] = "pix2fact.models.anthropic:AnthropicClient"


def _load_client_class(path: str) -> type[ModelClient]:
    module_name, _, class_name = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, class_name)


def _public_url(url: str | None) -> str | None:
    """Return `url` without user info, query or fragment, which may carry credentials."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
