"""Fake LLM judges for the judge tests: handlers for `FakeServer` that grade like a simple model.

The OpenAI handler reads the reference and given answers from the judge prompt and replies
`{"correct": ..., "reason": ...}`. It calls an answer correct when the reference's letters and
digits all appear, in order, in the answer's, unless `overrides` fixes the decision for that
answer. `replies` can script raw reply texts instead (one per request, then the default).
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any

from fakes.base import RecordedRequest, Reply
from fakes.openai_server import chat_reply

FAKE_KEY = "sk-test-PIX2FACT-JUDGE-CANARY-5f2c91"


def prompt_text(body: dict[str, Any]) -> str:
    """Return every text part of a Chat Completions request, joined."""
    texts = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts += [part.get("text", "") for part in content if part.get("type") == "text"]
    return "\n".join(texts)


def _compact(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def decide(gold: str, answer: str) -> bool:
    return bool(_compact(gold)) and _compact(gold) in _compact(answer)


class FakeJudge:
    """A Chat Completions handler that grades answers; see the module docstring."""

    def __init__(self, overrides: dict[str, bool] | None = None, replies: list[str] | None = None) -> None:
        self.overrides = overrides or {}
        self.replies = deque(replies or [])
        self.graded: list[tuple[str, str]] = []

    def __call__(self, request: RecordedRequest) -> Reply:
        text = prompt_text(request.json or {})
        gold = re.search(r"^Reference answer: (.*)$", text, re.MULTILINE)
        answer = re.search(r"^Given answer: (.*)$", text, re.MULTILINE)
        if self.replies:
            return chat_reply(self.replies.popleft())
        if gold is None or answer is None:
            return chat_reply('{"class": "long_tail", "reason": "searched the right name but stopped before the page with the fact"}')
        self.graded.append((gold.group(1), answer.group(1)))
        correct = self.overrides.get(answer.group(1), decide(gold.group(1), answer.group(1)))
        reason = "the answer states the reference fact" if correct else "the answer does not state the reference fact"
        return chat_reply(json.dumps({"correct": correct, "reason": reason}))
