"""Pull the asked fact out of a web page's text, by answer kind and the question's qualifiers.

Every extractor scans the page line by line, with long lines split into sentences. It finds
values of its kind with a regular expression and scores each by the words around it: a Saturday row
for Saturday hours, a "Membership enquiries" label for a membership email, "founded" for a
founding year. Lines that name a different purpose (press contacts, a later restoration) are
marked down. The best value wins when its score reaches the kind's minimum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pix2fact.agents.baseline.hours import hours_for
from pix2fact.agents.baseline.question import ParsedQuestion

PHONE = re.compile(r"(?<![\w@])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)|\d{2,5})[\s.-]?\d{3}[\s.-]?\d{3,4}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PRICE = re.compile(r"(?:[$£€]\s?\d[\d,]*(?:\.\d{1,2})?|\d[\d,]*(?:\.\d{2})?\s?(?:USD|EUR|GBP|dollars|euros|pounds)\b)")
YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")
PERSON = re.compile(r"\b[A-Z][a-zA-Z'\u2019-]+(?:\s+(?:van|von|de|da|del|di|le|la|O')?\s*[A-Z][a-zA-Z'\u2019-]+){1,2}\b")
ADDRESS_LABEL = re.compile(r"\b(?:head[- ]office|address|located at|find us at|visit us at)\b\s*:?\s*(.+)", re.IGNORECASE)
STREET = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Row|Way|Drive|Dr|Place|Pl|"
    r"Square|Sq|Court|Ct|Close|Crescent|Terrace|Boulevard|Blvd|Parade|Walk|Hill|Gardens|Quay|Wharf)\b[^\n]*"
)

# Words that mark a line as being about something other than the usual public contact.
OTHER_PURPOSE_WORDS = ("press", "media", "partnerships", "partners", "careers", "jobs", "fax")

# For a year question's event word: synonyms (weaker evidence) and events that carry another
# year of the same entity (a move, a restoration, an exhibition).
YEAR_SYNONYMS = {
    "founded": ("established", "formed", "started", "set up", "began", "founding"),
    "established": ("founded", "formed", "started"),
    "born": ("birth",),
    "completed": ("built", "constructed", "finished", "opened"),
    "built": ("completed", "constructed", "finished"),
    "opened": ("opening", "started", "began", "launched"),
}
OTHER_YEAR_EVENTS = ("moved", "premises", "restoration", "restored", "renovat", "exhibition", "extension",
                     "rebuilt", "closed", "anniversary", "refurbish", "merged", "acquired", "award")

# Phrases that introduce a person in a role, searched in lower case; the name follows them.
ROLE_CUES: dict[str, tuple[str, ...]] = {
    "founder": ("founded by", "founder", "started by", "established by", "set up by"),
    "teacher": ("studied under", "under", "taught by", "teacher", "trained with", "pupil of", "apprenticed to", "mentor"),
    "architect": ("designed by the architect", "architect", "designed by"),
    "chief executive": ("chief executive", "ceo", "led by"),
    "manager": ("manager is", "manager", "managed by"),
    "owner": ("its owner", "owner", "owned by", "run by"),
    "director": ("director", "directed by"),
    "curator": ("curator",),
}


@dataclass(frozen=True)
class Extraction:
    """A value found on a page, with the line it came from and how well that line fits."""

    value: str
    evidence: str
    score: float


def page_lines(text: str) -> list[str]:
    """Split page text into lines, and long lines into sentences, without link markers."""
    text = re.sub(r"\[\d+\]\s*", "", text)
    pieces = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        pieces.extend(part.strip() for part in re.split(r"(?<=[.!?])\s+(?=[A-Z])", line) if part.strip())
    return pieces


def _words(text: str) -> set[str]:
    return {word.rstrip("s") for word in re.findall(r"[a-z0-9]+", text.lower())}


def _best(found: list[Extraction], minimum: float) -> Extraction | None:
    if not found:
        return None
    best = max(found, key=lambda item: item.score)  # max keeps the first of equal scores
    return best if best.score >= minimum else None


def _other_purpose_penalty(line: str, purposes: tuple[str, ...]) -> float:
    lowered = line.lower()
    return -2.0 if any(word in lowered and word not in purposes for word in OTHER_PURPOSE_WORDS) else 0.0


def extract_phone(lines: list[str], question: ParsedQuestion) -> Extraction | None:
    found = []
    for line in lines:
        lowered = line.lower()
        for match in PHONE.finditer(line):
            score = 1.0 + (2.0 if re.search(r"\b(?:phone|tel|telephone|call)\b", lowered) else 0.0)
            score += _other_purpose_penalty(line, question.purposes)
            found.append(Extraction(match.group(0).strip(), line, score))
    return _best(found, 1.0)


def extract_email(lines: list[str], question: ParsedQuestion) -> Extraction | None:
    found = []
    purposes = question.purposes
    for line in lines:
        lowered = line.lower()
        for match in EMAIL.finditer(line):
            score = 1.0 + 3.0 * sum(1 for word in purposes if word in lowered)
            if not purposes and re.search(r"\b(?:general|enquiries|inquiries|info|contact)\b", lowered):
                score += 1.0
            score += _other_purpose_penalty(line, purposes)
            found.append(Extraction(match.group(0).rstrip("."), line, score))
    return _best(found, 1.0)


def extract_address(lines: list[str], question: ParsedQuestion) -> Extraction | None:
    found = []
    for line in lines:
        labelled = ADDRESS_LABEL.search(line)
        if labelled and "@" not in labelled.group(1) and re.search(r"\d", labelled.group(1)):
            score = 3.0 + (1.0 if "head" in line.lower() and "head" in question.text.lower() else 0.0)
            found.append(Extraction(labelled.group(1).strip().rstrip("."), line, score))
            continue
        street = STREET.search(line)
        if street:
            found.append(Extraction(street.group(0).strip().rstrip("."), line, 1.0))
    return _best(found, 1.0)


def extract_hours(lines: list[str], question: ParsedQuestion) -> Extraction | None:
    value, evidence = hours_for(lines, question.weekday)
    return Extraction(value, evidence, 3.0) if value else None


def extract_price(lines: list[str], question: ParsedQuestion) -> Extraction | None:
    item_words = _words(question.item or "") - {"a", "an", "the", "of", "for", "its", "their", "one"}
    found = []
    for line in lines:
        for match in PRICE.finditer(line):
            if item_words:
                overlap = len(item_words & _words(line)) / len(item_words)
                phrase = 1.0 if question.item and question.item.lower() in line.lower() else 0.0
                score = 3.0 * overlap + phrase
            else:
                score = 1.0
            found.append(Extraction(match.group(0).strip(), line, score))
    return _best(found, 1.5 if item_words else 1.0)


def extract_year(lines: list[str], question: ParsedQuestion) -> Extraction | None:
    event = question.event or ""
    synonyms = YEAR_SYNONYMS.get(event, ())
    found = []
    for line in lines:
        lowered = line.lower()
        years = YEAR.findall(line)
        if not years:
            continue
        score = 0.0
        if event and re.search(rf"\b{event}\b", lowered):
            score += 3.0
        elif any(re.search(rf"\b{word}", lowered) for word in synonyms):
            score += 2.0
        if any(word in lowered for word in OTHER_YEAR_EVENTS):
            score -= 3.0
        found.append(Extraction(years[0], line, score))
    return _best(found, 2.0 if event else 0.0)


def _person_after(line: str, start: int, entity_words: set[str]) -> str | None:
    """Return the first capitalised name after `start` that is not the entity's own name."""
    for match in PERSON.finditer(line, start):
        if not set(match.group(0).lower().split()) & entity_words:
            return match.group(0)
    return None


