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
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from archive.errors import FrontierUnavailable
from crawler.pipelines import FAILED_STAT

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.crawler import Crawler
    from scrapy.http import Request

logger = logging.getLogger(__name__)

DEFAULT_NAME = "newsarchive"
SCHEMES = ("redis", "rediss", "unix")
HEARTBEAT = 5.0               # seconds between a worker's signs of life (NEWSARCHIVE_FRONTIER_HEARTBEAT)
LOST_AFTER = 4                # heartbeats missed before a worker is taken for dead
REDIS_WAIT = 300.0            # seconds a worker waits for an unreachable Redis before the run fails
LOCK_WAIT = 60.0              # seconds to wait for the frontier's lock (held for a moment at a time)

# One atomic read of what decides whether the crawl is over: queue length, generation, losses,
# reconciled losses, then each registered worker and its state ('' when its key expired).
_SNAPSHOT = """
local out = {redis.call('ZCARD', KEYS[2]), redis.call('GET', KEYS[3]) or '',
             redis.call('GET', KEYS[4]) or '0', redis.call('GET', KEYS[5]) or '0'}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('GET', ARGV[1] .. id) or ''
end
return out
"""
_UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def check_url(url: str) -> str:
    """``url`` when it is a Redis URL (redis://, rediss://, unix://), else ValueError (one line)."""
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise ValueError(f"not a Redis URL (redis://HOST:PORT/DB, rediss://... or unix:///PATH): {url!r}")
    return url


def check_name(name: str) -> str:
    if not name or any(c.isspace() for c in name) or any(c in name for c in "*?[]%"):
        raise ValueError(f"a frontier name is a word without spaces or * ? [ ] %: {name!r}")
    return name


