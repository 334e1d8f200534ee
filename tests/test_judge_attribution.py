"""Failure attribution: one trajectory per class, built event by event, judged end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from pix2fact.judge import AttributionThresholds, judge_record
from pix2fact.judge.goldtext import key_terms
from pix2fact.tasks.model import Box, Region, Task
from pix2fact.tools.answer import NO_ANSWER, AnswerFields
from pix2fact.trajectory import HarnessErrorEvent, LimitEvent, ModelTurnEvent, TaskRecord, ToolEvent

GOLD = "+44 20 7946 0958"
WRONG = "+44 20 7946 0000"
REGION = Box(left=1000, top=1000, right=1200, bottom=1100)
ON_REGION = [990, 990, 1210, 1110]
TWELVE_PERCENT = [1176, 1000, 1400, 1100]  # 24 of the region's 200 px width
EVIDENCE = "https://bluedoor.example/contact"
EVIDENCE_TEXT = "Blue Door Cafe, Camden. Call us on 020 7946 0958 to book."


def make_task(**overrides) -> Task:
    fields = dict(
        id="t1",
        image=Path("/nonexistent/t1.jpg"),
        question="What is the phone number of the shop whose sign is in the lower left of the photo?",
        answer=GOLD,
        regions=[Region.from_box(REGION, label="BLUE DOOR")],
        search_query="Blue Door cafe Camden phone number",
        evidence_urls=[EVIDENCE],
        resolution=(3840, 2160),
        answer_kind="phone",
    )
    fields.update(overrides)
    return Task(**fields)


class Trajectory:
    """Builds a TaskRecord one event at a time; each call is one agent step."""

    def __init__(self) -> None:
        self.events: list = []
        self.step = 0

    def _tool(self, name: str, arguments: dict, data: dict, text: str = "", **extra) -> "Trajectory":
        self.step += 1
        self.events.append(ModelTurnEvent(step=self.step, text=""))
        self.events.append(ToolEvent(step=self.step, call_id=f"c{self.step}", name=name, arguments=arguments, data=data, text=text, **extra))
        return self

    def crop(self, box: list[float]) -> "Trajectory":
        return self._tool("crop", {"box": box}, {"box": box}, text=f"Crop: box {box} in original pixels")

    def search(self, query: str, count: int = 3, text: str = "") -> "Trajectory":
        data = {"query": query, "count": count, "provider": "snapshot"}
        return self._tool("web_search", {"query": query}, data, text=text or f"{count} results for {query}")

    def open(self, url: str, text: str = "Some page.", status: int = 200) -> "Trajectory":
        return self._tool("open_url", {"url": url}, {"url": url, "status": status}, text=text)

    def click(self, url: str, text: str = "Some page.") -> "Trajectory":
        return self._tool("click_link", {"link": 3}, {"url": url, "status": 200}, text=text)

    def say(self, text: str) -> "Trajectory":
        self.step += 1
        self.events.append(ModelTurnEvent(step=self.step, text=text))
        return self

    def tool_fault(self, name: str = "open_url") -> "Trajectory":
        return self._tool(name, {"url": EVIDENCE}, {}, error="browser crashed", fault="harness")

    def harness_error(self, message: str = "provider returned 503 after 5 retries") -> "Trajectory":
        self.events.append(HarnessErrorEvent(step=self.step, kind="provider", message=message))
        return self

    def record(self, answer: str | None, status: str = "answered", observation: str = "") -> TaskRecord:
        fields = AnswerFields(final_answer=answer, observation=observation) if answer is not None else None
        return TaskRecord(
            task_id="t1",
            status=status,
            answer=fields,
            image_size=(3840, 2160),
            events=self.events,
            started_at="2026-01-01T00:00:00+00:00",
            finished_at="2026-01-01T00:01:00+00:00",
            duration_s=60.0,
        )


def thorough_search() -> Trajectory:
    """Found the sign, searched well, opened pages, but never the evidence page."""
    return (
        Trajectory()
        .crop(ON_REGION)
        .search("Blue Door cafe Camden")
        .open("https://reviews.example/blue-door")
        .search("Blue Door cafe Camden telephone")
        .click("https://maps.example/blue-door")
    )


def test_grounding_when_crop_misses_region():
    record = Trajectory().crop(TWELVE_PERCENT).search("red cafe London phone").open("https://a.example/").search("cafe phone London").record(WRONG)

    verdict = judge_record(make_task(), record)

    assert verdict.verdict == "incorrect"
    assert verdict.failure == "grounding"
    assert "best crop covered 12% of the annotated region" in verdict.evidence
    assert "'BLUE DOOR' never appears" in verdict.evidence
    assert verdict.signals.best_crop_coverage == pytest.approx(0.12)
    assert verdict.signals.first_covering_step is None
    assert verdict.signals.key_text_seen is False


def test_key_text_in_queries_overrides_a_missing_crop():
    record = Trajectory().search("Blue Door cafe Camden phone").open("https://a.example/").search("Blue Door Camden").record(WRONG)

    verdict = judge_record(make_task(), record)

    assert verdict.failure != "grounding"
    assert "grounding" not in verdict.other_failures
    assert verdict.signals.key_text_in_queries is True


def test_shallow_search_single_query_no_page():
    record = Trajectory().crop(ON_REGION).search("Blue Door cafe Camden phone").record(WRONG)

    verdict = judge_record(make_task(), record)

    assert verdict.failure == "shallow_search"
    assert verdict.other_failures == ["long_tail"]
    assert "1 distinct query, 0 reformulations" in verdict.evidence
    assert "no page opened" in verdict.evidence
    assert verdict.signals.distinct_queries == 1
    assert verdict.signals.pages_opened == 0
    assert verdict.signals.first_covering_step == 1


def test_long_tail_right_key_but_no_evidence_page():
    verdict = judge_record(make_task(), thorough_search().record(WRONG))

    assert verdict.failure == "long_tail"
    assert verdict.other_failures == []
    assert "searched with the right key" in verdict.evidence
    assert "never the evidence page" in verdict.evidence
    assert verdict.signals.pages_opened == 2
    assert verdict.signals.links_followed == 1
    assert verdict.signals.evidence_url_reached is False
    assert verdict.signals.query_key_term_coverage == pytest.approx(1.0)


def test_reasoning_when_evidence_page_was_read():
    record = thorough_search().open("http://www.bluedoor.example/contact/#top", text=EVIDENCE_TEXT).record(WRONG)

    verdict = judge_record(make_task(), record)

    assert verdict.failure == "reasoning"
    assert verdict.other_failures == []
    assert "evidence page opened at step 6" in verdict.evidence
    assert "gold answer appeared in a tool result at step 6" in verdict.evidence
    assert verdict.signals.evidence_url_reached is True
    assert verdict.signals.gold_in_tool_results is True


def test_reasoning_from_search_snippet_without_evidence_urls():
    record = Trajectory().crop(ON_REGION).search("Blue Door Camden", text=f"1. Blue Door Cafe - {EVIDENCE_TEXT}").record(WRONG)

    verdict = judge_record(make_task(evidence_urls=[]), record)

    assert verdict.failure == "reasoning"
    assert verdict.signals.evidence_url_reached is None
    assert verdict.signals.gold_step == 2


def test_abstention_is_primary_and_keeps_the_cause():
    record = Trajectory().crop(TWELVE_PERCENT).search("cafe phone").record(NO_ANSWER)

    verdict = judge_record(make_task(), record)

    assert verdict.verdict == "incorrect"
    assert verdict.method == "abstention"
    assert verdict.failure == "abstention"
    assert "grounding" in verdict.other_failures
    assert verdict.evidence.startswith(f"answered {NO_ANSWER}")


def test_abstention_with_explanation_counts():
    record = Trajectory().crop(ON_REGION).search("Blue Door cafe Camden").record(f"{NO_ANSWER} The page had no number.")

    verdict = judge_record(make_task(), record)

    assert verdict.failure == "abstention"
    assert verdict.signals.abstained is True


def test_wrong_answer_after_harness_fault_is_ungradable():
    record = thorough_search().open(EVIDENCE, text=EVIDENCE_TEXT).tool_fault().record(WRONG)

    verdict = judge_record(make_task(), record)

    assert verdict.verdict == "ungradable"
    assert "not counted because a harness fault" in verdict.reason
    assert verdict.failure == "harness"
    assert "browser crashed" in verdict.evidence


def test_correct_answer_despite_harness_fault_counts():
    record = thorough_search().open(EVIDENCE, text=EVIDENCE_TEXT).tool_fault().record(GOLD)

    verdict = judge_record(make_task(), record)

    assert verdict.verdict == "correct"


def test_harness_error_without_answer_is_ungradable():
    record = Trajectory().crop(ON_REGION).harness_error().record(None, status="harness_error")

    verdict = judge_record(make_task(), record)

    assert verdict.verdict == "ungradable"
    assert verdict.failure == "harness"
    assert "provider returned 503" in verdict.evidence


def test_context_length_status_is_harness():
    verdict = judge_record(make_task(), thorough_search().record(WRONG, status="context_length"))

    assert verdict.failure == "harness"
    assert "context_length" in verdict.evidence


def test_harness_fault_does_not_spoil_a_correct_answer():
    verdict = judge_record(make_task(), thorough_search().tool_fault().record(GOLD))

    assert verdict.verdict == "correct"
    assert verdict.failure is None


def test_limit_without_answer_is_the_models_failure():
    trajectory = Trajectory().crop(TWELVE_PERCENT)
    trajectory.events.append(LimitEvent(step=1, limit="steps", value=30))

    verdict = judge_record(make_task(), trajectory.record(None, status="limit"))

    assert verdict.verdict == "incorrect"
    assert "steps limit" in verdict.reason
    assert verdict.failure == "grounding"


@pytest.mark.parametrize(
    ("thresholds", "expected"),
    [
        pytest.param(AttributionThresholds(), "grounding", id="default-coverage"),
        pytest.param(AttributionThresholds(coverage=0.1), "shallow_search", id="lower-coverage"),
    ],
)
def test_coverage_threshold_flips_grounding(thresholds, expected):
    record = Trajectory().crop(TWELVE_PERCENT).search("Blue Door Camden").record(WRONG)
    # Without a region label or reference query, only the crop can show grounding.
    task = make_task(regions=[Region.from_box(REGION)], search_query="")

    assert judge_record(task, record, thresholds).failure == expected


def test_query_threshold_flips_shallow_to_long_tail():
    record = Trajectory().crop(ON_REGION).search("Blue Door cafe Camden").open("https://a.example/").record(WRONG)

    assert judge_record(make_task(), record).failure == "shallow_search"
    assert judge_record(make_task(), record, AttributionThresholds(min_distinct_queries=1)).failure == "long_tail"


def test_whole_image_crop_does_not_count_as_grounding():
    record = Trajectory().crop([0, 0, 3840, 2160]).search("cafe").record(WRONG)
    task = make_task(regions=[Region.from_box(REGION)], search_query="")

    verdict = judge_record(task, record)

    assert verdict.signals.best_crop_coverage == 0.0
    assert verdict.failure == "grounding"


def test_unannotated_task_with_thorough_search_is_unknown():
    task = make_task(regions=[], search_query="", evidence_urls=[])

    verdict = judge_record(task, thorough_search().record(WRONG))

    assert verdict.failure == "unknown"
    assert verdict.other_failures == []
    assert "no evidence URLs to check" in verdict.evidence
    assert "no region annotations" in verdict.evidence
    assert verdict.signals.best_crop_coverage is None
    assert verdict.signals.key_terms == []


def test_unannotated_task_still_gets_shallow_search():
    task = make_task(regions=[], search_query="", evidence_urls=[])

    verdict = judge_record(task, Trajectory().search("cafe").record(WRONG))

    assert verdict.failure == "shallow_search"


def test_reformulation_after_empty_search_is_counted():
    record = Trajectory().search("Blu Dor cafe", count=0).search("Blue Door cafe Camden").record(WRONG)

    signals = judge_record(make_task(), record).signals

    assert signals.empty_searches == 1
    assert signals.reformulations == 1
    assert signals.distinct_queries == 2


@pytest.mark.parametrize(
    ("query", "question", "expected"),
    [
        pytest.param('"Norcross Swim Club" year founded', "In what year was the group founded?", ["norcross", "swim", "club"], id="quoted-name"),
        pytest.param("Tolland Cobble Hardware Saturday hours", "When does the hardware shop close on Saturday?", ["tolland", "cobble"], id="question-words-dropped"),
        pytest.param("Blue Door hours", "Blue Door hours?", ["blue", "door"], id="nothing-left-keeps-all"),
    ],
)
def test_key_terms(query, question, expected):
    assert key_terms(query, question) == expected


def test_gold_number_needs_key_term():
    task = make_task(answer="42", answer_kind="number", search_query="Blue Door cafe seats")
    unrelated = Trajectory().open("https://a.example/", text="Page 42 of the archive").record("40")
    related = Trajectory().open("https://a.example/", text="The Blue Door has 42 seats").record("40")

    assert judge_record(task, unrelated).signals.gold_in_tool_results is False
    assert judge_record(task, related).signals.gold_in_tool_results is True


def test_builtin_search_queries_count_as_searches():
    from pix2fact.agent import BuiltinToolCall

    trajectory = Trajectory().crop(ON_REGION)
    trajectory.step += 1
    calls = [BuiltinToolCall(name="web_search", queries=["Blue Door cafe Camden", "Blue Door cafe Camden phone"])]
    trajectory.events.append(ModelTurnEvent(step=trajectory.step, text="", builtin_tool_calls=calls))
    record = trajectory.record("020 7946 0000")

    verdict = judge_record(make_task(), record)

    assert verdict.signals.distinct_queries == 2