def extract_name(lines: list[str], question: ParsedQuestion, entity: str = "") -> Extraction | None:
    cues = ROLE_CUES.get(question.role or "", ())
    entity_words = set(entity.lower().split())
    found = []
    for line in lines:
        lowered = line.lower()
        for rank, cue in enumerate(cues):
            position = lowered.find(cue)
            person = _person_after(line, position + len(cue), entity_words) if position >= 0 else None
            if person:
                # Earlier cues in the list are more specific ("founded by" before "founder").
                found.append(Extraction(person, line, 3.0 - 0.1 * rank))
                break
    return _best(found, 2.0)


def extract(question: ParsedQuestion, text: str, entity: str = "") -> Extraction | None:
    """Return the value of the asked kind found in a page's text, or None.

    Args:
        question: The parsed question; its kind selects the extractor.
        text: The page text as the browser tools show it.
        entity: The name read on the panel, so a person extractor does not return it.
    """
    lines = page_lines(text)
    if question.kind == "phone":
        return extract_phone(lines, question)
    if question.kind == "email":
        return extract_email(lines, question)
    if question.kind == "address":
        return extract_address(lines, question)
    if question.kind == "hours":
        return extract_hours(lines, question)
    if question.kind == "price":
        return extract_price(lines, question)
    if question.kind == "year":
        return extract_year(lines, question)
    if question.kind == "name":
        return extract_name(lines, question, entity)
    return None
