"""Rule grader: one table per answer kind, plus kind detection and the grade contract."""

from __future__ import annotations

import pytest

from pix2fact.judge.normalize import canonical_kind, detect_kind, resolve_kind
from pix2fact.judge.rules import Grade, Grader, RuleGrader, grade_answer

C, W = "correct", "incorrect"

PHONE = [
    pytest.param("+1 212-555-0134", "(212) 555-0134", C, id="nanp-local-form"),
    pytest.param("+1 212-555-0134", "001 212 555 0134", C, id="double-zero-prefix"),
    pytest.param("+1 212-555-0134", "212-555-0135", W, id="one-digit-off"),
    pytest.param("+1 212-555-0134", "555-0134", W, id="area-code-missing"),
    pytest.param("+44 20 7946 0958", "+44 (0)20 7946 0958", C, id="bracketed-trunk-zero"),
    pytest.param("+44 20 7946 0958", "020 7946 0958", C, id="uk-trunk-zero"),
    pytest.param("+39 06 1234 5678", "06 1234 5678", C, id="italy-keeps-zero"),
    pytest.param("+852 2123 4567", "+853 2123 4567", W, id="other-country-code"),
    pytest.param("+1 212-555-0134 ext. 204", "+1 212-555-0134", W, id="extension-missing"),
    pytest.param("+44 20 7946 0958", "The phone is +44 20 7946 0958.", C, id="inside-sentence"),
    pytest.param("+44 20 7946 0958", "020 7946 0958 or 020 7946 0000", W, id="two-numbers"),
    pytest.param("+1 415 555 0199", "+1 415 555 0199, i.e. (415) 555-0199", C, id="same-number-twice"),
]

HOURS = [
    pytest.param("9am-5pm", "09:00–17:00", C, id="24h-en-dash"),
    pytest.param("9am-5pm", "9 to 5", C, id="bare-range-afternoon-end"),
    pytest.param("9am-5pm", "9am-6pm", W, id="range-end-differs"),
    pytest.param("9am-5pm", "9pm-5am", W, id="am-pm-swapped"),
    pytest.param("10:00", "10 am", C, id="24h-vs-12h"),
    pytest.param("10 pm", "10:00", W, id="bare-time-is-24h"),
    pytest.param("12 pm", "noon", C, id="noon"),
    pytest.param("midnight", "24:00", C, id="midnight-as-24"),
    pytest.param("Mon-Fri 9-17", "Monday to Friday, 9am to 5pm", C, id="day-range-spelled"),
    pytest.param("Mon-Fri 9-17", "Mon-Sat 9-17", W, id="day-range-differs"),
    pytest.param("Mon-Fri 9am-5pm, Sat 10am-2pm", "Sat 10-14, Mon-Fri 9-17", C, id="groups-reordered"),
    pytest.param("Mon-Fri 9am-5pm, Sat 10am-2pm", "9:00-17:00 Mon-Fri, 10:00-14:00 Sat", C, id="days-after-times"),
    pytest.param("Mon-Fri 9am-5pm, Sat 10am-2pm", "Mon-Fri 9am-5pm", W, id="group-missing"),
    pytest.param("10pm-2am", "22:00-02:00", C, id="over-midnight"),
    pytest.param("24 hours", "24/7", C, id="around-the-clock"),
    pytest.param("Tue-Sun 10:00-18:00", "Tue-Sun 10am-6pm, closed Mondays", C, id="closed-day-named"),
    pytest.param("9am-5pm", "9h-17h", C, id="h-suffix"),
    pytest.param("Sat-Sun 10-16", "weekends 10am to 4pm", C, id="weekends"),
    pytest.param("9am-5pm", "9am to 5pm, Monday to Friday", C, id="days-after-comma"),
]

