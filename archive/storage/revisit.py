"""What the archive knows about a URL it may fetch again: when it was fetched and its validators.

The crawler's incremental middleware asks this module, once per request, whether a URL is
archived and how fresh it is (one statement: two indexed probes, ``article.url_key`` and
``frontier.url_key``, on a connection kept for lookups, run by ``fastsql``), then records the two
outcomes that bring no new text: a ``304 Not Modified`` (the copy is verified fresh again) and a
``404``/``410`` (the page is gone; the article is kept).

>>> revisits = Revisits.open("sqlite://")
>>> revisits.lookup("example.org/a")
(None, None)
>>> revisits.close()
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, literal, null, select, union_all, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from archive.storage import fastsql
from archive.storage.frontier import DONE, FAILED, GONE, LEAF_PREFIX
from archive.storage.models import Article, Frontier, utcnow
from archive.storage.retry import transient
from archive.storage.store import READONLY, make_engine, migrate, session_factory

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)

# Set when an archived page answers 404/410, cleared by nothing yet (the column is optional: an
# archive whose schema lacks it only counts the event)
GONE_COLUMN = "gone_at"


# Both rows a lookup may need in one statement (built once): the article's (kind 0), the frontier's (1).
_LOOKUP = union_all(
    select(literal(0).label("kind"), Article.fetched_at.label("at"), Article.etag, Article.last_modified,
           null().label("state"), null().label("last_status")).where(Article.url_key == bindparam("key")),
    select(literal(1), Frontier.updated_at, null(), null(), Frontier.state, Frontier.last_status)
    .where(Frontier.url_key == bindparam("key")))


@dataclass(frozen=True, slots=True)
class Visit:
    """The archive's copy of one URL: when it was last fetched (or verified), and its validators."""

    fetched_at: datetime
    etag: str | None
    last_modified: str | None
    leaf: bool = False          # a leaf page fetched without giving an article (no copy kept)

    def age(self, now: datetime) -> float:
        """Seconds since the copy was fetched or verified."""
        return (now - self.fetched_at).total_seconds()


class Revisits:
    """Look URLs up by ``url_key`` (read-only sessions); record 304s and vanished pages."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Plain connections (no ORM session per lookup) in autocommit: a lookup is one statement,
        # its own snapshot, with no BEGIN and ROLLBACK around it
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT", **{READONLY: True})
        self._conn: Connection | None = None          # kept between lookups (no pool checkout, no ping each)
        self._writers = session_factory(engine)
        self.can_mark_gone = GONE_COLUMN in Article.__table__.c

    @classmethod
    def open(cls, url: str) -> Revisits | None:
        """The archive at ``url``, or None when there is none yet (a SQLite file not yet made):
        then every URL is new. Raises ArchiveError (DatabaseUnavailable) when it cannot be opened."""
        parsed = make_url(url)
        database = parsed.database or ""
        if (parsed.get_backend_name() == "sqlite" and database and database != ":memory:"
                and not database.startswith("file:") and not Path(database).expanduser().exists()):
            return None
        engine = make_engine(url)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._engine.dispose()

    def lookup(self, key: str) -> tuple[Visit | None, datetime | None]:
        """The archived copy of the page whose ``url_key`` is ``key`` (or None), and for a URL not
        archived when it last answered 404/410 or was given up after repeated failures (its
        frontier row is ``gone`` or ``failed``), or None: one statement on the lookups' connection.

        A leaf page fetched without giving an article (its frontier status starts with
        ``LEAF_PREFIX``: too short, an alternate, an about page) is a visit without validators."""
        rows = self._read(lambda conn: fastsql.rows(conn, _LOOKUP, {"key": key})) or []
        by_kind = {row[0]: row for row in rows}
        if 0 in by_kind:
            _, at, etag, last_modified, _, _ = by_kind[0]
            return Visit(at, etag, last_modified), None
        if 1 not in by_kind:
            return None, None
        _, at, _, _, state, last_status = by_kind[1]
        if state == DONE and (last_status or "").startswith(LEAF_PREFIX):
            return Visit(at, None, None, leaf=True), None
        return None, (at if state in (GONE, FAILED) else None)

    def _read(self, query):  # noqa: ANN001, ANN202
        """Run a lookup (one statement, in autocommit: a SQLite reader never holds a snapshot
        between requests) on the connection kept for lookups; while the archive is unreachable,
        know nothing (the page is fetched) and connect afresh next time."""
        try:
            if self._conn is None:
                self._conn = self._reader.connect()
            return query(self._conn)
        except DBAPIError as exc:
            self._drop()
            if not transient(exc):
                raise
            logger.warning("archive unreachable for a lookup, fetching anyway: %s", str(exc.orig or exc).splitlines()[0])
            return None

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except DBAPIError:
                pass

    def verified(self, key: str, etag: str | None = None, last_modified: str | None = None,
                 when: datetime | None = None) -> bool:
        """Record that the page answered 304: its copy is fresh as of ``when`` (validators the 304
        repeated replace the stored ones). False when the URL is not archived."""
        values: dict[str, object] = {"fetched_at": when or utcnow()}
        if etag:
            values["etag"] = etag
        if last_modified:
            values["last_modified"] = last_modified
        return self._update(key, values)

    def mark_gone(self, key: str, when: datetime | None = None) -> bool:
        """Record that the archived page answered 404/410 (the article is kept). False when the
        URL is not archived or the archive's schema has no place for the mark."""
        if not self.can_mark_gone:
            return False
        return self._update(key, {GONE_COLUMN: when or utcnow()})

    def _update(self, key: str, values: dict[str, object]) -> bool:
        try:
            with self._writers.begin() as session:
                result = session.execute(update(Article).where(Article.url_key == key).values(**values))
                return bool(result.rowcount)
        except DBAPIError as exc:
            logger.warning("could not record the revisit of %s: %s", key, str(exc.orig or exc).splitlines()[0])
            return False
