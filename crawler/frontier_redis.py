"""Several crawl processes sharing one crawl frontier through Redis (scrapy-redis).

``newsarchive crawl --frontier redis://HOST:PORT/DB`` replaces Scrapy's in-memory scheduler with
:class:`SharedFrontierScheduler`, a scrapy-redis scheduler: every worker started with the same seeds
and the same ``--frontier-name`` pops requests from one Redis queue, and one Redis dupefilter makes
sure no URL is fetched twice across them. The archive's ``frontier`` table stays the truth: Redis is
a shared cache of it, and what Redis loses is put back from the archive.

Keys, with ``P = <frontier name>:<spider name>`` (``newsarchive:news`` by default):

``P:requests``                the shared request queue (scrapy-redis priority queue)
``P:generation``              the current crawl generation (a random token)
``P:scope``                   the hosts the generation crawls (a joining worker must crawl the same)
``P:dupefilter:<gen>``        request fingerprints seen in this generation
``P:workers``                 ids (``host:pid``) of the generation's registered workers
``P:worker:<id>``             ``busy`` or ``idle``; expires unless the worker refreshes it
``P:losses:<gen>``            how many times something was lost (a worker died, Redis lost its data)
``P:reconciled:<gen>``        the losses already put back from the archive
``P:reconciling:<gen>``       which worker puts back which count of losses (one worker each)
``P:lock``                    held for a moment while a worker joins, starts or ends a generation

Generations: a worker that starts while no other worker of the frontier is alive starts a new
generation (a new dupefilter, an empty queue), so the next scheduled crawl reads its seeds again;
a worker that starts while others run joins theirs.

Ending: a worker whose queue is empty stays while another worker is busy, so all end together once
the queue is empty and every worker is idle.

Reconciling: a worker SIGKILLed drops the requests it had popped (scrapy-redis has no ack), and a
Redis restarted without persistence loses the queue and the dupefilter. Both are seen (an expired
worker key; a vanished generation key) and counted as a loss. When the queue is empty and every
live worker is idle, nothing is in flight anywhere, so one worker puts the archive's due pending
rows of the crawl's hosts back into the queue, unfiltered, and the crawl goes on until they are done.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from archive.errors import FrontierUnavailable
from crawler.pipelines import FAILED_STAT
from crawler.shared_frontier import (DEFAULT_NAME, HEARTBEAT, REDIS_WAIT, Keys, SharedFrontier, _first_line, _scope,
                                     check_name, check_url, connect, preflight, safe_redis_url)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request

logger = logging.getLogger(__name__)

__all__ = ["SharedFrontierScheduler", "check_name", "check_url", "frontier_settings", "preflight"]


def frontier_settings(url: str, name: str = DEFAULT_NAME) -> dict[str, Any]:
    """The Scrapy settings of a crawl sharing the frontier at ``url`` under ``name``."""
    return {
        "NEWSARCHIVE_FRONTIER": check_url(url),
        "NEWSARCHIVE_FRONTIER_NAME": check_name(name),
        "SCHEDULER": "crawler.frontier_redis.SharedFrontierScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": url,
    }


class SharedFrontierScheduler(Scheduler):
    """scrapy-redis's scheduler, with generations, a common end, reconciling from the archive and
    a worker that rides out a Redis outage (see the module's docstring)."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedFrontierScheduler:
        settings = crawler.settings
        url = check_url(settings.get("NEWSARCHIVE_FRONTIER") or settings.get("REDIS_URL") or "")
        name = check_name(settings.get("NEWSARCHIVE_FRONTIER_NAME") or DEFAULT_NAME)
        server = connect(url, **settings.getdict("REDIS_PARAMS"))
        keys = Keys(name)
        instance = cls(server=server, persist=True, queue_key=keys.requests,
                       queue_cls=settings.get("SCHEDULER_QUEUE_CLASS") or "scrapy_redis.queue.PriorityQueue",
                       dupefilter_key=keys.dupefilter("unset"), idle_before_close=0,
                       serializer=settings.get("SCHEDULER_SERIALIZER") or None)
        if isinstance(instance.serializer, str):
            import importlib

            instance.serializer = importlib.import_module(instance.serializer)
        instance.stats = crawler.stats
        instance.crawler = crawler
        instance.url, instance.name = url, name
        instance.heartbeat = settings.getfloat("NEWSARCHIVE_FRONTIER_HEARTBEAT") or HEARTBEAT
        instance.frontier = None
        instance._down_since = None
        instance._skip_until = 0.0
        crawler.signals.connect(instance.on_idle, signal=signals.spider_idle)
        return instance

    def open(self, spider: Any) -> None:
        from redis.exceptions import RedisError

        self.spider = spider
        self.frontier = SharedFrontier(self.server, self.name, _scope(spider.scope), spider=spider.name,
                                       heartbeat=self.heartbeat)
        self.df = RFPDupeFilter(self.server, key=self.frontier.keys.dupefilter("unset"), debug=spider.settings.getbool("DUPEFILTER_DEBUG"))
        self.frontier.on_generation = self._follow
        self.frontier.on_lost = self._refill_dupefilter
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider, key=self.queue_key,
                                                 serializer=self.serializer)
        try:
            self.frontier.join()
        except (RedisError, FrontierUnavailable) as exc:
            reason = str(exc) if isinstance(exc, FrontierUnavailable) else (
                f"cannot reach the frontier {safe_redis_url(self.url)}: {_first_line(exc)}")
            logger.error("crawl failed: %s", reason)
            self.stats.set_value(FAILED_STAT, reason)
            self.frontier = None
            raise CloseSpider("frontier_unavailable") from None
        # A joining worker's start() reads no pending rows, and its seeds were fetched by another.
        spider.shared_frontier_joined = not self.frontier.started
        self.stats.set_value("newsarchive/frontier/joined", int(not self.frontier.started))
        self.frontier.start_heartbeat()

    def _follow(self, token: str) -> None:
        self.df.key = self.frontier.keys.dupefilter(token)

    def _refill_dupefilter(self, token: str) -> None:
        """After Redis lost the frontier: mark the URLs the archive has fetched since the
        generation started as seen, so that links to them are not fetched again."""
        from datetime import UTC, datetime

        from scrapy import Request

        from archive import Archive
        from archive.config import resolve_db_url

        since = datetime.fromtimestamp(self.frontier.started_at or 0, UTC)
        key, count = self.frontier.keys.dupefilter(token), 0
        try:
            with Archive(resolve_db_url(self.spider.settings.get("NEWSARCHIVE_DB")), readonly=True) as archive:
                for batch in archive.fetched_since(self.spider.scope, since):
                    self.server.sadd(key, *(self.df.request_fingerprint(Request(url)) for url in batch))
                    count += len(batch)
        except Exception as exc:  # noqa: BLE001 - without it the crawl is right, only fetches more
            logger.warning("frontier %s: the fetched URLs could not be marked seen again: %s", self.name,
                           _first_line(exc))
            return
        logger.info("frontier %s: marked %d URL(s) fetched in this generation as seen again", self.name, count)

    def close(self, reason: str) -> None:
        from redis.exceptions import RedisError

        if self.frontier is not None:
            try:
                self.frontier.leave()
            except (RedisError, FrontierUnavailable) as exc:
                logger.warning("frontier %s: could not deregister this worker: %s", self.name, _first_line(exc))
        self.server.close()

    # -- the queue, through a Redis that may be away -------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        from redis.exceptions import RedisError

        if self.frontier is None:
            return False
        try:
            return super().enqueue_request(request)
        except RedisError as exc:
            self._redis_down(exc)
            self.frontier.dropped += 1
            self.stats.inc_value("newsarchive/frontier/dropped")
            return False

    def next_request(self) -> Request | None:
        from redis.exceptions import RedisError

        if self.frontier is None or time.monotonic() < self._skip_until:
            return None
        try:
            was_idle = self.frontier.state == "idle"
            if was_idle:
                self.frontier.set_state("busy")      # before the pop: never idle with a request in hand
            request = super().next_request()
            if request is None and was_idle:
                self.frontier.set_state("idle")
            self._down_since = None
            return request
        except RedisError as exc:
            self._redis_down(exc)
            return None

    def has_pending_requests(self) -> bool:
        from redis.exceptions import RedisError

        if self.frontier is None or time.monotonic() < self._skip_until:
            return False
        try:
            return super().has_pending_requests()
        except RedisError as exc:
            self._redis_down(exc)
            return False

    def _redis_down(self, exc: BaseException) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.warning("frontier %s: Redis unreachable (%s); waiting for it", self.name, _first_line(exc))
        self._skip_until = time.monotonic() + 1.0

    # -- the end of the crawl ----------------------------------------------------------------

    def on_idle(self, spider: Any) -> None:
        """spider_idle: stay while another worker is busy or something lost is being put back."""
        from redis.exceptions import RedisError

        if self.frontier is None:
            return
        try:
            decision, losses = self.frontier.decide()
            self._down_since = None
        except RedisError as exc:
            self._redis_down(exc)
            if time.monotonic() - self._down_since > REDIS_WAIT:
                reason = f"the frontier {safe_redis_url(self.url)} was unreachable for {REDIS_WAIT:.0f} s"
                logger.error("crawl failed: %s", reason)
                self.stats.set_value(FAILED_STAT, reason)
                return
            raise DontCloseSpider from None
        if decision == "close":
            return
        if decision == "reconcile":
            count = self._reconcile(spider)
            self.frontier.reconciled(losses)
            logger.info("frontier %s: put back %d pending URL(s) from the archive", self.name, count)
        raise DontCloseSpider

    def _reconcile(self, spider: Any) -> int:
        """Queue the archive's due pending rows of the crawl's hosts, past the dupefilter."""
        from crawler.spiders.news import PRIORITY

        count = 0
        requests = [spider._request(url, "seed", seed=True, again=True) for url in self._seeds_to_fetch(spider)]
        for row in spider._due():
            found_via = row.found_via if row.found_via in PRIORITY else "link"
            requests.append(spider._request(row.url, found_via, depth=row.depth, again=True))
        for request in filter(None, requests):
            self.df.request_seen(request)       # a link found later to the same URL is not queued again
            self.crawler.engine.crawl(request)
            count += 1
        self.stats.inc_value("newsarchive/frontier/reconciled", count)
        return count

    def _seeds_to_fetch(self, spider: Any) -> list[str]:
        """The seeds whose row was not written since the generation started. A seed fetched by an
        earlier crawl has a ``done`` row, so a seed lost with a killed worker or a restarted Redis
        is found here, not among the due rows."""
        from datetime import UTC, datetime

        from archive import Archive
        from archive.config import resolve_db_url
        from archive.extraction.urls import url_key

        since = datetime.fromtimestamp(self.frontier.started_at or 0, UTC)
        keys = {url_key(url): url for url in spider.seeds}
        with Archive(resolve_db_url(spider.settings.get("NEWSARCHIVE_DB")), readonly=True) as archive:
            # A row written since then was fetched, or is pending and due (queued from the due rows).
            fetched = archive.written_since(keys, since)
        return [url for key, url in keys.items() if key not in fetched]
