"""Text folding shared by every normaliser: case, accents, dashes, quotes, number words.

The normalisers compare meaning, so they first fold away differences that never change a fact:
letter case, diacritics, typographic dashes and apostrophes, surrounding quotes and a final full
stop. Folding keeps digits and the separators between them, because those do change facts.
"""

from __future__ import annotations

import re
import unicodedata

NO_ANSWER_TOKEN = "[NO_DEFINITIVE_ANSWER]"

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_QUOTES = {ord("\u2018"): "'", ord("\u2019"): "'", ord("\u02bc"): "'", ord("\u201c"): '"', ord("\u201d"): '"'}

# Lead-in phrases a model puts before a short answer. Only whole phrases at the very start are
# removed, so a name that happens to contain "is" is left alone.
_LEAD_IN = re.compile(
    r"^(?:(?:the\s+)?(?:final\s+|short\s+)?answer\s*(?:is\s*:?|:)"
    r"|(?:it|this|that|they)\s+(?:is|was|are|were)(?:\s+located\s+at)?"
    r"|(?:located|situated)\s+at"
    r"|the\s+(?:address|phone(?:\s+number)?|telephone(?:\s+number)?|number|email(?:\s+address)?|website|url|name|date|year|price)\s+(?:is|was)\s*:?)\s+",
    re.IGNORECASE,
)

# Qualifier words mapped to a class. Two values agree only when their qualifier classes agree,
# so "about 300" is not "300", while "c. 1890" and "circa 1890" are the same claim.
QUALIFIERS: dict[str, str] = {
    "c": "approx", "ca": "approx", "circa": "approx", "approx": "approx", "approximately": "approx",
    "about": "approx", "around": "approx", "roughly": "approx", "nearly": "approx", "almost": "approx",
    "some": "approx", "est": "approx", "estimated": "approx", "~": "approx",
    "over": "over", "more than": "over", "at least": "over", "above": "over", "upwards of": "over", "in excess of": "over",
    "under": "under", "less than": "under", "below": "under", "up to": "under", "at most": "under", "fewer than": "under",
    "before": "before", "pre": "before", "prior to": "before", "after": "after", "post": "after", "since": "after",
}
QUALIFIER_PATTERN = "|".join(sorted((re.escape(word) for word in QUALIFIERS), key=len, reverse=True))

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", "thousand", "dozen"], key=len, reverse=True))
_NUMBER_RUN = re.compile(rf"\b(?:{_NUMBER_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_NUMBER_WORD}))*\b", re.IGNORECASE)


def strip_accents(text: str) -> str:
    """Return the text without combining marks ("é" becomes "e"); "ß" is left to casefold."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str, accents: bool = False) -> str:
    """Fold the text for comparison: NFKC, ASCII dashes and quotes, casefold, single spaces.

    Args:
        text: Any answer or gold string.
        accents: Keep diacritics when True (e-mail addresses and URLs, where "café.fr" is a
            different domain from "cafe.fr").
    """
    folded = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES).casefold()
    if not accents:
        folded = strip_accents(folded)
    return " ".join(folded.split())


def unwrap(text: str) -> str:
    """Remove a lead-in phrase, surrounding quotes or brackets, and a closing full stop."""
    value = text.strip()
    for _ in range(3):
        before = value
        value = _LEAD_IN.sub("", value).strip()
        if len(value) >= 2 and value[0] + value[-1] in ('""', "''", "<>", "()", "[]", "``", "**"):
            value = value[1:-1].strip()
        value = value.rstrip(".!").strip()
        if value == before:
            break
    return value


def is_no_answer(text: str) -> bool:
    """Return whether the text is an abstention: the token alone, or the token and an explanation.

    Surrounding space, quotes and case are ignored, and so are the token's brackets when the
    token is alone ("NO_DEFINITIVE_ANSWER").
    """
    folded = unwrap(text).upper()
    return folded.startswith(NO_ANSWER_TOKEN) or folded.strip("[] ") == NO_ANSWER_TOKEN.strip("[]")


def words_to_int(words: str) -> int | None:
    """Read an English number phrase such as "forty-two" or "one hundred and five"."""
    total = 0
    current = 0
    for word in re.split(r"[\s-]+", words.lower()):
        if word in ("", "and"):
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "dozen":
            current = (current or 1) * 12
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
    return total + current


def replace_number_words(text: str) -> str:
    """Replace runs of English number words by digits: "forty-two floors" -> "42 floors"."""

    def _digits(match: re.Match[str]) -> str:
        value = words_to_int(match.group(0))
        return match.group(0) if value is None else str(value)

    return _NUMBER_RUN.sub(_digits, text)


def only_filler(text: str, filler: frozenset[str]) -> bool:
    """Return whether the text contains nothing but punctuation and the given filler words."""
    words = re.findall(r"[^\W_]+", text)
    return all(word in filler for word in words)


FILLER = frozenset(
    "the a an is was are were it its this that at on in of from by to for be open opens opening "
    "located situated address phone telephone tel number call email e mail website site url web "
    "date year price cost costs costing hours time answer final i e".split()
)
