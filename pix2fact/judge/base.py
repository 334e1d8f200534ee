"""The contract every answer-kind normaliser follows.

A normaliser reads the values of one kind (phone numbers, opening hours, prices...) out of a
text and decides whether two values are the same fact. The rule grader needs nothing else: it
reads the gold answer's values, reads the answer's values, and compares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Found:
    """The values of one kind found in a text.

    Attributes:
        values: Every value found, in text order; duplicates are kept.
        whole: True when the text held nothing but these values and filler words, so the text
            *is* the value rather than a sentence that mentions it.
    """

    values: list[Any] = field(default_factory=list)
    whole: bool = False


class Normalizer(Protocol):
    """One answer kind: how to find its values in a text and when two values agree."""

    kind: str

    def find(self, text: str) -> Found:
        """Return the values of this kind in `text` (an empty `Found` when there are none)."""
        ...

    def same(self, answer: Any, gold: Any) -> bool:
        """Return whether the answer's value states the same fact as the gold value."""
        ...

    def describe(self, value: Any) -> str:
        """Return a short canonical form of a value, used in grading reasons."""
        ...
