"""What the baseline saw and did, turned into the answer tool's evidence fields."""

from __future__ import annotations

from typing import Any

from pix2fact.agents.baseline.extract import Extraction
from pix2fact.agents.baseline.ocr import Reading
from pix2fact.agents.baseline.question import ParsedQuestion
from pix2fact.tools.answer import NO_ANSWER


class Findings:
    """Collects readings, queries, pages and notes while the baseline works on one task."""

    def __init__(self, question: ParsedQuestion) -> None:
        self.question = question
        self.readings: list[str] = []
        self.queries: list[str] = []
        self.pages: list[str] = []
        self.notes: list[str] = []
        self.entity = ""
        self.source_url = ""

    def note(self, text: str) -> None:
        self.notes.append(text)

    def read(self, place: str, reading: Reading) -> None:
        """Record a reading of the panel at `place` (a box and the image it was read from)."""
        colour = self.question.colour or "asked"
        where = f" in the {self.question.position.phrase} part of the photo" if self.question.position else ""
        text = f'"{reading.text}"' if reading.text else "no legible text"
        self.readings.append(
            f"A {colour} panel{where} at {place} reads {text} "
            f"(Tesseract, {reading.variant} image, confidence {reading.confidence:.0f})."
        )

    def searched(self, query: str) -> None:
        self.queries.append(query)

    def opened(self, url: str, entity: str) -> None:
        self.entity = entity
        self.pages.append(f"opened {url}")

    def followed(self, label: str, url: str) -> None:
        self.pages.append(f'followed "{label}" to {url}')

    def found_on(self, url: str) -> None:
        self.source_url = url

    def answer_fields(self, found: Extraction | None) -> dict[str, Any]:
        """Return the `answer` tool's arguments: the value, or NO_ANSWER, and the evidence trail."""
        question = self.question
        qualifiers = [value for value in (question.weekday, question.item, question.event, question.role) if value]
        qualifiers += list(question.purposes)
        plan = (
            f"Find the {question.colour or 'named'} panel by colour"
            + (f" in the {question.position.phrase} part" if question.position else "")
            + ", read its name with OCR, search the web for the name with the words for the "
            + f"{question.kind or 'asked'} fact"
            + (f" ({', '.join(qualifiers)})" if qualifiers else "")
            + ", open the result whose title names the entity exactly (look-alike names are other "
            "entities), and follow the site's links to the page that states the fact."
        )
        observation = " ".join(self.readings) or "No panel of the asked colour could be read."
        trail = "; ".join(self.pages + self.notes)
        if found is None:
            comprehensive = f"No page stated the fact. Steps: {trail or 'none'}."
            final = NO_ANSWER
        else:
            comprehensive = (
                f'{self.entity}: {self.source_url} states "{found.evidence}", so the answer is {found.value}. '
                f"Steps: {trail}."
            )
            final = found.value
        return {
            "final_answer": final,
            "observation": observation,
            "search_plan": plan,
            "search_queries": list(self.queries),
            "comprehensive_answer": comprehensive,
        }
