"""A fake Gemini API (`generateContent`) that the real google-genai SDK talks to.

    with GeminiServer([gemini_reply(function_call("crop", {"box": [0, 0, 9, 9]}, signature="c2ln"))]) as server:
        sdk = genai.Client(api_key=KEY, vertexai=False, http_options={"base_url": server.url})

Replies follow the REST reference (`candidates[].content.parts[]` with `functionCall`,
`thoughtSignature` as base64, `usageMetadata` with `promptTokenCount`, `candidatesTokenCount`,
`thoughtsTokenCount`, `cachedContentTokenCount`), and errors the `google.rpc.Status` body
`{"error": {"code", "message", "status", "details"}}`.

Like the real service, the server checks each request before replying and replies HTTP 400
INVALID_ARGUMENT, without using up the script, when:

- the path is not `/{v1|v1beta}/models/{model}:generateContent` or the API key is missing;
- a content has no parts or an unknown role, or a function declaration has an invalid name;
- a model content with N function calls is not followed by a user content with N function
  responses;
- an inline image is not decodable base64, not an image type, or over the 7 MB inline limit;
- a thought signature the server issued earlier in the same conversation (the same first user
  message) is missing from the history.

Request bodies are read as protobuf JSON is: field names in lowerCamelCase or snake_case, and
bytes in standard or URL-safe base64.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from typing import Any

from fakes.base import FakeServer, RecordedRequest, Reply

MAX_INLINE_IMAGE_BYTES = 7_000_000
_PATH = re.compile(r"^/(v1|v1beta)/models/([^/:]+):generateContent$")
_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")


def field(obj: dict[str, Any], camel: str) -> Any:
    """Return `obj[camel]` or its snake_case spelling, as a protobuf JSON parser accepts both."""
    if camel in obj:
        return obj[camel]
    return obj.get(re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel))


def decode_bytes(text: str) -> bytes:
    """Decode protobuf JSON bytes, which may be standard or URL-safe base64."""
    return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)


def text_part(text: str, *, thought: bool = False, signature: str | None = None) -> dict[str, Any]:
    """Return a text part; `thought=True` marks a thought summary."""
    part: dict[str, Any] = {"text": text}
    if thought:
        part["thought"] = True
    if signature:
        part["thoughtSignature"] = signature
    return part


def function_call(name: str, args: Any = None, *, call_id: str | None = None, signature: str | None = None) -> dict[str, Any]:
    """Return a `functionCall` part. `signature` is a base64 thought signature."""
    call: dict[str, Any] = {"name": name}
    if args is not None:
        call["args"] = args
    if call_id:
        call["id"] = call_id
    part: dict[str, Any] = {"functionCall": call}
    if signature:
        part["thoughtSignature"] = signature
    return part


def gemini_response(
    parts: list[dict[str, Any]] | None = None,
    *,
    finish_reason: str = "STOP",
    finish_message: str | None = None,
    model: str = "gemini-fake-001",
    prompt_tokens: int = 100,
    candidates_tokens: int = 20,
    thoughts_tokens: int | None = None,
    cached_tokens: int | None = None,
    grounding: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a `GenerateContentResponse` with one candidate; `grounding` is its `groundingMetadata`."""
    candidate: dict[str, Any] = {"finishReason": finish_reason, "index": 0}
    if grounding is not None:
        candidate["groundingMetadata"] = grounding
    if parts is not None:
        candidate["content"] = {"role": "model", "parts": parts}
    if finish_message:
        candidate["finishMessage"] = finish_message
    usage: dict[str, Any] = {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": candidates_tokens,
        "totalTokenCount": prompt_tokens + candidates_tokens + (thoughts_tokens or 0),
    }
    if thoughts_tokens is not None:
        usage["thoughtsTokenCount"] = thoughts_tokens
    if cached_tokens is not None:
        usage["cachedContentTokenCount"] = cached_tokens
    return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": model, "responseId": "fake-response"}


def gemini_reply(*parts: dict[str, Any], **options: Any) -> Reply:
    """Return a 200 reply carrying a `gemini_response` of `parts`."""
    return Reply(json=gemini_response(list(parts), **options))


