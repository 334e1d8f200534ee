"""Find the opening hours for one weekday in page lines.

Handles rows for a single day ("Saturday 10:00-15:00", "Sat: 10am to 3pm"), day ranges
("Monday-Friday", "Mon to Fri"), the words "weekdays", "weekends" and "daily", and "Closed".
A row that names the day itself beats a range that covers it.
"""

from __future__ import annotations

import re

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_DAY_WORD = r"(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?\b\.?"
_CLOCK = r"\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?"
TIME_RANGE = re.compile(rf"({_CLOCK})\s*(?:-|\u2013|\u2014|to|until|till)\s*({_CLOCK})", re.IGNORECASE)
CLOSED = re.compile(r"\bclosed\b", re.IGNORECASE)
DAY_RANGE = re.compile(rf"\b{_DAY_WORD}\s*(?:-|\u2013|\u2014|to|through|until)\s*{_DAY_WORD}", re.IGNORECASE)
SINGLE_DAY = re.compile(rf"\b{_DAY_WORD}", re.IGNORECASE)


def _day_index(prefix: str) -> int:
    return next(index for index, day in enumerate(DAYS) if day.startswith(prefix.lower()[:3]))


def days_covered(line: str) -> tuple[set[int], bool]:
    """Return (days a line's label covers, whether it names single days rather than a range)."""
    lowered = line.lower()
    covered: set[int] = set()
    for match in DAY_RANGE.finditer(line):
        start, end = _day_index(match.group(1)), _day_index(match.group(2))
        span = range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)]
        covered.update(span)
    ranged = bool(covered)
    remainder = DAY_RANGE.sub(" ", line)
    single = {_day_index(match.group(1)) for match in SINGLE_DAY.finditer(remainder)}
    covered |= single
    if re.search(r"\bweekdays\b", lowered):
        covered.update(range(5))
        ranged = True
    if re.search(r"\bweekends?\b", lowered):
        covered.update((5, 6))
        ranged = True
    if re.search(r"\b(?:daily|every day|7 days)\b", lowered):
        covered.update(range(7))
        ranged = True
    return covered, bool(single) and not ranged


def _hours_in(line: str) -> str | None:
    match = TIME_RANGE.search(line)
    if match:
        return f"{match.group(1).strip()}-{match.group(2).strip()}"
    if CLOSED.search(line):
        return "Closed"
    return None


def hours_for(lines: list[str], weekday: str | None) -> tuple[str | None, str]:
    """Return (hours, evidence line) for `weekday`, or all day rows joined when it is None.

    A day label on one line with its hours on the next (as some tables render) is read too.
    """
    rows: list[tuple[int, str, str, set[int]]] = []
    for index, line in enumerate(lines):
        covered, single = days_covered(line)
        if not covered:
            continue
        hours = _hours_in(line)
        evidence = line
        if hours is None and index + 1 < len(lines) and not days_covered(lines[index + 1])[0]:
            hours = _hours_in(lines[index + 1])
            evidence = f"{line} {lines[index + 1]}"
        if hours is not None:
            rows.append((0 if single else 1, hours, evidence, covered))

    if weekday is None:
        if not rows:
            return None, ""
        return "; ".join(evidence for _, _, evidence, _ in rows), "; ".join(evidence for _, _, evidence, _ in rows)

    target = DAYS.index(weekday)
    matching = [row for row in rows if target in row[3]]
    if not matching:
        return None, ""
    _, hours, evidence, _ = min(matching, key=lambda row: row[0])
    return hours, evidence
