"""The crawl's way into the archive: runs and their heartbeat, the frontier, revisits, and
waiting out a locked or unreachable database. ``Archive`` inherits these methods; the crawler
uses nothing else of the storage layer."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from archive.errors import WriteFailed
from archive.storage import frontier
from archive.storage.models import CrawlRun, Frontier, utcnow
from archive.storage.records import PENDING, DueRow, PageMark
from archive.storage.revisit import Revisits
from archive.storage.retry import retry_races, transient, wait_out

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

RUN_HEARTBEAT = timedelta(seconds=10)   # a running crawl writes crawl_run.heartbeat_at this often
RUN_LOST_AFTER = 12                      # heartbeats missed before a run (on any machine) is taken as died
SEEN_BATCH = 1000                        # URLs read at once by fetched_since


class CrawlState:
    """Crawl runs, the frontier and revisits, on an Archive's sessions."""

    url: str
    reader: sessionmaker[Session]
    _sessions: sessionmaker[Session]
    _frontier_known: frontier.KnownKeys
    heartbeat_every = RUN_HEARTBEAT     # how often a running crawl calls :meth:`heartbeat`

    # -- waiting out the database --------------------------------------------------------------

    wait_out = staticmethod(wait_out)

    @staticmethod
    def revisits(url: str) -> Revisits | None:
        """What the archive at ``url`` knows of the URLs it may fetch again (None when there is no
        archive yet: then every URL is new). See :class:`archive.storage.revisit.Revisits`."""
        return Revisits.open(url)

    # -- the frontier -------------------------------------------------------------------------

    def record_page(self, mark: PageMark) -> None:
        """Commit the frontier part of a fetch that archived nothing (a feed, a section page, an
        error): the page's own row and the links it holds, in one transaction. A database error
        that may pass is raised as it is (for :meth:`wait_out`); any other as WriteFailed."""
        def once() -> None:
            with self._sessions.begin() as session:
                keys = frontier.record(session, mark, known=self._frontier_known)
            self._frontier_known.remember(keys)
        try:
            retry_races(once, mark.url)
        except SQLAlchemyError as exc:
            if transient(exc):
                raise
            raise WriteFailed(str(exc).splitlines()[0]) from exc

    def frontier_due(self, hosts: list[str]) -> Iterator[DueRow]:
        """Pending frontier rows of ``hosts`` whose next attempt is due, best first (read-only,
        streamed: a batch is read when the one before it has been consumed)."""
        after, now = frontier.FIRST, utcnow()
        while True:
            with self.reader() as session:      # one short read per batch: never holds the crawl back
                rows = frontier.due(session, hosts, now, after=after)
            yield from (DueRow(row.url_key, row.url, row.found_via, row.depth) for row in rows)
            if len(rows) < frontier.DUE_BATCH:
                return
            after = (rows[-1].rank, rows[-1].depth, rows[-1].url_key)

    def fetched_since(self, hosts: Iterable[str], since: datetime) -> Iterator[list[str]]:
        """URLs of ``hosts`` whose frontier row left ``pending`` since ``since``, in batches."""
        query = (select(Frontier.url).where(Frontier.host.in_(sorted(set(hosts))), Frontier.state != PENDING,
                                            Frontier.updated_at >= since)
                 .execution_options(yield_per=SEEN_BATCH))
        with self.reader() as session:
            yield from session.execute(query).scalars().partitions(SEEN_BATCH)

    def written_since(self, keys: Iterable[str], since: datetime) -> set[str]:
        """The url_keys among ``keys`` whose frontier row was written since ``since``."""
        with self.reader() as session:
            rows = session.execute(select(Frontier.url_key, Frontier.updated_at)
                                   .where(Frontier.url_key.in_(sorted(set(keys))))).all()
        return {key for key, updated in rows if updated is not None and _utc(updated) >= since}

    # -- crawl runs ----------------------------------------------------------------------------

    def start_run(self, seeds: list[str]) -> int:
        """Record a crawl run as started; runs left 'running' by a dead process are marked 'died'."""
        with self._sessions.begin() as session:
            host = socket.gethostname()
            now = utcnow()
            for run in session.scalars(select(CrawlRun).where(CrawlRun.status == "running")):
                beat = run.heartbeat_at
                if beat is not None:
                    beat = _utc(beat)
                if (run.hostname == host and run.pid and not _pid_alive(run.pid)) or (
                        beat is not None and now - beat > RUN_HEARTBEAT * RUN_LOST_AFTER):
                    run.status, run.reason = "died", "the process ended without finishing the run"
            run = CrawlRun(seeds=list(seeds), pid=os.getpid(), hostname=host, status="running", heartbeat_at=now)
            session.add(run)
            session.flush()
            return run.id

    def heartbeat(self, run_id: int) -> bool:
        """Write the run's ``heartbeat_at``; False when the database was busy or away (next time)."""
        try:
            with self._sessions.begin() as session:
                session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(heartbeat_at=utcnow()))
        except SQLAlchemyError as exc:
            logger.debug("run heartbeat not written: %s", str(exc).splitlines()[0])
            return False
        return True

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any], reason: str | None = None) -> None:
        with self._sessions.begin() as session:
            run = session.get(CrawlRun, run_id)
            run.status, run.stats, run.reason, run.finished_at = status, stats, reason, utcnow()

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.reader() as session:
            query = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
            return [{"id": r.id, "started_at": _iso(r.started_at), "finished_at": _iso(r.finished_at),
                     "status": r.status, "seeds": r.seeds, "stats": r.stats, "reason": r.reason}
                    for r in session.scalars(query)]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None

