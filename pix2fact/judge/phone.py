"""Phone numbers: country codes, trunk prefixes, separators and extensions.

A number is kept as (country code or None, national digits, extension). Two numbers agree when
their extensions agree and their national digits agree after allowing for the ways one number is
written: with "+CC", "00CC" or "CC" without a plus, with a trunk "0" or "(0)", or as a bare local
number without any country code. Area codes are never optional: "555-0134" is not
"+1 212-555-0134".
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pix2fact.judge.base import Found
from pix2fact.judge.text import FILLER, fold, only_filler

# ITU-T E.164 country calling codes form a prefix code: "1" and "7" are the only one-digit
# codes, these are the two-digit ones, and every other code has three digits.
_TWO_DIGIT_CODES = frozenset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split()
)

_CANDIDATE = re.compile(
    r"(?<![\w+])(?:\+|(?=00))?[(\s]*\d[\d\s().\-/]*\d"
    r"(?:\s*(?:ext\.?|extension|x|#)\s*\d{1,6})?",
    re.IGNORECASE,
)
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_DATE_SHAPE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$")
_LABELS = FILLER | frozenset("tel t p ph mobile cell fax main office reception number is or i e".split())
_MIN_DIGITS = 7
_MAX_DIGITS = 15


class Phone(NamedTuple):
    """A phone number split into country code (None when not written), national digits, extension."""

    country: str | None
    national: str
    extension: str


def _country_code(digits: str) -> str:
    if digits[:1] in ("1", "7"):
        return digits[:1]
    if digits[:2] in _TWO_DIGIT_CODES:
        return digits[:2]
    return digits[:3]


def parse_phone(text: str) -> Phone | None:
    """Parse one phone number written on its own, or return None when it is not one."""
    raw = text.strip()
    extension = ""
    match = _EXTENSION.search(raw)
    if match:
        extension = match.group(1)
        raw = raw[: match.start()]

    if _DATE_SHAPE.match(raw.strip()):
        return None
    digits = re.sub(r"\D", "", raw.replace("(0)", ""))
    if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS + 2:
        return None

    international = raw.lstrip("( ").startswith("+") or digits.startswith("00")
    if not international:
        return Phone(None, digits, extension)
    if digits.startswith("00"):
        digits = digits[2:]
    country = _country_code(digits)
    return Phone(country, digits[len(country):], extension)


def _national_variants(phone: Phone, other_country: str | None) -> set[str]:
    """Return every national form the written digits can stand for, given the other number's country."""
    variants = {phone.national}
    if phone.national.startswith("0") and not phone.national.startswith("00"):
        variants.add(phone.national[1:])

    # A local number written with its country code but without "+" or "00" ("1-800-..."),
    # which for NANP numbers is also the trunk prefix.
    if phone.country is None and other_country and phone.national.startswith(other_country):
        rest = phone.national[len(other_country):]
        variants |= {rest, rest[1:] if rest.startswith("0") else rest}
    return variants


def same_phone(answer: Phone, gold: Phone) -> bool:
    """Return whether two numbers reach the same line: same extension, same number up to formatting."""
    if answer.extension != gold.extension:
        return False
    if answer.country and gold.country and answer.country != gold.country:
        return False

    answer_forms = _national_variants(answer, gold.country)
    gold_forms = _national_variants(gold, answer.country)
    return bool(answer_forms & gold_forms)


# NOTE: letters on a keypad ("1-800-FLOWERS") are not translated to digits, so such an answer
# only matches a gold written the same way.
class PhoneNormalizer:
    """Find and compare phone numbers."""

    kind = "phone"

    def find(self, text: str) -> Found:
        folded = fold(text)
        values: list[Phone] = []
        leftover = folded
        for match in _CANDIDATE.finditer(folded):
            phone = parse_phone(match.group(0))
            if phone is not None:
                values.append(phone)
                leftover = leftover.replace(match.group(0), " ", 1)
        return Found(values, whole=bool(values) and only_filler(leftover, _LABELS))

    def same(self, answer: Phone, gold: Phone) -> bool:
        return same_phone(answer, gold)

    def describe(self, value: Phone) -> str:
        number = f"+{value.country} {value.national}" if value.country else value.national
        return f"{number} ext. {value.extension}" if value.extension else number

    def looks_like(self, gold: str) -> bool:
        """Return whether a gold answer reads as a phone number rather than a plain number."""
        found = self.find(gold)
        if len(found.values) != 1 or not found.whole:
            return False
        stripped = gold.strip()
        if stripped.startswith(("+", "00")):
            return True

        # Groups of three after a short lead ("1 234 567") are a number with thousands separators.
        if re.fullmatch(r"[1-9]\d{0,2}(?:[ ,.]\d{3})+", stripped):
            return False
        return stripped.startswith("(") or re.search(r"\d[\s\-./()]+\d", stripped) is not None
