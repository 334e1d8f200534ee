"""The report page as HTML text: the leaderboard, an index of tasks, then one section per task.

Every piece of run data goes through `html.escape` (`_e`) before it reaches the page, because
page text, model text and answers may hold markup. Boxes are SVG rectangles laid over each
thumbnail in original-image pixels (the SVG `viewBox` is the original size), so they stay
exact at any thumbnail size. The page loads nothing but its own images, and its
Content-Security-Policy forbids anything else.
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from importlib import resources

from pix2fact.report.columns import CI_LEGEND, COST_COLUMNS, EFFORT_COLUMNS, EPOCH_COLUMNS, FAILURE_CLASSES, SCORE_COLUMNS, Column
from pix2fact.leaderboard import RunSummary
from pix2fact.report.collect import TaskReport

CSP = "default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def render_page(summary: RunSummary, tasks: list[TaskReport]) -> str:
    """Return the whole report page for one run."""
    style = resources.files("pix2fact.report").joinpath("style.css").read_text(encoding="utf-8")
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>pix2fact report · {_e(summary.run_id)}</title>",
        f"<style>{style}</style></head><body>",
        f"<header><h1>{_e(summary.run_id)}</h1>",
        f'<p class="meta">{_e(summary.label)} · {summary.finished} of {summary.tasks} task attempt(s) finished · task set {_e(summary.task_set)} · written {generated}</p></header>',
        render_leaderboard(summary),
        render_index(tasks),
        *(render_task(task) for task in tasks),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def render_leaderboard(summary: RunSummary) -> str:
    """Return the run's figures as small tables, as the terminal leaderboard shows them."""
    groups: list[tuple[str, tuple[Column, ...]]] = [("Scores", SCORE_COLUMNS)]
    if summary.epochs > 1:
        groups.append(("Epochs", EPOCH_COLUMNS))
    groups += [("Effort per task", EFFORT_COLUMNS), ("Tokens and cost (USD)", COST_COLUMNS)]

    parts = ['<section id="leaderboard"><h2>Leaderboard</h2><div class="tables">']
    for title, columns in groups:
        headers = "".join(f"<th>{_e(header)}</th>" for header, _ in columns)
        cells = "".join(f"<td>{_e(read(summary))}</td>" for _, read in columns)
        parts.append(f'<table class="leaderboard"><caption>{_e(title)}</caption><tr>{headers}</tr><tr>{cells}</tr></table>')

    if summary.categories:
        rows = "".join(
            f'<tr><td class="text">{_e(name)}</td><td>{score.correct}/{score.graded}</td><td>{_e(_percent(score.accuracy))}</td></tr>'
            for name, score in summary.categories.items()
        )
        parts.append(f'<table><caption>Accuracy per category</caption><tr><th class="text">category</th><th>correct</th><th>accuracy</th></tr>{rows}</table>')
    names = [name for name in FAILURE_CLASSES if summary.failures.get(name)] + sorted(set(summary.failures) - set(FAILURE_CLASSES))
    if names:
        shares = summary.failure_shares
        rows = "".join(f'<tr><td class="text">{_e(name)}</td><td>{summary.failures[name]}</td><td>{shares.get(name, 0):.0%}</td></tr>' for name in names)
        parts.append(f'<table><caption>Failures per class</caption><tr><th class="text">class</th><th>tasks</th><th>share</th></tr>{rows}</table>')

    parts.append("</div>")
    parts.append(f'<p class="legend">accuracy = correct / graded; ungraded tasks (no answer because of a harness fault, or no gold answer) are left out. 95% CI by {_e(CI_LEGEND.get(summary.ci_method, summary.ci_method))}.</p>')
    parts.append("</section>")
    return "".join(parts)


def render_index(tasks: list[TaskReport]) -> str:
    """Return a table of every task attempt linking to its section."""
    rows = []
    for task in tasks:
        verdict = task.verdict.verdict if task.verdict else "not judged"
        failure = task.verdict.failure if task.verdict and task.verdict.failure else ""
        rows.append(
            f'<tr><td><a href="#{_e(task.anchor)}">{_e(task.task_id)}</a></td><td>{task.epoch}</td>'
            f'<td class="text">{_e(task.category)}</td><td class="text">{_e(verdict)}</td><td class="text">{_e(failure)}</td>'
            f"<td>{len(task.crops)}</td><td>{len(task.queries)}</td><td>{len(task.pages)}</td></tr>"
        )
    header = '<tr><th class="text">task</th><th>epoch</th><th class="text">category</th><th class="text">verdict</th><th class="text">failure</th><th>crops</th><th>searches</th><th>pages</th></tr>'
    return f'<section id="tasks"><h2>Tasks ({len(tasks)})</h2><table class="index">{header}{"".join(rows)}</table></section>'


