"""Engine and sessions: SQLite with WAL, a busy timeout and BEGIN IMMEDIATE; PostgreSQL locks."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

# Alembic logs its plugin set-up at INFO when imported; the CLI's log level is INFO by then.
logging.getLogger("alembic").setLevel(logging.WARNING)

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archive.errors import ConfigMismatch, DatabaseUnavailable, SchemaMismatch
from archive.neardup.normalize import has_cjk
from archive.storage.models import Article, Meta
from archive.storage.retry import first_line as _first_line
from archive.storage.retry import sqlite_locked

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# How long one SQLite statement waits for another program's write lock before it fails ("database
# is locked"); past it, a crawl's writes are retried for NEWSARCHIVE_DB_WAIT (crawler.pipelines).
SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("NEWSARCHIVE_SQLITE_BUSY_TIMEOUT_MS", "30000"))
# How long connecting to a PostgreSQL server may take before it counts as unreachable (then waited
# out like any unreachable archive: NEWSARCHIVE_DB_WAIT for a crawl's writes).
PG_CONNECT_TIMEOUT = float(os.environ.get("NEWSARCHIVE_PG_CONNECT_TIMEOUT", "10"))
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
            if not sqlite_locked(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.02))


def _sqlite_begin(conn: Connection) -> None:
    # Readers take a plain (deferred) BEGIN: under WAL they never block a writer, so a paused
    # `newsarchive export | less` cannot lock a crawl out. Writers take the write lock up front.
    # A connection in autocommit (the crawl's one-statement lookups) takes none.
    options = conn.get_execution_options()
    if options.get("isolation_level") != "AUTOCOMMIT":
        conn.exec_driver_sql("BEGIN" if options.get(READONLY) else "BEGIN IMMEDIATE")


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    """Create the engine for ``url``; raise DatabaseUnavailable with one line when impossible.
    ``readonly`` opens a SQLite file read-only (never creating it) and never changes its mode."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed, url, readonly)
        else:
            if parsed.get_backend_name() == "postgresql" and not parsed.database:
                raise DatabaseUnavailable(f"cannot open {safe_url(url)}: the URL names no database "
                                          "(postgresql+psycopg://USER@HOST/DATABASE; see --db / NEWSARCHIVE_DB)")
            engine = create_engine(parsed, pool_pre_ping=True, connect_args=_pg_connect_args(parsed))
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        raise DatabaseUnavailable(f"cannot open {safe_url(url)}: {_first_line(exc)} (see --db / NEWSARCHIVE_DB)") from exc
    return engine


def _pg_connect_args(parsed: URL) -> dict[str, Any]:
    """Give up connecting after NEWSARCHIVE_PG_CONNECT_TIMEOUT seconds (libpq's own default waits
    for each address of the host in turn, minutes in all), unless the URL sets connect_timeout."""
    if parsed.get_backend_name() != "postgresql" or "connect_timeout" in parsed.query:
        return {}
    return {"connect_timeout": max(1, round(PG_CONNECT_TIMEOUT))}


def _sqlite_engine(parsed: URL, url: str, readonly: bool) -> Engine:
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).expanduser().resolve()
        if not path.parent.is_dir():
            raise DatabaseUnavailable(
                f"cannot open {safe_url(url)}: folder {path.parent} does not exist (see --db / NEWSARCHIVE_DB)")
        if readonly:
            if not path.is_file():
                raise DatabaseUnavailable(f"no archive at {safe_url(url)}: {path} does not exist "
                                          "(see --db / NEWSARCHIVE_DB)")
            parsed = parsed.set(database=f"file:{path}", query={**parsed.query, **_readonly_query(path)})
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_reader_pragmas if readonly else _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin_reading if readonly else _sqlite_begin)
    return engine


def _readonly_query(path: Path) -> dict[str, str]:
    """SQLite URI parameters that open ``path`` read-only. A WAL archive needs its -shm file, which
    a reader can only create in a folder it may write: in a read-only folder, without one, the
    file is opened as immutable (what a read-only copy of an archive is)."""
    query = {"mode": "ro", "uri": "true"}
    if not os.access(path.parent, os.W_OK) and not Path(f"{path}-shm").exists():
        query["immutable"] = "1"
    return query


def _sqlite_reader_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API objects
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin_reading(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema with the archive's Alembic migrations (what writers do).
    Raises SchemaMismatch for an archive made by a newer newsarchive."""
    cfg = _alembic_config()
    try:
        current = _current(engine)
        if current == _script(cfg).heads:
            return
        _refuse_newer(engine, cfg, current)
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(_MIGRATE_LOCK)))
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot open {safe_url(str(engine.url))}: {_first_line(exc)} (see --db / NEWSARCHIVE_DB)") from exc


def check_schema(engine: Engine, db_url: str | None = None) -> None:
    """What readers do instead of migrating: raise a one-line ArchiveError unless the database is
    an archive whose schema is this release's (an empty database, one made by a newer release or
    one that needs `newsarchive migrate`)."""
    cfg = _alembic_config()
    url = safe_url(db_url or str(engine.url))
    try:
        current = _current(engine)
    except DBAPIError as exc:
        raise DatabaseUnavailable(f"cannot open {url}: {_first_line(exc)} (see --db / NEWSARCHIVE_DB)") from exc
    if not current:
        raise DatabaseUnavailable(f"{url} is not a newsarchive archive (no schema: a crawl or `newsarchive migrate` "
                                  "creates one)")
    _refuse_newer(engine, cfg, current)
    if current != _script(cfg).heads:
        raise SchemaMismatch(f"the archive {url} has an older schema ({', '.join(sorted(current))}); "
                             f"upgrade it with `newsarchive migrate --db URL`")


def _refuse_newer(engine: Engine, cfg: Config, current: set[str]) -> None:
    known = {revision.revision for revision in _script(cfg).walk_revisions()}
    unknown = sorted(current - known)
    if unknown:
        raise SchemaMismatch(f"this archive was made by a newer newsarchive (schema {', '.join(unknown)}); "
                             "upgrade newsarchive")


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return cfg


def _script(cfg: Config) -> Any:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(cfg)
    script.heads = set(script.get_heads())
    return script


def _current(engine: Engine) -> set[str]:
    """The archive's Alembic revisions (none for an empty database), read without writing."""
    from alembic.runtime.migration import MigrationContext

    with engine.execution_options(**{READONLY: True}).connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
        connection.rollback()
    return set(current)


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
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = sorted({int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "big", signed=True)
                  for k in keys})
    # One round trip. PostgreSQL evaluates volatile output expressions after ORDER BY (9.6+).
    session.execute(_LOCK_SQL, {"keys": ids}).all()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot open {safe_url(str(engine.url))}: {_first_line(exc)} (see --db / NEWSARCHIVE_DB)") from exc