DATES_AND_YEARS = [
    pytest.param("2021-03-12", "March 12, 2021", "date", C, id="date-us-text"),
    pytest.param("2021-03-12", "12/03/2021", "date", W, id="date-ambiguous-numeric"),
    pytest.param("25 December 1990", "12/25/1990", "date", C, id="date-unambiguous-numeric"),
    pytest.param("1 January 2000", "01/01/2000", "date", C, id="date-both-readings-agree"),
    pytest.param("March 1887", "3 March 1887", "date", W, id="date-more-precise"),
    pytest.param("March 12, 2021", "12-Mar-2021", "date", C, id="date-dashed-month"),
    pytest.param("12 March", "March 12, 2021", "date", C, id="date-gold-without-year"),
    pytest.param("12 March", "13 March", "date", W, id="date-without-year-differs"),
    pytest.param("1890", "approximately 1890", "year", W, id="year-hedged"),
    pytest.param("c. 1890", "circa 1890", "year", C, id="year-same-qualifier"),
    pytest.param("1890", "1890s", "year", W, id="year-vs-decade"),
    pytest.param("1912–1914", "1912-1915", "year", W, id="year-range-end"),
    pytest.param("44 BC", "44 BCE", "year", C, id="year-bce"),
    pytest.param("1890", "Built in 1888 and opened in 1890", "year", W, id="year-two-candidates"),
]

QUANTITIES = [
    pytest.param("$12.50", "12.50 USD", "price", C, id="price-code-after"),
    pytest.param("$12.50", "12.5 dollars", "price", C, id="price-word"),
    pytest.param("€4.20", "4,20 €", "price", C, id="price-decimal-comma"),
    pytest.param("12.50 USD", "12.50 CAD", "price", W, id="price-other-dollar"),
    pytest.param("$12.50", "about $12.50", "price", W, id="price-qualifier"),
    pytest.param("$3.5 million", "3.5M USD", "price", C, id="price-m-suffix"),
    pytest.param("$0.99", "99 cents", "price", C, id="price-cents"),
    pytest.param("€15", "EUR15", "price", C, id="price-code-touching"),
    pytest.param("$10-$15", "$10-$16", "price", W, id="price-range-end"),
    pytest.param("1,234", "1 234", "number", C, id="number-space-thousands"),
    pytest.param("42", "forty-two", "number", C, id="number-word"),
    pytest.param("45 m", "147.6 ft", "number", C, id="number-unit-conversion"),
    pytest.param("45 m", "45 ft", "number", W, id="number-other-unit"),
    pytest.param("300 seats", "over 300 seats", "number", W, id="number-lower-bound"),
    pytest.param("42", "42 or 43", "number", W, id="number-two-candidates"),
]

WEB_AND_ADDRESS = [
    pytest.param("info@bluedoor.com", "INFO@BlueDoor.com", "email", C, id="email-case"),
    pytest.param("contact@cafe.fr", "contact@café.fr", "email", W, id="email-accent-is-other-domain"),
    pytest.param("info@bluedoor.com", "info@bluedoor.com or sales@bluedoor.com", "email", W, id="email-two"),
    pytest.param("https://www.bluedoor.com/", "bluedoor.com", "url", C, id="url-bare-domain"),
    pytest.param("www.museum.org/visit", "museum.org/visit#hours", "url", C, id="url-fragment"),
    pytest.param("https://shop.example.com", "example.com", "url", W, id="url-subdomain-missing"),
    pytest.param("123 Main St, Springfield, IL 62704", "123 Main Street", "address", C, id="address-street-line"),
    pytest.param("123 Main St, Springfield, IL 62704", "124 Main St, Springfield", "address", W, id="address-house-number"),
    pytest.param("350 5th Ave, New York, NY 10118", "350 Fifth Avenue, New York", "address", C, id="address-ordinal-word"),
    pytest.param("200 N Michigan Ave, Chicago, IL", "200 Michigan Ave, Chicago", "address", W, id="address-direction-missing"),
    pytest.param("Friedrichstraße 43, 10117 Berlin", "Friedrichstr. 43, Berlin", "address", C, id="address-german-str"),
    pytest.param("15 St Mark's Pl, New York", "15 Saint Marks Place", "address", C, id="address-st-is-saint"),
]

NAMES_AND_TEXT = [
    pytest.param("John F. Kennedy", "Kennedy, John F.", "name", C, id="name-reversed"),
    pytest.param("John F. Kennedy", "John Kennedy", "name", C, id="name-initial-dropped"),
    pytest.param("John F. Kennedy", "John K. Kennedy", "name", W, id="name-initial-conflicts"),
    pytest.param("Frank Lloyd Wright", "Frank Wright", "name", W, id="name-full-middle-dropped"),
    pytest.param("Antoni Gaudí", "antoni gaudi", "name", C, id="name-diacritics"),
    pytest.param("Martin Luther King Jr.", "Martin Luther King Sr.", "name", W, id="name-generation"),
    pytest.param("Zaha Hadid", "The architect was Zaha Hadid", "name", C, id="name-after-copula"),
    pytest.param("Zaha Hadid", "It was not Zaha Hadid", "name", W, id="name-negated"),
    pytest.param("red and white", "white, red", "", C, id="text-parts-any-order"),
    pytest.param("red and white", "red, white and blue", "", W, id="text-extra-part"),
    pytest.param("Platform 9", "platform nine", "", C, id="text-number-word"),
]


