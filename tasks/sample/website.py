"""Entity websites for the web snapshot: a home page and three subpages per site.

Each site lives at https://<slug>.example/ with `/about/history`, `/visit` and `/contact`.
Where a target's asked fact sits depends on the task's fact location:

- "search": in plain text on the home page, which search indexes.
- "subpage": only on its subpage, which search never returns (`searchable=False`); the home
  page links to it with an ordinary `<a href>`.
- "javascript": only on its subpage, as base64 of the reversed HTML inside a `<script>` that
  writes it into the page on load, so the raw HTML never contains the fact as text.

Twins show every fact on their home page, which makes them an easy wrong answer. Distractors
(the other labelled objects in a picture) get a single page with all their facts.
"""

from __future__ import annotations

import base64
from html import escape

from pix2fact.tools.web import WebPage

from pix2fact.tasks.sample.categories import PROFILE_BY_CATEGORY
from pix2fact.tasks.sample.facts import Entity
from pix2fact.tasks.sample.plan import FACT_PATHS, SampleTask

KINDS = ("phone", "email", "address", "hours", "price", "year", "name")
SUBPAGES = {"/about/history": "History", "/visit": "Visit", "/contact": "Contact"}

_PERSON_SENTENCES = {
    "founder": "{name} was founded by {person}.",
    "owner": "The business is run by its owner, {person}.",
    "site manager": "The site manager is {person}.",
    "teacher": "{name} studied painting under {person}.",
    "architect": "The building was designed by the architect {person}.",
    "chief executive": "The company is led by its chief executive, {person}.",
}

_YEAR_SENTENCES = {"started trading": "{name} started trading in {year}."}

_LATER_SENTENCES = {
    "born": "{name} held a first solo exhibition in {later}.",
    "completed": "A major restoration was finished in {later}.",
}


def render_page(title: str, body: str, nav: bool = True) -> str:
    """Wrap body HTML in a complete page with a title and, optionally, the site navigation."""
    links = "".join(f'<a href="{path}">{label}</a> ' for path, label in
                    (("/", "Home"), *SUBPAGES.items())) if nav else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title></head>\n<body>\n<nav>{links}</nav>\n"
        f"<main>\n{body}\n</main>\n</body></html>\n"
    )


def fact_html(entity: Entity, kind: str) -> str:
    """Return the HTML fragment that states one kind of fact about an entity."""
    profile = PROFILE_BY_CATEGORY[entity.category]
    name = escape(entity.name)
    if kind == "phone":
        return f"<p>Phone: {escape(entity.phone)}</p>"
    if kind == "email":
        return (f"<p>{escape(profile.email_label)}: {escape(entity.email)}</p>\n"
                f"<p>Press and partnerships: {escape(entity.other_email)}</p>")
    if kind == "address":
        return f"<p>Address: {escape(entity.address)}</p>"
    if kind == "hours":
        rows = "".join(f"<tr><td>{day}</td><td>{hours}</td></tr>" for day, hours in entity.hours)
        return f"<h2>Opening hours</h2>\n<table>{rows}</table>"
    if kind == "price":
        rows = "".join(f"<li>{escape(item.capitalize())}: {price}</li>" for item, price in entity.prices)
        return f"<h2>Prices</h2>\n<ul>{rows}</ul>"
    if kind == "year":
        later = _LATER_SENTENCES.get(profile.year_verb, "{name} moved to its current premises in {later}.")
        sentence = _YEAR_SENTENCES.get(profile.year_verb, "{name} was " + profile.year_verb + " in {year}.")
        return (f"<p>{sentence.format(name=name, year=entity.year)}</p>\n"
                f"<p>{later.format(name=name, later=entity.later_year)}</p>")
    if kind == "name":
        sentence = _PERSON_SENTENCES[profile.person_role]
        return f"<p>{sentence.format(name=name, person=escape(entity.person))}</p>"
    raise ValueError(f"invalid fact kind {kind!r}; expected one of {KINDS}")


