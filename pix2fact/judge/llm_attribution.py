"""The optional LLM reading of a trajectory, for failures the signals leave "unknown".

Tasks without region, reference-query or evidence annotations often leave attribution without
a class. With `--llm-attribution PROVIDER[:MODEL]`, a model reads a digest of the trajectory
(each turn's text, each tool call with its arguments and the start of its result, cut to
`MAX_DIGEST_CHARS`) and names one of grounding, shallow_search, long_tail or reasoning. The
verdict then carries that class with `attribution_source: "llm"` and an evidence line that
starts with "LLM reading:". An unreadable reply, or a failed call, leaves the class "unknown".
Readable replies are cached like grading decisions, keyed by the digest.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pix2fact.errors import HarnessError
from pix2fact.judge.cache import JudgementCache
from pix2fact.judge.prompts import ATTRIBUTION_CLASSES, ATTRIBUTION_RETRY_NOTE, ATTRIBUTION_SYSTEM_PROMPT
from pix2fact.judge.replies import parse_attribution
from pix2fact.judge.spec import LLMModel
from pix2fact.judge.versions import ATTRIBUTION_PROMPT_VERSION
from pix2fact.models.base import GenerationSettings, Message, ModelRequest, UserMessage
from pix2fact.models.retry import redact
from pix2fact.tasks.model import Task
from pix2fact.trajectory import HarnessErrorEvent, LimitEvent, ModelTurnEvent, TaskRecord, ToolEvent

logger = logging.getLogger(__name__)

MAX_DIGEST_CHARS = 12_000
RESULT_CHARS = 300


def trajectory_digest(task: Task, record: TaskRecord) -> str:
    """Return the text the model reads: the question, gold, answer and every step, shortened."""
    lines = [f"Question: {task.question}", f"Reference answer: {task.answer}", f"Agent's final answer: {record.final_answer or '(none)'}", "", "Steps:"]
    for event in record.events:
        if isinstance(event, ModelTurnEvent) and event.text.strip():
            lines.append(f"[{event.step}] agent wrote: {_short(event.text)}")
        elif isinstance(event, ToolEvent):
            arguments = json.dumps(event.arguments or {}, ensure_ascii=False)
            outcome = f"error: {event.error}" if event.error else _short(event.text)
            lines.append(f"[{event.step}] {event.name} {arguments} -> {outcome}")
        elif isinstance(event, (HarnessErrorEvent, LimitEvent)):
            lines.append(f"[{event.step}] {event.type}: {event.model_dump(exclude={'type', 'step'})}")
    text = "\n".join(lines)
    if len(text) > MAX_DIGEST_CHARS:
        text = text[:MAX_DIGEST_CHARS] + "\n(trajectory cut here)"
    return text


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= RESULT_CHARS else flat[:RESULT_CHARS] + "..."


class LLMAttributor:
    """Names a failure class from a trajectory digest; see the module docstring.

    Args:
        model: Provider and model that read the trajectory.
        cache: Where readings are kept.
        client: A ready `ModelClient`; built from the environment on first use when None.
        parse_attempts: Replies asked for, at most, before giving up.
    """

    def __init__(self, model: LLMModel, cache: JudgementCache, *, client: Any = None, parse_attempts: int = 2) -> None:
        self.model = model
        self.cache = cache
        self.parse_attempts = parse_attempts
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.model.make_client()
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def attribute(self, task: Task, record: TaskRecord) -> tuple[str, str] | None:
        """Return (class, reason), or None when the model's reading could not be had."""
        digest = trajectory_digest(task, record)
        key = JudgementCache.key("attribution", self.model.name, ATTRIBUTION_PROMPT_VERSION, digest)
        cached = self.cache.get(key)
        if cached is not None and cached.get("class") in ATTRIBUTION_CLASSES:
            return cached["class"], cached.get("reason", "")

        messages: list[Message] = [UserMessage(text=digest)]
        for _ in range(self.parse_attempts):
            try:
                request = ModelRequest(system=ATTRIBUTION_SYSTEM_PROMPT, messages=messages, settings=GenerationSettings(), task_id=record.task_id)
                turn = await self.client.generate(request)
            except HarnessError as error:
                logger.warning("LLM attribution of task %s failed: %s", record.task_id, redact(str(error)))
                return None
            parsed = parse_attribution(turn.text, ATTRIBUTION_CLASSES)
            if parsed is not None:
                entry = {
                    "kind": "attribution",
                    "judge_model": self.model.name,
                    "prompt_version": ATTRIBUTION_PROMPT_VERSION,
                    "task_id": record.task_id,
                    "class": parsed[0],
                    "reason": parsed[1],
                    "reply": turn.text,
                }
                self.cache.put(key, entry)
                return parsed
            messages = [*messages, turn, UserMessage(text=ATTRIBUTION_RETRY_NOTE)]
        logger.info("LLM attribution of task %s: no readable class after %d replies", record.task_id, self.parse_attempts)
        return None
