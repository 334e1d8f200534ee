"""Prompts of the model agents: the system prompt, the first user message, single-pass instructions.

The system prompt states the photo's size, the tools on offer, the crop coordinate convention
(from `AgentContext.coords`, which the engine sets from `--coords`), the step budget and the
answer schema. Each evaluation setting adds one paragraph.
"""

from __future__ import annotations

from pix2fact.agent import AgentContext
from pix2fact.tasks.model import TaskView
from pix2fact.tools.answer import NO_ANSWER

ANSWER_FIELDS = (
    ("observation", "what you saw in the photo that identifies the subject"),
    ("search_plan", "how you looked the fact up"),
    ("search_queries", "a list of the search queries you used"),
    ("comprehensive_answer", "the answer with the evidence behind it"),
    ("final_answer", f"the short answer alone (a name, number, date or phrase), or {NO_ANSWER}"),
)

_SETTING_NOTES = {
    "agentic": (
        "Work in this order: find the detail the question is about, crop until you can read it, "
        "search the web for the fact, open pages to check it, then answer."
    ),
    "c1": "You have no search tool: answer from the photo and what you already know.",
    "c2": (
        "You cannot crop: the image you see is all you get of the photo. Search the web and open "
        "pages to find the fact, then answer."
    ),
    "c3": (
        "The image you see is a crop of the photo around the region the question is about. You "
        "have no search tool: answer from it and from what you already know."
    ),
    "c4": (
        "The image you see is a crop of the photo around the region the question is about. "
        "Search the web and open pages to find the fact, then answer."
    ),
    "builtin-search": (
        "Use your built-in web search to look the fact up; the harness offers no search tool of "
        "its own here. Crop the photo to read the detail first."
    ),
}


def system_prompt(context: AgentContext) -> str:
    """Return the system prompt for one task, adapted to the tools and setting in `context`."""
    width, height = context.image_size
    tools = [spec for spec in context.tools if spec.name != "answer"]
    lines = [
        "You answer questions about one small detail in a high-resolution photograph. Finding the "
        "detail takes close looking, and the answer usually takes a fact looked up on the web.",
        "",
        f"The photo is {width} x {height} pixels. {_overview_sentence(context)}",
    ]

    if context.setting == "single-pass":
        lines += ["", single_pass_instructions()]
        return "\n".join(lines)

    if tools:
        lines += ["", "Tools:"]
        lines += [f"- {spec.name}: {_first_sentence(spec.description)}" for spec in tools]
    if any(spec.name == "crop" for spec in tools):
        lines += ["", coordinate_convention(context)]

    note = _SETTING_NOTES.get(context.setting, _SETTING_NOTES["agentic"])
    lines += [
        "",
        note,
        f"You have at most {context.max_steps} turns; several tool calls in one turn run in the order given.",
        "",
        "When you are done, call the answer tool once with these fields:",
        *[f"- {name}: {meaning}" for name, meaning in ANSWER_FIELDS],
        f"If the photo and the sources do not settle the question, set final_answer to {NO_ANSWER} "
        "rather than guessing.",
    ]
    return "\n".join(lines)


def coordinate_convention(context: AgentContext) -> str:
    """Return the sentences that state the crop box convention of `context.coords`."""
    width, height = context.image_size
    if context.coords == "norm1000":
        return (
            "Crop coordinates: boxes are [ymin, xmin, ymax, xmax], each from 0 to 1000 of the whole "
            "photo's height or width (y first): [0, 0, 1000, 1000] is the whole photo, and "
            f"[0, 500, 500, 1000] its top-right quarter. One unit is {height / 1000:.4g} px vertically "
            f"and {width / 1000:.4g} px horizontally."
        )
    return (
        "Crop coordinates: boxes are [left, top, right, bottom] in pixels of the ORIGINAL "
        f"{width} x {height} photo, not of the scaled overview: x grows to the right, y grows "
        f"downward, and [0, 0, {width}, {height}] is the whole photo."
    )


def single_pass_instructions() -> str:
    """Return the instructions for answering in one reply, as a JSON object in the official schema."""
    fields = "\n".join(f'  "{name}": {meaning}' for name, meaning in ANSWER_FIELDS)
    return (
        "Answer in this single reply; you have no tools. Reply with one JSON object and nothing "
        f"else, with these keys:\n{fields}\n"
        f"If you cannot determine the answer, set final_answer to {NO_ANSWER}."
    )


def first_message(task: TaskView, context: AgentContext) -> str:
    """Return the text of the first user message; the first image follows it."""
    text = context.overview.text.strip()
    parts = [f"Question: {task.question}"]
    if text:
        parts.append(text)
    return "\n\n".join(parts)


def _overview_sentence(context: AgentContext) -> str:
    images = context.overview.images
    if not images:
        return "No image is attached yet."
    shown = images[0]
    if context.setting in ("c3", "c4"):
        return f"The attached image ({shown.width} x {shown.height} px) is a crop of it."
    return (
        f"The attached overview is scaled to {shown.width} x {shown.height} px, so small text is not "
        "legible in it."
    )


def _first_sentence(description: str) -> str:
    head, dot, _ = description.partition(". ")
    return head + (dot.strip() if dot else "")
