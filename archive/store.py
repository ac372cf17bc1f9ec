"""Engine and sessions: SQLite with WAL, a busy timeout and BEGIN IMMEDIATE; PostgreSQL locks."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archive.errors import ConfigMismatch, DatabaseUnavailable
from archive.models import Meta

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000


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
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


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
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot open {safe_url(str(engine.url))}: {_first_line(exc)} (see --db / NEWSARCHIVE_DB)") from exc


def check_meta(session: Session, record: dict[str, str]) -> None:
    """Record the fingerprint parameters on first use; refuse an archive built with others."""
    stored = {m.key: m.value for m in session.scalars(select(Meta).where(Meta.key.in_(record)))}
    if not stored:
        session.add_all(Meta(key=k, value=v) for k, v in record.items())
        return
    differing = [k for k, v in record.items() if stored.get(k) != v]
    if differing:
        was = " ".join(f"{k}={stored.get(k)}" for k in differing)
        now = " ".join(f"{k}={record[k]}" for k in differing)
        raise ConfigMismatch(f"archive was built with {was}; this run uses {now} (reindex needed)")


def lock_keys(session: Session, keys: Iterable[str]) -> None:
    """On PostgreSQL take transaction advisory locks for ``keys`` in ascending order, so two
    workers ingesting copies of one story serialise on the buckets they share. SQLite's
    BEGIN IMMEDIATE already makes every writer exclusive."""
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = sorted({int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "big", signed=True)
                  for k in keys})
    for key in ids:
        session.execute(select(func.pg_advisory_xact_lock(key)))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot open {safe_url(str(engine.url))}: {_first_line(exc)} (see --db / NEWSARCHIVE_DB)") from exc
