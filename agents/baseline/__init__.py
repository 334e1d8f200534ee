"""The offline baseline agent (`--agent baseline`): colour search, Tesseract and rules, no model.

It needs no API key, so `make demo` runs it on a fresh machine. See `agent.BaselineAgent` for
its steps.
"""

from pix2fact.agents.baseline.agent import BaselineAgent

__all__ = ["BaselineAgent"]
