"""Reading the panel's name: crop candidates found by colour, or the region a setting shows.

`PanelReader` is the part of `BaselineAgent` that turns the first image and the `crop` tool into
name readings. In the agentic setting it crops each colour candidate at a zoom that makes its
letters large. In settings that show the annotated region instead of the overview (c3, c4) it
reads that region, enlarged locally, because those settings offer no crop tool.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, AsyncIterator

from pix2fact.agents.baseline.ocr import Reading, read_panel_async
from pix2fact.agents.baseline.question import ParsedQuestion
from pix2fact.agents.baseline.report import Findings
from pix2fact.agents.baseline.vision import Candidate, find_panels

if TYPE_CHECKING:
    from pix2fact.agent import AgentContext
    from pix2fact.tools.base import ImageLimits, ToolResult

# Zoom so a panel's height becomes about this many output pixels: its name's capitals then
# stand 30-60 px tall, where Tesseract reads best.
TARGET_PANEL_PX = 240
MIN_ZOOM = 2.0
MAX_ZOOM = 8.0
# A reading below this mean word confidence (0-100), or without a real word, is not a name.
MIN_READING_CONFIDENCE = 50.0


def _plausible(reading: Reading) -> bool:
    return reading.confidence >= MIN_READING_CONFIDENCE and re.search(r"[A-Za-z]{3,}", reading.text) is not None


class PanelReader:
    """Yields name readings of the panel a question points at, best candidate first.

    A mixin for `BaselineAgent`, which provides `context`, `image_limits`, `max_candidates`,
    `use` (a tool call through the loop) and `_room_for` (the step budget).
    """

    context: "AgentContext"
    image_limits: "ImageLimits"
    max_candidates: int

    async def readings(self, question: ParsedQuestion, findings: Findings, tools: set[str]) -> AsyncIterator[Reading]:
        """Yield plausible readings one at a time, so the caller can stop at the first that leads somewhere."""
        first = self.context.overview
        if not first.images:
            findings.note("The loop showed no image, so there is no panel to read.")
            return

        if "crop" in tools:
            candidates = await asyncio.to_thread(
                find_panels, first.images[0].data, self.context.image_size, question.colour, question.position,
                self.max_candidates,
            )
            if not candidates:
                findings.note(f"No {question.colour} panel was found in the overview.")
            for candidate in candidates:
                if not self._room_for(3):
                    return
                reading = await self._read_crop(candidate, findings)
                if reading is not None:
                    yield reading
        elif "box" in first.data:
            reading = await self._read_first_view(first, question, findings)
            if reading is not None:
                yield reading
        else:
            findings.note(
                f"This setting ({self.context.setting}) offers no crop tool, and the panel's letters are a few "
                "pixels tall in the overview, too small to read."
            )

    async def _read_crop(self, candidate: Candidate, findings: Findings) -> Reading | None:
        """Crop one candidate and read its name line; None when no plausible name is read."""
        width, height = self.context.image_size
        left, top, right, bottom = candidate.box
        panel_height = bottom - top
        pad = max(6, round(0.15 * panel_height))
        box = [max(0, left - pad), max(0, top - pad), min(width, right + pad), min(height, bottom + pad)]
        max_output = 0.95 * self.image_limits.max_side
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, TARGET_PANEL_PX / panel_height), max_output / (box[2] - box[0]))

        result = await self.use("crop", box=box, zoom=round(zoom, 2))
        if result.is_error or not result.images:
            findings.note(f"Cropping {box} failed: {result.error}")
            return None
        used = result.data["box"]
        output_width, output_height = result.data["output_size"]
        scale_x = output_width / (used[2] - used[0])
        scale_y = output_height / (used[3] - used[1])
        panel_box = (
            round((left - used[0]) * scale_x),
            round((top - used[1]) * scale_y),
            round((right - used[0]) * scale_x),
            round((bottom - used[1]) * scale_y),
        )

        reading = await read_panel_async(result.images[0].data, panel_box)
        findings.read(f"{candidate.box} (original pixels), crop {result.data.get('crop_id', '?')}", reading)
        return reading if _plausible(reading) else None

    async def _read_first_view(self, first: "ToolResult", question: ParsedQuestion, findings: Findings) -> Reading | None:
        """Read the annotated region that c3 and c4 show first, enlarging it here for Tesseract."""
        view = first.images[0]
        found = await asyncio.to_thread(find_panels, view.data, (view.width, view.height), question.colour, None, 1)
        panel_box = found[0].box if found else (0, 0, view.width, view.height)
        scale = min(MAX_ZOOM, max(1.0, TARGET_PANEL_PX / max(1, panel_box[3] - panel_box[1])))

        reading = await read_panel_async(view.data, panel_box, scale)
        findings.read(f"{panel_box} of the annotated region shown first ({view.width}x{view.height} px)", reading)
        return reading if _plausible(reading) else None
