"""Plan the whole sample from a seed: entities, questions, answers and image layouts.

Planning draws no pixels, so the task rows and the web snapshot can be produced (and compared
between builds) without rendering a single image.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from pix2fact.tasks.model import CATEGORIES
from pix2fact.tasks.sample import names
from pix2fact.tasks.sample.categories import PROFILE_BY_CATEGORY, CategoryProfile
from pix2fact.tasks.sample.facts import Entity, EntityFactory, twin_name
from pix2fact.tasks.sample.layout import Label, Scene
from pix2fact.tasks.sample.palette import PALETTE, position_phrase
from pix2fact.tasks.sample.scenes import PANELS_PER_SCENE, layout_scene

# Fact locations: on a page that search finds, only on a linked subpage that search never
# returns, or written into a page by JavaScript so its raw HTML does not contain the fact.
LOCATIONS = ("search", "subpage", "javascript")

# The subpage of an entity's site that contains each kind of fact.
FACT_PATHS = {
    "phone": "/contact", "email": "/contact", "address": "/contact",
    "hours": "/visit", "price": "/visit",
    "year": "/about/history", "name": "/about/history",
}


@dataclass(frozen=True)
class SampleTask:
    """One planned task: the question, its answer, the entities involved and the image layout.

    `detail` is the weekday of an hours question or the item of a price question, else "".
    """

    index: str
    profile: CategoryProfile
    kind: str
    location: str
    target: Entity
    twin: Entity
    distractors: tuple[Entity, ...]
    detail: str
    question: str
    answer: str
    where: str
    scene: Scene

    @property
    def fact_url(self) -> str:
        """Return the URL of the page that states the answer."""
        if self.location == "search":
            return self.target.home_url
        return self.target.home_url.rstrip("/") + FACT_PATHS[self.kind]


@dataclass(frozen=True)
class SamplePlan:
    """The planned sample: its seed and its tasks in index order."""

    seed: int
    tasks: tuple[SampleTask, ...]

    def entities(self) -> list[Entity]:
        """Return every entity once: targets, their twins, then the other labelled objects."""
        found: list[Entity] = []
        for task in self.tasks:
            found.extend((task.target, task.twin, *task.distractors))
        return found


def _answer(entity: Entity, kind: str, detail: str) -> str:
    if kind == "phone":
        return entity.phone
    if kind == "email":
        return entity.email
    if kind == "address":
        return entity.address
    if kind == "hours":
        return entity.hours_on(detail)
    if kind == "price":
        return entity.price_of(detail)
    if kind == "year":
        return str(entity.year)
    if kind == "name":
        return entity.person
    raise ValueError(f"invalid answer kind {kind!r}; expected one of {sorted(FACT_PATHS)}")


def plan_sample(seed: int = 0) -> SamplePlan:
    """Plan every task of the sample for a seed; the same seed always gives the same plan."""
    rng = random.Random(seed)
    factory = EntityFactory(rng)
    twin_words = sorted(names.TWIN_WORDS)
    rng.shuffle(twin_words)
    cities = list(names.CITIES)

    tasks: list[SampleTask] = []
    for category_number, category in enumerate(CATEGORIES):
        profile = PROFILE_BY_CATEGORY[category]
        for slot, kind in enumerate(profile.kinds):
            index = f"sample-{len(tasks) + 1:03d}"
            location = LOCATIONS[(slot + category_number) % len(LOCATIONS)]
            tasks.append(_plan_task(rng, factory, index, profile, kind, location,
                                    twin_words.pop(), cities, seed))
    return SamplePlan(seed=seed, tasks=tuple(tasks))


def _plan_task(rng: random.Random, factory: EntityFactory, index: str, profile: CategoryProfile,
               kind: str, location: str, twin_word: str, cities: list[str], seed: int) -> SampleTask:
    city, twin_city = rng.sample(cities, 2)

    name, entity_kind = factory.name(profile, first_word=twin_word)
    target = factory.entity(profile, name, entity_kind, city, "target")
    twin_label = twin_name(name)
    factory.reserve(twin_label)
    twin = factory.entity(profile, twin_label, entity_kind, twin_city, "twin")

    distractors = []
    for _ in range(PANELS_PER_SCENE - 1):
        other_name, other_kind = factory.name(profile)
        distractors.append(factory.entity(profile, other_name, other_kind, city, "distractor"))

    colours = [colour.name for colour in PALETTE]
    rng.shuffle(colours)
    labels = [Label(target.name, rng.choice(profile.sublines), colours[0], "target")]
    labels += [Label(entity.name, rng.choice(profile.sublines), colour, "distractor")
               for entity, colour in zip(distractors, colours[1:])]
    rng.shuffle(labels)
    scene = layout_scene(index, profile.category, f"{seed}:{index}", labels)

    detail = ""
    if kind == "hours":
        detail = rng.choice(("Saturday", "Sunday"))
    elif kind == "price":
        detail = rng.choice(profile.price_items)

    left, top, right, bottom = scene.target.box
    place = position_phrase((left + right) / 2, (top + bottom) / 2, scene.width, scene.height)
    where = " in the centre of the photo" if place == "centre" else f" in the {place} part of the photo"
    question = profile.templates[kind].format(colour=colours[0], where=where, day=detail, item=detail)
    question = re.sub(r"\ba (?=[aeiou])", "an ", question)  # "a orange sign" -> "an orange sign"

    return SampleTask(
        index=index, profile=profile, kind=kind, location=location, target=target, twin=twin,
        distractors=tuple(distractors), detail=detail, question=question,
        answer=_answer(target, kind, detail), where=where, scene=scene,
    )
