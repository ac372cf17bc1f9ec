"""Several `import-warc` workers sharing one list of WARC files through Redis (``--frontier``).

Each file is claimed by one worker at a time with a lease in Redis that its worker renews while it
reads; a worker that dies stops renewing, its lease expires and another worker takes the file over
from the position the archive committed last (``warc_import``). What is done is the archive's
record, not Redis's: a file is finished when its ``warc_import`` row says ``done``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from typing import Callable, Iterator

from crawler.frontier_redis import safe_redis_url

logger = logging.getLogger(__name__)

# Delete the lease only when it is ours; extend it only when it is ours.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
LEASE_BEATS = 4         # a lease lasts this many heartbeats: a worker silent that long is taken as dead


class SharedFiles:
    """The shared list of files (``<name>:warc:files``) and the leases on them (``<name>:warc:lease:<file>``)."""

    def __init__(self, url: str, name: str, heartbeat: float = 5.0) -> None:
        import redis

        self.url = url
        self.redis = redis.Redis.from_url(url)
        self.prefix = f"{name}:warc"
        self.heartbeat = heartbeat
        self.me = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renew = self.redis.register_script(_RENEW)
        self._release = self.redis.register_script(_RELEASE)

    def add(self, sources: list[str]) -> None:
        """Add files to the shared list (each once, in the order first given)."""
        for source in sources:
            if self.redis.sadd(f"{self.prefix}:known", source):
                self.redis.rpush(f"{self.prefix}:files", source)

    def files(self) -> list[str]:
        return [f.decode() for f in self.redis.lrange(f"{self.prefix}:files", 0, -1)]

    def _key(self, source: str) -> str:
        return f"{self.prefix}:lease:{source}"

    def claim(self, source: str) -> bool:
        return bool(self.redis.set(self._key(source), self.me, nx=True, px=self._lease_ms()))

    def _lease_ms(self) -> int:
        return int(self.heartbeat * LEASE_BEATS * 1000)

    @contextlib.contextmanager
    def holding(self, source: str) -> Iterator[threading.Event]:
        """Renew the lease on ``source`` while the block runs; the event is set if it was lost."""
        lost, stop = threading.Event(), threading.Event()

        def beat() -> None:
            while not stop.wait(self.heartbeat):
                try:
                    if not self._renew(keys=[self._key(source)], args=[self.me, self._lease_ms()]):
                        logger.warning("lost the lease on %s: another worker took it over", source)
                        lost.set()
                        return
                except Exception as exc:  # noqa: BLE001 - Redis unreachable: the lease may lapse
                    logger.warning("cannot renew the lease on %s: %s", source, str(exc).splitlines()[0])

        thread = threading.Thread(target=beat, name="newsarchive-warc-lease", daemon=True)
        thread.start()
        try:
            yield lost
        finally:
            stop.set()
            thread.join()
            self._release(keys=[self._key(source)], args=[self.me])


def claimed_files(shared: SharedFiles, states: Callable[[], dict[str, str]],
                  refused: set[str]) -> Iterator[tuple[str, threading.Event]]:
    """Files this worker holds, one after another, until every file of the list is done in the
    archive (or refused here). When the files left are all held by others, wait for their leases:
    a dead worker's file is taken over once its lease expires."""
    while True:
        done = states()
        left = [s for s in shared.files() if done.get(s) != "done" and s not in refused]
        if not left:
            return
        source = next((s for s in left if shared.claim(s)), None)
        if source is None:
            logger.debug("every file left is held by another worker; waiting (%s)", safe_redis_url(shared.url))
            time.sleep(shared.heartbeat)
            continue
        with shared.holding(source) as lost:
            yield source, lost
