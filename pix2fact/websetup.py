"""The web modes of a run: an offline snapshot, the live web, a recording of it, or a replay.

    --web PATH            a web snapshot folder, served from memory (the sample's by default)
    --web live            the live web through the URL guard, with `--search` providers
    --web record          live, and every page load and search stored in RUN_DIR/web/
    --web replay:ARCHIVE  only what a recording stored; ARCHIVE is its run folder or web/ folder

`open_web` turns a `WebConfig` into the web source, search backend and guard that the
`Environment` hands to each task.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pix2fact.errors import ConfigError
from pix2fact.tools.archive import ArchiveSearch, ArchiveSource, RecordingSearch, WebArchive
from pix2fact.tools.browser import DEFAULT_LOCALE, DEFAULT_MAX_PAGE_BYTES
from pix2fact.tools.search import LocalSearch
from pix2fact.tools.urlguard import UrlGuard
from pix2fact.tools.web import SearchBackend, Snapshot, WebSource

logger = logging.getLogger(__name__)

MODES = ("snapshot", "live", "record", "replay")
ARCHIVE_FOLDER = "web"
SEARCH_VARIABLE = "PIX2FACT_SEARCH"


@dataclass
class WebConfig:
    """The web options of a run.

    Attributes:
        mode: one of `MODES`.
        path: the snapshot folder (snapshot mode) or the archive folder (replay mode).
        search: the `--search` providers, most preferred first, e.g. "brave,tavily".
        allow_hosts: hosts the guard lets through although they are local (`--allow-host`).
        locale: the browser's language, e.g. "en-US".
        user_agent: the browser's User-Agent; None for Chromium's own without "Headless".
        page_timeout_s: time limit of one browser action, in seconds.
        max_page_bytes: bytes one browser connection may bring in, and the largest PDF read.
        search_cache: cache live search results on disk (see `search_providers.cache`).
    """

    mode: str = "snapshot"
    path: Path | None = None
    search: str | None = None
    allow_hosts: list[str] = field(default_factory=list)
    locale: str = DEFAULT_LOCALE
    user_agent: str | None = None
    page_timeout_s: float = 15.0
    max_page_bytes: int | None = DEFAULT_MAX_PAGE_BYTES
    search_cache: bool = True

    @property
    def live(self) -> bool:
        return self.mode in ("live", "record")

    def identity(self) -> list[str | None]:
        """Return what this web adds to the run id: the mode, and the run whose archive a replay reads."""
        if self.path is None:
            return [self.mode, None]
        folder = self.path.resolve()
        return [self.mode, folder.parent.name if folder.name == ARCHIVE_FOLDER else folder.name]

    def describe(self) -> dict[str, Any]:
        """Return the settings that decide what the agent saw, for the run manifest."""
        return {
            "mode": self.mode,
            "path": str(self.path.resolve()) if self.path else None,
            "search": self.search,
            "allow_hosts": list(self.allow_hosts),
            "locale": self.locale,
            "user_agent": self.user_agent,
            "page_timeout_s": self.page_timeout_s,
            "max_page_bytes": self.max_page_bytes,
        }


def archive_folder(path: Path) -> Path:
    """Return the archive inside `path`: `path` itself, or `path/web` when `path` is a run folder."""
    if (path / "snapshot.json").is_file():
        return path
    if (path / ARCHIVE_FOLDER / "snapshot.json").is_file():
        return path / ARCHIVE_FOLDER
    raise ConfigError(f"no web archive at {path}: expected {path}/snapshot.json or {path}/{ARCHIVE_FOLDER}/snapshot.json; record one with --web record")


def parse_web_option(value: str) -> tuple[str, Path | None]:
    """Split a `--web` value into a mode and a folder, checking that the folder exists."""
    text = value.strip()
    if text in ("live", "record"):
        return text, None
    if text.startswith("replay:"):
        target = text.removeprefix("replay:").strip()
        if not target:
            raise ConfigError("--web replay: needs the folder of a recorded run, e.g. --web replay:results/RUN_ID")
        return "replay", archive_folder(Path(target).expanduser())
    if text == "replay":
        raise ConfigError("--web replay needs the folder of a recorded run: --web replay:results/RUN_ID")

    folder = Path(text).expanduser()
    if not (folder / "snapshot.json").is_file():
        raise ConfigError(f"--web {value!r} is not live, record, replay:ARCHIVE or a web snapshot folder ({folder}/snapshot.json is missing)")
    return "snapshot", folder


def provider_variables() -> str:
    """List each live search provider with the environment variable it needs."""
    from pix2fact.tools.search_providers import LIVE_PROVIDERS

    return ", ".join(f"{name} ({provider.key_variable or provider.url_variable})" for name, provider in LIVE_PROVIDERS.items())


def check_search(config: WebConfig) -> None:
    """Fail before any work when the web mode and `--search` do not fit together.

    Raises:
        ConfigError: live web without a provider, a provider without its key, or live
            providers with an offline web.
    """
    from pix2fact.tools.search_providers import LIVE_PROVIDERS, make_search_backend, parse_search_spec

    if config.live:
        if not config.search:
            raise ConfigError(
                f"--web {config.mode} needs a live search provider: pass --search NAME[,FALLBACK] or set {SEARCH_VARIABLE}, "
                f"with the provider's key set: {provider_variables()}; or pass --web SNAPSHOT_FOLDER to run offline"
            )
        make_search_backend(config.search)  # raises ConfigError naming a missing key; sends nothing
    elif config.search:
        live_names = [name for name in parse_search_spec(config.search) if name in LIVE_PROVIDERS]
        if live_names and config.mode == "snapshot":
            raise ConfigError(f"--search {config.search} searches the live web, but --web is an offline snapshot; add --web live or --web record")


@dataclass
class OpenedWeb:
    """The result of `open_web`: the web the browser serves, the search backend, the guard and the archive."""

    web: WebSource
    search: SearchBackend
    guard: UrlGuard
    archive: WebArchive | None = None


def open_web(config: WebConfig, run_folder: Path | None = None) -> OpenedWeb:
    """Build the web source, search backend and guard for `config`.

    Args:
        config: the run's web options.
        run_folder: where a recording run keeps its archive (`RUN_FOLDER/web/`).
    """
    guard = UrlGuard(allow_hosts=config.allow_hosts)
    if config.mode == "snapshot":
        snapshot = Snapshot.load(config.path)
        local = LocalSearch(snapshot)
        search: SearchBackend = local
        if config.search:
            from pix2fact.tools.search_providers import make_search_backend

            search = make_search_backend(config.search, local=local)
        return OpenedWeb(snapshot, search, guard)

    if config.mode == "replay":
        archive = WebArchive.load(config.path)
        logger.info("replaying web archive %s: %d page(s), %d search(es)", config.path, len(archive.pages), len(archive.searches))
        # The recording's allow-list applies again, so the guard rejects what it rejected then.
        replay_guard = UrlGuard(allow_hosts=[*archive.allow_hosts, *config.allow_hosts])
        return OpenedWeb(ArchiveSource(archive), ArchiveSearch(archive), replay_guard)

    from pix2fact.tools.search_providers import default_cache_dir, make_search_backend

    cache_dir = default_cache_dir() if config.search_cache else None
    live_search = make_search_backend(config.search or os.environ.get(SEARCH_VARIABLE, ""), cache_dir=cache_dir)
    nothing = Snapshot("live", [], [])
    if config.mode == "live":
        return OpenedWeb(nothing, live_search, guard)

    if run_folder is None:
        raise ValueError("--web record needs the run folder to keep its archive in")
    archive = WebArchive.create(run_folder / ARCHIVE_FOLDER, name=run_folder.name, allow_hosts=config.allow_hosts)
    logger.info("recording the web into %s", archive.folder)
    return OpenedWeb(nothing, RecordingSearch(live_search, archive), guard, archive)
