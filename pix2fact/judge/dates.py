"""Calendar dates and years.

A date is the set of (year, month, day) readings its text allows. Month and day may be None
("March 1887", "1887"), and so may the year ("12 March"). Written-out months, ISO forms and
numeric forms whose order is unambiguous have one reading. A numeric form such as "05/06/2019"
has two, and it matches only a gold with the same two readings: the grader does not guess
whether the writer meant day/month or month/day. A date must be exactly as precise as the gold,
so "March 2021" is not "12 March 2021". The one exception is a gold without a year, which
ignores the year an answer adds.

A year is (qualifier, start, end, decade): "c. 1890" carries the qualifier "approx", "1912-1914"
is a range, "1890s" a decade. Qualifiers must agree, so "approximately 1890" is wrong for the
gold "1890" and "1890" is wrong for the gold "c. 1890": a hedged year and an exact year are
different claims. BC years are negative.
"""

from __future__ import annotations

import calendar
import re
from typing import NamedTuple

from pix2fact.judge.base import Found
from pix2fact.judge.text import FILLER, QUALIFIER_PATTERN, QUALIFIERS, fold, only_filler

_MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): index for index, name in enumerate(calendar.month_abbr) if name}
_MONTHS |= {"sept": 9}
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\b"
_YEAR4 = r"\d{4}"
_DATE_PATTERNS = [
    ("ymd", re.compile(rf"(?<![\d.])({_YEAR4})[-/.](\d{{1,2}})[-/.](\d{{1,2}})(?![\d])")),
    ("dmy_text", re.compile(rf"\b({_DAY})[\s\-/.]*(?:of\s+)?({_MONTH})[\s\-/.,]*({_YEAR4})\b")),
    ("mdy_text", re.compile(rf"\b({_MONTH})\s*({_DAY}),?\s*({_YEAR4})\b")),
    ("numeric", re.compile(rf"(?<![\d.])(\d{{1,2}})[-/.](\d{{1,2}})[-/.]({_YEAR4})(?![\d])")),
    ("my_text", re.compile(rf"\b({_MONTH}),?\s*({_YEAR4})\b")),
    ("ym", re.compile(rf"(?<![\d.])({_YEAR4})-(0[1-9]|1[0-2])(?![\d-])")),
    ("dm_text", re.compile(rf"\b({_DAY})\s*(?:of\s+)?({_MONTH})")),
    ("md_text", re.compile(rf"\b({_MONTH})\s*({_DAY})")),
]
_DATE_FILLER = FILLER | frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun "
    "day and or of".split()
)

# Era forms come first so that "1066 bc" is not read as the plain year 1066.
_YEAR_TOKEN = r"(\d{1,4})\s*(bc|bce|ad|ce)\b|\b(ad|ce)\s*(\d{1,4})|(\d{4})(s)?"
_YEAR = re.compile(
    rf"(?:(?<!\w)(?P<q>{QUALIFIER_PATTERN})\.?-?\s*)?(?:\bfrom\s+)?"
    rf"(?<![\d,.$€£])(?:{_YEAR_TOKEN})(?![\d,])"
    rf"(?:\s*(?:-|to|until|till)\s*(?:(?P<end4>\d{{4}})|(?P<end2>\d{{2}}))(?![\d,]))?",
)
_YEAR_FILLER = FILLER | frozenset("the in year years around built founded opened and or".split())


class DateValue(NamedTuple):
    """Every (year, month, day) reading of one written date."""

    readings: frozenset[tuple[int | None, int | None, int | None]]


class YearValue(NamedTuple):
    """A year, year range or decade, with its qualifier class ("approx", "before", ...)."""

    qualifier: str | None
    start: int
    end: int | None
    decade: bool


