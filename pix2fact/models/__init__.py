"""Model clients: one module per provider, each a `ModelClient` with the same few methods.

- `base`: the provider-neutral conversation (`UserMessage`, `AgentTurn`, `ToolResultsMessage`),
  `ModelRequest`, `GenerationSettings` and the `ModelClient` base class.
- `retry`, `limits`: retries of transient faults and per-provider rate limits, shared by all.
- `pricing`: the price table (`prices.json`) and `cost(provider, model, usage)`.
- `openai_chat`, `openai_responses`: OpenAI and OpenAI-compatible servers.

Provider modules import their SDK at import time, so they are imported only when used.
"""
