"""The baseline's rules on their own: question parsing, fact extraction, hours, name matching."""

from __future__ import annotations

import pytest

from pix2fact.agents.baseline.extract import extract
from pix2fact.agents.baseline.hours import hours_for
from pix2fact.agents.baseline.matching import links_in, match_hits, page_body, rank_links
from pix2fact.agents.baseline.question import parse_position, parse_question


@pytest.mark.parametrize(
    ("question", "colour", "kind", "row", "column"),
    [
        pytest.param("Someone in this photo holds up a placard with a purple background in the centre of the photo. "
                     "In what year was the group named on it founded?", "purple", "year", 1, 1, id="year-centre"),
        pytest.param("What email address does the group on the teal placard give for membership enquiries?",
                     "teal", "email", None, None, id="email-not-address"),
        pytest.param("What street address does the shop with the black sign in the middle right part of the photo "
                     "list on its website?", "black", "address", 1, 2, id="address-middle-right"),
        pytest.param("What is the phone number of the shop whose sign has a orange background?",
                     "orange", "phone", None, None, id="phone"),
        pytest.param("What phone number is listed for the facility that the brown sign in the top centre part of "
                     "the photo directs drivers to?", "brown", "phone", 0, 1, id="phone-top-centre"),
        pytest.param("In what year was the brand named on the blue shelf label in the lower left part of the photo "
                     "founded?", "blue", "year", 2, 0, id="year-lower-left"),
        pytest.param("How much does the vendor with the gray stall banner charge for a small box?",
                     "grey", "price", None, None, id="price-gray-spelling"),
        pytest.param("Who was the architect of the attraction named on the red information board?",
                     "red", "name", None, None, id="name-architect"),
        pytest.param("What are the Saturday opening hours of the business whose sign is painted teal in the upper "
                     "right part of the photo?", "teal", "hours", 0, 2, id="hours-upper-right"),
    ],
)
def test_question_parser_reads_colour_kind_position(question, colour, kind, row, column):
    parsed = parse_question(question)

    assert parsed.colour == colour
    assert parsed.kind == kind
    if row is None and column is None:
        assert parsed.position is None
    else:
        assert parsed.position is not None
        assert (parsed.position.row, parsed.position.column) == (row, column)


@pytest.mark.parametrize(
    ("question", "field", "expected"),
    [
        ("What are the Sunday opening hours of the shop whose sign is painted red?", "weekday", "sunday"),
        ("What email address does the artist on the white plaque list for studio enquiries?", "purposes", ("studio",)),
        ("What price does that brand's website list for its 100 g pouch?", "item", "100 g pouch"),
        ("How much does the facility named on the brown road sign charge for a full day of parking?", "item",
         "full day of parking"),
        ("What is the price of adult admission at the attraction whose information board has a green panel?",
         "item", "adult admission"),
        ("In what year was the attraction on the information board with the green panel completed?", "event",
         "completed"),
        ("According to the artist's own website, who taught the artist named on the black plaque?", "role", "teacher"),
        ("Who founded the group named on the green placard held up in the centre of the photo?", "role", "founder"),
    ],
)
def test_question_parser_reads_qualifiers(question, field, expected):
    assert getattr(parse_question(question), field) == expected


def test_position_without_phrase_is_none():
    assert parse_position("A shelf label with a white background names a brand.") is None


def test_position_contains_by_thirds():
    position = parse_position("the sign in the lower left part of the photo")

    assert position.contains(0.1, 0.9)
    assert not position.contains(0.5, 0.9)
    assert position.distance(0.5, 0.9) == pytest.approx(0.5 - 1 / 3)


