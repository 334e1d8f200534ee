"""The normaliser for each answer kind, and detection of the kind from a gold answer.

Kinds: phone, hours, email, url, address, price, number, year, date, name, text. The task's
`answer_kind` is a hint; when it is empty, unknown or does not fit the gold answer, the kind is
detected from the gold answer, trying the most specific shapes first. Names cannot be told from
other text by their shape, so "name" is used only when hinted; detection falls back to "text".
"""

from __future__ import annotations

from pix2fact.judge.address import AddressNormalizer
from pix2fact.judge.base import Normalizer
from pix2fact.judge.clock import HoursNormalizer
from pix2fact.judge.dates import DateNormalizer, YearNormalizer
from pix2fact.judge.names import NameNormalizer, TextNormalizer
from pix2fact.judge.phone import PhoneNormalizer
from pix2fact.judge.quantity import QuantityNormalizer
from pix2fact.judge.weblinks import EmailNormalizer, UrlNormalizer

NORMALIZERS: dict[str, Normalizer] = {
    "phone": PhoneNormalizer(),
    "hours": HoursNormalizer(),
    "email": EmailNormalizer(),
    "url": UrlNormalizer(),
    "address": AddressNormalizer(),
    "price": QuantityNormalizer("price"),
    "number": QuantityNormalizer("number"),
    "year": YearNormalizer(),
    "date": DateNormalizer(),
    "name": NameNormalizer(),
    "text": TextNormalizer(),
}

# Other spellings of kinds that task files use.
KIND_ALIASES = {
    "time": "hours", "opening_hours": "hours", "telephone": "phone", "phone_number": "phone",
    "website": "url", "link": "url", "e-mail": "email", "currency": "price", "money": "price",
    "count": "number", "quantity": "number", "measurement": "number", "person": "name",
    "place": "name", "business": "name", "": "text", "other": "text", "string": "text",
}

# Detection order: a more specific shape first ("1912-1914" is a year range, not a phone
# number; "$12.50" is a price, not a time).
# NOTE: a bare range such as "9-17" is detected as a number range. Opening hours need AM/PM, a
# colon, a day name or the task's answer_kind hint to be detected as hours.
_DETECTION_ORDER = ("email", "url", "date", "year", "hours", "phone", "price", "address", "number")


def canonical_kind(kind: str) -> str:
    """Return the registered kind for a hint ("Telephone" -> "phone"; unknown hints -> "text")."""
    key = kind.strip().lower()
    key = KIND_ALIASES.get(key, key)
    return key if key in NORMALIZERS else "text"


def detect_kind(gold: str) -> str:
    """Return the kind a gold answer's shape shows, or "text" when none fits."""
    for kind in _DETECTION_ORDER:
        if NORMALIZERS[kind].looks_like(gold):  # type: ignore[attr-defined]
            return kind
    return "text"


def resolve_kind(hint: str, gold: str) -> str:
    """Pick the kind to grade with: the hint when the gold answer parses under it, else detection."""
    kind = canonical_kind(hint)
    if kind != "text" and NORMALIZERS[kind].find(gold).values:
        return kind
    return detect_kind(gold)