def render_task(task: TaskReport) -> str:
    """Return one task's section: image with boxes, verdict, facts, crops and steps."""
    parts = [
        f'<section class="task" id="{_e(task.anchor)}" data-task-id="{_e(task.task_id)}" data-epoch="{task.epoch}">',
        f"<h2>{_e(task.task_id)}{_e(f' · epoch {task.epoch}') if task.epoch > 1 else ''} · {_e(task.category or 'no category')}</h2>",
        f'<p class="question">{_e(task.question)}</p>',
        render_verdict(task),
        '<div class="columns">',
        render_image(task),
        render_facts(task),
        "</div>",
    ]
    if task.crops:
        figures = []
        for crop in task.crops:
            box = crop.box
            size = f" · sent at {crop.shown_size[0]}×{crop.shown_size[1]} px" if crop.shown_size else ""
            caption = f"crop {crop.number} · step {crop.step} · box [{box.left:.0f}, {box.top:.0f}, {box.right:.0f}, {box.bottom:.0f}]{size}"
            picture = f'<img src="{_e(crop.image)}" loading="lazy" alt="{_e(caption)}">' if crop.image else '<p class="muted">(image missing)</p>'
            figures.append(f'<figure class="crop-image">{picture}<figcaption>{_e(caption)}</figcaption></figure>')
        parts.append(f'<h3>Crops ({len(task.crops)})</h3><div class="crops">{"".join(figures)}</div>')

    items = "".join(
        f'<li class="{_e(step.kind)}"><b>step {step.step}</b> · {_e(step.title)}<pre>{_e(step.body)}</pre></li>' for step in task.steps
    )
    parts.append(f'<details><summary>{len(task.steps)} event(s) of the trajectory</summary><ol class="steps">{items}</ol></details>')
    parts.append("</section>")
    return "\n".join(parts)


def render_verdict(task: TaskReport) -> str:
    verdict = task.verdict
    if verdict is None:
        return '<div class="verdict"><b>not judged</b></div>'
    parts = [f'<b class="{_e(verdict.verdict)}">{_e(verdict.verdict)}</b>']
    if verdict.failure:
        others = f" (also {', '.join(verdict.other_failures)})" if verdict.other_failures else ""
        parts.append(f' · failure class <b class="failure">{_e(verdict.failure)}</b>{_e(others)}')
    parts.append(f' · <span class="muted">{_e(verdict.reason)}</span>')
    if verdict.evidence:
        parts.append(f'<div class="evidence">evidence: {_e(verdict.evidence)}</div>')
    return f'<div class="verdict {_e(verdict.verdict)}">{"".join(parts)}</div>'


def render_image(task: TaskReport) -> str:
    """Return the thumbnail with every annotated region and crop drawn over it as SVG."""
    width, height = task.image_size or (16, 9)
    if task.thumbnail:
        picture = f'<img src="{_e(task.thumbnail)}" loading="lazy" alt="{_e(task.task_id)}: the task image">'
    else:
        picture = '<div class="placeholder">image not available</div>'

    # Crops first and regions last, so that an annotated region inside a crop stays on top.
    shapes = []
    font = max(width, height) / 30
    ordered = [rectangle for rectangle in task.rectangles if rectangle.kind != "region"]
    ordered += [rectangle for rectangle in task.rectangles if rectangle.kind == "region"]
    for rectangle in ordered:
        x, y = rectangle.left, rectangle.top
        w, h = max(1.0, rectangle.right - x), max(1.0, rectangle.bottom - y)
        geometry = f'x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" vector-effect="non-scaling-stroke"'
        if rectangle.kind == "region":
            # A dark outline under the green one keeps a small region visible on any background.
            shapes.append(f'<rect class="region-halo" {geometry}></rect>')
        shapes.append(f'<rect class="{_e(rectangle.kind)}" {geometry}><title>{_e(rectangle.label)}</title></rect>')
    for crop in task.crops:
        # The number sits just above the crop's corner (inside it at the top edge), clear of
        # the region that is usually inside the crop.
        baseline = crop.box.top - font * 0.15 if crop.box.top > font else crop.box.top + font
        shapes.append(f'<text class="crop-number" x="{crop.box.left:.0f}" y="{baseline:.0f}" font-size="{font:.0f}">{crop.number}</text>')
    svg = f'<svg viewBox="0 0 {width} {height}" preserveAspectRatio="none" aria-hidden="true">{"".join(shapes)}</svg>'
    key = '<div class="key"><span class="swatch region"></span>annotated region <span class="swatch crop"></span>crops the agent took (numbered)</div>'
    return f'<div><figure class="shot" style="aspect-ratio: {width} / {height}">{picture}{svg}</figure>{key}</div>'


def render_facts(task: TaskReport) -> str:
    """Return the answer, gold, status, cost figures, queries and pages of a task."""
    facts = [
        ("answer", task.answer or "(none)"),
        ("gold", task.gold or "(none)"),
        ("status", task.status),
        ("time", f"{task.duration_s:.1f} s"),
        ("tokens", f"{task.tokens:,}"),
    ]
    rows = "".join(f"<dt>{_e(name)}</dt><dd>{_e(value)}</dd>" for name, value in facts)
    parts = [f'<div class="facts"><dl>{rows}</dl>']

    queries = "".join(f"<li>{_e(query)} <span class=\"muted\">({_e(provider)}, {count} hit(s))</span></li>" for query, provider, count in task.queries)
    parts.append(f'<h3>Searches ({len(task.queries)})</h3>' + (f'<ul class="queries">{queries}</ul>' if queries else '<p class="muted">none</p>'))
    # Page addresses are shown as text, not links, so that reading the report never opens them.
    pages = "".join(f"<li><code>{_e(url)}</code> {_e(title)} <span class=\"muted\">{_e(status)}</span></li>" for url, title, status in task.pages)
    parts.append(f'<h3>Pages ({len(task.pages)})</h3>' + (f'<ul class="pages">{pages}</ul>' if pages else '<p class="muted">none</p>'))
    parts.append("</div>")
    return "".join(parts)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
