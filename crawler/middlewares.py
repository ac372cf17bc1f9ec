"""Downloader middlewares: the crawl's hosts, its page budget, and robots.txt read per RFC 9309."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from archive.extraction.urls import host_of
from crawler.guards import CrawlerBound

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)


class OutOfScope(IgnoreRequest):
    """A request (usually a redirect target) to a host the seeds did not name."""


class RobotsDisallowed(IgnoreRequest):
    """A request forbidden by the host's robots.txt, or by its unreachable robots.txt."""


class ScopeDownloaderMiddleware(CrawlerBound):
    """Drop any request to a host outside the spider's ``scope``, redirect targets included."""

    def process_request(self, request: Request) -> None:
        scope = getattr(self.crawler.spider, "scope", None)
        if scope is None:
            return
        scheme = urlsplit(request.url).scheme
        if scheme in ("http", "https") and host_of(request.url) in scope:
            return
        self.crawler.stats.inc_value("newsarchive/skipped/offsite")
        raise OutOfScope(f"{host_of(request.url) or request.url} is outside the crawl's hosts")


BUDGET_SENT_STAT = "newsarchive/budget/sent"       # page requests sent, against max_pages


class PageBudgetExhausted(IgnoreRequest):
    """A request not sent because the spider's ``max_pages`` fetches were already sent."""


class PageBudgetDownloaderMiddleware(CrawlerBound):
    """Send at most the spider's ``max_pages`` page requests (robots.txt fetches aside).

    Counting at the downloader, not in callbacks, keeps a fast site from being fetched in full
    before the N-th response is parsed. Retries count: each is a fetch.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.sent = 0

    def process_request(self, request: Request) -> None:
        budget = getattr(self.crawler.spider, "max_pages", None)
        if budget is None or request.meta.get("dont_obey_robotstxt"):
            return
        if self.sent >= budget:
            if self.sent == budget:
                logger.info("max_pages=%d reached: no further pages are fetched", budget)
                self.sent += 1      # log once
            self.crawler.stats.inc_value("newsarchive/budget/refused")
            raise PageBudgetExhausted(f"max_pages={budget} reached")
        self.sent += 1
        self.crawler.stats.set_value(BUDGET_SENT_STAT, self.sent)


class _DisallowAll:
    """The robots parser of a host whose robots.txt could not be read: nothing is allowed."""

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with RFC 9309 §2.3.1 failure handling.

    A robots.txt answered 5xx, or not fetched at all (timeout, DNS, refused), disallows the whole
    host for this run; 4xx means no rules (allow all). A request for the robots.txt itself (a
    robots.txt seed) is answered with the response already fetched, so it is downloaded once.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._responses: dict[str, Response] = {}

    async def process_request(self, request: Request) -> Response | None:
        if request.meta.get("dont_obey_robotstxt") or urlsplit(request.url).scheme not in ("http", "https"):
            return None
        parser = await self.robot_parser(request)
        url = urlparse_cached(request)
        if url.path == "/robots.txt" and not url.query:
            cached = self._responses.get(url.netloc)
            return cached.replace(request=request) if cached is not None else None
        self.process_request_2(parser, request)
        return None

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if rp is None:
            return
        useragent = self._robotstxt_useragent or request.headers.get(b"User-Agent", self._default_useragent)
        if not rp.allowed(request.url, useragent):
            logger.debug("Forbidden by robots.txt: %s", request)
            self._stats.inc_value("robotstxt/forbidden")
            raise RobotsDisallowed("forbidden by robots.txt")

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = pending = Deferred()
            robots_request = Request(
                f"{url.scheme}://{netloc}/robots.txt",
                priority=self.DOWNLOAD_PRIORITY,
                meta={"dont_obey_robotstxt": True},
                callback=NO_CALLBACK,
            )
            try:
                response = await self.crawler.engine.download_async(robots_request)
            except Exception as exc:  # noqa: BLE001 - any failure to fetch means "unreachable"
                parser = self._unreachable(netloc, f"{type(exc).__name__}: {exc}".rstrip(": "))
            else:
                parser = await self._parser_from(response, netloc, request)
            self._stats.inc_value("robotstxt/request_count")
            self._parsers[netloc] = parser
            pending.callback(parser)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _parser_from(self, response: Response, netloc: str, request: Request) -> RobotParser:
        self._responses[netloc] = response
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        if response.status >= 500:
            return self._unreachable(netloc, f"HTTP {response.status}")
        body = b"" if response.status >= 400 else response.body
        parser = build_from_crawler(self._parserimpl, self.crawler, body)
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request
        )
        return parser

    def _unreachable(self, netloc: str, reason: str) -> RobotParser:
        logger.warning("skip %s: robots.txt unavailable (%s), host disallowed for this run", netloc, reason)
        self._stats.inc_value("newsarchive/error/robots_unavailable")
        return _DisallowAll()  # type: ignore[return-value]
