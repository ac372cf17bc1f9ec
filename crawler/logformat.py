"""Scrapy's log lines, less the two it writes at DEBUG for every page when the crawl logs above DEBUG.

Scrapy builds the "Crawled (200) <GET ...>" and "Scraped from <200 ...>" records whatever
LOG_LEVEL says: its root logger passes every record on and the handler drops them. Building and
dropping them was about 2% of the crawl's main process (py-spy on a generated web), so they are
not made unless LOG_LEVEL is DEBUG. Every other line is Scrapy's own.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter

if TYPE_CHECKING:
    from typing_extensions import Self

    from scrapy.crawler import Crawler


class PageLogFormatter(LogFormatter):
    """``LogFormatter`` whose per-page DEBUG lines are made only when they would be written."""

    def __init__(self, debug: bool = True) -> None:
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        level = crawler.settings.get("LOG_LEVEL", "DEBUG")
        number = logging.getLevelName(level.upper()) if isinstance(level, str) else level
        return cls(debug=not isinstance(number, int) or number <= logging.DEBUG)

    def crawled(self, *args: Any, **kwargs: Any) -> Any:
        return super().crawled(*args, **kwargs) if self.debug else None

    def scraped(self, *args: Any, **kwargs: Any) -> Any:
        return super().scraped(*args, **kwargs) if self.debug else None
