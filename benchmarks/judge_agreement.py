"""Measure how often the rule grader agrees with the hand-labelled answer pairs.

Usage: python benchmarks/judge_agreement.py [PAIRS.jsonl]

Each line of the pairs file is {"gold", "answer", "kind", "label", "note"} plus optional
"aliases"; "label" is what a strict human grader decided. Prints agreement overall and per kind
(the labelled kind, or "auto:<detected>" when the pair leaves the kind to detection), then every
disagreement. Exits 1 when overall agreement is below --min (default 0).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from pix2fact.judge.rules import grade_answer

DEFAULT_PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "answer_pairs.jsonl"


def load_pairs(path: Path) -> list[dict[str, Any]]:
    """Read the labelled pairs, one JSON object per line."""
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def measure(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Grade every pair and return overall and per-kind agreement plus the disagreements."""
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    disagreements = []
    for number, pair in enumerate(pairs, start=1):
        grade = grade_answer(pair["answer"], pair["gold"], pair.get("aliases", []), pair["kind"])
        predicted = grade.verdict == "correct"
        group = pair["kind"] or f"auto:{grade.kind}"
        per_kind[group][1] += 1
        if predicted == pair["label"]:
            per_kind[group][0] += 1
        else:
            disagreements.append({"line": number, **pair, "verdict": grade.verdict, "method": grade.method, "reason": grade.reason})

    agreed = sum(counts[0] for counts in per_kind.values())
    return {
        "pairs": len(pairs),
        "agreement": agreed / len(pairs) if pairs else 0.0,
        "per_kind": {kind: {"agreed": counts[0], "pairs": counts[1]} for kind, counts in sorted(per_kind.items())},
        "disagreements": disagreements,
    }


def format_report(result: dict[str, Any]) -> str:
    """Render the measurement as plain text."""
    lines = [f"overall: {result['agreement']:.2%} of {result['pairs']} pairs"]
    for kind, counts in result["per_kind"].items():
        lines.append(f"  {kind:<14} {counts['agreed'] / counts['pairs']:7.2%}  ({counts['agreed']}/{counts['pairs']})")
    if result["disagreements"]:
        lines.append("disagreements:")
    for item in result["disagreements"]:
        lines.append(
            f"  line {item['line']} [{item['kind'] or 'auto'}] gold={item['gold']!r} answer={item['answer']!r} "
            f"label={item['label']} verdict={item['verdict']} ({item['method']}: {item['reason']})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="?", type=Path, default=DEFAULT_PAIRS, help="labelled pairs file (JSON lines)")
    parser.add_argument("--min", type=float, default=0.0, help="exit 1 when overall agreement is below this fraction")
    args = parser.parse_args(argv)

    result = measure(load_pairs(args.pairs))
    print(format_report(result))
    return 0 if result["agreement"] >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