@pytest.mark.parametrize(("gold", "answer", "expected"), PHONE)
def test_phone_table(gold, answer, expected):
    grade = grade_answer(answer, gold, kind="phone")
    assert grade.verdict == expected, grade.reason


@pytest.mark.parametrize(("gold", "answer", "expected"), HOURS)
def test_hours_table(gold, answer, expected):
    grade = grade_answer(answer, gold, kind="hours")
    assert grade.verdict == expected, grade.reason


@pytest.mark.parametrize(("gold", "answer", "kind", "expected"), DATES_AND_YEARS + QUANTITIES + WEB_AND_ADDRESS + NAMES_AND_TEXT)
def test_kind_table(gold, answer, kind, expected):
    grade = grade_answer(answer, gold, kind=kind)
    assert grade.verdict == expected, grade.reason


@pytest.mark.parametrize(
    ("gold", "kind"),
    [
        pytest.param("+1 415 555 0199", "phone", id="phone"),
        pytest.param("Mon-Fri 9-17", "hours", id="hours"),
        pytest.param("10:30", "hours", id="single-time"),
        pytest.param("office@lawfirm.com", "email", id="email"),
        pytest.param("https://www.bakery.de/", "url", id="url"),
        pytest.param("123 Main St, Springfield", "address", id="address"),
        pytest.param("€4.20", "price", id="price"),
        pytest.param("1890", "year", id="year"),
        pytest.param("1912-1914", "year", id="year-range-not-phone"),
        pytest.param("12 March 2021", "date", id="date"),
        pytest.param("300 seats", "number", id="number"),
        pytest.param("1,234,567", "number", id="thousands-not-phone"),
        pytest.param("10-15", "number", id="bare-range-not-hours"),
        pytest.param("Blue Door Café", "text", id="text"),
    ],
)
def test_detect_kind(gold, kind):
    assert detect_kind(gold) == kind


def test_unfitting_hint_uses_detection():
    assert resolve_kind("phone", "12 March 2021") == "date"
    assert canonical_kind("Telephone") == "phone"
    assert canonical_kind("colour") == "text"


def test_abstention_rules():
    assert grade_answer("[NO_DEFINITIVE_ANSWER]", "[NO_DEFINITIVE_ANSWER]").verdict == C
    assert grade_answer("Blue Door", "[NO_DEFINITIVE_ANSWER]").verdict == W
    wrong_abstention = grade_answer("[NO_DEFINITIVE_ANSWER]", "Blue Door")
    assert wrong_abstention.verdict == W
    assert wrong_abstention.method == "abstention"
    explained = grade_answer("[NO_DEFINITIVE_ANSWER] The sign is unreadable.", "[NO_DEFINITIVE_ANSWER]")
    assert explained.verdict == C


def test_empty_gold_is_ungradable():
    grade = grade_answer("anything", "  ")
    assert grade.verdict == "ungradable"
    assert grade.method == "none"


def test_empty_answer_is_incorrect():
    assert grade_answer("", "Blue Door").verdict == W


def test_alias_matches_and_is_named_in_reason():
    grade = grade_answer("NYC", "New York City", aliases=["NYC"])
    assert grade.verdict == C
    assert "alias" in grade.reason


def test_method_names_the_normaliser():
    assert grade_answer("bluedoor.com", "https://www.bluedoor.com/").method == "url"
    assert grade_answer("Call +1 415 555 0199 today", "+1 415 555 0199").method == "phone:extracted"
    assert grade_answer("Blue Door", "blue door").method == "exact"


def test_rule_grader_satisfies_protocol():
    grader: Grader = RuleGrader()
    grade = grader.grade("10 am", "10:00", kind="hours")
    assert isinstance(grade, Grade)
    assert grade.verdict == C
    assert grader.name == "rule"


def test_grading_is_deterministic():
    first = grade_answer("Tue-Sun 10am-6pm", "Tue-Sun 10:00-18:00").model_dump_json()
    assert all(grade_answer("Tue-Sun 10am-6pm", "Tue-Sun 10:00-18:00").model_dump_json() == first for _ in range(3))
