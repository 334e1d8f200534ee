"""Rows written to disk: `tasks.jsonl` in the Pix2Fact release schema and `scenes.jsonl`.

`tasks.jsonl` uses the column names of the current Pix2Fact release (`index`, `question`,
`answer`, `local_image_path`, `bounding_box` as a Python-literal string, `evidence_1..3`,
`evidence_url_1..3`, `category`, `image_resolution`, `search_query`) plus three extra columns:
`answer_aliases` (a JSON list as a string), `answer_kind` and `fact_location`.

`scenes.jsonl` is ground truth for checks and tests, never shown to agents: every labelled
panel of every image with its text, colour name, RGB, boxes and capital height in pixels.
"""

from __future__ import annotations

import json

from pix2fact.tasks.sample.facts import answer_aliases, slugify
from pix2fact.tasks.sample.palette import PALETTE_BY_NAME
from pix2fact.tasks.sample.plan import FACT_PATHS, SampleTask
from pix2fact.tasks.sample.webfiller import DIRECTORY

_KIND_PHRASES = {
    "phone": "phone number", "email": "email address", "address": "street address",
    "hours": "opening hours", "price": "price", "year": "year", "name": "name",
}


def bounding_box_literal(box: tuple[int, int, int, int]) -> str:
    """Return a box as the release's string form: a Python-literal list of region dicts."""
    left, top, right, bottom = box
    region = {"tl": {"x": left, "y": top}, "tr": {"x": right, "y": top},
              "bl": {"x": left, "y": bottom}, "br": {"x": right, "y": bottom}}
    return repr([{"region": region}])


def search_query(task: SampleTask) -> str:
    """Return the query a good searcher would type: the exact name and what is wanted."""
    phrase = {
        "hours": f"{task.detail} opening hours",
        "price": f"{task.detail} price",
        "year": f"year {task.profile.year_verb}",
        "name": task.profile.person_role,
    }.get(task.kind, _KIND_PHRASES[task.kind])
    return f'"{task.target.name}" {phrase}'


def _evidence(task: SampleTask) -> tuple[list[str], list[str]]:
    profile = task.profile
    colour = task.scene.target.label.colour
    what = _KIND_PHRASES[task.kind]
    notes = [f'The {profile.object_noun} with the {colour} background{task.where} reads "{task.target.name}".']
    if task.location == "search":
        notes.append(f"The {what} is stated on the home page of {task.target.domain}.")
    elif task.location == "subpage":
        notes.append(f"The {what} is only on the {FACT_PATHS[task.kind]} page of {task.target.domain}, "
                     "linked from its home page; search does not index that page.")
    else:
        notes.append(f"The {what} on {task.fact_url} is written into the page by JavaScript, "
                     "so only a browser that runs scripts shows it.")
    notes.append(f'"{task.twin.name}" in {task.twin.city} is a different {profile.entity_noun} '
                 "with a near-identical name; its facts do not apply.")

    urls = [task.fact_url]
    if task.fact_url != task.target.home_url:
        urls.append(task.target.home_url)
    urls.append(f"{DIRECTORY}/category/{slugify(profile.category)}")
    urls += [""] * (3 - len(urls))
    return notes, urls


def task_row(task: SampleTask) -> dict:
    """Return one `tasks.jsonl` row for a planned task."""
    notes, urls = _evidence(task)
    return {
        "index": task.index,
        "question": task.question,
        "answer": task.answer,
        "answer_aliases": json.dumps(answer_aliases(task.kind, task.answer)),
        "answer_kind": task.kind,
        "fact_location": task.location,
        "category": task.profile.category,
        "local_image_path": f"images/{task.index}.jpg",
        "image_resolution": f"{task.scene.width}x{task.scene.height}",
        "bounding_box": bounding_box_literal(task.scene.target.box),
        "search_query": search_query(task),
        "evidence_1": notes[0], "evidence_2": notes[1], "evidence_3": notes[2],
        "evidence_url_1": urls[0], "evidence_url_2": urls[1], "evidence_url_3": urls[2],
    }


def scene_row(task: SampleTask) -> dict:
    """Return one `scenes.jsonl` row: the image's panels as ground truth."""
    scene = task.scene
    panels = []
    for panel in scene.panels:
        panels.append({
            "text": panel.label.text,
            "subline": panel.label.subline,
            "colour": panel.label.colour,
            "rgb": list(PALETTE_BY_NAME[panel.label.colour].rgb),
            "role": panel.label.role,
            "box": list(panel.box),
            "text_box": list(panel.text_box),
            "font": panel.font,
            "font_size": panel.size,
            "cap_height": panel.cap_height,
        })
    return {"index": task.index, "category": scene.category, "width": scene.width,
            "height": scene.height, "panels": panels}


def write_jsonl(path, rows: list[dict]) -> None:
    """Write rows as JSON lines with "\\n" endings; rows are built in a fixed key order."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
