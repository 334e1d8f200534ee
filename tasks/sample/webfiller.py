"""Hub and filler pages for the web snapshot: a city directory, a local newspaper, event listings.

The directory links every entity's home page by category and by city, so an agent can also
browse its way to a site. News and event pages mention entity names (targets, twins and
distractors alike) in sentences without any asked fact, so a name search returns more than the
one right page.
"""

from __future__ import annotations

import random
from html import escape

from pix2fact.tools.web import WebPage

from pix2fact.tasks.model import CATEGORIES
from pix2fact.tasks.sample.facts import Entity, slugify
from pix2fact.tasks.sample.website import render_page

DIRECTORY = "https://citydirectory.test"
NEWS = "https://cityherald.test"
EVENTS = "https://whatson.test"

NEWS_ARTICLES = 40
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")

_HEADLINES = (
    "Spring festival brings crowds to {city}", "Council approves new cycle lanes in {city}",
    "Late-night shopping trial returns to {city}", "Volunteers clean up the riverside in {city}",
    "{city} market square to get new lighting", "Small businesses in {city} report a busy summer",
    "Heritage weekend opens doors across {city}", "{city} schools join the reading challenge",
    "Roadworks on the ring road near {city} finish early", "Art trail maps out {city} studios",
)
_MENTIONS = (
    "Among those taking part were {a}, {b} and {c}.",
    "{a} said the weekend had been one of its busiest in years.",
    "Visitors queued outside {a} well before noon, while {b} ran a stand nearby.",
    "Organisers thanked {a} and {b} for their help.",
    "{a} is not to be confused with {b}, which also drew a crowd.",
    "A spokesperson for {c} welcomed the plans.",
)
_FILLER = (
    "The council said it would review the arrangements after the summer.",
    "Residents are invited to share their views at the library until the end of the month.",
    "Parking restrictions will apply in the town centre on the day.",
    "The event is free, though some activities need booking in advance.",
    "Local bus services will run to a Sunday timetable.",
)


def directory_pages(entities: list[Entity]) -> list[WebPage]:
    """Return the directory's home page plus one listing page per category and per city."""
    def listing(group: list[Entity]) -> str:
        rows = "".join(
            f'<li><a href="{entity.home_url}">{escape(entity.name)}</a>: {escape(entity.kind)}, {escape(entity.city)}</li>\n'
            for entity in sorted(group, key=lambda item: item.name))
        return f"<ul>\n{rows}</ul>"

    pages, home_links = [], []
    for category in CATEGORIES:
        url = f"{DIRECTORY}/category/{slugify(category)}"
        group = [entity for entity in entities if entity.category == category]
        title = f"{category} | City Directory"
        pages.append(WebPage(url=url, title=title, body=render_page(title, f"<h1>{escape(category)}</h1>\n{listing(group)}", nav=False)))
        home_links.append(f'<li><a href="{url}">{escape(category)}</a></li>')

    for city in sorted({entity.city for entity in entities}):
        url = f"{DIRECTORY}/city/{slugify(city)}"
        group = [entity for entity in entities if entity.city == city]
        title = f"Businesses and places in {city} | City Directory"
        pages.append(WebPage(url=url, title=title, body=render_page(title, f"<h1>{escape(city)}</h1>\n{listing(group)}", nav=False)))
        home_links.append(f'<li><a href="{url}">{escape(city)}</a></li>')

    body = "<h1>City Directory</h1>\n<p>Browse local businesses, groups and places.</p>\n<ul>" + "".join(home_links) + "</ul>"
    pages.append(WebPage(url=f"{DIRECTORY}/", title="City Directory", body=render_page("City Directory", body, nav=False)))
    return pages


def news_pages(entities: list[Entity], seed: int) -> list[WebPage]:
    """Return the newspaper's front page and its articles, each naming a few entities."""
    rng = random.Random(f"{seed}:news")
    pages, links = [], []
    for number in range(1, NEWS_ARTICLES + 1):
        city = rng.choice(sorted({entity.city for entity in entities}))
        headline = rng.choice(_HEADLINES).format(city=city)
        paragraphs = [f"<p>{escape(rng.choice(_FILLER))}</p>"]
        for template in rng.sample(_MENTIONS, 3):
            a, b, c = (escape(entity.name) for entity in rng.sample(entities, 3))
            paragraphs.append(f"<p>{template.format(a=a, b=b, c=c)}</p>")
        paragraphs.append(f"<p>{escape(rng.choice(_FILLER))}</p>")

        url = f"{NEWS}/news/{number:03d}-{slugify(headline)}"
        title = f"{headline} | City Herald"
        pages.append(WebPage(url=url, title=title, body=render_page(title, f"<h1>{escape(headline)}</h1>\n" + "\n".join(paragraphs), nav=False)))
        links.append(f'<li><a href="{url}">{escape(headline)}</a></li>')

    front = "<h1>City Herald</h1>\n<ul>" + "".join(links) + "</ul>"
    pages.append(WebPage(url=f"{NEWS}/", title="City Herald", body=render_page("City Herald", front, nav=False)))
    return pages


def event_pages(entities: list[Entity], seed: int) -> list[WebPage]:
    """Return one what's-on listing per month plus an index of the months."""
    rng = random.Random(f"{seed}:events")
    pages, links = [], []
    for month in _MONTHS:
        rows = []
        for entity in rng.sample(entities, 8):
            day = rng.randint(1, 28)
            start = rng.choice(("10:00", "11:30", "14:00", "18:30", "19:00"))
            rows.append((day, f"<li>{day} {month}, from {start}: {escape(entity.name)} hosts an open day.</li>"))
        url = f"{EVENTS}/{month.lower()}"
        title = f"What's on in {month} | What's On"
        body = f"<h1>What's on in {month}</h1>\n<ul>" + "".join(row for _, row in sorted(rows)) + "</ul>"
        pages.append(WebPage(url=url, title=title, body=render_page(title, body, nav=False)))
        links.append(f'<li><a href="{url}">{month}</a></li>')

    index = "<h1>What's On</h1>\n<ul>" + "".join(links) + "</ul>"
    pages.append(WebPage(url=f"{EVENTS}/", title="What's On", body=render_page("What's On", index, nav=False)))
    return pages
