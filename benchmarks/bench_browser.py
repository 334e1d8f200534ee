"""Measure browser page visits: a pooled browser against a fresh browser per visit.

Builds a synthetic web snapshot of 30 pages in a temporary folder, then times `open_url`:

- pooled: one Chromium for the whole run, one context per task, several visits per task;
- fresh: a new Chromium launched, one visit made, and the browser closed, for every visit.

Run: .venv/bin/python benchmarks/bench_browser.py [--tasks 4] [--visits 15] [--fresh-visits 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from importlib.metadata import version

from pix2fact.tools.browser import BrowserPool
from pix2fact.tools.urlguard import UrlGuard
from pix2fact.tools.web import Snapshot, WebPage

PAGE_COUNT = 30
DOMAINS = ["museum.example", "harbor.test", "archive.example"]
WORDS = "harbor museum bell tower clock station ferry archive founder collection painting bridge market square".split()


def page_url(number: int) -> str:
    return f"https://{DOMAINS[number % len(DOMAINS)]}/page/{number}"


def synthetic_page(number: int, rng: random.Random) -> WebPage:
    """Return a page of about 5 KB: paragraphs, a table, six links and one script-written line."""
    paragraphs = "".join(f"<p>{' '.join(rng.choices(WORDS, k=60))}.</p>" for _ in range(8))
    rows = "".join(f"<tr><td>{WORDS[row]}</td><td>{1800 + rng.randrange(200)}</td></tr>" for row in range(6))
    links = "".join(f"<li><a href='{page_url(rng.randrange(PAGE_COUNT))}'>Related page {index}</a></li>" for index in range(6))
    body = (
        f"<!doctype html><html><head><title>Synthetic page {number}</title><style>body {{ font-family: serif; }}</style></head>"
        f"<body><h1>Page {number}</h1>{paragraphs}<table>{rows}</table><ul>{links}</ul><p id='js'></p>"
        f"<script>document.getElementById('js').textContent = 'Rendered by script on page {number}.';</script></body></html>"
    )
    return WebPage(url=page_url(number), body=body, title=f"Synthetic page {number}")


def build_snapshot(folder: str) -> Snapshot:
    """Write the synthetic snapshot to `folder` and load it back, as the engine would."""
    rng = random.Random(7)
    Snapshot("bench-browser", [synthetic_page(number, rng) for number in range(PAGE_COUNT)], DOMAINS).save(folder)
    return Snapshot.load(folder)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure_pooled(snapshot: Snapshot, tasks: int, visits: int) -> tuple[list[float], list[float], str]:
    """Return (visit times, session start times) in ms and the Chromium version."""
    visit_ms: list[float] = []
    session_ms: list[float] = []
    rng = random.Random(11)
    async with BrowserPool() as pool:
        for _task in range(tasks):
            started = time.perf_counter()
            session = await pool.session(snapshot, UrlGuard())
            session_ms.append((time.perf_counter() - started) * 1000)
            for _visit in range(visits):
                url = page_url(rng.randrange(PAGE_COUNT))
                started = time.perf_counter()
                await session.open_url(url)
                visit_ms.append((time.perf_counter() - started) * 1000)
            await session.close()
        return visit_ms, session_ms, pool.version


async def measure_fresh(snapshot: Snapshot, visits: int) -> list[float]:
    """Return the time of each visit in ms, counting browser launch, context, visit and close."""
    visit_ms: list[float] = []
    rng = random.Random(13)
    for _visit in range(visits):
        started = time.perf_counter()
        async with BrowserPool() as pool:
            session = await pool.session(snapshot, UrlGuard())
            await session.open_url(page_url(rng.randrange(PAGE_COUNT)))
            await session.close()
        visit_ms.append((time.perf_counter() - started) * 1000)
    return visit_ms


def summary(name: str, values: list[float]) -> str:
    return f"{name:<28} n={len(values):<4} median {statistics.median(values):8.1f} ms   p90 {percentile(values, 0.9):8.1f} ms"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=4, help="pooled tasks (one context each)")
    parser.add_argument("--visits", type=int, default=15, help="open_url visits per pooled task")
    parser.add_argument("--fresh-visits", type=int, default=8, help="visits made with a fresh browser each")
    options = parser.parse_args()

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="pix2fact-bench-") as folder:
        snapshot = build_snapshot(folder)
        pooled, sessions, chromium = await measure_pooled(snapshot, options.tasks, options.visits)
        fresh = await measure_fresh(snapshot, options.fresh_visits)

    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, Playwright {version('playwright')}, Chromium {chromium}")
    print(f"1-minute load average: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (other processes share the CPUs)")
    print(f"snapshot: {PAGE_COUNT} pages of about 5 KB, served from memory through request routing")
    print(summary("pooled visit (open_url)", pooled))
    print(summary("pooled session start", sessions))
    print(summary("fresh browser per visit", fresh))
    print(f"ratio fresh/pooled median: {statistics.median(fresh) / statistics.median(pooled):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
