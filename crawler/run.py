"""Run one crawl in this process and report what it did: the entry point of ``newsarchive crawl``."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from crawler.pipelines import FAILED_STAT
from crawler.pool import freeze_startup_objects
from crawler.progress import dead_links
from crawler.seeds import parse_max_pages, parse_seeds
from crawler.spiders.news import NewsSpider

logger = logging.getLogger(__name__)

_COMMENT_RE = re.compile(r"(^|\s)#.*$")      # a whole-line or trailing comment, not a URL fragment
SEEDS_FILE_MAX_BYTES = 16 * 2**20       # a seeds file larger than this is refused
SEEDS_LINE_MAX_BYTES = 8192             # and so is one with a longer line
_PREFIXES = {"skipped": "newsarchive/skipped/", "errors": "newsarchive/error/",
             "ingested": "newsarchive/ingested/"}


@dataclass(frozen=True, slots=True)
class CrawlReport:
    """What one crawl did. ``failed`` is a one-line reason when the run failed as a whole."""

    pages: int = 0
    new: int = 0
    duplicate: int = 0
    unchanged: int = 0
    updated: int = 0
    skipped: dict[str, int] = field(default_factory=dict)    # by reason
    errors: dict[str, int] = field(default_factory=dict)     # by kind
    seeds_ok: int = 0
    seeds: int = 0
    gone: int = 0                                            # archived articles now 404/410
    resumed: int = 0                                         # pending frontier URLs of earlier runs requested
    db_waits: int = 0                                        # writes retried on a locked/unreachable archive
    charsets_detected: int = 0                               # pages whose declared charset (or none) was wrong
    finish_reason: str | None = None
    failed: str | None = None

    @property
    def articles(self) -> int:
        """Pages archived as articles in this run (new, duplicate, updated or unchanged)."""
        return self.new + self.duplicate + self.unchanged + self.updated

    @property
    def dead_links(self) -> int:
        """Followed links that answered 404 or 410 (among ``errors``)."""
        return dead_links(self.errors)

    def summary(self) -> str:
        """A one-line summary for the end of a crawl; dead links are counted apart from errors."""
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())) or "none"
        errors = sum(self.errors.values()) - self.dead_links
        return (f"{self.pages} pages fetched, {self.new} new articles, {self.duplicate} duplicates, "
                f"{self.updated} updated, {self.unchanged} unchanged; skipped: {skipped}; "
                f"{self.dead_links} dead links; {errors} errors")

    @classmethod
    def from_stats(cls, stats: dict[str, Any], seeds: int) -> CrawlReport:
        """Build the report from a crawl's Scrapy stats."""
        def by_prefix(prefix: str) -> dict[str, int]:
            return {k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)}

        ingested = by_prefix(_PREFIXES["ingested"])
        seeds_ok = int(stats.get("newsarchive/seeds_ok", 0))
        failed = stats.get(FAILED_STAT)
        # Not when stopped by a signal, nor for a worker that joined a shared frontier (the worker
        # that started it fetched the seeds).
        if (failed is None and seeds_ok == 0 and stats.get("finish_reason") != "shutdown"
                and not stats.get("newsarchive/frontier/joined")):
            failed = f"no seed could be fetched ({seeds} tried; see the warnings above)"
        return cls(pages=int(stats.get("newsarchive/pages", 0)), new=ingested.get("new", 0),
                   duplicate=ingested.get("duplicate", 0), unchanged=ingested.get("unchanged", 0),
                   updated=ingested.get("updated", 0), skipped=by_prefix(_PREFIXES["skipped"]),
                   errors=by_prefix(_PREFIXES["errors"]), seeds_ok=seeds_ok, seeds=seeds,
                   gone=int(stats.get("newsarchive/gone", 0)),
                   resumed=int(stats.get("newsarchive/frontier/resumed", 0)),
                   db_waits=int(stats.get("newsarchive/db_wait_retries", 0)),
                   charsets_detected=int(stats.get("newsarchive/charset_detected", 0)),
                   finish_reason=stats.get("finish_reason"), failed=failed)


