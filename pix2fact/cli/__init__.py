"""The `pix2fact` command line: one module per command, each callable in-process.

`main(argv)` returns an exit code instead of exiting, so tests call it directly. Errors the user
can fix (`Pix2FactError`) are caught once, here, and printed as one line.
"""

from __future__ import annotations

import argparse
import logging
import sys

from rich.console import Console
from rich.logging import RichHandler

from pix2fact import __version__
from pix2fact.cli import compare, download, export, judge, leaderboard, replay, report, run, show, tasks, web
from pix2fact.errors import Pix2FactError

COMMANDS = (run, leaderboard, compare, report, show, judge, tasks, replay, export, download, web)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pix2fact",
        description="Evaluate agents that find a detail in a 4K photo and look a fact up on the web.",
    )
    parser.add_argument("--version", action="version", version=f"pix2fact {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more: -v for INFO, -vv for DEBUG (default: warnings only)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: list[str] | None = None, console: Console | None = None, error_console: Console | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]) and return the exit code.

    Results go to `console` (stdout) and errors to `error_console` (stderr), so that
    `pix2fact export ... > file` never writes an error message into the file.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2

    console = console or Console()
    error_console = error_console or (console if console.file not in (None, sys.stdout) else Console(stderr=True))
    _configure_logging(args.verbose, console)
    try:
        return args.execute(args, console)
    except Pix2FactError as error:
        error_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        error_console.print("[yellow]interrupted[/]")
        return 130


def _configure_logging(verbosity: int, console: Console) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    root = logging.getLogger("pix2fact")
    root.setLevel(min(level, logging.INFO))
    for handler in list(root.handlers):
        if getattr(handler, "_pix2fact_console", False):
            root.removeHandler(handler)

    handler = RichHandler(console=Console(stderr=True), show_path=False, rich_tracebacks=False)
    handler.setLevel(level)
    handler._pix2fact_console = True  # type: ignore[attr-defined]
    root.addHandler(handler)


if __name__ == "__main__":
    sys.exit(main())
