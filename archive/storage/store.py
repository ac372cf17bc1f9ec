"""Engine and sessions: SQLite with WAL, a busy timeout and BEGIN IMMEDIATE; PostgreSQL locks."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archive.errors import ConfigMismatch, DatabaseUnavailable
from archive.neardup.normalize import has_cjk
from archive.storage.models import Article, Meta

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

logger = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS = Path(__file__).with_name("migrations")
# How long one SQLite statement waits for another program's write lock before it fails ("database
# is locked"); past it, a crawl's writes are retried for NEWSARCHIVE_DB_WAIT (crawler.pipelines).
SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("NEWSARCHIVE_SQLITE_BUSY_TIMEOUT_MS", "30000"))
# Test-only: "1" makes lock_keys a no-op, so a control run can show the split clusters the locks
# prevent (tests/integration/test_concurrency.py). Never set it where an archive matters.
NO_LOCKS_ENVVAR = "NEWSARCHIVE_TEST_NO_LOCKS"
# Serialises Alembic upgrades of one PostgreSQL database by workers that start together.
_MIGRATE_LOCK = int.from_bytes(hashlib.blake2b(b"newsarchive:migrate", digest_size=8).digest(), "big", signed=True)


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API objects
    # pysqlite's own transaction handling is turned off; SQLAlchemy's "begin" event issues
    # BEGIN IMMEDIATE so a read-then-write transaction never fails with "database is locked".
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    _sqlite_wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


READONLY = "newsarchive_readonly"     # execution option of the engine that read-only sessions use


def _sqlite_wal(cur) -> None:  # noqa: ANN001 - a DB-API cursor
    """Switch to WAL. When two processes open a new database file at once, the switch can fail at
    once with "database is locked" (the busy timeout does not cover it; seen in about 2% of such
    openings): try again until the busy timeout has passed."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.02))


def _sqlite_begin(conn: Connection) -> None:
    # Readers take a plain (deferred) BEGIN: under WAL they never block a writer, so a paused
    # `newsarchive export | less` cannot lock a crawl out. Writers take the write lock up front.
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READONLY) else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Create the engine for ``url``; raise DatabaseUnavailable with one line when impossible."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                parent = Path(database).expanduser().resolve().parent
                if not parent.is_dir():
                    raise DatabaseUnavailable(
                        f"cannot open {safe_url(url)}: folder {parent} does not exist (see --db / NEWSARCHIVE_DB)")
            engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        raise DatabaseUnavailable(f"cannot open {safe_url(url)}: {_first_line(exc)} (see --db / NEWSARCHIVE_DB)") from exc
    return engine


def _first_line(exc: BaseException) -> str:
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return message[0] if message else type(exc).__name__


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema with the archive's Alembic migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        if _at_head(engine, cfg):
            return
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(_MIGRATE_LOCK)))
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot open {safe_url(str(engine.url))}: {_first_line(exc)} (see --db / NEWSARCHIVE_DB)") from exc


def _at_head(engine: Engine, cfg: Config) -> bool:
    """True when the schema is current: opening an archive then writes nothing."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with engine.execution_options(**{READONLY: True}).connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
        connection.rollback()
    return set(current) == set(ScriptDirectory.from_config(cfg).get_heads())


def reader_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reading only (a deferred BEGIN on SQLite)."""
    return sessionmaker(engine.execution_options(**{READONLY: True}), expire_on_commit=False)


def check_meta(session: Session, record: dict[str, str]) -> None:
    """Record the fingerprint parameters on first use; refuse an archive built with others."""
    if session.get_bind().dialect.name == "postgresql":     # workers opening a new archive at once
        session.execute(select(func.pg_advisory_xact_lock(_MIGRATE_LOCK)))
    stored = {m.key: m.value for m in session.scalars(select(Meta).where(Meta.key.in_(record)))}
    if not stored:
        session.add_all(Meta(key=k, value=v) for k, v in record.items())
        return
    _upgrade_normalizer(session, stored, record)
    differing = [k for k, v in record.items() if stored.get(k) != v]
    if differing:
        was = " ".join(f"{k}={stored.get(k)}" for k in differing)
        now = " ".join(f"{k}={record[k]}" for k in differing)
        raise ConfigMismatch(f"archive was built with {was}; this run uses {now} (reindex needed)")


