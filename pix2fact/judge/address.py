"""Street addresses.

Both addresses are folded into tokens: case, accents and punctuation go, "ß" becomes "ss",
abbreviations are spelled out (St -> street, Ave -> avenue, N -> north, Str. -> strasse, ...),
ordinal words become numbers ("Fifth" -> "5th") and US state names become their codes.

An answer matches when its tokens, in order, can be found in the gold's tokens (nothing added
or changed) and they include every token of the gold's street part: the first comma-separated
part that has a number (house number, street name, street type, direction) and any suite or
unit part. City, postcode and country may be left out; a country may be added at the end.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pix2fact.judge.address_words import COUNTRIES, ORDINALS, STREET_WORDS, US_STATES, UNIT_WORDS, expand_token
from pix2fact.judge.base import Found
from pix2fact.judge.text import fold

Tokens = tuple[str, ...]


class Address(tuple):
    """An address as comma-separated parts, each a tuple of folded tokens."""

    @property
    def tokens(self) -> Tokens:
        return tuple(token for part in self for token in part)


def _tokenize_part(part: str, first: bool) -> list[str]:
    words = re.sub(r"[^\w#]+", " ", part.replace("'", "").replace(".", "")).split()
    tokens: list[str] = []
    for index, word in enumerate(words):
        if first and index == 0 and word == "one":
            word = "1"
        before = tokens[-1] if tokens else ""
        after = words[index + 1] if index + 1 < len(words) else None
        tokens.extend(expand_token(word, before, after).split())
    return tokens


def parse_address(text: str) -> Address:
    """Fold an address into comma-separated parts of tokens."""
    folded = fold(text).replace("c/", "calle ").replace("&", " and ").replace("#", " unit ")
    for phrase, code in US_STATES.items():
        folded = re.sub(rf"\b{phrase}\b", code, folded)
    # "12, rue du Bac": a comma right after a leading house number does not end the street part.
    folded = re.sub(r"^(\s*\d+[a-z]?)\s*,\s*(?=[a-z])", r"\1 ", folded)
    parts = [part for part in re.split(r"[,;\n]", folded) if part.strip()]
    return Address(tuple(_tokenize_part(part, index == 0)) for index, part in enumerate(parts))


def _required_positions(gold: Address) -> frozenset[int]:
    """Positions (in the gold's flat tokens) of the street part and any unit part."""
    required: set[int] = set()
    offset = 0
    street_found = False
    for part in gold:
        has_number = any(any(char.isdigit() for char in token) for token in part)
        is_street = not street_found and has_number and any(not token.isdigit() for token in part)
        if is_street or (part and part[0] in UNIT_WORDS):
            required.update(range(offset, offset + len(part)))
            street_found = street_found or is_street
        offset += len(part)
    if not street_found and gold:
        required.update(range(len(gold[0])))
    return frozenset(required)


def _embeds(answer: Tokens, gold: Tokens, required: frozenset[int]) -> bool:
    """Return whether `answer` is a subsequence of `gold` that uses every required gold position."""

    @lru_cache(maxsize=None)
    def fits(i: int, j: int) -> bool:
        if i == len(answer):
            return not any(position >= j for position in required)
        if j == len(gold):
            return False
        if answer[i] == gold[j] and fits(i + 1, j + 1):
            return True
        return j not in required and fits(i, j + 1)

    return fits(0, 0)


def same_address(answer: Address, gold: Address) -> bool:
    """Return whether the answer names the gold's street address, per the module docstring."""
    required = _required_positions(gold)
    gold_tokens = gold.tokens
    if _embeds(answer.tokens, gold_tokens, required):
        return True

    # A country added at the end ("..., UK") does not change the address.
    if len(answer) > 1 and " ".join(answer[-1]) in COUNTRIES:
        return _embeds(Address(answer[:-1]).tokens, gold_tokens, required)
    return False


def _street_candidates(address: Address) -> int:
    """Count house-number-plus-street-word groups, to tell one address from a list of them."""
    tokens = address.tokens
    count = 0
    for index, token in enumerate(tokens):
        if any(char.isdigit() for char in token) and token not in ORDINALS.values():
            window = tokens[max(0, index - 3): index + 5]
            if any(word in STREET_WORDS or word.endswith("strasse") for word in window):
                count += 1
    return count


class AddressNormalizer:
    """Find and compare street addresses."""

    kind = "address"

    def find(self, text: str) -> Found:
        address = parse_address(text)
        if not address.tokens:
            return Found()
        return Found([address], whole=True)

    def same(self, answer: Address, gold: Address) -> bool:
        if same_address(answer, gold):
            return True

        # A sentence that contains one address: drop the words before the gold's first street
        # token, but only when they hold no number (so "124 Main St or 123 Main St" fails).
        required = sorted(_required_positions(gold))
        if not required or _street_candidates(answer) > 1:
            return False
        first = gold.tokens[required[0]]
        tokens = answer.tokens
        if first not in tokens:
            return False
        start = tokens.index(first)
        if any(any(char.isdigit() for char in token) for token in tokens[:start]):
            return False
        return _embeds(tokens[start:], gold.tokens, frozenset(required))

    def describe(self, value: Address) -> str:
        return ", ".join(" ".join(part) for part in value)

    def looks_like(self, gold: str) -> bool:
        address = parse_address(gold)
        tokens = address.tokens
        has_number = any(any(char.isdigit() for char in token) for token in tokens)
        has_street = any(token in STREET_WORDS or token.endswith("strasse") for token in tokens)
        return has_number and has_street
