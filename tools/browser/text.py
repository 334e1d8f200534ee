"""Turn a rendered page into numbered-link text split into text pages.

The page is read with a single `evaluate` call. It numbers the visible http(s) links and puts a
`[n] ` marker in front of each link's text. Then it reads `document.body.innerText`, which
follows CSS layout and leaves out what is not displayed, and removes the markers again. The
clean-up, the split into text pages and `find_text` are plain Python on the returned text.

NOTE: only the main document is read. Text inside iframes and shadow roots is left out,
because innerText does not enter them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

MAX_TEXT_CHARS = 200_000
MAX_LINKS = 1000
TEXT_PAGE_CHARS = 3000

# Two passes, because reading innerText after each marker insertion would re-run layout once
# per link. NOTE: inserting the markers fires the page's MutationObservers after this returns.
EXTRACT_SCRIPT = """
([maxChars, maxLinks]) => {
  const title = document.title || "";
  const url = location.href;
  const refresh = document.querySelector('meta[http-equiv="refresh" i]');
  const root = document.body || document.documentElement;
  const readyState = document.readyState;
  if (!root) return {url, title, readyState, text: "", links: [], totalChars: 0, refresh: null};

  const anchors = [];
  for (const a of document.querySelectorAll("a[href]")) {
    if (anchors.length >= maxLinks) break;
    if (!/^https?:/i.test(a.href)) continue;
    if (a.checkVisibility && !a.checkVisibility()) continue;
    const img = a.querySelector("img[alt]");
    const label = a.innerText || a.getAttribute("aria-label") || a.title || (img && img.alt) || "";
    anchors.push({a, text: label.replace(/\\s+/g, " ").trim().slice(0, 200), url: a.href});
  }

  const markers = anchors.map((item, index) => {
    const marker = document.createTextNode(`[${index + 1}] `);
    item.a.prepend(marker);
    return marker;
  });
  let text;
  try {
    text = root.innerText || "";
  } finally {
    for (const marker of markers) marker.remove();
  }
  return {
    url,
    title,
    readyState,
    text: text.slice(0, maxChars),
    links: anchors.map(({text, url}) => ({text, url})),
    totalChars: text.length,
    refresh: refresh ? refresh.content : null,
  };
}
"""


@dataclass(frozen=True)
class Link:
    """A numbered link of the current page. `id` is 1-based, as shown to the model."""

    id: int
    text: str
    url: str


@dataclass
class PageView:
    """A loaded page as the model reads it: cleaned text cut into text pages, plus its links."""

    requested_url: str
    url: str
    status: int | None
    title: str
    text: str
    links: list[Link]
    truncated_from: int | None = None
    load_note: str = ""
    page_index: int = 0
    page_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.page_starts:
            self.page_starts = split_points(self.text, TEXT_PAGE_CHARS)

    @property
    def page_count(self) -> int:
        return len(self.page_starts)

    def page_text(self, index: int) -> str:
        start = self.page_starts[index]
        end = self.page_starts[index + 1] if index + 1 < self.page_count else len(self.text)
        return self.text[start:end].strip()

    def page_of_offset(self, offset: int) -> int:
        return bisect.bisect_right(self.page_starts, offset) - 1


def refresh_delay(content: str | None) -> float | None:
    """Return the delay in seconds of a `<meta http-equiv=refresh>` that goes to another URL.

    A refresh without a `url=` part only reloads the same page, so it returns None.
    """
    if not content or "url=" not in content.lower():
        return None
    try:
        return float(content.split(";", 1)[0].split(",", 1)[0].strip() or 0)
    except ValueError:
        return None


def clean_text(text: str) -> str:
    """Collapse the blank space innerText leaves: trailing spaces, runs of spaces, empty lines."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    cleaned = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", cleaned).strip()


def split_points(text: str, size: int) -> list[int]:
    """Return the start offsets of text pages of about `size` characters.

    Each cut falls on the last line break (or else the last space) in the back half of the
    window, so a page never ends mid-word unless one word is longer than half a page.
    """
    starts = [0]
    position = 0
    while len(text) - position > size:
        window_end = position + size
        cut = text.rfind("\n", position + size // 2, window_end)
        if cut < 0:
            cut = text.rfind(" ", position + size // 2, window_end)
        if cut < 0:
            cut = window_end
        position = cut + 1 if text[cut] in "\n " else cut
        starts.append(position)
    return starts


def build_view(requested_url: str, status: int | None, extracted: dict, load_note: str = "") -> PageView:
    """Build a `PageView` from what `EXTRACT_SCRIPT` returned (its URL is the document read)."""
    links = [Link(index + 1, item["text"], item["url"]) for index, item in enumerate(extracted["links"])]
    total = int(extracted["totalChars"])
    return PageView(
        requested_url=requested_url,
        url=extracted["url"],
        status=status,
        title=extracted["title"].strip(),
        text=clean_text(extracted["text"]),
        links=links,
        truncated_from=total if total > MAX_TEXT_CHARS else None,
        load_note=load_note,
    )


def render_page(view: PageView, index: int) -> str:
    """Render one text page with its header and the list of links that appear on it."""
    body = view.page_text(index)
    header = [f"URL: {view.url}", f"Title: {view.title or '(no title)'}"]
    if view.status is not None and view.status != 200:
        header.append(f"HTTP status: {view.status}")
    header.append(f"Text page {index + 1} of {view.page_count}")
    if view.load_note:
        header.append(view.load_note)
    if view.truncated_from is not None:
        header.append(f"Note: the page text was cut to the first {MAX_TEXT_CHARS:,} of {view.truncated_from:,} characters.")

    shown_ids = [int(found) for found in re.findall(r"\[(\d+)\] ", body)]
    listed = [view.links[link_id - 1] for link_id in dict.fromkeys(shown_ids) if 0 < link_id <= len(view.links)]
    parts = ["\n".join(header), body or "(this page has no text)"]
    if listed:
        parts.append("Links on this text page (use click_link with the number):\n" + "\n".join(f"[{link.id}] {link.text or '(no text)'} -> {link.url}" for link in listed))
    if index + 1 < view.page_count:
        parts.append(f"More text follows: scroll down or read_page {index + 2}.")
    return "\n\n".join(parts)


def find_matches(view: PageView, query: str, context_chars: int = 120, limit: int = 20) -> list[dict]:
    """Find case-insensitive occurrences of `query`, any whitespace between its words matching.

    Returns:
        Up to `limit` dicts with the 1-based text page and the surrounding context.
    """
    pattern = r"\s+".join(re.escape(word) for word in query.split())
    matches = []
    for found in re.finditer(pattern, view.text, flags=re.IGNORECASE):
        start = max(0, found.start() - context_chars)
        end = min(len(view.text), found.end() + context_chars)
        context = view.text[start:end].replace("\n", " ")
        prefix = "..." if start > 0 else ""
        suffix = "..." if end < len(view.text) else ""
        matches.append({"page": view.page_of_offset(found.start()) + 1, "context": f"{prefix}{context}{suffix}"})
        if len(matches) >= limit:
            break
    return matches
