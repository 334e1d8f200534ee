"""The LLM grader: a model decides whether an answer states the gold fact, with a cached reason.

Steps of `LLMGrader.grade`:

1. Cases the protocol settles without a model are decided here, the same way the rule grader
   decides them: an empty gold is ungradable; a gold of [NO_DEFINITIVE_ANSWER] is matched only
   by that token; that token, or an empty answer, is wrong against any other gold.
2. The cache is read (see `cache`); a hit is returned as it was first decided.
3. The model gets `prompts.JUDGE_SYSTEM_PROMPT` and the question, gold and answer. Its reply is
   read by `replies.parse_judgement`. An unreadable reply is answered with a short note asking
   for the JSON object, up to `parse_attempts` replies in all.
4. A readable decision is cached and returned. A reply still unreadable after the last attempt,
   or a provider failure that outlasted the client's retries, makes the answer "ungradable",
   never "incorrect", and nothing is cached.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

from pix2fact.errors import HarnessError
from pix2fact.judge.cache import JudgementCache
from pix2fact.judge.prompts import JUDGE_RETRY_NOTE, JUDGE_SYSTEM_PROMPT, judge_user_message
from pix2fact.judge.replies import parse_judgement
from pix2fact.judge.rules import Grade
from pix2fact.judge.spec import LLMModel
from pix2fact.judge.text import NO_ANSWER_TOKEN, is_no_answer
from pix2fact.judge.versions import JUDGE_PROMPT_VERSION
from pix2fact.models.base import GenerationSettings, Message, ModelRequest, UserMessage
from pix2fact.models.retry import redact

logger = logging.getLogger(__name__)

DEFAULT_PARSE_ATTEMPTS = 3


def protocol_grade(answer: str, gold: str) -> Grade | None:
    """Return the grade the protocol fixes without reading the answer's meaning, or None."""
    if not gold.strip():
        return Grade(verdict="ungradable", method="none", reason="gold answer is empty")
    if is_no_answer(gold):
        if is_no_answer(answer):
            return Grade(verdict="correct", method="abstention", reason=f"both the answer and the gold are {NO_ANSWER_TOKEN}")
        return Grade(verdict="incorrect", method="abstention", reason=f"gold is {NO_ANSWER_TOKEN} but the answer gives a value")
    if not answer.strip():
        return Grade(verdict="incorrect", method="none", reason="answer is empty")
    if is_no_answer(answer):
        return Grade(verdict="incorrect", method="abstention", reason=f"answer is {NO_ANSWER_TOKEN} but the gold has a value")
    return None


class LLMGrader:
    """Grades answers with a model through a `pix2fact.models` client.

    Args:
        model: The judge's provider and model.
        cache: Where decisions are kept.
        client: A ready `ModelClient`; built from the environment on first use when None.
        parse_attempts: Replies asked for, at most, before an answer is called ungradable.
        settings: Generation settings of each call (the provider's defaults when None).
    """

    def __init__(
        self,
        model: LLMModel,
        cache: JudgementCache,
        *,
        client: Any = None,
        parse_attempts: int = DEFAULT_PARSE_ATTEMPTS,
        settings: GenerationSettings | None = None,
    ) -> None:
        if parse_attempts < 1:
            raise ValueError(f"parse_attempts must be at least 1, got {parse_attempts}")
        self.model = model
        self.cache = cache
        self.name = f"llm:{model.name}"
        self.version = JUDGE_PROMPT_VERSION
        self.parse_attempts = parse_attempts
        self.settings = settings or GenerationSettings()
        self._client = client
        self.calls = 0

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.model.make_client()
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def grade(self, answer: str, gold: str, aliases: Sequence[str] = (), kind: str = "", question: str = "", *, label: str | None = None) -> Grade:
        """Grade one answer; `label` (a task id) only tags log lines. See the module docstring."""
        fixed = protocol_grade(answer, gold)
        if fixed is not None:
            return fixed.model_copy(update={"kind": kind})

        gold_text = " | ".join([gold, *[alias for alias in aliases if alias.strip()]])
        key = JudgementCache.key("grade", self.model.name, JUDGE_PROMPT_VERSION, question, gold_text, answer)
        cached = self.cache.get(key)
        if cached is not None and isinstance(cached.get("correct"), bool):
            return self._grade(cached["correct"], cached.get("reason", ""), kind)

        messages: list[Message] = [UserMessage(text=judge_user_message(question, gold, aliases, answer))]
        reply = ""
        for attempt in range(1, self.parse_attempts + 1):
            try:
                turn = await self.client.generate(ModelRequest(system=JUDGE_SYSTEM_PROMPT, messages=messages, settings=self.settings, task_id=label))
            except HarnessError as error:
                logger.warning("judge %s could not grade task %s: %s", self.name, label or "-", redact(str(error)))
                return Grade(verdict="ungradable", method="llm", reason=f"judge call failed: {redact(str(error))[:200]}", kind=kind)
            self.calls += 1
            reply = turn.text
            parsed = parse_judgement(reply)
            if parsed is not None:
                correct, reason = parsed
                self.cache.put(
                    key,
                    {
                        "kind": "grade",
                        "judge_model": self.model.name,
                        "prompt_version": JUDGE_PROMPT_VERSION,
                        "question": question,
                        "gold": gold_text,
                        "answer": answer,
                        "correct": correct,
                        "reason": reason,
                        "reply": reply,
                    },
                )
                return self._grade(correct, reason, kind)
            logger.info("judge %s: unreadable reply for task %s (attempt %d of %d)", self.name, label or "-", attempt, self.parse_attempts)
            messages = [*messages, turn, UserMessage(text=JUDGE_RETRY_NOTE)]

        shown = redact(" ".join(reply.split()))[:120]
        return Grade(verdict="ungradable", method="llm", reason=f"judge reply unreadable after {self.parse_attempts} attempt(s): {shown!r}", kind=kind)

    def _grade(self, correct: bool, reason: str, kind: str) -> Grade:
        verdict = "correct" if correct else "incorrect"
        return Grade(verdict=verdict, method="llm", reason=f"{self.name}: {reason or verdict}", kind=kind)
