"""`pix2fact web ls ARCHIVE`: what a web archive or snapshot holds; and the web options of `pix2fact run`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pix2fact.datasets import ResolvedTasks
from pix2fact.errors import ConfigError
from pix2fact.tools.archive import WebArchive
from pix2fact.tools.browser import DEFAULT_LOCALE, DEFAULT_MAX_PAGE_BYTES
from pix2fact.websetup import SEARCH_VARIABLE, WebConfig, archive_folder, check_search, parse_web_option


def add_web_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `--web`, `--search` and the browser options to the `run` parser."""
    parser.add_argument(
        "--web",
        metavar="MODE",
        help="live | record | replay:RUN_DIR | a web snapshot folder (default: the sample's snapshot for --tasks sample, live otherwise)",
    )
    parser.add_argument(
        "--search",
        metavar="PROVIDER[,FALLBACK...]",
        help=f"live search providers, tried in order: brave, tavily, serper, google, exa, searxng (default: ${SEARCH_VARIABLE})",
    )
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST[:PORT]", help="let the browser reach this local host, e.g. 127.0.0.1:8080; repeat for several (default: none)")
    parser.add_argument("--locale", default=DEFAULT_LOCALE, help=f"browser language, sent as Accept-Language and navigator.language (default: {DEFAULT_LOCALE})")
    parser.add_argument("--user-agent", help="browser User-Agent (default: Chromium's own, without 'Headless')")
    parser.add_argument("--page-timeout", type=float, default=15.0, metavar="SECONDS", help="time limit of one browser action, in seconds (default: 15)")


def web_config(args: argparse.Namespace, resolved: ResolvedTasks) -> WebConfig:
    """Build the run's `WebConfig` from the parsed options, failing early on a bad combination."""
    if args.page_timeout <= 0:
        raise ConfigError(f"--page-timeout must be positive, got {args.page_timeout}")

    if args.web is not None:
        mode, path = parse_web_option(args.web)
    elif resolved.web_snapshot is not None:
        mode, path = "snapshot", resolved.web_snapshot
    else:
        mode, path = "live", None

    config = WebConfig(
        mode=mode,
        path=path,
        search=args.search or os.environ.get(SEARCH_VARIABLE) or None,
        allow_hosts=list(args.allow_host),
        locale=args.locale,
        user_agent=args.user_agent,
        page_timeout_s=args.page_timeout,
        max_page_bytes=DEFAULT_MAX_PAGE_BYTES,
    )
    check_search(config)
    return config


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("web", help="inspect web archives and snapshots", description=__doc__)
    actions = parser.add_subparsers(dest="web_command", metavar="ACTION", required=True)
    listing = actions.add_parser("ls", help="list the pages and recorded searches of a web archive or snapshot")
    listing.add_argument("archive", type=Path, metavar="ARCHIVE", help="an archive folder, a run folder recorded with --web record, or a web snapshot folder")
    listing.add_argument("--all", action="store_true", help="also list scripts, style sheets and other sub-resources (default: documents only)")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace, console: Console) -> int:
    folder = archive_folder(args.archive)
    try:
        archive = WebArchive.load(folder)
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read the web archive {folder}: {error}") from None

    pages = [page for page in archive.pages.values() if args.all or page.resource_type == "document"]
    table = Table(title=f"{len(pages)} of {len(archive.pages)} page(s) in {folder}", show_lines=False)
    for column, justify in (("URL", "left"), ("status", "right"), ("size", "right"), ("searchable", "center"), ("type", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    for page in sorted(pages, key=lambda item: item.url):
        kind = "PDF text" if "pdf" in page.content_type else page.content_type.split(";", 1)[0]
        if page.location:
            kind = f"redirect -> {page.location}"
        if page.error is not None:
            kind = f"refused: {page.error}"
        status = str(page.status) if page.status else "-"
        table.add_row(page.url, status, f"{len(page.body.encode('utf-8')):,}", "yes" if page.searchable else "no", kind)
    console.print(table)

    if archive.searches:
        searches = Table(title=f"{len(archive.searches)} recorded search(es)")
        for column in ("provider", "query", "limit", "hits"):
            searches.add_column(column, overflow="fold")
        for record in archive.searches:
            searches.add_row(record.provider, record.query, str(record.limit), str(len(record.hits)))
        console.print(searches)
    else:
        console.print("No recorded searches.")
    return 0
