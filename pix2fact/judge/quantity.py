"""Numbers, measurements and prices.

A quantity is a number (or a range of two), an optional unit or currency, and an optional
qualifier class ("about", "over", "under"). Comparison rules:

- Numbers are compared as decimals, so "12.5" equals "12.50". "1,234" is 1234 and "3,5" is
  3.5, but "1.234" is 1.234: a lone dot before three digits is read as a decimal point.
- An answer without a unit or currency is compared by its number ("45" for "45 m"), because
  the question usually fixes the unit. Two different currencies never match; two units of the
  same dimension match when they convert to within 0.5% ("45 m" and "147.6 ft").
- Count nouns ("floors", "seats") are ignored: the question says what is counted.
- Qualifiers must agree: "about 300" is not "300".
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from pix2fact.judge.base import Found
from pix2fact.judge.currency import CURRENCY_PATTERN, SUBUNITS, currencies_match, currency_code
from pix2fact.judge.text import FILLER, QUALIFIER_PATTERN, QUALIFIERS, fold, only_filler, replace_number_words

# Unit spellings -> (canonical unit, dimension, factor to the dimension's base unit).
_UNITS: dict[str, tuple[str, str, Decimal]] = {}
for _names, _canonical, _dimension, _factor in [
    ("mm millimeter millimeters millimetre millimetres", "mm", "length", "0.001"),
    ("cm centimeter centimeters centimetre centimetres", "cm", "length", "0.01"),
    ("m meter meters metre metres", "m", "length", "1"),
    ("km kilometer kilometers kilometre kilometres", "km", "length", "1000"),
    ("inch inches", "in", "length", "0.0254"),
    ("ft feet foot", "ft", "length", "0.3048"),
    ("yd yard yards", "yd", "length", "0.9144"),
    ("mi mile miles", "mi", "length", "1609.344"),
    ("g gram grams", "g", "mass", "0.001"),
    ("kg kilogram kilograms kilo kilos", "kg", "mass", "1"),
    ("lb lbs", "lb", "mass", "0.45359237"),
    ("oz ounce ounces", "oz", "mass", "0.028349523125"),
    ("t tonne tonnes ton tons", "t", "mass", "1000"),
    ("ml milliliter milliliters millilitre millilitres", "ml", "volume", "0.001"),
    ("l liter liters litre litres", "l", "volume", "1"),
    ("km/h kph kmh kmph", "km/h", "speed", "0.277777777778"),
    ("mph", "mph", "speed", "0.44704"),
    ("m/s", "m/s", "speed", "1"),
    ("m2 m² sqm", "m2", "area", "1"),
    ("ft2 ft² sqft", "ft2", "area", "0.09290304"),
    ("ha hectare hectares", "ha", "area", "10000"),
    ("acre acres", "acre", "area", "4046.8564224"),
    ("%", "%", "percent", "1"),
    ("°c", "°c", "celsius", "1"),
    ("°f", "°f", "fahrenheit", "1"),
]:
    for _name in _names.split():
        _UNITS[_name] = (_canonical, _dimension, Decimal(_factor))

_MULTIPLIERS = {"thousand": 3, "k": 3, "million": 6, "mn": 6, "mio": 6, "billion": 9, "bn": 9, "trillion": 12}
_UNIT = "|".join(re.escape(name) for name in sorted(_UNITS, key=len, reverse=True))
_MULTIPLIER = r"thousand|million|billion|trillion|mio|mn|bn|k|m"
_NUMBER = r"\d{1,3}(?: \d{3})+(?![\d,.])|\d+(?:[.,]\d+)*"
_NOT_COUNT_NOUNS = "and|or|to|per|a|an|the|in|at|on|of|from|by|for|is|was|with|i|e"
_MENTION = (
    rf"(?:(?P<{{p}}q>{QUALIFIER_PATTERN})\s+)?(?<![\w.,])(?:(?P<{{p}}cur1>{CURRENCY_PATTERN})\s*)?"
    rf"(?<![\d.,])(?P<{{p}}num>{_NUMBER})(?![\d])"
    rf"(?:\s*(?P<{{p}}mult>{_MULTIPLIER})\b)?"
    rf"(?:\s*(?P<{{p}}cur2>{CURRENCY_PATTERN})|\s*(?P<{{p}}unit>{_UNIT})(?![\w/²])"
    rf"|\s+(?!(?:{_NOT_COUNT_NOUNS})\b)(?P<{{p}}noun>[a-z]+))?"
)
_QUANTITY = re.compile(
    _MENTION.replace("{p}", "a") + r"(?:\s*(?:-|to)\s*" + _MENTION.replace("{p}", "b") + r"|(?P<plus>\+))?"
)
_SQUARE = re.compile(r"\bsq(?:uare|\.)?\s*(?:(m|meters?|metres?)|(ft|feet))\b")
_RELATIVE_TOLERANCE = Decimal("0.005")
_QUANTITY_FILLER = FILLER | frozenset("there are were has have had and or tall high long wide".split())


class Quantity(NamedTuple):
    """A number or range with its unit or currency and qualifier class."""

    low: Decimal
    high: Decimal | None
    unit: str | None
    currency: str | None
    qualifier: str | None


def parse_number(text: str) -> Decimal | None:
    """Read digits with thousands separators or a decimal comma, as described in the module docstring."""
    text = text.replace(" ", "")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in text:
        groups = text.split(",")
        if len(groups) > 2 or all(len(group) == 3 for group in groups[1:]):
            text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _mention(match: re.Match[str], prefix: str) -> tuple[Decimal, str | None, str | None, str | None] | None:
    number = parse_number(match.group(prefix + "num"))
    if number is None:
        return None
    currency = currency_code(match.group(prefix + "cur1") or match.group(prefix + "cur2") or "")
    multiplier = match.group(prefix + "mult")
    unit_name = match.group(prefix + "unit")

    # "m" after a number is a million next to a currency ("$3.5m") and a metre otherwise.
    if multiplier == "m" and not currency:
        multiplier, unit_name = None, "m"
    if multiplier:
        number = number.scaleb(_MULTIPLIERS.get(multiplier, 6))
    if currency in SUBUNITS:
        number, currency = number / 100, SUBUNITS[currency]
    unit = _UNITS[unit_name][0] if unit_name else None
    qualifier = QUALIFIERS.get(match.group(prefix + "q") or "")
    return number, unit, currency, qualifier


def find_quantities(text: str) -> tuple[list[Quantity], str]:
    """Return every quantity in the text, in order, and the text left over."""
    prepared = replace_number_words(fold(text))
    prepared = re.sub(r"\s*\bper\s*cent\b|\s*\bpercent\b", "%", prepared)
    prepared = _SQUARE.sub(lambda match: "m2" if match.group(1) else "ft2", prepared)
    values: list[Quantity] = []
    leftover = prepared
    for match in _QUANTITY.finditer(prepared):
        first = _mention(match, "a")
        if first is None:
            continue
        low, unit, currency, qualifier = first
        high: Decimal | None = None
        if match.group("bnum"):
            second = _mention(match, "b")
            if second is None:
                continue
            high = second[0]
            unit, currency = unit or second[1], currency or second[2]
            if match.group("bmult") and not match.group("amult"):
                low = low.scaleb(_MULTIPLIERS.get(match.group("bmult"), 6))
        if match.group("plus"):
            qualifier = "over"
        values.append(Quantity(low, high, unit, currency, qualifier))
        leftover = leftover.replace(match.group(0), " ", 1)
    return values, leftover


def _close(answer: Decimal, gold: Decimal) -> bool:
    if gold == 0:
        return answer == 0
    return abs(answer - gold) / abs(gold) <= _RELATIVE_TOLERANCE


def same_quantity(answer: Quantity, gold: Quantity) -> bool:
    """Return whether two quantities agree under the rules in the module docstring."""
    if answer.qualifier != gold.qualifier or (answer.high is None) != (gold.high is None):
        return False
    if answer.currency and gold.currency and not currencies_match(answer.currency, gold.currency):
        return False
    if (answer.currency and gold.unit) or (answer.unit and gold.currency):
        return False

    pairs = [(answer.low, gold.low)] + ([(answer.high, gold.high)] if answer.high is not None and gold.high is not None else [])
    if not (answer.unit and gold.unit) or answer.unit == gold.unit:
        return all(value == expected for value, expected in pairs)

    _, answer_dimension, answer_factor = _UNITS[answer.unit]
    _, gold_dimension, gold_factor = _UNITS[gold.unit]
    if answer_dimension != gold_dimension:
        return False
    return all(_close(value * answer_factor, expected * gold_factor) for value, expected in pairs)


class QuantityNormalizer:
    """Find and compare numbers, measurements and prices (`kind` is "number" or "price")."""

    def __init__(self, kind: str = "number") -> None:
        self.kind = kind

    def find(self, text: str) -> Found:
        values, leftover = find_quantities(text)
        return Found(values, whole=bool(values) and only_filler(leftover, _QUANTITY_FILLER))

    def same(self, answer: Quantity, gold: Quantity) -> bool:
        return same_quantity(answer, gold)

    def describe(self, value: Quantity) -> str:
        shown = f"{value.low.normalize():f}" + ("" if value.high is None else f"-{value.high.normalize():f}")
        for extra in (value.currency, value.unit):
            if extra:
                shown += f" {extra}"
        return f"{value.qualifier} {shown}" if value.qualifier else shown

    def looks_like(self, gold: str) -> bool:
        values, leftover = find_quantities(gold)
        if len(values) != 1 or not only_filler(leftover, _QUANTITY_FILLER):
            return False
        return self.kind == "number" or values[0].currency is not None
