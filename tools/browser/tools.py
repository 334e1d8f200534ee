"""The browser actions as model-facing tools: open_url, click_link, find_text, scroll, go_back, read_page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Awaitable, Callable

from pix2fact.tools.base import Tool, ToolError, ToolResult, ToolSpec, require_keys

if TYPE_CHECKING:
    from pix2fact.tools.browser.session import BrowserSession


def _integer(arguments: dict[str, Any], key: str) -> int | None:
    """Read an optional integer argument, accepting the digit strings some models send for numbers."""
    value = arguments.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ToolError(f"{key} must be an integer, got {value!r}")


class BrowserTool:
    """One browser action bound to a session, with its schema."""

    def __init__(self, spec: ToolSpec, run: Callable[[dict[str, Any]], Awaitable[ToolResult]]) -> None:
        self.spec = spec
        self._run = run

    async def call(self, arguments: dict[str, Any]) -> ToolResult:
        require_keys(arguments, self.spec.parameters)
        return await self._run(arguments)


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


SPECS = {
    "open_url": ToolSpec(
        name="open_url",
        description="Open a web page in the browser and show the first text page of its rendered text, with links numbered like [3] Link text.",
        parameters=_schema({"url": {"type": "string", "description": "The full URL, e.g. https://example.org/page."}}, ["url"]),
    ),
    "click_link": ToolSpec(
        name="click_link",
        description="Follow a link of the current page by its number from the page text or link list.",
        parameters=_schema({"link_id": {"type": "integer", "minimum": 1, "description": "The link number shown as [n]."}}, ["link_id"]),
    ),
    "find_text": ToolSpec(
        name="find_text",
        description="Find a word or phrase on the current page (case-insensitive); lists each match with context and its text page.",
        parameters=_schema({"text": {"type": "string", "description": "The word or phrase to find."}}, ["text"]),
    ),
    "scroll": ToolSpec(
        name="scroll",
        description="Show the next (down) or previous (up) text page of the current page.",
        parameters=_schema({"direction": {"type": "string", "enum": ["down", "up"]}}, ["direction"]),
    ),
    "go_back": ToolSpec(
        name="go_back",
        description="Go back to the previous page, at the text page you were reading.",
        parameters=_schema({}, []),
    ),
    "read_page": ToolSpec(
        name="read_page",
        description="Show one text page (about 3000 characters) of the current page; without a number, the current one.",
        parameters=_schema({"page": {"type": "integer", "minimum": 1, "description": "The 1-based text page number."}}, []),
    ),
}


def browser_tools(session: "BrowserSession") -> list[Tool]:
    """Return the six browser tools of `session`, in the order the model usually needs them."""
    runs: dict[str, Callable[[dict[str, Any]], Awaitable[ToolResult]]] = {
        "open_url": lambda arguments: session.open_url(arguments["url"]),
        "click_link": lambda arguments: session.click_link(_integer(arguments, "link_id")),
        "find_text": lambda arguments: session.find_text(arguments["text"]),
        "scroll": lambda arguments: session.scroll(arguments["direction"]),
        "go_back": lambda arguments: session.go_back(),
        "read_page": lambda arguments: session.read_page(_integer(arguments, "page")),
    }
    return [BrowserTool(SPECS[name], run) for name, run in runs.items()]
