"""Reading an LLM's reply leniently: a JSON object if there is one, else plain-text forms.

Accepted for the grading reply, in order:

1. A JSON object anywhere in the text (code fences allowed) with a decision under `correct`,
   `is_correct`, `verdict`, `result`, `judgment` or `judgement`, as a boolean or one of the
   words true/false, yes/no, correct/incorrect, right/wrong. The reason is read from `reason`,
   `explanation` or `rationale`.
2. A labelled line such as `Verdict: False` or `correct = true`.
3. A reply that starts with True/False (or Correct/Incorrect), markdown emphasis allowed.
4. A reply in which exactly one of the words True and False occurs.

Anything else is unreadable (None); the caller asks again and, after its last attempt, calls
the answer ungradable rather than wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

_DECISION_KEYS = ("correct", "is_correct", "verdict", "result", "judgment", "judgement", "decision")
_REASON_KEYS = ("reason", "explanation", "rationale", "justification")
_WORDS = {
    "true": True, "yes": True, "correct": True, "right": True,
    "false": False, "no": False, "incorrect": False, "wrong": False, "not correct": False,
}
_WORD_PATTERN = r"(true|false|yes|no|not correct|incorrect|correct|right|wrong)"
_LABELLED = re.compile(rf"\b(?:verdict|correct|is_correct|judg(?:e)?ment|result|decision)\b\**\s*[:=]\s*[*_`\"']*\s*{_WORD_PATTERN}\b", re.IGNORECASE)
_LEADING = re.compile(r"^[\s*_`#>\"'-]*(true|false|correct|incorrect)\b", re.IGNORECASE)


def _objects(text: str) -> list[dict[str, Any]]:
    """Return every JSON object that can be decoded from the text, outermost first."""
    decoder = json.JSONDecoder()
    found = []
    for start in [match.start() for match in re.finditer(r"\{", text)]:
        try:
            value, _ = decoder.raw_decode(text[start:])
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def _decision(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _WORDS.get(value.strip().strip(".!*_`'\"").casefold())
    return None


def _field(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {str(key).casefold(): value for key, value in obj.items()}
    return next((lowered[key] for key in keys if key in lowered), None)


def parse_judgement(text: str) -> tuple[bool, str] | None:
    """Return (correct, reason) read from a grading reply, or None when it cannot be read."""
    for obj in _objects(text):
        decision = _decision(_field(obj, _DECISION_KEYS))
        if decision is not None:
            reason = _field(obj, _REASON_KEYS)
            return decision, str(reason).strip() if reason is not None else ""

    stripped = text.strip()
    labelled = _LABELLED.search(stripped)
    if labelled:
        return _WORDS[labelled.group(1).casefold()], _reason_from_text(stripped)
    leading = _LEADING.match(stripped)
    if leading:
        return _WORDS[leading.group(1).casefold()], _reason_from_text(stripped)

    words = {word.casefold() for word in re.findall(r"\b(true|false)\b", stripped, re.IGNORECASE)}
    if len(words) == 1:
        return words.pop() == "true", _reason_from_text(stripped)
    return None


def parse_attribution(text: str, classes: tuple[str, ...]) -> tuple[str, str] | None:
    """Return (class, reason) read from an attribution reply, or None when it names no single class."""
    for obj in _objects(text):
        value = _field(obj, ("class", "cause", "failure", "category"))
        if isinstance(value, str) and value.strip().casefold().replace(" ", "_").replace("-", "_") in classes:
            reason = _field(obj, _REASON_KEYS)
            return value.strip().casefold().replace(" ", "_").replace("-", "_"), str(reason or "").strip()

    named = {name for name in classes if re.search(rf"\b{name.replace('_', '[ _-]')}\b", text, re.IGNORECASE)}
    if len(named) == 1:
        return named.pop(), _reason_from_text(text)
    return None


def _reason_from_text(text: str) -> str:
    """Return the reply without its leading decision word, as the reason."""
    cleaned = re.sub(r"^[\s*_`#>\"'-]*(?:verdict\s*[:=]\s*)?(true|false|correct|incorrect)\b[\s*_`.:,-]*", "", text, flags=re.IGNORECASE)
    return " ".join(cleaned.split())[:300]
