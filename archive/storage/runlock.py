"""One crawl at a time per archive: an OS-level lock that the operating system releases when the holder dies."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from archive.errors import DatabaseUnavailable, RunLocked
from archive.storage.store import make_engine, safe_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"
_PG_LOCK_NAMESPACE = "newsarchive.crawl"
SHARED_HOLDER = "frontier workers"


@contextmanager
def run_lock(db_url: str, *, shared: bool = False) -> Iterator[None]:
    """Hold the archive's run lock for the ``with`` block; raise RunLocked at once if it is held.

    SQLite: ``fcntl.flock`` on ``<database>.lock`` beside the database file. PostgreSQL: a session
    advisory lock keyed by database and schema, on a connection kept open for the block. Either
    way the lock is the kernel's or the server's: a holder killed with SIGKILL releases it (no
    stale pidfile). An in-memory SQLite database needs no lock.

    ``shared``: the workers of a shared frontier (``crawl --frontier``) hold the lock together, in
    shared mode; a plain crawl holds it alone. So workers run side by side, and a plain crawl and
    frontier workers never overlap.
    """
    try:
        url = make_url(db_url)
    except ArgumentError:
        raise DatabaseUnavailable(f"cannot open {safe_url(db_url)}: not a database URL (see --db / NEWSARCHIVE_DB)") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            yield
            return
        path = Path(database).expanduser().resolve()
        if not path.parent.is_dir():
            raise DatabaseUnavailable(f"cannot open {safe_url(db_url)}: folder {path.parent} does not exist "
                                      "(see --db / NEWSARCHIVE_DB)")
        with _file_lock(path.with_name(path.name + LOCK_SUFFIX), shared):
            yield
    elif backend == "postgresql":
        with _pg_lock(db_url, shared):
            yield
    else:
        logger.warning("no run lock for %s databases: do not start two crawls at once", backend)
        yield


@contextmanager
def _file_lock(path: Path, shared: bool = False) -> Iterator[None]:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise DatabaseUnavailable(f"cannot create the run lock {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(f"another crawl is running on this archive ({_holder(fd)}lock {path})") from None
        if shared:                        # several holders: the file says who, not which one
            os.pwrite(fd, SHARED_HOLDER.ljust(16).encode(), 0)
        else:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)                      # closing the descriptor releases the lock


def _holder(fd: int) -> str:
    """``pid N, `` (or ``frontier workers, ``) from the lock file, for the message; empty when unreadable."""
    try:
        holder = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    if holder == SHARED_HOLDER:
        return f"{SHARED_HOLDER}, "
    return f"pid {holder}, " if holder.isdigit() else ""


def pg_lock_key(database: str, schema: str) -> int:
    """The signed 64-bit advisory-lock key of one archive (a database and schema)."""
    digest = hashlib.blake2b(f"{_PG_LOCK_NAMESPACE}:{database}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def _pg_lock(db_url: str, shared: bool = False) -> Iterator[None]:
    engine = make_engine(db_url)
    try:
        conn = _pg_acquire(engine, db_url, shared)
        try:
            yield
        finally:
            try:
                conn.close()              # ends the session, and the session's lock with it
            except OperationalError:
                pass
    finally:
        engine.dispose()


def _pg_acquire(engine: Engine, db_url: str, shared: bool = False) -> Connection:
    """An open connection whose session holds the archive's advisory lock (in shared mode for ``shared``)."""
    try:
        conn = engine.connect()
        key = _archive_key(conn)
        function = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        if not conn.execute(text(f"SELECT {function}(:k)"), {"k": key}).scalar():
            holder = _pg_holder(conn, key)
            conn.close()
            raise RunLocked(f"another crawl is running on this archive ({holder}{safe_url(db_url)})")
        conn.commit()
        return conn
    except OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DatabaseUnavailable(f"cannot take the run lock on {safe_url(db_url)}: {first}") from None


def _archive_key(conn: Connection) -> int:
    database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
    return pg_lock_key(database, schema or "")


def _pg_holder(conn: Connection, key: int) -> str:
    """``pid N, `` of the server backend holding the lock, for the message."""
    classid, objid = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
    row = conn.execute(text("SELECT pid, mode FROM pg_locks WHERE locktype = 'advisory' AND granted "
                            "AND classid = :c AND objid = :o AND objsubid = 1 ORDER BY pid LIMIT 1"),
                       {"c": classid, "o": objid}).first()
    if row is None:
        return ""
    return f"{SHARED_HOLDER}, " if row.mode == "ShareLock" else f"server backend pid {row.pid}, "
