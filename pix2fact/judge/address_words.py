"""Word tables for street addresses: abbreviations, ordinals, US states and countries."""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    "ave": "avenue", "av": "avenue", "rd": "road", "blvd": "boulevard", "bd": "boulevard", "ln": "lane",
    "pl": "place", "ter": "terrace", "terr": "terrace", "ct": "court", "sq": "square", "hwy": "highway",
    "pkwy": "parkway", "cres": "crescent", "cir": "circle", "mt": "mount", "hts": "heights", "rte": "route",
    "fwy": "freeway", "expy": "expressway", "trl": "trail", "plz": "plaza", "bldg": "building", "fl": "floor",
    "str": "strasse", "pza": "piazza", "avda": "avenida", "sta": "santa", "sto": "santo",
    "apt": "unit", "apartment": "unit", "suite": "unit", "rm": "unit", "room": "unit", "flat": "unit",
    "n": "north", "s": "south", "e": "east", "w": "west",
    "ne": "northeast", "nw": "northwest", "se": "southeast", "sw": "southwest",
}

ORDINALS = {
    "first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th",
    "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th", "eleventh": "11th",
    "twelfth": "12th", "thirteenth": "13th", "fourteenth": "14th", "fifteenth": "15th",
    "sixteenth": "16th", "seventeenth": "17th", "eighteenth": "18th", "nineteenth": "19th",
    "twentieth": "20th",
}

STREET_WORDS = frozenset(
    "street avenue road boulevard drive lane place terrace court square highway parkway crescent "
    "circle way loop broadway plaza row walk alley trail route freeway expressway rue calle via "
    "avenida strasse platz weg gasse allee ring damm ufer straat gracht piazza viale corso rua quai "
    "chemin carrer paseo camino marg".split()
)

UNIT_WORDS = frozenset({"unit", "floor"})
_UNIT_SPELLINGS = frozenset({"unit", "apt", "apartment", "suite", "ste", "rm", "room", "flat", "fl", "floor", "#"})

# Folded full names mapped to USPS codes ("D.C." becomes "dc" when dots are removed).
US_STATES = {
    "alabama": "al", "alaska": "ak", "arizona": "az", "arkansas": "ar", "california": "ca",
    "colorado": "co", "connecticut": "ct", "delaware": "de", "district of columbia": "dc",
    "florida": "fl", "georgia": "ga", "hawaii": "hi", "idaho": "id", "illinois": "il", "indiana": "in",
    "iowa": "ia", "kansas": "ks", "kentucky": "ky", "louisiana": "la", "maine": "me", "maryland": "md",
    "massachusetts": "ma", "michigan": "mi", "minnesota": "mn", "mississippi": "ms", "missouri": "mo",
    "montana": "mt", "nebraska": "ne", "nevada": "nv", "new hampshire": "nh", "new jersey": "nj",
    "new mexico": "nm", "new york": "ny", "north carolina": "nc", "north dakota": "nd", "ohio": "oh",
    "oklahoma": "ok", "oregon": "or", "pennsylvania": "pa", "rhode island": "ri", "south carolina": "sc",
    "south dakota": "sd", "tennessee": "tn", "texas": "tx", "utah": "ut", "vermont": "vt",
    "virginia": "va", "washington": "wa", "west virginia": "wv", "wisconsin": "wi", "wyoming": "wy",
}

COUNTRIES = frozenset(
    "usa us united states united states of america america uk united kingdom great britain england "
    "scotland wales ireland france germany deutschland italy italia spain espana portugal netherlands "
    "belgium switzerland austria japan china hong kong singapore australia new zealand canada mexico "
    "brazil india thailand south korea korea".split()
    + ["united states", "united states of america", "united kingdom", "great britain", "hong kong", "new zealand", "south korea"]
)


def expand_token(word: str, before: str, after: str | None) -> str:
    """Spell out one address token, looking at its neighbours where the abbreviation is ambiguous.

    "St" before a name ("15 St Mark's Pl", "Rue St Honoré") is Saint, and Street elsewhere.
    "Dr" is Doctor in the same places and Drive elsewhere. "Ste" before a number is a suite,
    otherwise Sainte.
    """
    house_number = re.fullmatch(r"\d+[a-z]?", before) is not None and before not in ORDINALS.values()
    leads_name = (not before or house_number or before in STREET_WORDS) and after not in _UNIT_SPELLINGS
    if word == "st":
        return "saint" if leads_name and after is not None else "street"
    if word == "dr":
        return "doctor" if leads_name and after is not None else "drive"
    if word == "ste":
        return "unit" if after is not None and after[:1].isdigit() else "sainte"
    if word in ORDINALS:
        return ORDINALS[word]
    if word in _ABBREVIATIONS:
        return _ABBREVIATIONS[word]
    if len(word) > 4 and word.endswith("str"):
        return word + "asse"
    return word
