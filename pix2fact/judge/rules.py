"""The rule grader: decides whether a final answer states the gold fact.

Steps, in order:

1. An empty gold answer cannot be graded ("ungradable").
2. A gold of `[NO_DEFINITIVE_ANSWER]` is matched only by that token; an answer of that token
   is wrong for any other gold.
3. The answer is compared with the gold and each alias; the first that matches wins.
4. For each, text that is equal after folding case, spaces and dashes is correct ("exact").
5. Otherwise the kind's normaliser (hint or detected, see `normalize`) reads the values in both
   texts. The gold's values and the answer's distinct values must match one to one. An answer
   sentence that contains exactly one value of the kind is graded by that value
   ("phone:extracted"); one that contains several different values is wrong.

A second grader (an LLM judge) can sit beside this one by implementing `Grader`.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, Sequence

from pydantic import BaseModel

from pix2fact.judge.base import Normalizer
from pix2fact.judge.normalize import NORMALIZERS, resolve_kind
from pix2fact.judge.text import NO_ANSWER_TOKEN, fold, is_no_answer, unwrap

VerdictLabel = Literal["correct", "incorrect", "ungradable"]


class Grade(BaseModel):
    """The outcome of grading one answer.

    Attributes:
        verdict: "correct", "incorrect", or "ungradable" when there is no gold to grade against.
        method: What decided it: "exact", a kind ("phone"), a kind with ":extracted" when the
            value was read out of a longer answer, "abstention", or "none".
        reason: One sentence a reader can check.
        kind: The answer kind used (hinted or detected).
    """

    verdict: VerdictLabel
    method: str
    reason: str
    kind: str = ""


class Grader(Protocol):
    """Anything that grades an answer against a gold answer; `name` is recorded in verdicts."""

    name: str
    version: str

    def grade(self, answer: str, gold: str, aliases: Sequence[str] = (), kind: str = "", question: str = "") -> Grade:
        """Grade one answer. `question` gives context to graders that read it; the rule grader does not."""
        ...


def _exact(answer: str, gold: str) -> bool:
    # Accents are kept: "café.fr" is not "cafe.fr". The kind normalisers fold them where safe.
    return fold(unwrap(answer), accents=True) == fold(unwrap(gold), accents=True)


def _distinct(normalizer: Normalizer, values: list[Any]) -> list[Any]:
    distinct: list[Any] = []
    for value in values:
        if not any(normalizer.same(value, seen) for seen in distinct):
            distinct.append(value)
    return distinct


def _grade_against(answer: str, gold: str, kind: str) -> Grade:
    """Grade against one gold string (the main gold or one alias)."""
    if _exact(answer, gold):
        return Grade(verdict="correct", method="exact", reason="answer equals the gold answer after folding case and spacing", kind=kind)

    kind = resolve_kind(kind, gold)
    normalizer = NORMALIZERS[kind]
    gold_values = _distinct(normalizer, normalizer.find(gold).values)
    if not gold_values:
        return Grade(verdict="ungradable", method="none", reason=f"gold answer {gold!r} has no {kind} value to compare", kind=kind)

    found = normalizer.find(answer)
    answer_values = _distinct(normalizer, found.values)
    method = kind if found.whole else f"{kind}:extracted"
    gold_shown = "; ".join(normalizer.describe(value) for value in gold_values)
    if not answer_values:
        return Grade(verdict="incorrect", method="none", reason=f"answer contains no {kind} value; gold is {gold_shown}", kind=kind)

    answer_shown = "; ".join(normalizer.describe(value) for value in answer_values)
    if len(answer_values) > len(gold_values):
        return Grade(
            verdict="incorrect",
            method=method,
            reason=f"answer gives {len(answer_values)} different {kind} values ({answer_shown}) where the gold has {len(gold_values)}",
            kind=kind,
        )

    unmatched = [value for value in gold_values if not any(normalizer.same(found_value, value) for found_value in answer_values)]
    extra = [value for value in answer_values if not any(normalizer.same(value, expected) for expected in gold_values)]
    if unmatched or extra:
        return Grade(verdict="incorrect", method=method, reason=f"{kind} {answer_shown} does not match gold {gold_shown}", kind=kind)
    return Grade(verdict="correct", method=method, reason=f"{kind} {answer_shown} matches gold {gold_shown}", kind=kind)


def grade_answer(answer: str, gold: str, aliases: Sequence[str] = (), kind: str = "") -> Grade:
    """Grade a final answer against the gold answer and its aliases.

    Args:
        answer: The agent's final answer.
        gold: The gold answer; empty means the task cannot be graded.
        aliases: Other accepted forms of the gold answer.
        kind: Answer kind hint (phone, hours, email, address, price, year, name, date, number,
            url); empty to detect it from the gold answer.

    Returns:
        The grade, with the method that decided it and a one-sentence reason.
    """
    if not gold.strip():
        return Grade(verdict="ungradable", method="none", reason="gold answer is empty", kind=kind)
    if is_no_answer(gold):
        if is_no_answer(answer):
            return Grade(verdict="correct", method="abstention", reason=f"both the answer and the gold are {NO_ANSWER_TOKEN}", kind=kind)
        return Grade(verdict="incorrect", method="abstention", reason=f"gold is {NO_ANSWER_TOKEN} but the answer gives a value", kind=kind)
    if not answer.strip():
        return Grade(verdict="incorrect", method="none", reason="answer is empty", kind=kind)
    if is_no_answer(answer):
        return Grade(verdict="incorrect", method="abstention", reason=f"answer is {NO_ANSWER_TOKEN} but the gold has a value", kind=kind)

    first: Grade | None = None
    for candidate in [gold, *aliases]:
        if not candidate.strip() or is_no_answer(candidate):
            continue
        grade = _grade_against(answer, candidate, kind)
        if grade.verdict == "correct":
            if candidate is not gold:
                grade = grade.model_copy(update={"reason": f"{grade.reason} (alias {candidate!r})"})
            return grade
        first = first or grade
    assert first is not None  # the gold itself is non-empty and not the abstention token
    return first


class RuleGrader:
    """The deterministic rule grader, as a `Grader`."""

    name = "rule"
    version = "1"

    def grade(self, answer: str, gold: str, aliases: Sequence[str] = (), kind: str = "", question: str = "") -> Grade:
        return grade_answer(answer, gold, aliases, kind)
