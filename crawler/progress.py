"""ProgressExtension: a live one-line crawl status on a terminal's stderr, refreshed every second."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

if TYPE_CHECKING:
    from typing_extensions import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

INTERVAL = 1.0      # seconds between refreshes


DEAD_LINK_KINDS = ("http_404", "http_410")       # error kinds of a link to a page that is no more


def dead_links(errors: dict[str, int]) -> int:
    """Of the errors by kind, the links that answered 404 or 410."""
    return sum(errors.get(kind, 0) for kind in DEAD_LINK_KINDS)


def status_line(stats: dict[str, Any]) -> str:
    """The status line for a stats dict: dead links (404/410) are counted apart from the errors.

    >>> status_line({"newsarchive/pages": 3, "newsarchive/ingested/new": 2, "newsarchive/duplicate": 1,
    ...              "newsarchive/ingested/duplicate": 1, "newsarchive/skipped/not_html": 4,
    ...              "newsarchive/error/http_404": 2, "newsarchive/error/timeout": 1})
    'pages 3 | articles 3 | duplicates 1 | skipped 4 | dead links 2 | errors 1'
    """
    def total(prefix: str) -> int:
        return sum(v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))

    dead = dead_links({k.removeprefix("newsarchive/error/"): v for k, v in stats.items()
                       if k.startswith("newsarchive/error/")})
    return (f"pages {stats.get('newsarchive/pages', 0)} | articles {total('newsarchive/ingested/')} | "
            f"duplicates {stats.get('newsarchive/duplicate', 0)} | skipped {total('newsarchive/skipped/')} | "
            f"dead links {dead} | errors {total('newsarchive/error/') - dead}")


class ProgressExtension:
    """Rewrite one status line with ``\\r`` while the crawl runs (NEWSARCHIVE_PROGRESS, TTY only)."""

    def __init__(self, stats: StatsCollector, stream: TextIO) -> None:
        self.stats = stats
        self.stream = stream
        self._task = create_looping_call(self.show)
        self._width = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        stream = sys.stderr
        if not crawler.settings.getbool("NEWSARCHIVE_PROGRESS") or not stream.isatty():
            raise NotConfigured
        extension = cls(crawler.stats, stream)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        for handler in logging.getLogger().handlers:     # a log line starts on a cleared line
            handler.addFilter(self._clear_line)
        self._task.start(INTERVAL, now=True)

    def spider_closed(self) -> None:
        if self._task.running:
            self._task.stop()
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self._clear_line)
        self.show()
        self.stream.write("\n")
        self.stream.flush()

    def _clear_line(self, record: logging.LogRecord) -> bool:
        self.stream.write("\r\x1b[K")
        return True

    def show(self) -> None:
        line = status_line(self.stats.get_stats())
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)
