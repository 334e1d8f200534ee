"""Fictional entities and their facts: names, phones, emails, addresses, hours, years, prices.

Everything is drawn from one `random.Random`, so the same seed gives the same world. Phone
numbers use the 555-0100..555-0199 block that North American numbering reserves for fiction,
and every web address and email sits on the reserved `.example` top-level domain.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from pix2fact.tasks.sample import names
from pix2fact.tasks.sample.categories import CategoryProfile


@dataclass(frozen=True)
class Entity:
    """A business, group, person or place that a sign names and a website describes.

    `role` is "target" (the subject of a task's question), "twin" (a look-alike of a target, elsewhere) or
    "distractor" (another labelled object in the same picture).
    """

    name: str
    slug: str
    category: str
    kind: str
    city: str
    role: str
    phone: str
    email: str
    other_email: str
    address: str
    hours: tuple[tuple[str, str], ...]
    year: int
    later_year: int
    person: str
    prices: tuple[tuple[str, str], ...]

    @property
    def domain(self) -> str:
        return f"{self.slug}.example"

    @property
    def home_url(self) -> str:
        return f"https://{self.domain}/"

    def hours_on(self, day: str) -> str:
        return dict(self.hours)[day]

    def price_of(self, item: str) -> str:
        return dict(self.prices)[item]


def slugify(text: str) -> str:
    """Return a lower-case DNS label for a name ("Park & Ride" -> "park-and-ride")."""
    text = text.lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def twin_name(name: str) -> str:
    """Return the look-alike spelling of a target's name by swapping its `TWIN_WORDS` word."""
    for word in name.split():
        if word in names.TWIN_WORDS:
            return name.replace(word, names.TWIN_WORDS[word], 1)
    raise ValueError(f"name {name!r} contains no word from names.TWIN_WORDS, so it has no twin")


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class EntityFactory:
    """Make entities with facts that never repeat across the whole sample (names, phones...)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def _unique(self, make) -> str:
        for _ in range(1000):
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value
        raise RuntimeError("word pools exhausted; add words to tasks/sample/names.py")

    def reserve(self, value: str) -> None:
        """Mark a value as taken; raises ValueError if something already uses it."""
        if value in self._used:
            raise ValueError(f"{value!r} is already used by another entity in this sample")
        self._used.add(value)

    def name(self, profile: CategoryProfile, first_word: str | None = None) -> tuple[str, str]:
        """Return a new unique (name, kind) for the category; `first_word` forces the twin word."""
        rng = self._rng
        kind = profile.entity_noun

        def make() -> str:
            nonlocal kind
            word = first_word or rng.choice(names.PLACE_WORDS)
            if profile.person_first:
                family = first_word or rng.choice(names.FAMILY_NAMES)
                return f"{rng.choice(names.GIVEN_NAMES)} {family}"
            kind = rng.choice(profile.types)
            if profile.category in ("Storefronts & facades", "Retail & commercial interior"):
                return f"{word} {rng.choice(names.SECOND_WORDS)} {kind}"
            return f"{word} {kind}"

        return self._unique(make), kind.lower()

    def entity(self, profile: CategoryProfile, name: str, kind: str, city: str, role: str) -> Entity:
        """Return an entity with a full, fresh set of facts for `name`."""
        rng = self._rng
        slug = slugify(name)
        start, end = profile.year_range
        year = rng.randint(start, end)
        later_year = rng.randint(max(year + 3, 1950), 2024) if year < 2021 else 2024

        phone = self._unique(
            lambda: f"+1 ({rng.choice(names.AREA_CODES)}) 555-01{rng.randint(0, 99):02d}")
        address = self._unique(
            lambda: f"{rng.randint(2, 980)} {rng.choice(names.STREETS)} "
                    f"{rng.choice(names.STREET_SUFFIXES)}, {city}")
        person = self._unique(
            lambda: f"{rng.choice(names.GIVEN_NAMES)} {rng.choice(names.FAMILY_NAMES)}")
        email = f"{rng.choice(names.EMAIL_LOCALS)}@{slug}.example"
        other_email = f"{rng.choice(names.OTHER_EMAIL_LOCALS)}@{slug}.example"

        return Entity(
            name=name, slug=slug, category=profile.category, kind=kind, city=city, role=role,
            phone=phone, email=email, other_email=other_email, address=address,
            hours=self._hours(), year=year, later_year=later_year, person=person,
            prices=self._prices(profile.price_items),
        )

    def _hours(self) -> tuple[tuple[str, str], ...]:
        # Weekdays share one schedule; Saturday and Sunday always differ from it, so a question
        # about a weekend day has exactly one right row in the table.
        rng = self._rng
        open_at = rng.choice((420, 450, 480, 510, 540, 600))
        close_at = rng.choice((990, 1020, 1050, 1080, 1110, 1140, 1200))
        saturday = (open_at + rng.choice((30, 60, 90, 120)), close_at - rng.choice((60, 90, 120, 150)))
        sunday_open = saturday[0] + rng.choice((30, 60, 120))
        sunday = (sunday_open, max(sunday_open + 180, saturday[1] - rng.choice((30, 60, 90))))

        rows = [(day, f"{_clock(open_at)}-{_clock(close_at)}") for day in names.WEEKDAYS[:5]]
        rows.append(("Saturday", f"{_clock(saturday[0])}-{_clock(saturday[1])}"))
        rows.append(("Sunday", f"{_clock(sunday[0])}-{_clock(sunday[1])}"))
        return tuple(rows)

    def _prices(self, items: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        # Items are listed cheapest first; each costs 1.6-2.8 times the one before, in 5-cent steps.
        rng = self._rng
        cents = rng.randint(50, 300) * 5
        rows = []
        for item in items:
            rows.append((item, f"${cents // 100}.{cents % 100:02d}"))
            cents = round(cents * rng.uniform(1.6, 2.8) / 5) * 5
        return tuple(rows)


def hours_aliases(answer: str) -> list[str]:
    """Return other accepted spellings of an "HH:MM-HH:MM" range (en dash, "to", 12-hour)."""
    start, end = answer.split("-")

    def twelve_hour(clock: str) -> str:
        hours, minutes = (int(part) for part in clock.split(":"))
        suffix = "AM" if hours < 12 else "PM"
        hours = hours % 12 or 12
        return f"{hours}:{minutes:02d} {suffix}" if minutes else f"{hours} {suffix}"

    return [
        f"{start}\u2013{end}",
        f"{start} to {end}",
        f"{start.lstrip('0')}-{end.lstrip('0')}",
        f"{twelve_hour(start)} - {twelve_hour(end)}",
        f"{twelve_hour(start)} to {twelve_hour(end)}",
    ]


def phone_aliases(answer: str) -> list[str]:
    """Return other accepted spellings of a "+1 (AAA) 555-01XX" number."""
    digits = re.sub(r"\D", "", answer)[1:]
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return [f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}",
            f"+1 {area}-{exchange}-{line}", f"+1 {area} {exchange} {line}", digits]


def answer_aliases(kind: str, answer: str) -> list[str]:
    """Return the other accepted forms of an answer of the given kind."""
    if kind == "phone":
        return phone_aliases(answer)
    if kind == "hours":
        return hours_aliases(answer)
    if kind == "price":
        amount = answer.lstrip("$")
        return [amount, f"{amount} USD", f"US{answer}", f"{amount} dollars"]
    if kind == "address":
        street = answer.split(",")[0]
        abbreviated = street.replace(" Street", " St").replace(" Road", " Rd").replace(" Avenue", " Ave")
        return sorted({street, abbreviated, answer.replace(street, abbreviated)} - {answer})
    if kind == "name":
        given, family = answer.split(" ", 1)
        return [f"{given[0]}. {family}"]
    return []
