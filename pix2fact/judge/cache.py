"""The on-disk cache of LLM judgements, so a re-judged run costs no model calls and reads the same.

Each entry is one JSON file named by the SHA-256 of its key. A grading entry is keyed by the
judge model (`provider:model`), the prompt version, the question, the gold answer (with its
aliases) and the given answer; an attribution entry by the model, its prompt version and the
digest of the trajectory it read. Entries hold those fields, the decision, the reason and the
reply text, and never an API key: keys are not part of any of them, and the reply passes
through `redact` before it is written.

Only readable replies are cached. A failed call or an unreadable reply is ungradable for this
pass and is asked again on the next one.

The folder is `--judge-cache`, else `$PIX2FACT_JUDGE_CACHE`, else `judge/` under
`$PIX2FACT_CACHE_DIR` (default `~/.cache/pix2fact`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from pix2fact.models.retry import redact
from pix2fact.store import write_atomic

logger = logging.getLogger(__name__)

CACHE_ENV = "PIX2FACT_JUDGE_CACHE"


def default_cache_dir() -> Path:
    """Return the judge cache folder named by the environment (see the module docstring)."""
    explicit = os.environ.get(CACHE_ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    root = os.environ.get("PIX2FACT_CACHE_DIR", "").strip()
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "pix2fact") / "judge"


class JudgementCache:
    """A folder of cached LLM judgements.

    Args:
        folder: Where entries live; created on the first write.
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder).expanduser() if folder else default_cache_dir()

    @staticmethod
    def key(*parts: str) -> str:
        """Return the entry name for these key fields (order matters)."""
        return hashlib.sha256(json.dumps(list(parts), ensure_ascii=False).encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """Return the entry stored under `key`, or None (also for an unreadable file)."""
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            logger.warning("ignoring unreadable judge cache entry %s: %s", path, error)
            return None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Store an entry; its `reply` is redacted and cut to 4000 characters first."""
        entry = dict(entry)
        if "reply" in entry:
            entry["reply"] = redact(str(entry["reply"]))[:4000]
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(entry, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
