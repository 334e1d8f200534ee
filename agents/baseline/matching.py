"""Match the name read on a panel against search hits, page text and link labels.

Look-alike names are common ("Norcross Swim Club" and "Norcrosse Swim Club"), so an exact match
of the normalised name always beats a fuzzy one. A fuzzy match counts only when no exact one
exists and it is very close, because OCR may drop or swap a letter.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# Fuzzy matches below this ratio (difflib's 2*matches/total) are treated as other names.
MIN_FUZZY_RATIO = 0.85

# Link labels worth following for each answer kind, most promising first.
LINK_WORDS: dict[str, tuple[str, ...]] = {
    "phone": ("contact", "get in touch", "call", "find us", "location", "visit", "about"),
    "email": ("contact", "get in touch", "email", "enquir", "about", "visit"),
    "address": ("contact", "find us", "location", "directions", "address", "visit", "about"),
    "hours": ("opening", "hours", "times", "visit", "plan your", "location", "contact", "shop"),
    "price": ("price", "admission", "ticket", "rates", "fees", "tariff", "shop", "menu", "store",
              "membership", "visit", "product"),
    "year": ("history", "our story", "about", "heritage", "who we are", "biography", "bio", "story"),
    "name": ("history", "about", "our story", "team", "people", "biography", "bio", "who we are",
             "staff", "founder", "story"),
}

_LISTED_LINK = re.compile(r"^\[(\d+)\] (.*) -> (\S+)$", re.MULTILINE)
_LINK_LIST_HEADING = "Links on this text page"
_HEADER_LINE = re.compile(r"^(?:URL|Title|HTTP status|Text page|Note): ?", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower-case, spell "&" as "and", drop punctuation and collapse spaces."""
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


# Letter groups Tesseract confuses in print ("rn" read as "m", "cl" as "d"), folded to one form so
# an OCR slip still matches. Look-alike names differ by other letters, so they stay apart.
OCR_CONFUSIONS = (("rn", "m"), ("cl", "d"), ("vv", "w"), ("0", "o"), ("1", "l"), ("5", "s"))


def ocr_fold(text: str) -> str:
    """Return the normalised text with OCR-confusable letter groups folded to one spelling."""
    folded = normalise(text.replace("I", "l"))
    for group, replacement in OCR_CONFUSIONS:
        folded = folded.replace(group, replacement)
    return folded


def slug(text: str) -> str:
    """Return the name as a host label would spell it ("Park & Ride" -> "park-and-ride")."""
    return normalise(text).replace(" ", "-")


@dataclass(frozen=True)
class HitMatch:
    """A search hit whose title names the entity read on the panel.

    Attributes:
        rank: 0-based position of the hit in the search results.
        title: The hit's title.
        url: The hit's URL.
        name: The title segment that matched, as the site spells the name (the panel's
            reading when only the host matched).
        ratio: 1.0 for an exact match of the normalised name, else the fuzzy ratio.
    """

    rank: int
    title: str
    url: str
    name: str
    ratio: float


def _segments(title: str) -> list[str]:
    return [part.strip() for part in re.split(r"\s[|\u2013\u2014:-]\s|\s*\|\s*", title) if part.strip()]


def _title_match(title: str, name: str) -> tuple[str, float]:
    """Return (segment, ratio) of the title segment closest to `name`.

    A segment equal to the name up to OCR confusions, or containing it as whole words
    ("Welcome to X"), scores 1.0.
    """
    expected = normalise(name)
    folded = ocr_fold(name)
    best_name, best_ratio = "", 0.0
    for segment in _segments(title):
        normal = normalise(segment)
        if f" {folded} " in f" {ocr_fold(segment)} ":
            return segment, 1.0
        ratio = difflib.SequenceMatcher(None, normal, expected).ratio()
        if ratio > best_ratio:
            best_name, best_ratio = segment, ratio
    return best_name, best_ratio


def match_hits(name: str, hits: list[dict[str, str]]) -> tuple[list[HitMatch], list[HitMatch]]:
    """Split search hits into those that name `name` exactly and the closest fuzzy ones.

    A hit matches exactly when a title segment is the name (up to letters OCR confuses, see
    `ocr_fold`), or its host is the name's slug ("hollins-park-and-ride.example"). Fuzzy matches are only the ones at the highest ratio,
    and at least `MIN_FUZZY_RATIO`; they may be look-alike entities rather than OCR slips.

    Args:
        name: The name read on the panel.
        hits: `web_search` results, each with "title" and "url".

    Returns:
        (exact, fuzzy), each in search order.
    """
    expected_slug = slug(name)
    exact: list[HitMatch] = []
    fuzzy: list[HitMatch] = []
    for rank, hit in enumerate(hits):
        title, url = hit.get("title", ""), hit.get("url", "")
        best_name, best_ratio = _title_match(title, name)
        if best_ratio < 1.0 and host_of(url).split(".")[0] == expected_slug:
            best_name, best_ratio = name, 1.0
        if best_ratio == 1.0:
            exact.append(HitMatch(rank, title, url, best_name, 1.0))
        elif best_ratio >= MIN_FUZZY_RATIO:
            fuzzy.append(HitMatch(rank, title, url, best_name, round(best_ratio, 3)))

    top = max((match.ratio for match in fuzzy), default=0.0)
    return exact, [match for match in fuzzy if match.ratio == top]


def order_for_kind(matches: list[HitMatch], kind: str | None) -> list[HitMatch]:
    """Put hits whose title suggests the right page for the kind first, then keep search order."""
    words = LINK_WORDS.get(kind or "", ())

    def key(match: HitMatch) -> tuple[int, int]:
        title = match.title.lower()
        return (0 if any(word in title for word in words) else 1, match.rank)

    return sorted(matches, key=key)


def page_mentions(text: str, name: str) -> bool:
    """Tell whether a page's text contains the name (normalised, as whole words)."""
    return f" {normalise(name)} " in f" {normalise(text)} "


def page_body(text: str) -> str:
    """Return the page text of a browser tool result without its header and link list."""
    body = text.split(_LINK_LIST_HEADING, 1)[0]
    lines = body.splitlines()
    while lines and (not lines[0].strip() or _HEADER_LINE.match(lines[0]) or lines[0].startswith("Text page")):
        lines.pop(0)
    return "\n".join(lines)


def links_in(text: str) -> list[tuple[int, str, str]]:
    """Return the (id, label, url) links that a browser tool result lists for its text page."""
    listing = text.split(_LINK_LIST_HEADING, 1)
    if len(listing) < 2:
        return []
    return [(int(number), label.strip(), url) for number, label, url in _LISTED_LINK.findall(listing[1])]


def host_of(url: str) -> str:
    """Return the lower-case host of a URL ("" when it has none)."""
    return re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.lower()).split("/")[0]


def rank_links(links: list[tuple[int, str, str]], kind: str | None, site: str, seen: set[str]) -> list[tuple[int, str, str]]:
    """Return the same-site links whose label suits the kind, most promising first.

    Args:
        links: (id, label, url) as `links_in` returns them.
        kind: The answer kind, which selects the label words of `LINK_WORDS`.
        site: Host of the entity's site; links elsewhere are left out.
        seen: URLs already read, left out too.
    """
    words = LINK_WORDS.get(kind or "", ())
    scored = []
    for link_id, label, url in links:
        lowered = label.lower()
        if not lowered or host_of(url) != site or url.rstrip("/") in seen:
            continue
        positions = [index for index, word in enumerate(words) if word in lowered]
        if positions:
            scored.append((min(positions), link_id, label, url))
    scored.sort()
    return [(link_id, label, url) for _, link_id, label, url in scored]