EXTRACTION_CASES = [
    pytest.param(
        "What is the main phone number of the company on the black rooftop sign?",
        "Press and partnerships: press@x.example\nPhone: +1 (617) 555-0159\nFax: +1 (617) 555-0160",
        "+1 (617) 555-0159", id="phone-not-fax",
    ),
    pytest.param(
        "What email address does the group on the teal placard give for membership enquiries?",
        "Press and partnerships: press@club.example\nMembership enquiries: contact@club.example",
        "contact@club.example", id="email-by-purpose",
    ),
    pytest.param(
        "What is the general enquiries email address of the brand on the purple shelf label?",
        "Press and partnerships: media@tea.example\nGeneral enquiries: info@tea.example",
        "info@tea.example", id="email-general",
    ),
    pytest.param(
        "What is the head-office address of the company whose rooftop sign has a teal background?",
        "Phone: +1 (202) 555-0129\nAddress: 697 Vine Row, Corrin Falls",
        "697 Vine Row, Corrin Falls", id="address-labelled",
    ),
    pytest.param(
        "What street address does the shop with the black sign list on its website?",
        "Come and see us at 12 Harbour Street, Dunmore Bay, any day.",
        "12 Harbour Street, Dunmore Bay, any day", id="address-unlabelled-street",
    ),
    pytest.param(
        "What are the Saturday opening hours of the business whose sign is painted teal?",
        "Opening hours\nMonday\t09:00-18:30\nFriday\t09:00-18:30\nSaturday\t10:00-15:00\nSunday\t11:00-14:00",
        "10:00-15:00", id="hours-table-row",
    ),
    pytest.param(
        "What are the Tuesday opening hours of the business whose sign is painted teal?",
        "Mon-Fri: 9am - 5pm\nSat: 10am - 2pm\nSun: Closed",
        "9am-5pm", id="hours-day-range",
    ),
    pytest.param(
        "What price does that brand's website list for its 100 g pouch?",
        "Prices\n100 g pouch: $7.10\n250 g gift tin: $13.55\n1 kg refill bag: $30.20",
        "$7.10", id="price-by-item",
    ),
    pytest.param(
        "How much does the facility named on the brown road sign charge for a full day of parking?",
        "The first hour of parking: $4.85\nA full day of parking: $12.90\nA monthly pass: $34.55",
        "$12.90", id="price-overlapping-items",
    ),
    pytest.param(
        "In what year was the group named on it founded?",
        "Bramley Cycling Club moved to its current premises in 1992.\nBramley Cycling Club was founded in 1958.",
        "1958", id="year-founded-not-moved",
    ),
    pytest.param(
        "In what year was the attraction on the information board with the green panel completed?",
        "A major restoration was finished in 1990.\nThe keep was completed in 1925.",
        "1925", id="year-completed-not-restored",
    ),
    pytest.param(
        "In what year was the artist named on the plaque with the teal background born?",
        "Yusuf Calder held a first solo exhibition in 2009.\nYusuf Calder was born in 1983.",
        "1983", id="year-born",
    ),
    pytest.param(
        "Who founded the group named on the green placard?",
        "The site manager is Rosa Kilbride.\nRedmond Runners Club was founded by Emeka Gallagher.",
        "Emeka Gallagher", id="name-founder",
    ),
    pytest.param(
        "According to the artist's own website, who taught the artist named on the black plaque?",
        "Leona Rosslyn studied painting under Zara Mendoza.",
        "Zara Mendoza", id="name-teacher",
    ),
    pytest.param(
        "Who was the architect of the attraction named on the red information board?",
        "The building was designed by the architect Bruno Lachance.",
        "Bruno Lachance", id="name-architect",
    ),
]


@pytest.mark.parametrize(("question", "text", "expected"), EXTRACTION_CASES)
def test_extractor_picks_value_for_qualifier(question, text, expected):
    found = extract(parse_question(question), text, entity="Leona Rosslyn")

    assert found is not None
    assert found.value == expected


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("In what year was the group named on it founded?", "Find out more on our history, visit and contact pages."),
        ("What are the Saturday opening hours of the shop with the teal sign?", "Monday\t09:00-17:00"),
        ("What price does that brand's website list for its 100 g pouch?", "Delivery is free on orders over $40."),
        ("Who founded the group named on the green placard?", "Redmond Runners Club is a group in Corrin Falls."),
    ],
)
def test_extractor_returns_none_without_evidence(question, text):
    assert extract(parse_question(question), text) is None


def test_hours_single_day_beats_range():
    lines = ["Monday - Sunday 08:00-20:00", "Sunday 10:00-16:00"]

    assert hours_for(lines, "sunday") == ("10:00-16:00", "Sunday 10:00-16:00")


def test_hours_label_and_time_on_separate_lines():
    assert hours_for(["Saturday", "10:00 to 15:00"], "saturday")[0] == "10:00-15:00"


def test_match_hits_prefers_exact_over_look_alike():
    hits = [
        {"title": "Norcrosse Swim Club | Orrin Vale", "url": "https://norcrosse-swim-club.example/"},
        {"title": "Norcross Swim Club | Pellham", "url": "https://norcross-swim-club.example/"},
    ]

    exact, fuzzy = match_hits("Norcross Swim Club", hits)

    assert [match.url for match in exact] == ["https://norcross-swim-club.example/"]
    assert [match.name for match in fuzzy] == ["Norcrosse Swim Club"]


def test_match_hits_reads_ampersand_and_host():
    hits = [{"title": "Welcome", "url": "https://hollins-park-and-ride.example/"},
            {"title": "Hollins Park and Ride - Parking", "url": "https://parking.example/hollins"}]

    exact, _ = match_hits("Hollins Park & Ride", hits)

    assert [match.rank for match in exact] == [0, 1]


def test_links_ranked_by_kind_and_site():
    text = (
        "URL: https://club.example/\nTitle: Club\nText page 1 of 1\n\n[1] Home [2] History [3] Contact\nClub text\n\n"
        "Links on this text page (use click_link with the number):\n[1] Home -> https://club.example/\n"
        "[2] History -> https://club.example/about/history\n[3] Contact -> https://club.example/contact\n"
        "[4] Contact the council -> https://council.example/contact"
    )

    links = links_in(text)
    for_email = rank_links(links, "email", "club.example", seen={"https://club.example"})
    for_year = rank_links(links, "year", "club.example", seen={"https://club.example"})

    assert page_body(text).startswith("[1] Home")
    assert "Links on this text page" not in page_body(text)
    assert [link_id for link_id, _, _ in for_email] == [3]
    assert [link_id for link_id, _, _ in for_year] == [2]
