"""Which tools an agent gets for one task, and which image it sees first, by evaluation setting.

Settings (recorded in the manifest and split in leaderboards):

    agentic         overview first; crop, search, browser, answer
    c1              overview only, no tools but answer          (original image, no search)
    c2              overview; search, browser, answer           (original image, with search)
    c3              annotated region's crop; answer only        (visual ground truth, no search)
    c4              annotated region's crop; search, browser    (visual ground truth, with search)
    single-pass     overview; one model call that answers in the official JSON schema
    builtin-search  overview; crop and answer, plus the provider's own search tool (added by the agent)

c1 to c4 are the benchmark's four conditions. The visual ground truth is the union of the task's
annotated regions, padded by `crop_expand` of the image size on each side when asked.
"""

from __future__ import annotations

from typing import Any, Iterable

from pix2fact.errors import ConfigError
from pix2fact.tasks.model import Box, Task
from pix2fact.tools.base import Tool, ToolResult, ToolSpec

SETTINGS = ("agentic", "c1", "c2", "c3", "c4", "single-pass", "builtin-search")

# Which tool families each setting offers. "image" is view_image + crop; "web" is web_search plus
# the browser tools; answer is always offered.
_FAMILIES: dict[str, tuple[str, ...]] = {
    "agentic": ("image", "web"),
    "c1": (),
    "c2": ("web",),
    "c3": (),
    "c4": ("web",),
    "single-pass": (),
    "builtin-search": ("image",),
}

GROUND_TRUTH_SETTINGS = ("c3", "c4")


def check_setting(setting: str) -> str:
    if setting not in SETTINGS:
        raise ConfigError(f"unknown setting {setting!r}; choose one of: {', '.join(SETTINGS)}")
    return setting


def setting_families(setting: str) -> tuple[str, ...]:
    return _FAMILIES[check_setting(setting)]


def ground_truth_box(task: Task, image_size: tuple[int, int], crop_expand: float = 0.0) -> Box:
    """Return the union of the task's annotated regions, padded by a fraction of the image size."""
    if not task.regions:
        raise ConfigError(f"task {task.id} has no annotated region, so settings c3/c4 cannot show its crop; use c1/c2 or filter the tasks")

    boxes = [region.box for region in task.regions]
    width, height = image_size
    pad_x, pad_y = crop_expand * width, crop_expand * height
    return Box(
        left=max(0.0, min(box.left for box in boxes) - pad_x),
        top=max(0.0, min(box.top for box in boxes) - pad_y),
        right=min(float(width), max(box.right for box in boxes) + pad_x),
        bottom=min(float(height), max(box.bottom for box in boxes) + pad_y),
    )


class Toolset:
    """The tools of one task, looked up by name, and the first image the agent sees."""

    def __init__(
        self, tools: Iterable[Tool], *, setting: str, image_size: tuple[int, int], first_view: Any, coords: str = "pixels"
    ) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            if tool.spec.name in self._tools:
                raise ValueError(f"two tools are named {tool.spec.name!r}")
            self._tools[tool.spec.name] = tool
        self.setting = setting
        self.coords = coords
        self.image_size = image_size
        self._first_view = first_view

    async def first_view(self) -> ToolResult:
        """Return the image shown before the first turn (an awaitable factory, so it runs in the loop)."""
        return await self._first_view()

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[ToolSpec]:
        return [tool.spec for tool in self._tools.values()]