def read_seeds(path: str | Path) -> tuple[list[str], dict[str, float]]:
    """The seed URLs of a file, one a line (blank lines and ``#`` comments ignored), and the
    re-crawl intervals some lines give their host: ``https://example.org/feed.xml recrawl=6h``.

    Raises ValueError (one line) when a line is not an http(s) URL or its interval is not a
    duration, or the file passes SEEDS_FILE_MAX_BYTES or a line SEEDS_LINE_MAX_BYTES (read a line
    at a time: ``/dev/zero`` or a huge file is refused at once); OSError when it is unreadable.
    """
    from archive.config import seconds_setting
    from archive.extraction.urls import host_of

    seeds: list[str] = []
    intervals: dict[str, float] = {}
    for number, line in _seed_lines(path):
        words = _COMMENT_RE.sub("", line).split()
        if not words:
            continue
        try:
            url, *options = words
            seeds.extend(parse_seeds([url]))
            for option in options:
                name, _, value = option.partition("=")
                if name != "recrawl" or not value:
                    raise ValueError(f"unknown seed option {option!r} (only recrawl=DURATION, e.g. recrawl=6h)")
                host = host_of(seeds[-1])      # the shortest interval asked for a host wins
                intervals[host] = min(intervals.get(host, float("inf")), seconds_setting(value, "recrawl"))
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: {exc}") from None
    return seeds, intervals


def _seed_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """The lines of a seeds file, numbered from 1, within the size and line-length limits."""
    total = 0
    with open(path, "rb") as stream:
        for number, raw in enumerate(iter(lambda: stream.readline(SEEDS_LINE_MAX_BYTES + 1), b""), start=1):
            total += len(raw)
            if len(raw.rstrip(b"\r\n")) > SEEDS_LINE_MAX_BYTES:
                raise ValueError(f"{path}:{number}: line longer than {SEEDS_LINE_MAX_BYTES} bytes; not a seeds file?")
            if total > SEEDS_FILE_MAX_BYTES:
                raise ValueError(f"{path}: larger than {SEEDS_FILE_MAX_BYTES // 2**20} MiB; not a seeds file?")
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError(f"{path}:{number}: not UTF-8 text") from None


def build_settings(db_url: str, *, overrides: dict[str, Any] | None = None,
                   progress: bool = False):  # noqa: ANN201 - scrapy.settings.Settings
    """crawler.settings, then ``overrides`` at command-line priority (as ``scrapy crawl -s``)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(overrides or {}, priority="cmdline")
    if settings.get("NEWSARCHIVE_FRONTIER"):     # several workers share the frontier through Redis
        from crawler.frontier_redis import frontier_settings

        settings.setdict(frontier_settings(settings.get("NEWSARCHIVE_FRONTIER"),
                                           settings.get("NEWSARCHIVE_FRONTIER_NAME") or "newsarchive"),
                         priority="cmdline")
    settings.set("NEWSARCHIVE_DB", db_url, priority="cmdline")
    settings.set("NEWSARCHIVE_PROGRESS", progress, priority="cmdline")
    return settings


def run_crawl(seeds: list[str], db_url: str, *, max_pages: int | None = None,
              settings: dict[str, Any] | None = None, progress: bool = False) -> CrawlReport:
    """Crawl ``seeds`` into the archive at ``db_url`` and return the report.

    Runs a Scrapy CrawlerProcess in this process: call it once per process (the reactor cannot
    restart). Raises ValueError for bad seeds or ``max_pages``; operational failures (no seed
    fetched, archive unavailable) come back as ``report.failed``.
    """
    from scrapy.crawler import CrawlerProcess

    seeds = parse_seeds(seeds)
    max_pages = parse_max_pages(max_pages)
    process = CrawlerProcess(build_settings(db_url, overrides=settings, progress=progress))
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, seeds=seeds, max_pages=max_pages)
    run_id = int((settings or {}).get("NEWSARCHIVE_RUN_ID") or 0)
    freeze_startup_objects()
    with RunHeartbeat(db_url, run_id) if run_id else contextlib.nullcontext():
        process.start()
    return CrawlReport.from_stats(dict(crawler.stats.get_stats()), len(seeds))


class RunHeartbeat:
    """Write ``crawl_run.heartbeat_at`` every ``RUN_HEARTBEAT`` from a thread of its own, while the
    crawl runs: a run whose heartbeat stopped long ago died, even on another machine."""

    def __init__(self, db_url: str, run_id: int) -> None:
        self.db_url, self.run_id = db_url, run_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat_forever, name="newsarchive-run-heartbeat", daemon=True)

    def __enter__(self) -> RunHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _beat_forever(self) -> None:
        from archive import Archive
        from archive.errors import ArchiveError

        try:
            archive = Archive(self.db_url)      # it writes: not a read-only opening
        except ArchiveError as exc:
            logger.debug("no run heartbeat: %s", exc)
            return
        try:
            while True:
                archive.heartbeat(self.run_id)      # a busy or briefly unreachable database: next time
                if self._stop.wait(archive.heartbeat_every.total_seconds()):
                    return
        finally:
            archive.close()
