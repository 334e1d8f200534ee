"""Read a question: which colour and place point at the panel, what kind of fact it asks for.

Questions look like "What are the Saturday opening hours of the business whose sign is painted
teal in the centre of the photo?". `parse_question` pulls out the colour word, an optional
position phrase (thirds of the image: "upper left", "middle right", "top centre"...), the answer
kind (phone, email, address, hours, price, year, name) and the words that narrow it down: the
weekday, the email's purpose, the priced item, the year's event or the person's role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pix2fact.agents.baseline.colours import canonical_colour

KINDS = ("email", "phone", "hours", "price", "address", "year", "name")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Checked in this order, so "email address" is an email and "phone number" a phone.
_KIND_PATTERNS: tuple[tuple[str, str], ...] = (
    ("email", r"\be-?mail\b"),
    ("phone", r"\b(?:tele)?phone\b|\bcall\b|\bfax\b"),
    ("hours", r"\bhours\b|\bopening times?\b|\bwhen does\b.*\bopen\b"),
    ("price", r"\bprice\b|\bhow much\b|\bcosts?\b|\bcharges?\b|\bfee\b"),
    ("address", r"\baddress\b|\bwhere is\b|\blocated\b"),
    ("year", r"\b(?:what|which) year\b|\bwhen was\b|\byear\b"),
    ("name", r"\bwho\b|\bwhose name\b|\bname of the (?:founder|architect|owner|teacher)\b"),
)

EMAIL_PURPOSES = (
    "membership", "general", "studio", "press", "media", "partnerships", "orders", "bookings",
    "booking", "sales", "support", "visitor", "visitors", "complaints", "careers", "jobs", "events",
)

YEAR_EVENTS = (
    "founded", "established", "born", "completed", "built", "opened", "constructed", "formed",
    "incorporated", "created", "launched", "started", "finished", "died",
)

# Question words that name a person's role, mapped to the role.
ROLE_WORDS: tuple[tuple[str, str], ...] = (
    (r"\bfounded\b|\bfounder\b|\bstarted\b", "founder"),
    (r"\btaught\b|\bteacher\b|\bmentor\b|\bstudied\b", "teacher"),
    (r"\barchitect\b|\bdesigned\b", "architect"),
    (r"\bchief executive\b|\bceo\b|\bleads\b|\bheads\b", "chief executive"),
    (r"\bmanager\b|\bmanages\b", "manager"),
    (r"\bowner\b|\bowns\b|\bruns\b", "owner"),
    (r"\bdirector\b|\bdirects\b", "director"),
    (r"\bcurator\b", "curator"),
)

_POSITION_WORD = r"upper|lower|top|bottom|middle|centre|center|central|left|right"
_POSITION_PATTERN = re.compile(
    rf"\b(?:in|at|on|to(?:wards?)?) the ((?:{_POSITION_WORD})(?:[ -](?:{_POSITION_WORD}))?)"
    r"(?:[ -](?:part|side|corner|half|area|third|edge))?(?: of (?:the )?(?:photo|image|picture|frame|scene))?\b"
)

_PRICE_ITEM_PATTERNS = (
    r"\bprice of (?:an? |the )?(.+?) (?:at|for|in|from)\b",
    r"\bcost of (?:an? |the )?(.+?) (?:at|for|in|from)\b",
    r"\b(?:charges?|costs?|pay|list|lists|price) for (?:its |their |an? |the )?(.+?)[?.]?$",
    r"\bfor (?:its |their |an? |the )(.+?)[?.]?$",
)


@dataclass(frozen=True)
class Position:
    """A region of the image by thirds. `row` and `column` are 0, 1, 2, or None for any."""

    row: int | None
    column: int | None
    phrase: str = ""

    def contains(self, x: float, y: float) -> bool:
        """Tell whether a point, as fractions of width and height, lies in this region."""
        return self.distance(x, y) == 0.0

    def distance(self, x: float, y: float) -> float:
        """Return how far a point (fractions of width and height) lies outside this region."""
        def gap(value: float, index: int | None) -> float:
            if index is None:
                return 0.0
            low, high = index / 3, (index + 1) / 3
            return max(0.0, low - value, value - high)

        return max(gap(x, self.column), gap(y, self.row))


@dataclass(frozen=True)
class ParsedQuestion:
    """The fields `parse_question` reads from a question. Empty fields mean "not stated"."""

    text: str
    colour: str | None
    position: Position | None
    kind: str | None
    weekday: str | None = None
    purposes: tuple[str, ...] = ()
    item: str | None = None
    event: str | None = None
    role: str | None = None
    search_words: tuple[str, ...] = field(default_factory=tuple)


def parse_position(text: str) -> Position | None:
    """Read a position phrase such as "in the lower left part of the photo"; None if there is none."""
    match = _POSITION_PATTERN.search(text.lower())
    if not match:
        return None
    words = re.split(r"[ -]", match.group(1))
    row = column = None
    for word in words:
        if word in ("upper", "top"):
            row = 0
        elif word in ("lower", "bottom"):
            row = 2
        elif word == "left":
            column = 0
        elif word == "right":
            column = 2
    centre_words = [word for word in words if word in ("middle", "centre", "center", "central")]
    if centre_words:
        # "centre" alone is the middle cell; paired with one axis word it fills the other axis.
        if row is None:
            row = 1
        if column is None:
            column = 1
    return Position(row, column, match.group(1))


def _find_colour(text: str) -> str | None:
    for word in re.findall(r"[a-z]+", text.lower()):
        colour = canonical_colour(word)
        if colour:
            return colour
    return None


def _find_kind(text: str) -> str | None:
    lowered = text.lower()
    for kind, pattern in _KIND_PATTERNS:
        if re.search(pattern, lowered):
            return kind
    return None


def _find_item(text: str) -> str | None:
    lowered = text.lower().strip()
    for pattern in _PRICE_ITEM_PATTERNS:
        match = re.search(pattern, lowered)
        if match:
            return match.group(1).strip()
    return None


def parse_question(text: str) -> ParsedQuestion:
    """Parse a question into colour, position, answer kind and qualifiers."""
    lowered = text.lower()
    kind = _find_kind(text)
    weekday = next((day for day in WEEKDAYS if re.search(rf"\b{day}\b", lowered)), None)
    purposes = tuple(word for word in EMAIL_PURPOSES if re.search(rf"\b{word}\b", lowered)) if kind == "email" else ()
    item = _find_item(text) if kind == "price" else None
    event = next((word for word in YEAR_EVENTS if re.search(rf"\b{word}\b", lowered)), None) if kind == "year" else None
    role = next((role for pattern, role in ROLE_WORDS if re.search(pattern, lowered)), None) if kind == "name" else None

    search_words: tuple[str, ...] = {
        "email": ("email",) + purposes,
        "phone": ("phone",),
        "hours": ("opening", "hours") + ((weekday,) if weekday else ()),
        "price": tuple((item or "").split()) + ("price",),
        "address": ("address",),
        "year": (event or "year",),
        "name": (role or "",),
        None: (),
    }[kind]
    return ParsedQuestion(
        text=text,
        colour=_find_colour(text),
        position=parse_position(text),
        kind=kind,
        weekday=weekday,
        purposes=purposes,
        item=item,
        event=event,
        role=role,
        search_words=tuple(word for word in search_words if word),
    )