def grounding_metadata(queries: list[str], pages: list[tuple[str, str]]) -> dict[str, Any]:
    """Return the `groundingMetadata` of a Google Search grounded reply: queries and (url, title) pages."""
    return {
        "webSearchQueries": queries,
        "groundingChunks": [{"web": {"uri": url, "title": title}} for url, title in pages],
        "searchEntryPoint": {"renderedContent": "<div>search suggestions</div>"},
    }


def error_reply(code: int, status: str, message: str, *, details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> Reply:
    """Return an error reply with Google's `google.rpc.Status` body."""
    body: dict[str, Any] = {"error": {"code": code, "message": message, "status": status}}
    if details:
        body["error"]["details"] = details
    return Reply(status=code, json=body, headers=headers or {})


def rate_limit_reply(*, retry_delay: str | None = None, headers: dict[str, str] | None = None) -> Reply:
    """Return the 429 RESOURCE_EXHAUSTED of an exceeded quota, optionally with a RetryInfo detail."""
    details = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}] if retry_delay else None
    return error_reply(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", details=details, headers=headers)


def context_length_reply() -> Reply:
    """Return the HTTP 400 Gemini sends for a prompt longer than the context window."""
    return error_reply(
        400, "INVALID_ARGUMENT", "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576)."
    )


class GeminiServer(FakeServer):
    """`FakeServer` that checks requests the way the Gemini API does before replying."""

    def __init__(self, script=(), handler=None) -> None:
        super().__init__(script, handler)
        self.rejected: list[tuple[RecordedRequest, str]] = []
        self._issued: dict[str, list[str]] = {}
        self._issued_lock = threading.Lock()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        problem = self.check(request)
        if problem is not None:
            with self._lock:
                self.requests.append(request)
                self.rejected.append((request, problem))
            return error_reply(400, "INVALID_ARGUMENT", problem)

        reply = super()._next_reply(request)
        if reply.status == 200 and isinstance(reply.json, dict):
            self._remember_signatures(request, reply.json)
        return reply

    def check(self, request: RecordedRequest) -> str | None:
        """Return why the real API would reject `request`, or None."""
        if request.method != "POST" or not _PATH.match(request.path):
            return f"unknown method or path: {request.method} {request.path}"
        if not request.headers.get("x-goog-api-key") and "key=" not in request.query:
            return "Method doesn't allow unregistered callers. Please use API Key."
        body = request.json
        if not isinstance(body, dict) or not body.get("contents"):
            return "* GenerateContentRequest.contents: contents is not specified"

        problem = self._check_tools(body) or self._check_contents(body["contents"])
        if problem is None:
            problem = self._check_signatures(body["contents"])
        return problem

    def _check_tools(self, body: dict[str, Any]) -> str | None:
        for tool in body.get("tools") or []:
            for declaration in field(tool, "functionDeclarations") or []:
                if not _FUNCTION_NAME.match(declaration.get("name", "")):
                    return f"* function_declarations.name: invalid name {declaration.get('name')!r}"
        return None

    def _check_contents(self, contents: list[dict[str, Any]]) -> str | None:
        for index, content in enumerate(contents):
            if content.get("role") not in ("user", "model"):
                return f"* contents[{index}].role: must be user or model, got {content.get('role')!r}"
            parts = content.get("parts") or []
            if not parts:
                return f"* contents[{index}].parts: contents.parts must not be empty"
            for part in parts:
                problem = self._check_images(part)
                if problem:
                    return f"* contents[{index}]: {problem}"

            calls = sum(1 for part in parts if field(part, "functionCall"))
            if calls:
                following = contents[index + 1] if index + 1 < len(contents) else None
                answered = sum(1 for part in (following or {}).get("parts", []) if field(part, "functionResponse"))
                if following is not None and answered != calls:
                    return (
                        "Please ensure that the number of function response parts is equal to the number of "
                        f"function call parts of the function call turn (contents[{index}]: {calls} calls, {answered} responses)."
                    )
        return None

    def _check_images(self, part: dict[str, Any]) -> str | None:
        blobs = [field(part, "inlineData")]
        response = field(part, "functionResponse") or {}
        blobs += [field(item, "inlineData") for item in response.get("parts") or []]
        for blob in blobs:
            if not blob:
                continue
            mime = field(blob, "mimeType") or ""
            try:
                data = decode_bytes(blob.get("data", ""))
            except (binascii.Error, ValueError):
                return "inline_data.data: invalid base64"
            if not mime.startswith("image/"):
                return f"inline_data.mime_type: unsupported {mime!r}"
            if len(data) > MAX_INLINE_IMAGE_BYTES:
                return f"inline_data: {len(data)} bytes exceeds the {MAX_INLINE_IMAGE_BYTES} byte inline limit"
        return None

    def _check_signatures(self, contents: list[dict[str, Any]]) -> str | None:
        with self._issued_lock:
            issued = list(self._issued.get(_conversation_key(contents), []))
        echoed = {
            field(part, "thoughtSignature")
            for content in contents
            if content.get("role") == "model"
            for part in content.get("parts", [])
        }
        missing = [signature for signature in issued if signature not in echoed]
        if missing:
            return f"Function call is missing a thought_signature in functionCall parts ({len(missing)} missing)."
        return None

    def _remember_signatures(self, request: RecordedRequest, reply: dict[str, Any]) -> None:
        key = _conversation_key(request.json["contents"])
        parts = [part for candidate in reply.get("candidates", []) for part in candidate.get("content", {}).get("parts", [])]
        with self._issued_lock:
            self._issued.setdefault(key, []).extend(part["thoughtSignature"] for part in parts if part.get("thoughtSignature"))

    def signatures_seen(self, request: RecordedRequest) -> list[str]:
        """Return the thought signatures on model parts of a recorded request, in order."""
        return [
            field(part, "thoughtSignature")
            for content in request.json["contents"]
            if content.get("role") == "model"
            for part in content["parts"]
            if field(part, "thoughtSignature")
        ]


def _conversation_key(contents: list[dict[str, Any]]) -> str:
    first = contents[0] if contents else {}
    return "|".join(part.get("text", "") for part in first.get("parts", []) if isinstance(part, dict))


def inline_images(content: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Return `(mime_type, bytes)` of the inline images of a content, including those inside function responses."""
    found = []
    for part in content.get("parts", []):
        response = field(part, "functionResponse") or {}
        for blob in [field(part, "inlineData")] + [field(item, "inlineData") for item in response.get("parts") or []]:
            if blob:
                found.append((field(blob, "mimeType"), decode_bytes(blob["data"])))
    return found


SCRIPTED_ANSWER = "1921"


def scripted_gemini(request: RecordedRequest) -> Reply:
    """Play a short, plausible Gemini model for end-to-end runs.

    Turn 1 looks (view_image and crop in parallel, the first call carrying a thought
    signature) or, without image tools, searches; turn 2 calls answer. With Google Search
    offered, turn 1 also carries grounding metadata for one search. A request without tools
    (single-pass) gets the official JSON schema as text.
    """
    body = request.json or {}
    names = [
        declaration.get("name")
        for tool in body.get("tools") or []
        for declaration in field(tool, "functionDeclarations") or []
    ]
    turns_so_far = sum(1 for content in body.get("contents", []) if content.get("role") == "model")
    usage = {"prompt_tokens": 400, "candidates_tokens": 40, "thoughts_tokens": 12, "cached_tokens": 30}

    if not names:
        answer = {"observation": "a sign", "search_plan": "none", "search_queries": [], "comprehensive_answer": f"The sign reads {SCRIPTED_ANSWER}.", "final_answer": SCRIPTED_ANSWER}
        return gemini_reply(text_part("```json\n" + json.dumps(answer) + "\n```"), **usage)

    signature = base64.b64encode(f"signature-{turns_so_far}".encode()).decode()
    if turns_so_far == 0 and "crop" in names:
        calls = [("view_image", {}), ("crop", {"box": [0, 0, 400, 300]})]
    elif turns_so_far == 0 and "web_search" in names:
        calls = [("web_search", {"query": "shop founded year"})]
    else:
        calls = [("answer", {"final_answer": SCRIPTED_ANSWER, "observation": "a sign", "search_queries": ["q"]})]
    parts = [function_call(name, args, signature=signature if index == 0 else None) for index, (name, args) in enumerate(calls)]
    searched = turns_so_far == 0 and any(field(tool, "googleSearch") is not None for tool in body.get("tools") or [])
    if searched:
        usage["grounding"] = grounding_metadata(["corner shop founded"], [("http://127.0.0.1:9/shop-history", "127.0.0.1")])
    return gemini_reply(*parts, **usage)