def _upgrade_normalizer(session: Session, stored: dict[str, str], record: dict[str, str]) -> None:
    """Normalizer 2 differs from 1 only for Chinese and Japanese characters (tokens of their own):
    an archive built with 1 that holds no such text has the very signatures 2 gives, and its record
    is moved on (once); one that holds such texts keeps 1 and is refused ("reindex needed")."""
    key = "normalizer_version"
    if stored.get(key) != "1" or record.get(key) != "2":
        return
    for text_ in session.scalars(select(Article.text).execution_options(yield_per=500)):
        if has_cjk(text_ or ""):
            return
    session.execute(Meta.__table__.update().where(Meta.key == key).values(value="2"))
    stored[key] = "2"
    logger.info("archive fingerprint record moved to normalizer_version=2 (no Chinese or Japanese text held)")


_LOCK_SQL = text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS t(k) ORDER BY k")


def lock_keys(session: Session, keys: Iterable[str]) -> None:
    """On PostgreSQL take transaction advisory locks for ``keys`` in ascending order, so two
    workers ingesting copies of one story serialise on the buckets they share. SQLite's
    BEGIN IMMEDIATE already makes every writer exclusive.

    The locks are held until the transaction ends; under READ COMMITTED each later statement
    sees every competitor that committed while this one waited. Taken in ascending order, two
    workers' sets of locks never wait on each other in a cycle."""
    if session.get_bind().dialect.name != "postgresql" or os.environ.get(NO_LOCKS_ENVVAR) == "1":
        return
    ids = sorted({int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "big", signed=True)
                  for k in keys})
    # One round trip. PostgreSQL evaluates volatile output expressions after ORDER BY (9.6+).
    session.execute(_LOCK_SQL, {"keys": ids}).all()


# PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race; run it again.
_RETRY_SQLSTATES = frozenset({"40P01", "40001"})
RACE_ATTEMPTS = 3


def lost_race(exc: DBAPIError) -> bool:
    """Whether ``exc`` ended a transaction that another one beat to a row: a concurrent insert of the
    same unique key (a page, a site) or a deadlock. Running it again sees the winner's rows."""
    return isinstance(exc, IntegrityError) or getattr(exc.orig, "sqlstate", None) in _RETRY_SQLSTATES


def retry_races(transaction: Callable[[], T], what: str, attempts: int = RACE_ATTEMPTS) -> T:
    """Run ``transaction`` (a whole unit of work that opens and commits its own transaction), again
    when it lost a race to a concurrent writer (see :func:`lost_race`), up to ``attempts`` times."""
    attempt = 1
    while True:
        try:
            return transaction()
        except DBAPIError as exc:
            if attempt >= attempts or not lost_race(exc):
                raise
            logger.debug("%s: lost a race to another writer (%s), trying again", what, _first_line(exc))
            time.sleep(random.uniform(0, 0.02 * attempt))
            attempt += 1


# Errors that pass: a SQLite archive locked by another program past the busy timeout, a
# PostgreSQL server restarting, unreachable or dropping connections.
_TRANSIENT = ("database is locked", "database table is locked", "could not connect", "connection refused",
              "connection failed", "server closed the connection", "terminating connection", "connection timed out",
              "the database system is starting up", "the database system is shutting down", "admin shutdown",
              "connection is closed", "consuming input failed", "ssl syscall error", "no connection to the server")


def transient(exc: BaseException) -> bool:
    """True for a database error that may pass if we wait (locked, unreachable, restarting)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    message = str(getattr(exc, "orig", None) or exc).lower()
    return isinstance(exc, OperationalError) and any(pattern in message for pattern in _TRANSIENT)


def wait_out(call: Callable[[], T], what: str, max_wait: float, *,
             on_wait: Callable[[BaseException, float], None] | None = None) -> T:
    """Run ``call``; while it fails with a transient database error (see :func:`transient`), wait
    and run it again (0.5 s, doubling to 30 s) for up to ``max_wait`` seconds in all, then raise
    DatabaseUnavailable with one line. ``on_wait(exc, delay)`` is told of every wait."""
    deadline = time.monotonic() + max_wait
    delay = 0.5
    while True:
        try:
            return call()
        except DBAPIError as exc:
            if not transient(exc):
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise DatabaseUnavailable(f"the archive stayed unavailable for {max_wait:g} s while writing {what}: "
                                          f"{_first_line(exc)}") from exc
            pause = min(delay, left)
            if on_wait is not None:
                on_wait(exc, pause)
            logger.warning("archive unavailable (%s); trying again in %.1f s", _first_line(exc), pause)
            time.sleep(pause)
            delay = min(delay * 2, 30.0)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot open {safe_url(str(engine.url))}: {_first_line(exc)} (see --db / NEWSARCHIVE_DB)") from exc
