"""Times of day, hour ranges and weekly opening hours.

A text is read as a schedule: each weekday (or None when no day is named) maps to a set of
intervals in minutes after midnight. A single time is an interval without an end.

Reading rules, chosen to match how opening hours are written:

- A time without AM/PM is on the 24-hour clock: "10:00" is 10 am and "5:00" is 5 am.
- In a range without AM/PM whose end is earlier than its start and below 12, the end is in the
  afternoon: "9-5" is 9:00-17:00, as on shop signs.
- In a range where only one end has AM/PM, the other end takes whichever meridiem gives the
  shorter opening: "9-5pm" is 9 am to 5 pm, "10pm-2" is 10 pm to 2 am.
- Noon is 12:00, midnight is 00:00 (as an end, 24:00), "24 hours" and "24/7" are 00:00-24:00.
- "Closed" removes the days it names.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pix2fact.judge.base import Found
from pix2fact.judge.text import FILLER, fold, only_filler, replace_number_words

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)
_DAY_INDEX = {"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}
_DAY = r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)s?\b\.?"
_SHORT_DAY = r"(?:mo|tu|we|th|fr|sa|su)\b"
_RANGE_WORD = r"\s*(?:-|to|until|till|til|thru|through)\s*"
_TIME = (
    r"(?<![\d:.,/$€£¥₹])\d{1,2}(?:[:.h]\d{2}|h\b)?(?![\d]|[.:/]\d)(?:\s*[ap]m\b)?"
)
_TOKEN = re.compile(
    rf"(?P<allday>24\s*/\s*7|24\s*(?:hours|hrs|h)\b|around the clock|all day)"
    rf"|(?P<dayrange>{_DAY}{_RANGE_WORD}{_DAY}|{_SHORT_DAY}\s*-\s*{_SHORT_DAY})"
    rf"|(?P<daygroup>weekdays?|weekends?|daily|every\s*day|7 days(?: a week)?|all week)"
    rf"|(?P<day>\b{_DAY})"
    rf"|(?P<timerange>{_TIME}{_RANGE_WORD}{_TIME})"
    rf"|(?P<time>{_TIME})"
    rf"|(?P<closed>\bclosed\b)"
    rf"|(?P<sep>[;,\n])"
)
_TIME_PARTS = re.compile(r"(\d{1,2})(?:[:.h](\d{2})|h)?\s*([ap]m)?")
_HOUR_WORDS = FILLER | frozenset("and or but only except hrs h daily every day days week weekdays weekend through till until also".split())


class Schedule(NamedTuple):
    """Opening times by weekday (0 is Monday; None when no day was named), sorted."""

    by_day: tuple[tuple[int | None, tuple[tuple[int, int | None], ...]], ...]

    def as_dict(self) -> dict[int | None, frozenset[tuple[int, int | None]]]:
        return {day: frozenset(intervals) for day, intervals in self.by_day}


def _prepare(text: str) -> str:
    folded = replace_number_words(fold(text))
    folded = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", folded)
    folded = re.sub(r"\b12\s*noon\b|\bnoon\b|\bmidday\b", "12pm", folded)
    return re.sub(r"\bmidnight\b", "12am", folded)


def _day_index(word: str) -> int:
    return _DAY_INDEX[word.strip(" .")[:2]]


def _days(kind: str, text: str) -> list[int]:
    if kind == "daygroup":
        if text.startswith("weekday"):
            return [0, 1, 2, 3, 4]
        if text.startswith("weekend"):
            return [5, 6]
        return list(ALL_DAYS)

    if kind == "day":
        return [_day_index(text)]
    first, last = re.split(_RANGE_WORD, text, maxsplit=1)
    start, end = _day_index(first), _day_index(last)
    return [(start + offset) % 7 for offset in range((end - start) % 7 + 1)]


def _clock(hour: int, minute: int, meridiem: str | None) -> int | None:
    if minute >= 60:
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        return (hour % 12 + (12 if meridiem == "pm" else 0)) * 60 + minute
    if hour > 24 or (hour == 24 and minute):
        return None
    return (hour % 24) * 60 + minute


def _parts(text: str) -> tuple[int, int, str | None] | None:
    match = _TIME_PARTS.fullmatch(text.strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0), match.group(3)


def _duration(start: int, end: int) -> int:
    return (end - start) % 1440 or 1440


def _range(first: str, last: str) -> tuple[int, int] | None:
    """Read a start and end time with the meridiem rules in the module docstring."""
    start_parts, end_parts = _parts(first), _parts(last)
    if start_parts is None or end_parts is None:
        return None

    (start_hour, start_minute, start_meridiem), (end_hour, end_minute, end_meridiem) = start_parts, end_parts
    if start_meridiem and not end_meridiem and end_hour <= 12:
        readings = [(start_meridiem, "am"), (start_meridiem, "pm")]
    elif end_meridiem and not start_meridiem and start_hour <= 12:
        readings = [("am", end_meridiem), ("pm", end_meridiem)]
    else:
        readings = [(start_meridiem, end_meridiem)]

    best: tuple[int, int] | None = None
    for start_reading, end_reading in readings:
        start = _clock(start_hour, start_minute, start_reading)
        end = _clock(end_hour, end_minute, end_reading)
        if start is None or end is None:
            continue
        if not start_reading and not end_reading and end <= start and end < 720 and end + 720 > start:
            end += 720
        if best is None or _duration(start, end) < _duration(*best):
            best = (start, end)

    if best is None:
        return None
    return (best[0], best[1] or 1440)


def _single(text: str) -> tuple[int, None] | None:
    parts = _parts(text)
    if parts is None:
        return None
    hour, minute, meridiem = parts

    # A bare number is not a time unless it is part of a range ("9-5").
    if meridiem is None and not re.search(r"[:.h]", text):
        return None
    minutes = _clock(hour, minute, meridiem)
    return None if minutes is None else (minutes, None)


class _Group:
    """Days and the times that apply to them, in the order the text gave them."""

    def __init__(self, days: list[int] | None = None) -> None:
        self.days: list[int] = list(days or [])
        self.times: list[tuple[int, int | None]] = []


def _token_value(kind: str, value: str) -> list[int] | tuple[int, int | None] | None:
    if kind in ("day", "dayrange", "daygroup"):
        return _days(kind, value)
    if kind == "allday":
        return (0, 1440)
    if kind == "timerange":
        first, last = re.split(_RANGE_WORD, value, maxsplit=1)
        return _range(first, last)
    if kind == "time":
        return _single(value)
    return None


def _groups(prepared: str) -> tuple[list[_Group], set[int], str]:
    """Split the text into day groups and their times, in either order.

    Days usually come first ("Mon-Fri 9-17, Sat 10-14") but may follow their times
    ("9-17 Mon-Fri"). A day that follows times directly, with no comma or semicolon between,
    is read as belonging to those times.
    """
    groups: list[_Group] = []
    current = _Group()
    closed: set[int] = set()
    pending_closed = False
    last_kind = ""
    separated = False
    leftover = prepared

    for match in _TOKEN.finditer(prepared):
        kind = match.lastgroup or ""
        if kind == "sep":
            separated = True
            continue
        value = _token_value(kind, match.group(0))
        if value is None and kind != "closed":
            continue
        leftover = leftover.replace(match.group(0), " ", 1)

        if isinstance(value, list):
            if pending_closed:
                closed.update(value)
                continue
            if current.times and (current.days or separated):
                groups.append(current)
                current = _Group(value)
            else:
                current.days.extend(value)
            last_kind = "day"
        elif kind == "closed":
            if last_kind == "day" and not current.times:
                closed.update(current.days)
                current.days = []
            else:
                pending_closed = True
            last_kind = "closed"
        elif value is not None:
            if current.times and current.days and last_kind == "day":
                groups.append(current)
                current = _Group()
            if "/" in match.group(0) and not current.days:
                current.days = list(ALL_DAYS)
            current.times.append(value)
            pending_closed = False
            last_kind = "time"
        separated = False

    groups.append(current)
    return groups, closed, leftover


def read_schedule(text: str) -> tuple[Schedule | None, str]:
    """Read the opening times in a text. Returns the schedule (None if none) and the leftover text."""
    prepared = _prepare(text)
    groups, closed, leftover = _groups(prepared)

    # Days named after a comma at the end ("9am-5pm, Monday to Friday") belong to the times
    # before them when those times had no days of their own.
    dangling = [group for group in groups if group.days and not group.times]
    dayless = [group for group in groups if group.times and not group.days]
    if len(dangling) == 1 and len(dayless) == 1 and groups.index(dangling[0]) > groups.index(dayless[0]):
        dayless[0].days = dangling[0].days

    schedule: dict[int | None, set[tuple[int, int | None]]] = {}
    for group in groups:
        for day in group.days or [None]:
            if group.times:
                schedule.setdefault(day, set()).update(group.times)
    for day in closed:
        schedule.pop(day, None)
    if not schedule:
        return None, prepared

    ordered = sorted(schedule.items(), key=lambda item: -1 if item[0] is None else item[0])
    return Schedule(tuple((day, tuple(sorted(intervals, key=str))) for day, intervals in ordered)), leftover


def same_schedule(answer: Schedule, gold: Schedule) -> bool:
    """Return whether two schedules agree; days may be omitted when the gold has one set of hours for all."""
    answer_days, gold_days = answer.as_dict(), gold.as_dict()
    if set(gold_days) == {None}:
        return frozenset().union(*answer_days.values()) == gold_days[None]
    if set(answer_days) == {None}:
        return len(set(gold_days.values())) == 1 and next(iter(gold_days.values())) == answer_days[None]
    return answer_days == gold_days


def _format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class HoursNormalizer:
    """Find and compare times, hour ranges and weekly opening hours."""

    kind = "hours"

    def find(self, text: str) -> Found:
        schedule, leftover = read_schedule(text)
        if schedule is None:
            return Found()
        return Found([schedule], whole=only_filler(leftover, _HOUR_WORDS))

    def same(self, answer: Schedule, gold: Schedule) -> bool:
        return same_schedule(answer, gold)

    def describe(self, value: Schedule) -> str:
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        parts = []
        for day, intervals in value.by_day:
            times = ", ".join(
                _format_minutes(start) + ("" if end is None else "-" + _format_minutes(end)) for start, end in intervals
            )
            parts.append(times if day is None else f"{names[day]} {times}")
        return "; ".join(parts)

    def looks_like(self, gold: str) -> bool:
        """Return whether a gold answer reads as a time or opening hours (not a bare number range)."""
        found = self.find(gold)
        if not found.values or not found.whole:
            return False
        prepared = _prepare(gold)
        return re.search(rf":\d\d|[ap]m\b|24\s*/\s*7|24\s*(?:hours|hrs|h)\b|\b{_DAY}|{_SHORT_DAY}\s*-", prepared) is not None
