"""Names of people and places, and free text.

Names fold case, accents, apostrophes, hyphens and full stops, read "Last, First" as "First
Last", drop titles (Dr, Sir, Dame...), a leading "The" and legal suffixes (Ltd, Inc...), and
spell out "St" as Saint. Generational suffixes (Jr, Sr, III) are kept and must agree.

Middle names follow one rule, chosen so that one person's name never matches another's.
The first and last tokens must be equal. A middle initial may be left out or added, and a
middle name may be shortened to its initial. A full middle name may not be dropped
("Frank Wright" is not "Frank Lloyd Wright") and a first name may not be shortened.

Free text (kind "text") is compared as a set of parts split on commas, "and", "&", "/" and ";",
each folded the same way and with number words as digits ("platform nine" -> "platform 9").
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pix2fact.judge.base import Found
from pix2fact.judge.text import fold, replace_number_words, unwrap

_TITLES = frozenset("mr mrs ms miss mx dr doctor prof professor sir dame lord lady rev reverend hon fr".split())
_LEGAL = frozenset("ltd limited inc incorporated llc llp plc corp corporation co gmbh ag sa srl bv".split())
_GENERATIONS = frozenset("jr sr ii iii iv".split())
_PART_SEPARATORS = re.compile(r"\s*(?:;|,|/|&|\band\b)\s*")
# Words after which a sentence names its subject: "The restaurant is called Pizza Hut".
_COPULAS = frozenset("is was are were called named".split())


class Name(NamedTuple):
    """A folded name: its tokens and generational suffix."""

    tokens: tuple[str, ...]
    generation: str


def _words(text: str) -> list[str]:
    cleaned = fold(text).replace("'", "").replace(".", " ").replace("-", " ").replace("&", " and ")
    return re.sub(r"[^\w]+", " ", cleaned).split()


def parse_name(text: str) -> Name | None:
    """Fold one name, reordering "Last, First" and removing titles and legal suffixes."""
    text = unwrap(text)
    head, comma, tail = text.partition(",")
    tail_words = _words(tail)
    if comma and tail_words and not set(tail_words) <= (_GENERATIONS | _LEGAL) and "," not in tail:
        text = f"{tail} {head}"
    words = _words(text)

    generation = ""
    while words and words[-1] in (_GENERATIONS | _LEGAL):
        suffix = words.pop()
        generation = suffix if suffix in _GENERATIONS else generation
    while len(words) > 1 and (words[0] in _TITLES or words[0] == "the"):
        words.pop(0)
    words = ["saint" if word == "st" else word for word in words]
    return Name(tuple(words), generation) if words else None


def _middle_compatible(answer: tuple[str, ...], gold: tuple[str, ...]) -> bool:
    if not answer:
        return all(len(word) == 1 for word in gold)
    if not gold:
        return all(len(word) == 1 for word in answer)
    if len(answer) != len(gold):
        return False
    return all(a == g or (min(len(a), len(g)) == 1 and a[0] == g[0]) for a, g in zip(answer, gold))


def tail_after_copula(tokens: tuple[str, ...], length: int) -> tuple[str, ...] | None:
    """Return the last `length` tokens when the word before them is "is", "was", "called"...

    This lets "The architect was Zaha Hadid" match "Zaha Hadid" while "It is not Zaha Hadid"
    and "Zaha Hadid and Patrik Schumacher" do not.
    """
    if len(tokens) <= length or tokens[-length - 1] not in _COPULAS:
        return None
    return tokens[-length:]


def _same_name_tokens(answer: Name, gold: Name) -> bool:
    if answer.generation != gold.generation:
        return False
    if answer.tokens == gold.tokens:
        return True
    if len(answer.tokens) < 2 or len(gold.tokens) < 2:
        return False
    if answer.tokens[0] != gold.tokens[0] or answer.tokens[-1] != gold.tokens[-1]:
        return False
    return _middle_compatible(answer.tokens[1:-1], gold.tokens[1:-1])


def same_name(answer: Name, gold: Name) -> bool:
    """Return whether two names are the same under the middle-name rule in the module docstring.

    An answer sentence that ends in "is <name>" is graded by that name.
    """
    if _same_name_tokens(answer, gold):
        return True
    for length in range(1, len(gold.tokens) + 3):
        tail = tail_after_copula(answer.tokens, length)
        if tail is not None and _same_name_tokens(Name(tail, answer.generation), gold):
            return True
    return False


def split_names(text: str) -> list[str]:
    """Split a list of names ("A B and C D; E F") into names; a lone "Last, First" stays whole.

    A split is kept only when every part has at least two words, so "Smith & Sons" and
    "Kennedy, John" stay one name.
    """
    parts = [part for part in _PART_SEPARATORS.split(unwrap(text)) if part.strip()]
    if len(parts) > 1 and all(len(_words(part)) >= 2 for part in parts):
        return parts
    return [text]


class NameNormalizer:
    """Compare names of people, businesses and places."""

    kind = "name"

    def find(self, text: str) -> Found:
        names = [name for name in (parse_name(part) for part in split_names(text)) if name is not None]
        return Found(names, whole=bool(names))

    def same(self, answer: Name, gold: Name) -> bool:
        return same_name(answer, gold)

    def describe(self, value: Name) -> str:
        return " ".join(value.tokens + ((value.generation,) if value.generation else ()))


def fold_text(text: str) -> str:
    """Fold free text for comparison: case, accents, punctuation, leading article, number words."""
    words = _words(replace_number_words(fold(unwrap(text))))
    if len(words) > 1 and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


class TextNormalizer:
    """Compare free text as an order-free set of parts."""

    kind = "text"

    def find(self, text: str) -> Found:
        parts = [fold_text(part) for part in _PART_SEPARATORS.split(unwrap(text))]
        parts = [part for part in parts if part]
        return Found([frozenset(parts)], whole=True) if parts else Found()

    def same(self, answer: frozenset[str], gold: frozenset[str]) -> bool:
        if answer == gold:
            return True
        if len(answer) != 1 or len(gold) != 1:
            return False
        gold_tokens = tuple(next(iter(gold)).split())
        return tail_after_copula(tuple(next(iter(answer)).split()), len(gold_tokens)) == gold_tokens

    def describe(self, value: frozenset[str]) -> str:
        return " | ".join(sorted(value))
