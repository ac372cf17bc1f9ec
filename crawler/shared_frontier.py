"""The shared frontier's coordination in Redis: the generation, the workers' heartbeats and
states, the losses to reconcile, and the checks a crawl makes before it starts. The scheduler
that uses it, and the key layout, are in ``crawler.frontier_redis``."""

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

from archive.errors import FrontierUnavailable

if TYPE_CHECKING:
    from redis import Redis

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