def safe_redis_url(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return parts._replace(netloc=netloc).geturl()
    return url


def connect(url: str, **params: Any) -> Redis:
    """A Redis client that rides out a short outage: each command is retried with backoff on a
    connection error (a restarting server), and a broken connection is replaced."""
    from redis import Redis
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from redis.retry import Retry

    options: dict[str, Any] = {
        "socket_timeout": 10, "socket_connect_timeout": 5, "health_check_interval": 15,
        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
    }
    options.update(params)
    return Redis.from_url(url, **options)


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


def preflight(url: str, name: str, seeds: list[str]) -> None:
    """Fail early, with one line, when the frontier's Redis is unreachable or its running
    generation crawls other hosts than ``seeds``."""
    from redis.exceptions import RedisError

    from archive.extraction.urls import host_of

    try:
        check_url(url)
    except ValueError as exc:
        raise FrontierUnavailable(str(exc)) from None
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    server = connect(url, retry=Retry(NoBackoff(), 0), retry_on_error=[])
    try:
        keys = Keys(name)
        server.ping()
        scope = server.get(keys.scope)
        alive = _alive(server, keys)
        mine = _scope(host_of(seed) for seed in seeds)
        if alive and scope is not None and scope.decode() != mine:
            raise FrontierUnavailable(
                f"the frontier {name!r} on {safe_redis_url(url)} is crawling other hosts ({scope.decode()}); "
                "give every worker the same seeds, or another --frontier-name")
    except RedisError as exc:
        raise FrontierUnavailable(f"cannot reach the frontier {safe_redis_url(url)}: {_first_line(exc)}") from None
    finally:
        server.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _scope(hosts: Any) -> str:
    return ",".join(sorted(set(hosts)))


class Keys:
    """The Redis keys of one frontier (see the module's docstring)."""

    def __init__(self, name: str, spider: str = "news") -> None:
        self.prefix = f"{name}:{spider}"
        self.requests = f"{self.prefix}:requests"
        self.generation = f"{self.prefix}:generation"
        self.scope = f"{self.prefix}:scope"
        self.workers = f"{self.prefix}:workers"
        self.lock = f"{self.prefix}:lock"
        self.worker_prefix = f"{self.prefix}:worker:"

    def worker(self, worker_id: str) -> str:
        return self.worker_prefix + worker_id

    def dupefilter(self, token: str) -> str:
        return f"{self.prefix}:dupefilter:{token}"

    def losses(self, token: str) -> str:
        return f"{self.prefix}:losses:{token}"

    def reconciled(self, token: str) -> str:
        return f"{self.prefix}:reconciled:{token}"

    def reconciling(self, token: str) -> str:
        return f"{self.prefix}:reconciling:{token}"


def _alive(server: Redis, keys: Keys, exclude: str = "") -> list[str]:
    """Registered workers whose key has not expired."""
    members = sorted(m.decode() for m in server.smembers(keys.workers))
    members = [m for m in members if m != exclude]
    if not members:
        return []
    states = server.mget([keys.worker(m) for m in members])
    return [m for m, state in zip(members, states) if state is not None]


class SharedFrontier:
    """One worker's membership of a shared frontier: its generation, its heartbeat, its state
    (``busy`` or ``idle``) and the end-of-crawl decision. Redis only; no Scrapy."""

    def __init__(self, server: Redis, name: str, scope: str, *, spider: str = "news",
                 heartbeat: float = HEARTBEAT, worker_id: str | None = None) -> None:
        self.server = server
        self.keys = Keys(name, spider)
        self.name = name
        self.scope = scope
        self.heartbeat = heartbeat
        self.ttl_ms = max(1000, int(heartbeat * LOST_AFTER * 1000))
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.token: str | None = None
        self.started = False               # this worker started the generation
        self.settle_until = 0.0            # no end-of-crawl decision before this (monotonic)
        self.dropped = 0                   # requests lost here while Redis was unreachable
        self.on_generation: Any = None     # called with the new token when the generation changes
        self.on_lost: Any = None           # called with the token of a generation restarted after a loss
        self._state = "busy"
        self._state_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the generation -------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        value = uuid.uuid4().hex
        deadline = time.monotonic() + LOCK_WAIT
        while not self.server.set(self.keys.lock, value, nx=True, px=int(LOCK_WAIT * 1000)):
            if time.monotonic() > deadline:
                raise FrontierUnavailable(f"the frontier {self.name!r} stayed locked for {LOCK_WAIT:.0f} s")
            time.sleep(0.05)
        try:
            yield
        finally:
            self.server.eval(_UNLOCK, 1, self.keys.lock, value)

    def join(self) -> None:
        """Join the running generation, or start a new one when no other worker is alive."""
        with self._locked():
            current = self.server.get(self.keys.generation)
            alive = _alive(self.server, self.keys, exclude=self.id)
            if alive and current is not None:
                scope = (self.server.get(self.keys.scope) or b"").decode()
                if scope != self.scope:
                    raise FrontierUnavailable(f"the frontier {self.name!r} is crawling other hosts ({scope}); "
                                              "give every worker the same seeds, or another --frontier-name")
                self.token, self.started = current.decode(), False
                logger.info("frontier %s: joined generation %s (%d other worker(s))", self.name, self.token,
                            len(alive))
            else:
                self._new_generation()
                logger.info("frontier %s: started generation %s", self.name, self.token)
            self._write_state()
        self._announce()

    def _new_generation(self, losses: int = 0, since: int | None = None) -> None:
        """Under the lock: a new token, an empty queue and no workers; ``losses`` counted lost.
        The token starts with the generation's start (Unix seconds; ``since`` keeps an earlier one)."""
        token = f"{since or int(time.time())}-{uuid.uuid4().hex[:8]}"
        stale = [key for key in self.server.scan_iter(match=f"{self.keys.prefix}:*", count=1000)
                 if key.decode() != self.keys.lock and not key.decode().startswith(self.keys.worker_prefix)]
        pipe = self.server.pipeline(transaction=True)
        if stale:                     # the queue and the dupefilters, losses ... of earlier generations
            pipe.delete(*stale)
        pipe.delete(self.keys.requests, self.keys.workers)
        pipe.set(self.keys.generation, token)
        pipe.set(self.keys.scope, self.scope)
        if losses:
            pipe.set(self.keys.losses(token), losses)
        pipe.execute()
        self.token, self.started = token, True

    @property
    def started_at(self) -> int | None:
        """When the current generation started (Unix seconds), from its token."""
        try:
            return int((self.token or "").split("-")[0])
        except ValueError:
            return None

    def _announce(self) -> None:
        if self.on_generation is not None:
            self.on_generation(self.token)

    def _adopt(self) -> None:
        """The generation key changed or vanished: follow the new generation, or start one after a
        Redis that lost its data (counting that as a loss, so the archive's pending rows come back)."""
        with self._locked():
            current = self.server.get(self.keys.generation)
            if current is None:          # the crawl goes on: the generation keeps its start
                self._new_generation(losses=1, since=self.started_at)
                self.started = False
                if self.on_lost is not None:
                    self.on_lost(self.token)
                logger.warning("frontier %s: Redis lost the frontier (restarted without persistence?); the "
                               "archive's pending URLs are put back when every worker is idle", self.name)
            else:
                self.token = current.decode()
                logger.warning("frontier %s: now in generation %s", self.name, self.token)
            self._write_state()
        self.settle_until = time.monotonic() + 2 * self.heartbeat    # let the others re-register
        self._announce()

    # -- heartbeat and state ---------------------------------------------------------------

    def start_heartbeat(self) -> None:
        self._thread = threading.Thread(target=self._beat_forever, name="newsarchive-frontier", daemon=True)
        self._thread.start()

    def _beat_forever(self) -> None:
        from redis.exceptions import RedisError

        while not self._stop.wait(self.heartbeat):
            try:
                self.beat()
            except (RedisError, FrontierUnavailable) as exc:
                logger.debug("frontier heartbeat failed: %s", _first_line(exc))

    def beat(self) -> None:
        """Refresh this worker's key; follow a changed generation; count requests dropped while
        Redis was unreachable."""
        current = self.server.get(self.keys.generation)
        if current is None or current.decode() != self.token:
            self._adopt()
        else:
            self._write_state()
        if self.dropped:
            dropped, self.dropped = self.dropped, 0
            self.server.incr(self.keys.losses(self.token))
            logger.warning("frontier %s: %d request(s) could not be queued while Redis was unreachable; "
                           "they are put back from the archive when every worker is idle", self.name, dropped)

    def _write_state(self, state: str | None = None) -> None:
        with self._state_lock:
            if state is not None:
                self._state = state
            pipe = self.server.pipeline(transaction=True)
            pipe.set(self.keys.worker(self.id), self._state, px=self.ttl_ms)
            pipe.sadd(self.keys.workers, self.id)
            pipe.execute()

    @property
    def state(self) -> str:
        return self._state

    def set_state(self, state: str) -> None:
        if state != self._state:
            self._write_state(state)

    # -- the end of the crawl ----------------------------------------------------------------

    def decide(self) -> tuple[str, int]:
        """What an idle worker does: ``("wait", 0)``, ``("reconcile", losses)`` (this worker puts
        the archive's pending rows back, then reports :meth:`reconciled`) or ``("close", 0)``."""
        self.set_state("idle")
        raw = self.server.eval(_SNAPSHOT, 5, self.keys.workers, self.keys.requests, self.keys.generation,
                               self.keys.losses(self.token), self.keys.reconciled(self.token),
                               self.keys.worker_prefix)
        queued, token, losses, reconciled = int(raw[0]), raw[1].decode(), int(raw[2]), int(raw[3])
        if token != self.token:
            self.beat()
            return "wait", 0
        workers = {raw[i].decode(): raw[i + 1].decode() for i in range(4, len(raw), 2)}
        for worker, state in sorted(workers.items()):
            if not state and self.server.srem(self.keys.workers, worker):
                losses = self.server.incr(self.keys.losses(token))
                logger.warning("frontier %s: worker %s stopped without finishing; what it was fetching is "
                               "put back from the archive when every worker is idle", self.name, worker)
        if time.monotonic() < self.settle_until:
            return "wait", 0
        if queued or any(state == "busy" for worker, state in workers.items() if worker != self.id):
            return "wait", 0
        if losses > reconciled:
            if self.server.hsetnx(self.keys.reconciling(token), str(losses), self.id):
                self.set_state("busy")
                return "reconcile", losses
            return "wait", 0
        return "close", 0

    def reconciled(self, losses: int) -> None:
        """Record that the losses up to ``losses`` were put back."""
        key = self.keys.reconciled(self.token)
        if losses > int(self.server.get(key) or 0):
            self.server.set(key, losses)

    def leave(self) -> None:
        """Deregister on a clean exit; the last worker out of an empty queue removes the generation
        (the next crawl starts a new one)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.heartbeat + 15)
        with self._locked():
            pipe = self.server.pipeline(transaction=True)
            pipe.srem(self.keys.workers, self.id)
            pipe.delete(self.keys.worker(self.id))
            pipe.execute()
            current = self.server.get(self.keys.generation)
            if (current is not None and current.decode() == self.token and not _alive(self.server, self.keys)
                    and not self.server.zcard(self.keys.requests)):
                # every key of the frontier, also those a worker wrote for a generation it had not
                # yet seen replaced (after a Redis restart)
                stale = [key for key in self.server.scan_iter(match=f"{self.keys.prefix}:*", count=1000)
                         if key.decode() != self.keys.lock]
                if stale:
                    self.server.delete(*stale)


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
