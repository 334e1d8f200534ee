"""Token prices and the cost of a model's usage.

A price table ships with pix2fact (`prices.json`, USD per million tokens, each entry with the
page it was read from and a date). A user file of the same shape, named by the `path`
argument or the `PIX2FACT_PRICES` environment variable, is laid over it: its entries replace
shipped ones for the same provider and model, and add new ones.

A model missing from the table has no cost (None), never a guessed one.
"""

from __future__ import annotations

import json
import logging
import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ValidationError

from pix2fact.agent import Usage
from pix2fact.errors import ConfigError

logger = logging.getLogger(__name__)

PRICES_ENV = "PIX2FACT_PRICES"
# Suffixes that name a snapshot or channel of a listed model rather than a different model:
# "gpt-5.4-2026-03-05", "claude-sonnet-4-5-20250929", "gemini-3-flash-preview", "...-latest".
_VARIANT_SUFFIX = re.compile(r"^-(\d{4}-\d{2}-\d{2}|\d{8}|latest|preview(-[\w.-]+)?|exp(-[\w.-]+)?)$")
_unpriced_logged: set[tuple[str, str]] = set()
_price_errors_logged: set[str] = set()


class Price(BaseModel):
    """Prices of one model in USD per million tokens, with where they come from."""

    provider: str
    model: str
    input: float
    output: float
    cached_input: float | None = None
    date: str
    source: str
    note: str = ""


class PriceTable:
    """Prices looked up by provider and model name."""

    def __init__(self, prices: list[Price]) -> None:
        self._prices = {(price.provider, price.model): price for price in prices}

    def __len__(self) -> int:
        return len(self._prices)

    def find(self, provider: str, model: str) -> Price | None:
        """Return the price of `model`, or of the listed model it is a snapshot or variant of."""
        name = model.removeprefix("models/")
        exact = self._prices.get((provider, name))
        if exact is not None:
            return exact

        candidates = [
            price
            for (entry_provider, entry_model), price in self._prices.items()
            if entry_provider == provider
            and name.startswith(entry_model)
            and _VARIANT_SUFFIX.match(name[len(entry_model) :])
        ]
        return max(candidates, key=lambda price: len(price.model), default=None)

    def cost(self, provider: str, model: str | None, usage: Usage) -> float | None:
        """Return the cost of `usage` in USD, or None when the model has no price."""
        price = self.find(provider, model) if model else None
        if price is None:
            if (provider, str(model)) not in _unpriced_logged:
                _unpriced_logged.add((provider, str(model)))
                logger.info("no price for %s model %s; its cost is left empty (add it with %s)", provider, model, PRICES_ENV)
            return None

        cached = min(usage.cached_tokens, usage.input_tokens)
        cached_rate = price.input if price.cached_input is None else price.cached_input
        dollars = (
            (usage.input_tokens - cached) * price.input
            + cached * cached_rate
            + usage.output_tokens * price.output
        )
        return dollars / 1_000_000


def load_prices(path: str | Path | None = None) -> PriceTable:
    """Return the shipped table overlaid with the user's file (`path` or `PIX2FACT_PRICES`).

    Raises:
        ConfigError: when the user's file is missing or not a valid price table.
    """
    prices = list(_shipped_prices())
    override = path or os.environ.get(PRICES_ENV)
    if override:
        prices += _read_prices(Path(override))
    return PriceTable(prices)


def cost(provider: str, model: str | None, usage: Usage, table: PriceTable | None = None) -> float | None:
    """Return the cost of `usage` in USD from `table` (default: `load_prices()`), or None if unknown."""
    return (table or load_prices()).cost(provider, model, usage)


def task_cost(provider: str | None, model: str | None, usage: Usage) -> float | None:
    """Return the cost of one task's usage in USD, or None when it cannot be priced.

    Unlike `cost`, an invalid user price file does not raise here. It is logged once and gives
    None, so the task's record is still saved.
    """
    if not provider or not model:
        return None
    try:
        return load_prices().cost(provider, model, usage)
    except ConfigError as error:
        if str(error) not in _price_errors_logged:
            _price_errors_logged.add(str(error))
            logger.warning("task costs are left empty: %s", error)
        return None


@lru_cache(maxsize=1)
def _shipped_prices() -> tuple[Price, ...]:
    text = resources.files("pix2fact.models").joinpath("prices.json").read_text(encoding="utf-8")
    return tuple(_parse(text, "the shipped prices.json"))


def _read_prices(path: Path) -> list[Price]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read the price file {path} ({error.strerror}); fix the path in {PRICES_ENV}") from None
    return _parse(text, str(path))


def _parse(text: str, origin: str) -> list[Price]:
    try:
        document = json.loads(text)
        entries = document["prices"] if isinstance(document, dict) else document
        return [Price.model_validate(entry) for entry in entries]
    except (ValueError, KeyError, TypeError, ValidationError) as error:
        detail = str(error).splitlines()[0]
        raise ConfigError(
            f"invalid price table {origin}: {detail}; expected {{\"prices\": [{{provider, model, input, "
            "output, cached_input, date, source}, ...]} in USD per million tokens"
        ) from None
