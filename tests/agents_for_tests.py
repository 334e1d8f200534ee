"""Small agents used by engine tests, loaded through the same file:Class references users write."""

from __future__ import annotations

import asyncio

from pix2fact.procedural import ProceduralAgent


class LookThenAnswer(ProceduralAgent):
    """Crops the middle of the image, searches once, then answers a fixed string.

    `delay` (seconds per tool call) slows it down so a test can kill a run mid-way.
    """

    name = "look-then-answer"

    def __init__(self, delay: str | float = 0.0, reply: str = "555-0100") -> None:
        self.delay = float(delay)
        self.reply = reply

    async def solve(self):
        width, height = self.context.image_size
        await asyncio.sleep(self.delay)
        await self.use("crop", box=[width // 3, height // 3, 2 * width // 3, 2 * height // 3])
        await asyncio.sleep(self.delay)
        await self.use("web_search", query=self.task.question[:60])
        await asyncio.sleep(self.delay)
        await self.use("answer", final_answer=self.reply, observation="the middle of the photo")


# The reference users would type: `--agent path/to/agents_for_tests.py:LookThenAnswer`.
LOOK_THEN_ANSWER = f"{__file__}:LookThenAnswer"
