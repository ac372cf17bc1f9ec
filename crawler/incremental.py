"""Incremental fetching: skip archived pages still fresh, ask again conditionally once they are stale.

Only pages archived as articles are looked up (one indexed query per request, by ``url_key``);
seeds, feeds, sitemaps, robots.txt and home pages are never archived, so they are always fetched.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from archive import Archive
from archive.config import resolve_db_url
from archive.errors import ArchiveError
from archive.config import seconds_setting
from archive.extraction.urls import host_of, url_key
from crawler.pipelines import FAILED_STAT

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector
    from typing_extensions import Self

logger = logging.getLogger(__name__)

CONDITIONAL = "newsarchive_conditional"     # request meta: the url_key the request was made conditional for
GONE_STATUSES = (404, 410)


class Fresh(IgnoreRequest):
    """An archived page fetched less than NEWSARCHIVE_RECRAWL_AFTER ago: not requested."""


class KnownDead(Fresh):
    """A URL that answered 404/410 (or failed repeatedly) less than NEWSARCHIVE_RECRAWL_AFTER ago."""


class NotModified(IgnoreRequest):
    """An archived page that answered 304 to a conditional request: nothing more to do."""


def parse_interval(value: object) -> float:
    """NEWSARCHIVE_RECRAWL_AFTER as seconds: a number of seconds (0 allowed) or ``6h``, ``1d`` ..."""
    return seconds_setting(value, "NEWSARCHIVE_RECRAWL_AFTER")


class IncrementalDownloaderMiddleware:
    """Drop requests for archived pages younger than ``recrawl_after`` seconds (``Fresh``); send the
    others with If-None-Match / If-Modified-Since from the stored validators, turn their 304 into
    ``NotModified`` (no item), and mark an archived page answering 404/410 as gone."""

    def __init__(self, crawler: Crawler, db_url: str, recrawl_after: float, *, enabled: bool = True,
                 misconfigured: str | None = None, by_host: dict[str, float] | None = None) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.db_url = db_url
        self.recrawl_after = recrawl_after
        self.by_host = by_host or {}            # per-seed intervals: host -> seconds
        self.enabled = enabled
        self.misconfigured = misconfigured      # a one-line reason the run fails before any fetch
        self.revisits: Any = None       # archive.storage.revisit.Revisits, from Archive.revisits
        self._closing: asyncio.Future | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        value = settings.get("NEWSARCHIVE_RECRAWL_AFTER", 86400)
        by_host: dict[str, float] = {}
        try:
            recrawl_after, problem = parse_interval(value), None
        except ValueError as exc:
            recrawl_after, problem = 0.0, f"bad setting NEWSARCHIVE_RECRAWL_AFTER={value}: {exc}"
        try:
            for host, interval in settings.getdict("NEWSARCHIVE_RECRAWL_BY_HOST").items():
                by_host[host_of(f"http://{host}/") if "/" not in host else host_of(host)] = seconds_setting(
                    interval, f"NEWSARCHIVE_RECRAWL_BY_HOST[{host}]")
        except ValueError as exc:
            problem = problem or f"bad setting NEWSARCHIVE_RECRAWL_BY_HOST: {exc}"
        middleware = cls(crawler, resolve_db_url(settings.get("NEWSARCHIVE_DB")), recrawl_after,
                         enabled=settings.getbool("NEWSARCHIVE_INCREMENTAL", True), misconfigured=problem,
                         by_host=by_host)
        crawler.signals.connect(middleware.open, signal=signals.spider_opened)
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def open(self) -> None:
        """Open the archive (after the pipeline has created or upgraded it)."""
        if self.misconfigured is not None:
            logger.error("crawl failed: %s", self.misconfigured)
            self.stats.set_value(FAILED_STAT, self.misconfigured)
            self._closing = asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="misconfigured"))
            return
        if not self.enabled:
            return
        try:
            self.revisits = Archive.revisits(self.db_url)
        except ArchiveError as exc:
            logger.warning("incremental crawling off: %s", exc)

    def close(self) -> None:
        if self.revisits is not None:
            self.revisits.close()
            self.revisits = None

    def process_request(self, request: Request) -> None:
        if self.misconfigured is not None:
            raise IgnoreRequest(self.misconfigured)
        meta = request.meta
        if self.revisits is None or "newsarchive_url" not in meta or meta.get("seed"):
            return
        if meta.pop(CONDITIONAL, None) is not None:     # a redirect or retry of a conditional request
            for name in (b"If-None-Match", b"If-Modified-Since"):
                request.headers.pop(name, None)
        key = url_key(request.url)
        visit, dead = self.revisits.lookup(key)
        interval = self.by_host.get(host_of(request.url), self.recrawl_after)
        if visit is None:       # a dead link is tried again once the interval passed
            if dead is not None and (datetime.now(UTC) - dead).total_seconds() < interval:
                self.stats.inc_value("newsarchive/skipped/known_dead")
                raise KnownDead(f"answered 404/410 or failed repeatedly on {dead:%Y-%m-%d %H:%M} UTC")
            return
        if visit.age(datetime.now(UTC)) < interval:
            self.stats.inc_value("newsarchive/skipped/fresh_leaf" if visit.leaf else "newsarchive/skipped/fresh")
            seen = "seen (no article)" if visit.leaf else "archived"
            raise Fresh(f"{seen} {visit.fetched_at:%Y-%m-%d %H:%M} UTC, re-crawled after {interval:g} s")
        meta[CONDITIONAL] = key
        if visit.etag:
            request.headers[b"If-None-Match"] = visit.etag
        if visit.last_modified:
            request.headers[b"If-Modified-Since"] = visit.last_modified

    def process_response(self, request: Request, response: Response) -> Response:
        key = request.meta.get(CONDITIONAL)
        if key is None or self.revisits is None:
            return response
        if response.status == 304:
            self.revisits.verified(key, _header(response, b"ETag"), _header(response, b"Last-Modified"))
            self.stats.inc_value("newsarchive/skipped/not_modified")
            raise NotModified("not modified since archived")
        if response.status in GONE_STATUSES:
            self.revisits.mark_gone(key)
            self.stats.inc_value("newsarchive/gone")
            logger.info("gone: %s answers %d (its archived article is kept)", request.url, response.status)
        return response


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
