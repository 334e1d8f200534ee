"""Failure attribution: why a task that was not answered correctly failed.

Classes, with the signal that decides each:

- ``harness``: a harness fault in the trajectory, or status harness_error/context_length. It
  always wins and no model class is listed beside it, because the trajectory was cut by a
  failure that was not the model's.
- ``abstention``: the answer was [NO_DEFINITIVE_ANSWER] although the gold has a value. It is
  the primary class when it applies; the class that explains *why* the agent gave up is listed
  among the others.
- ``reasoning``: the agent opened an evidence page, or the gold answer appeared in a tool
  result, and it still answered wrong. Reaching the evidence shows that grounding and search
  worked, so those classes are not listed beside it.
- ``grounding``: no crop covered the annotated region enough (unless the key text shows up in
  the agent's queries or notes anyway), or the key text / key terms never appear in what the
  agent wrote or searched.
- ``shallow_search``: fewer distinct queries or opened pages than the thresholds ask.
- ``long_tail``: a query held the reference query's key terms but no evidence page was reached
  (needs evidence URLs).
- ``unknown``: no class is supported by the signals the task's annotations allow.

When the gold is [NO_DEFINITIVE_ANSWER] and the agent gave a concrete answer, the failure is
classed as reasoning: the agent claimed a fact that no evidence supports.
"""

from __future__ import annotations

from pix2fact.judge.signals import AttributionThresholds, Signals
from pix2fact.judge.text import NO_ANSWER_TOKEN, is_no_answer
from pix2fact.trajectory import TaskRecord

FAILURE_CLASSES = ("harness", "abstention", "reasoning", "grounding", "shallow_search", "long_tail", "unknown")
HARNESS_STATUSES = frozenset({"harness_error", "context_length"})


def is_harness_failure(record: TaskRecord) -> bool:
    """Return whether anything in the record was the harness's or provider's fault."""
    return record.status in HARNESS_STATUSES or bool(record.harness_faults)


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _grounding(signals: Signals, thresholds: AttributionThresholds) -> list[str]:
    """Return evidence phrases when grounding failed, or [] when it did not or cannot be measured."""
    text_seen: bool | None = signals.key_text_seen
    if text_seen is None and signals.seen_key_term_coverage is not None:
        text_seen = signals.seen_key_term_coverage >= thresholds.seen_key_terms
    cropped = None if signals.best_crop_coverage is None else signals.best_crop_coverage >= thresholds.coverage

    phrases = []
    if cropped is False and text_seen is not True:
        if signals.crops:
            phrases.append(f"best crop covered {_percent(signals.best_crop_coverage or 0.0)} of the annotated region")
        else:
            phrases.append("no crop of the annotated region")
    if text_seen is False:
        if signals.key_text:
            phrases.append(f"the detail's text {signals.key_text!r} never appears in the agent's queries or notes")
        else:
            shown = ", ".join(signals.key_terms)
            phrases.append(f"only {_percent(signals.seen_key_term_coverage or 0.0)} of the key terms ({shown}) appear in the agent's queries or notes")
    return phrases


def _shallow(signals: Signals, thresholds: AttributionThresholds) -> list[str]:
    phrases = []
    if signals.distinct_queries < thresholds.min_distinct_queries:
        plural = "query" if signals.distinct_queries == 1 else "queries"
        phrases.append(f"{signals.distinct_queries} distinct {plural}, {signals.reformulations} reformulations")
    if signals.pages_opened < thresholds.min_pages_opened:
        phrases.append("no page opened" if signals.pages_opened == 0 else f"only {signals.pages_opened} page opened")
    return phrases


def _long_tail(signals: Signals, thresholds: AttributionThresholds) -> list[str]:
    if signals.evidence_url_reached is not False:
        return []
    right_key = bool(signals.key_text_in_queries) or (
        signals.query_key_term_coverage is not None and signals.query_key_term_coverage >= thresholds.query_key_terms
    )
    if not right_key:
        return []
    share = "" if signals.query_key_term_coverage is None else f" (best query had {_percent(signals.query_key_term_coverage)} of the key terms)"
    pages = "page" if signals.pages_opened == 1 else "pages"
    return [f"searched with the right key{share} but opened {signals.pages_opened} {pages} and never the evidence page"]


def _reasoning(signals: Signals, final_answer: str) -> list[str]:
    phrases = []
    if signals.evidence_url_reached:
        phrases.append(f"evidence page opened at step {signals.evidence_step}")
    if signals.gold_in_tool_results:
        phrases.append(f"gold answer appeared in a tool result at step {signals.gold_step}")
    if phrases:
        phrases.append(f"but the answer was {final_answer!r}")
    return phrases


def attribute(
    record: TaskRecord,
    signals: Signals | None,
    gold: str,
    thresholds: AttributionThresholds,
) -> tuple[str, list[str], str]:
    """Decide the primary failure class, the other applicable classes and the evidence line.

    Args:
        record: The trajectory of a task that was not graded correct.
        signals: Its signals (None when they could not be computed).
        gold: The gold answer.
        thresholds: Limits for each class.

    Returns:
        (primary class, other classes, one-line evidence made from the signals).
    """
    if is_harness_failure(record):
        faults = record.harness_faults
        detail = faults[0] if faults else record.error or f"status {record.status}"
        return "harness", [], f"harness fault ({record.status}): {' '.join(detail.split())[:160]}"
    if signals is None:
        return "unknown", [], "no signals could be computed for this trajectory"

    final_answer = record.final_answer
    evidence: dict[str, list[str]] = {}
    if signals.abstained and not is_no_answer(gold):
        evidence["abstention"] = [f"answered {NO_ANSWER_TOKEN} although the gold has a value"]
    if is_no_answer(gold) and not signals.abstained and final_answer.strip():
        evidence["reasoning"] = [f"gold is {NO_ANSWER_TOKEN} but the agent answered {final_answer!r}"]

    reached = _reasoning(signals, final_answer)
    if reached and "abstention" not in evidence:
        evidence["reasoning"] = reached
    elif reached:
        evidence["reasoning"] = reached[:-1]
    else:
        for name, phrases in (
            ("grounding", _grounding(signals, thresholds)),
            ("shallow_search", _shallow(signals, thresholds)),
            ("long_tail", _long_tail(signals, thresholds)),
        ):
            if phrases:
                evidence[name] = phrases

    classes = [name for name in FAILURE_CLASSES if name in evidence]
    if not classes:
        return "unknown", [], "no failure class fits the available signals: " + _summary(signals)
    lines = [phrase for name in classes for phrase in evidence[name]]
    return classes[0], classes[1:], "; ".join(lines)


def _summary(signals: Signals) -> str:
    parts = [f"{signals.distinct_queries} distinct queries", f"{signals.pages_opened} pages opened"]
    if signals.best_crop_coverage is not None:
        parts.append(f"best crop covered {_percent(signals.best_crop_coverage)} of the annotated region")
    if signals.evidence_url_reached is None:
        parts.append("no evidence URLs to check")
    if signals.best_crop_coverage is None:
        parts.append("no region annotations")
    return ", ".join(parts)