def _valid(year: int | None, month: int | None, day: int | None) -> bool:
    if month is not None and not 1 <= month <= 12:
        return False
    # A day without a year is checked against a leap year, so "29 February" stays valid.
    if day is not None and (month is None or not 1 <= day <= calendar.monthrange(year or 2000, month)[1]):
        return False
    return True


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _readings(kind: str, groups: tuple[str, ...]) -> set[tuple[int | None, int | None, int | None]]:
    if kind == "ymd":
        return {(int(groups[0]), int(groups[1]), int(groups[2]))}
    if kind == "dmy_text":
        return {(int(groups[2]), _MONTHS[groups[1].rstrip(".")], _number(groups[0]))}
    if kind == "mdy_text":
        return {(int(groups[2]), _MONTHS[groups[0].rstrip(".")], _number(groups[1]))}
    if kind == "numeric":
        first, second, year = int(groups[0]), int(groups[1]), int(groups[2])
        return {(year, second, first), (year, first, second)}
    if kind == "my_text":
        return {(int(groups[1]), _MONTHS[groups[0].rstrip(".")], None)}
    if kind == "dm_text":
        return {(None, _MONTHS[groups[1].rstrip(".")], _number(groups[0]))}
    if kind == "md_text":
        return {(None, _MONTHS[groups[0].rstrip(".")], _number(groups[1]))}
    return {(int(groups[0]), int(groups[1]), None)}


def find_dates(text: str) -> tuple[list[DateValue], str]:
    """Return every date written in the text, in order, and the text left over."""
    folded = fold(text)
    taken: list[tuple[int, int, DateValue]] = []
    for kind, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(folded):
            if any(start < match.end() and match.start() < end for start, end, _ in taken):
                continue
            readings = {reading for reading in _readings(kind, match.groups()) if _valid(*reading)}
            if readings:
                taken.append((match.start(), match.end(), DateValue(frozenset(readings))))

    taken.sort(key=lambda item: item[0])
    leftover = folded
    for start, end, _ in reversed(taken):
        leftover = leftover[:start] + " " + leftover[end:]
    return [value for _, _, value in taken], leftover


def find_years(text: str) -> tuple[list[YearValue], str]:
    """Return every year, year range or decade in the text, in order, and the text left over."""
    folded = fold(text).replace("'s", "s")
    values: list[YearValue] = []
    leftover = folded
    for match in _YEAR.finditer(folded):
        era_year, era, _, lead_year, plain, decade = match.group(2, 3, 4, 5, 6, 7)
        if plain:
            year = int(plain)
        elif era_year:
            year = -int(era_year) if era in ("bc", "bce") else int(era_year)
        else:
            year = int(lead_year)

        end: int | None = None
        if match.group("end4"):
            end = int(match.group("end4"))
        elif match.group("end2") and year > 0:
            end = year - year % 100 + int(match.group("end2"))
        qualifier = QUALIFIERS.get(match.group("q").rstrip(".-")) if match.group("q") else None
        values.append(YearValue(qualifier, year, end, bool(decade)))
        leftover = leftover.replace(match.group(0), " ", 1)
    return values, leftover


class DateNormalizer:
    """Find and compare calendar dates (a bare year counts as a date with only a year)."""

    kind = "date"

    def find(self, text: str) -> Found:
        values, leftover = find_dates(text)
        if not values:
            years, leftover = find_years(text)
            values = [DateValue(frozenset({(year.start, None, None)})) for year in years if year.end is None and not year.decade and not year.qualifier]
            if len(values) != len(years):
                return Found()
        return Found(values, whole=bool(values) and only_filler(leftover, _DATE_FILLER))

    def same(self, answer: DateValue, gold: DateValue) -> bool:
        # A gold without a year ("12 March", a yearly event) ignores the year an answer adds.
        if all(year is None for year, _, _ in gold.readings):
            return {(None, month, day) for _, month, day in answer.readings} == gold.readings
        return answer.readings == gold.readings

    def describe(self, value: DateValue) -> str:
        shown = sorted("-".join(f"{part:02d}" for part in reading if part is not None) for reading in value.readings)
        return " or ".join(shown)

    def looks_like(self, gold: str) -> bool:
        values, leftover = find_dates(gold)
        return len(values) == 1 and only_filler(leftover, _DATE_FILLER)


class YearNormalizer:
    """Find and compare years, year ranges and decades, qualifiers included."""

    kind = "year"

    def find(self, text: str) -> Found:
        values, leftover = find_years(text)
        return Found(values, whole=bool(values) and only_filler(leftover, _YEAR_FILLER))

    def same(self, answer: YearValue, gold: YearValue) -> bool:
        return answer == gold

    def describe(self, value: YearValue) -> str:
        shown = f"{value.start}s" if value.decade else str(value.start)
        if value.end is not None:
            shown += f"-{value.end}"
        return f"{value.qualifier} {shown}" if value.qualifier else shown

    def looks_like(self, gold: str) -> bool:
        found = self.find(gold)
        return len(found.values) == 1 and found.whole
