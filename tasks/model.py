"""The Task model: one question about one detail in one high-resolution image.

Field names follow the current Pix2Fact release where one exists (`question`, `answer`,
`category`, `search_query`, evidence notes and URLs). Everything an agent may not see (answer,
regions, reference query, evidence) is kept here for the judge; agents get a `TaskView`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from pix2fact.tools.answer import NO_ANSWER  # noqa: F401  (re-exported for loaders and the judge)

CATEGORIES = (
    "Street scene with people",
    "Storefronts & facades",
    "Retail & commercial interior",
    "Traffic & infrastructure",
    "Markets & outdoor vendors",
    "Public & cultural interior",
    "Landmarks & attractions",
    "Cityscape & aerial",
)


class Box(BaseModel):
    """An axis-aligned box in original-image pixels: left, top, right, bottom (right/bottom exclusive)."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def area(self) -> float:
        return max(0.0, self.right - self.left) * max(0.0, self.bottom - self.top)

    def intersection(self, other: "Box") -> float:
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        return max(0.0, width) * max(0.0, height)

    def as_list(self) -> list[float]:
        return [self.left, self.top, self.right, self.bottom]


class Region(BaseModel):
    """An annotated region as a quadrilateral (`tl`, `tr`, `br`, `bl` as (x, y) pixel points)."""

    tl: tuple[float, float]
    tr: tuple[float, float]
    br: tuple[float, float]
    bl: tuple[float, float]
    label: str = ""

    @property
    def box(self) -> Box:
        xs = [point[0] for point in (self.tl, self.tr, self.br, self.bl)]
        ys = [point[1] for point in (self.tl, self.tr, self.br, self.bl)]
        return Box(left=min(xs), top=min(ys), right=max(xs), bottom=max(ys))

    @classmethod
    def from_box(cls, box: Box, label: str = "") -> "Region":
        return cls(
            tl=(box.left, box.top),
            tr=(box.right, box.top),
            br=(box.right, box.bottom),
            bl=(box.left, box.bottom),
            label=label,
        )


class Task(BaseModel):
    """One evaluation item. `image` is an absolute path once a loader has resolved it."""

    id: str
    image: Path
    question: str
    answer: str
    aliases: list[str] = Field(default_factory=list)
    category: str = ""
    regions: list[Region] = Field(default_factory=list)
    search_query: str = ""
    evidence: list[str] = Field(default_factory=list)
    evidence_urls: list[str] = Field(default_factory=list)
    resolution: tuple[int, int] | None = None
    answer_kind: str = ""

    @field_validator("id", "question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    def view(self) -> "TaskView":
        """Return what an agent may see of this task: no answer and no annotations."""
        return TaskView(id=self.id, image=self.image, question=self.question, category=self.category)


class TaskView(BaseModel):
    """The part of a task an agent receives. Agents never see answers or annotations."""

    id: str
    image: Path
    question: str
    category: str = ""


def task_set_hash(tasks: list[Task]) -> str:
    """Return a short stable hash of the task set, so runs over different sets can be told apart."""
    digest = hashlib.sha256()
    for task in sorted(tasks, key=lambda item: item.id):
        record = task.model_dump(mode="json", exclude={"image"})
        record["image"] = task.image.name
        digest.update(json.dumps(record, sort_keys=True).encode())
    return digest.hexdigest()[:12]
