"""Currency symbols, codes and words, and which of them can name the same currency.

A bare "$" or the word "dollars" names some dollar without saying which, so it matches any
dollar code. In the same way "¥" matches yen or yuan, and "kr" any Scandinavian krona. Two explicit codes match
only when they are equal: "12.50 USD" is not "12.50 CAD".
"""

from __future__ import annotations

import re

_SPELLINGS: dict[str, str] = {
    "us$": "USD", "usd": "USD", "a$": "AUD", "au$": "AUD", "aud": "AUD", "c$": "CAD", "ca$": "CAD",
    "cad": "CAD", "hk$": "HKD", "hkd": "HKD", "s$": "SGD", "sgd": "SGD", "nz$": "NZD", "nzd": "NZD",
    "r$": "BRL", "brl": "BRL", "$": "DOLLAR", "dollar": "DOLLAR", "dollars": "DOLLAR",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "pounds sterling": "GBP",
    "¥": "YEN_YUAN", "jpy": "JPY", "yen": "JPY", "cny": "CNY", "rmb": "CNY", "yuan": "CNY",
    "₹": "INR", "inr": "INR", "rs": "INR", "rs.": "INR", "rupee": "INR", "rupees": "INR",
    "chf": "CHF", "fr.": "CHF", "swiss francs": "CHF", "swiss franc": "CHF", "francs": "CHF", "franc": "CHF",
    "₩": "KRW", "krw": "KRW", "won": "KRW", "฿": "THB", "thb": "THB", "baht": "THB",
    "zł": "PLN", "pln": "PLN", "zloty": "PLN", "kc": "CZK", "czk": "CZK", "₺": "TRY",
    "kr": "KRONA", "kr.": "KRONA", "sek": "SEK", "nok": "NOK", "dkk": "DKK",
    "krona": "KRONA", "kronor": "KRONA", "krone": "KRONA", "kroner": "KRONA", "mxn": "MXN",
    "¢": "CENT", "cent": "CENT", "cents": "CENT", "pence": "PENCE", "p": "PENCE",
}

# A sub-unit is a hundredth of its base currency; None when the base is not stated ("99 cents").
SUBUNITS: dict[str, str | None] = {"CENT": None, "PENCE": "GBP"}

_GENERIC: dict[str, frozenset[str]] = {
    "DOLLAR": frozenset({"USD", "AUD", "CAD", "HKD", "SGD", "NZD"}),
    "YEN_YUAN": frozenset({"JPY", "CNY"}),
    "KRONA": frozenset({"SEK", "NOK", "DKK"}),
}

CURRENCY_PATTERN = "(?:" + "|".join(re.escape(name) for name in sorted(_SPELLINGS, key=len, reverse=True)) + r")(?![a-z])"


def currency_code(spelling: str) -> str | None:
    """Return the code for a folded currency spelling ("us$" -> "USD"), or None."""
    return _SPELLINGS.get(spelling.strip()) if spelling else None


def currencies_match(answer: str, gold: str) -> bool:
    """Return whether two codes can name the same currency (a generic "$" matches any dollar)."""
    if answer == gold:
        return True
    return gold in _GENERIC.get(answer, frozenset()) or answer in _GENERIC.get(gold, frozenset())
