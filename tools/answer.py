"""The `answer` tool, which ends a task.

Its fields are the benchmark's official output schema (Observation, Search Plan, Search Query,
Comprehensive Answer, Final Answer), in snake case. Only `final_answer` is required, so a model
that skips the rest still ends the task cleanly.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from pix2fact.tools.base import ToolError, ToolResult, ToolSpec, require_keys

NO_ANSWER = "[NO_DEFINITIVE_ANSWER]"

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "final_answer": {
            "type": "string",
            "description": f"The short final answer only, or {NO_ANSWER} if it cannot be determined.",
        },
        "observation": {"type": "string", "description": "What you saw in the image that identifies the subject."},
        "search_plan": {"type": "string", "description": "How you looked the fact up."},
        "search_queries": {"type": "array", "items": {"type": "string"}, "description": "The queries you used."},
        "comprehensive_answer": {"type": "string", "description": "The answer with its supporting evidence."},
    },
    "required": ["final_answer"],
}


class AnswerFields(BaseModel):
    """A final answer in the official output schema."""

    final_answer: str
    observation: str = ""
    search_plan: str = ""
    search_queries: list[str] = Field(default_factory=list)
    comprehensive_answer: str = ""

    @property
    def abstained(self) -> bool:
        return self.final_answer.strip() == NO_ANSWER


class AnswerTool:
    """Validates the final answer. The loop ends the task when this tool succeeds."""

    spec = ToolSpec(
        name="answer",
        description="Submit the final answer. This ends the task; call it once, when you are done.",
        parameters=ANSWER_SCHEMA,
    )

    async def call(self, arguments: dict[str, Any]) -> ToolResult:
        require_keys(arguments, ANSWER_SCHEMA)
        queries = arguments.get("search_queries", [])
        if isinstance(queries, str):
            arguments = {**arguments, "search_queries": [queries]}

        final = arguments.get("final_answer")
        if not isinstance(final, str) or not final.strip():
            raise ToolError(f"final_answer must be a non-empty string, got {final!r}; give the answer or {NO_ANSWER}")

        fields = AnswerFields.model_validate(arguments)
        return ToolResult(text="Answer recorded.", data={"answer": fields.model_dump()})


# Keys the benchmark's answer schema uses, mapped to our field names. Matching is done on a
# lower-cased key with spaces and underscores removed, so "Final Answer" and "final_answer" agree.
_SCHEMA_KEYS = {
    "finalanswer": "final_answer",
    "observation": "observation",
    "searchplan": "search_plan",
    "searchquery": "search_queries",
    "searchqueries": "search_queries",
    "comprehensiveanswer": "comprehensive_answer",
}


def parse_answer_text(text: str) -> AnswerFields:
    """Read an answer a model wrote as text instead of calling `answer`.

    Accepts a JSON object in the official schema, possibly inside a code fence or followed by
    other text; otherwise the whole text (stripped) is the final answer.
    """
    stripped = text.strip()
    candidate = _first_json_object(stripped)
    if candidate is not None:
        fields: dict[str, Any] = {}
        for key, value in candidate.items():
            name = _SCHEMA_KEYS.get(str(key).lower().replace(" ", "").replace("_", ""))
            if name is None or value is None:
                continue
            if name == "search_queries":
                fields[name] = [str(item) for item in value] if isinstance(value, list) else [str(value)]
            else:
                fields[name] = str(value)
        if fields.get("final_answer", "").strip():
            return AnswerFields.model_validate(fields)

    return AnswerFields(final_answer=stripped)


def _first_json_object(text: str) -> dict[str, Any] | None:
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None