def scripted(fragment: str, element_id: str) -> str:
    """Return an empty placeholder plus a script that writes `fragment` into it on load."""
    encoded = base64.b64encode(fragment[::-1].encode("utf-8")).decode("ascii")
    return (
        f'<div id="{element_id}">Loading...</div>\n<script>\n'
        f'(function () {{\n  var data = "{encoded}";\n'
        '  var text = new TextDecoder().decode(Uint8Array.from(atob(data), function (c) '
        '{ return c.charCodeAt(0); }));\n'
        f'  document.getElementById("{element_id}").innerHTML = text.split("").reverse().join("");\n'
        '})();\n</script>'
    )


def decode_scripted(html: str) -> str:
    """Return the fragments hidden by `scripted` in a page, joined; used by tests and checks."""
    fragments = []
    for chunk in html.split('var data = "')[1:]:
        encoded = chunk.split('"', 1)[0]
        fragments.append(base64.b64decode(encoded).decode("utf-8")[::-1])
    return "\n".join(fragments)


def _intro(entity: Entity) -> str:
    noun = PROFILE_BY_CATEGORY[entity.category].entity_noun
    article = "an" if noun[0] in "aeiou" else "a"
    return f"<p>{escape(entity.name)} is {article} {noun} in {escape(entity.city)}.</p>"


def _kinds_on(path: str) -> list[str]:
    return [kind for kind in KINDS if FACT_PATHS[kind] == path]


def target_pages(task: SampleTask) -> list[WebPage]:
    """Return the four pages of a task's target site, with the asked fact placed by location."""
    entity = task.target
    base = entity.home_url.rstrip("/")
    fact_path = FACT_PATHS[task.kind]

    home = [f"<h1>{escape(entity.name)}</h1>", _intro(entity)]
    if task.location == "search":
        home.append(fact_html(entity, task.kind))
    home.append("<p>Find out more on our history, visit and contact pages.</p>")
    pages = [WebPage(url=entity.home_url, title=f"{entity.name} | {entity.city}",
                     body=render_page(f"{entity.name} | {entity.city}", "\n".join(home)), searchable=True)]

    for path, label in SUBPAGES.items():
        parts = [f"<h1>{label}: {escape(entity.name)}</h1>"]
        for kind in _kinds_on(path):
            if kind == task.kind and task.location == "javascript":
                parts.append(scripted(fact_html(entity, kind), f"fact-{kind}"))
            else:
                parts.append(fact_html(entity, kind))
        title = f"{label} | {entity.name}"
        searchable = path == fact_path and task.location == "javascript"
        pages.append(WebPage(url=base + path, title=title, body=render_page(title, "\n".join(parts)),
                             searchable=searchable))
    return pages


def twin_pages(entity: Entity, target: Entity) -> list[WebPage]:
    """Return a look-alike's site: every fact on the home page, the usual subpages unindexed.

    The home page also names the target ("not connected with ..."), as real businesses with
    confusable names do, so a search for the target's exact name returns this page as well.
    """
    base = entity.home_url.rstrip("/")
    home = [f"<h1>{escape(entity.name)}</h1>", _intro(entity),
            f"<p>Please note: we are not connected with {escape(target.name)} in {escape(target.city)}.</p>"]
    home += [fact_html(entity, kind) for kind in KINDS]
    pages = [WebPage(url=entity.home_url, title=f"{entity.name} | {entity.city}",
                     body=render_page(f"{entity.name} | {entity.city}", "\n".join(home)))]
    for path, label in SUBPAGES.items():
        title = f"{label} | {entity.name}"
        body = "\n".join([f"<h1>{label}: {escape(entity.name)}</h1>"] + [fact_html(entity, k) for k in _kinds_on(path)])
        pages.append(WebPage(url=base + path, title=title, body=render_page(title, body), searchable=False))
    return pages


def distractor_page(entity: Entity) -> WebPage:
    """Return the one-page site of another labelled object in a picture."""
    body = [f"<h1>{escape(entity.name)}</h1>", _intro(entity)]
    body += [fact_html(entity, kind) for kind in KINDS]
    title = f"{entity.name} | {entity.city}"
    return WebPage(url=entity.home_url, title=title, body=render_page(title, "\n".join(body), nav=False))
