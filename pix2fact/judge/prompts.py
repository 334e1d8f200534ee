"""Prompts of the LLM judge and of the LLM reading of a trajectory.

The grading prompt follows the Pix2Fact protocol for checking an answer: a True/False decision
with a reason, strict on the parts of a fact that change it (every digit of a phone number, the
parts of an address, both ends of a range, qualifiers, AM/PM), and `[NO_DEFINITIVE_ANSWER]`
correct only against a gold answer that is that string. Any change to the wording bumps
`versions.JUDGE_PROMPT_VERSION` (or `ATTRIBUTION_PROMPT_VERSION`), which keys the cache.
"""

from __future__ import annotations

from typing import Sequence

from pix2fact.judge.text import NO_ANSWER_TOKEN

JUDGE_SYSTEM_PROMPT = f"""\
You check one answer to a question about a photograph against the reference answer, which is
correct by definition. Decide whether the given answer states the same fact.

Rules:
1. Compare facts, not wording. Case, punctuation, formatting and extra words that do not change
   the fact are fine.
2. Every part of the reference must be present and must agree:
   - phone numbers: all digits agree; a country code written or left out, and separators, may differ;
   - street addresses: the number, the street and the place agree; common abbreviations
     (St for Street, Ave for Avenue) are fine;
   - ranges such as opening hours, prices or dates: both ends agree;
   - times: the hour and minutes agree, and so does AM or PM;
   - qualifiers in the reference (a day, a unit, "adult", "per night", "about", "before") are
     not dropped or contradicted.
3. An answer that offers several candidate values, hedges between them, or adds a wrong value is
   incorrect.
4. {NO_ANSWER_TOKEN} is correct only when the reference answer is exactly {NO_ANSWER_TOKEN}. When
   the reference is {NO_ANSWER_TOKEN}, any concrete answer is incorrect.
5. Do not use your own knowledge of the facts.

Reply with one JSON object and nothing else:
{{"correct": true or false, "reason": "one sentence"}}"""

JUDGE_RETRY_NOTE = 'Your reply could not be read. Reply with only this JSON object: {"correct": true or false, "reason": "one sentence"}'

ATTRIBUTION_CLASSES = ("grounding", "shallow_search", "long_tail", "reasoning")

ATTRIBUTION_SYSTEM_PROMPT = """\
You read the trajectory of an agent that answered a question about a small detail in a
high-resolution photograph wrongly. The agent could crop the photo, search the web and open
pages. Name the one cause that best explains the failure:

- grounding: the agent never found or never read the detail in the photo (wrong place, wrong
  text, wrong name searched);
- shallow_search: it read the detail but searched too little (one query, no reformulation, no
  page opened);
- long_tail: it searched with the right name but never reached the page that holds the fact;
- reasoning: it reached the fact (the right page, or the value in a result) but answered wrongly.

Reply with one JSON object and nothing else:
{"class": "grounding" | "shallow_search" | "long_tail" | "reasoning", "reason": "one sentence"}"""

ATTRIBUTION_RETRY_NOTE = 'Your reply could not be read. Reply with only this JSON object: {"class": "...", "reason": "one sentence"}'


def judge_user_message(question: str, gold: str, aliases: Sequence[str], answer: str) -> str:
    """Return the user message that puts one answer before the judge."""
    lines = [f"Question: {question.strip() or '(not given)'}", f"Reference answer: {gold.strip()}"]
    accepted = [alias.strip() for alias in aliases if alias.strip()]
    if accepted:
        lines.append("Other accepted forms of the reference: " + "; ".join(accepted))
    lines.append(f"Given answer: {answer.strip()}")
    return "\n".join(lines)
