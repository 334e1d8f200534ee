"""Finding the gold answer (or the task's key terms) in text the agent saw.

Used by attribution to tell "the answer was in front of the agent" from "it never got there".
Each kind is looked for the way its normaliser reads it, so "+44 20 7946 0958" is found in a page
that writes "020 7946 0958". Short numeric kinds (number, year, price, hours) appear on almost
every page by chance, so for them a hit counts only when the same text also holds one of the
task's key terms.
"""

from __future__ import annotations

import re
from typing import Sequence

from pix2fact.judge.address import parse_address
from pix2fact.judge.clock import Schedule, read_schedule
from pix2fact.judge.names import fold_text
from pix2fact.judge.normalize import NORMALIZERS, resolve_kind
from pix2fact.judge.text import is_no_answer

# Kinds whose values are too common to count as found without a key term beside them.
WEAK_KINDS = frozenset({"number", "year", "price", "hours"})

_STOPWORDS = frozenset(
    "a an and are as at be by for from how in is it of on or the to was what when where which who "
    "whose why with this that these there near next inside outside sign shown seen photo image picture "
    "phone telephone number address opening hours hour website site url email mail price cost costs "
    "year date official contact located location open time times name called de la le".split()
)


def key_terms(search_query: str, question: str = "") -> list[str]:
    """Return the words of the reference query that name the detail, in order, without repeats.

    A quoted phrase in the query ("\"Norcross Swim Club\" year founded") is the detail's
    name, so only its words count. Otherwise the words the question also uses ("year",
    "founded") are dropped: they describe the fact asked for, not the detail in the image. When
    that leaves nothing, every distinctive word of the query counts.
    """
    quoted = " ".join(re.findall(r'"([^"]+)"', search_query))
    question_words = set(fold_text(question).split())
    candidates = [word for word in fold_text(quoted or search_query).split() if len(word) > 1 and word not in _STOPWORDS]
    if not quoted:
        candidates = [word for word in candidates if word not in question_words] or candidates

    terms: list[str] = []
    for word in candidates:
        if word not in terms:
            terms.append(word)
    return terms


def term_coverage(terms: Sequence[str], text: str) -> float:
    """Return the fraction of `terms` that occur in `text` as words (or inside a compound word)."""
    if not terms:
        return 0.0
    folded = fold_text(text)
    words = set(folded.split())
    compact = folded.replace(" ", "")
    return sum(1 for term in terms if term in words or term in compact) / len(terms)


def phrase_in(phrase: str, text: str) -> bool:
    """Return whether the folded phrase occurs in the folded text on word boundaries."""
    needle = fold_text(phrase)
    if not needle:
        return False
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", fold_text(text)) is not None


def _hours_in(gold: Schedule, page: Schedule) -> bool:
    page_intervals = {interval for _, intervals in page.by_day for interval in intervals}
    return all(interval in page_intervals for _, intervals in gold.by_day for interval in intervals)


def _value_in(text: str, gold: str, kind: str) -> bool:
    if kind in ("name", "text"):
        return phrase_in(gold, text)
    if kind == "address":
        street = next((part for part in parse_address(gold) if any(char.isdigit() for char in "".join(part))), None)
        page = " ".join(parse_address(text).tokens)
        return street is not None and re.search(rf"(?<!\w){re.escape(' '.join(street))}(?!\w)", page) is not None
    if kind == "hours":
        gold_schedule, _ = read_schedule(gold)
        page_schedule, _ = read_schedule(text)
        return gold_schedule is not None and page_schedule is not None and _hours_in(gold_schedule, page_schedule)

    normalizer = NORMALIZERS[kind]
    gold_values = normalizer.find(gold).values
    page_values = normalizer.find(text).values
    return bool(gold_values) and all(any(normalizer.same(value, expected) for value in page_values) for expected in gold_values)


def gold_in_text(text: str, gold: str, aliases: Sequence[str] = (), kind: str = "", terms: Sequence[str] = ()) -> bool:
    """Return whether the text states the gold answer or one of its aliases.

    Args:
        text: A tool result the agent saw.
        gold: The gold answer.
        aliases: Other accepted forms.
        kind: Answer kind hint, as for grading.
        terms: The task's key terms; required beside weak kinds (see module docstring).
    """
    if not text.strip():
        return False
    for candidate in (gold, *aliases):
        if not candidate.strip() or is_no_answer(candidate):
            continue
        candidate_kind = resolve_kind(kind, candidate)
        if candidate_kind in WEAK_KINDS and not (terms and term_coverage(terms, text) > 0):
            continue
        if _value_in(text, candidate, candidate_kind):
            return True
    return False
