"""Measure how often the judge's failure attribution agrees with scripted, labelled failures.

Usage: python benchmarks/judge_attribution.py [--copies N] [--concurrency K] [--out DIR]

Runs the scripted agents of tests/scripted_failures.py (each commits one failure class on
purpose, or answers correctly) on copies of the sample tasks through the real runner, then
compares each verdict's class with the label. Prints the confusion matrix, agreement per class,
the wall time and the machine's load. Exits 1 when a class agrees less than --min (default 0.9).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from scripted_failures import BEHAVIOURS, confusion, format_confusion, run_labelled_set  # noqa: E402

from pix2fact.judge import Verdict  # noqa: E402
from pix2fact.store import VERDICTS, RunStore  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3, help="copies of each of the 24 sample tasks (default: 3, 72 tasks)")
    parser.add_argument("--concurrency", type=int, default=4, help="tasks at once (default: 4)")
    parser.add_argument("--out", type=Path, help="folder for the run (default: a temporary folder)")
    parser.add_argument("--min", type=float, default=0.9, help="exit 1 when a class agrees less than this fraction (default: 0.9)")
    args = parser.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="pix2fact-attribution-"))
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    labels, folder = asyncio.run(run_labelled_set(out, copies=args.copies, concurrency=args.concurrency))
    seconds = time.monotonic() - started

    verdicts = [Verdict.model_validate(row) for row in RunStore(folder).read_jsonl(VERDICTS)]
    matrix = confusion(labels, verdicts)
    print(format_confusion(matrix))
    lowest = min(matrix[name][name] / sum(matrix[name].values()) for name in BEHAVIOURS)
    print(f"{len(verdicts)} tasks in {seconds:.0f} s at concurrency {args.concurrency}; run folder {folder}")
    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}")
    print(f"1-minute load average: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (other processes share the CPUs)")
    return 0 if lowest >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
