"""Version strings of the judge's parts; a change to what a part decides bumps its version.

- `RULE_JUDGE_VERSION`: the rule grader and the signal-based attribution. It is the whole
  judge version of `--judge rule`, and part of the others.
- `JUDGE_PROMPT_VERSION`: the LLM grading prompt (`prompts.JUDGE_SYSTEM_PROMPT`) and how its
  reply is read. It is part of the verdict cache key.
- `ATTRIBUTION_PROMPT_VERSION`: the prompt of the optional LLM reading of a trajectory.
"""

RULE_JUDGE_VERSION = "rule-1.0"
JUDGE_PROMPT_VERSION = "p1"
ATTRIBUTION_PROMPT_VERSION = "a1"
