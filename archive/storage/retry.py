"""Database errors told apart by exception type and error code, and the two ways of trying again
(tenacity): a transaction that lost a race to a concurrent writer runs again at once; a call that
met a locked or unreachable database waits it out with a growing back-off.

The codes: PostgreSQL's SQLSTATE (``40P01`` deadlock, ``40001`` serialization failure, class
``08`` connection exceptions, ``57P01``-``57P03`` a server shutting down or starting up) and
SQLite's primary result codes (``SQLITE_BUSY``, ``SQLITE_LOCKED``).
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Callable, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from tenacity import (RetryCallState, RetryError, Retrying, retry_if_exception, stop_after_attempt,
                      stop_after_delay, wait_exponential, wait_random)

from archive.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")

RACE_ATTEMPTS = 3
_LOST_RACE_SQLSTATES = frozenset({"40P01", "40001"})       # deadlock_detected, serialization_failure
_SERVER_AWAY_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})   # admin/crash shutdown, cannot connect now
_SQLITE_WAIT_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def first_line(exc: BaseException) -> str:
    """The first line of a database error's message (the driver's own, when there is one)."""
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return message[0] if message else type(exc).__name__


def lost_race(exc: BaseException) -> bool:
    """Whether ``exc`` ended a transaction that another one beat to a row: a concurrent insert of the
    same unique key (a page, a site) or a deadlock. Running it again sees the winner's rows."""
    return isinstance(exc, IntegrityError) or (
        isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _LOST_RACE_SQLSTATES)


def sqlite_locked(exc: BaseException) -> bool:
    """A SQLite error that says another connection holds the lock (SQLITE_BUSY, SQLITE_LOCKED)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.OperationalError) and code is not None and code & 0xFF in _SQLITE_WAIT_CODES


def transient(exc: BaseException) -> bool:
    """True for a database error that may pass if we wait: SQLite locked past its busy timeout, a
    PostgreSQL server unreachable, restarting or dropping the connection."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        return sqlite_locked(orig)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None:     # psycopg: a failure of the connection itself, no answer from a server
        return _is_psycopg_operational(orig)
    return sqlstate.startswith("08") or sqlstate in _SERVER_AWAY_SQLSTATES


def _is_psycopg_operational(orig: BaseException | None) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(orig, psycopg.OperationalError)


def retry_races(transaction: Callable[[], T], what: str, attempts: int = RACE_ATTEMPTS) -> T:
    """Run ``transaction`` (a whole unit of work that opens and commits its own transaction), again
    when it lost a race to a concurrent writer (see :func:`lost_race`), up to ``attempts`` times."""
    def told(state: RetryCallState) -> None:
        logger.debug("%s: lost a race to another writer (%s), trying again", what,
                     first_line(state.outcome.exception()))

    retrying = Retrying(retry=retry_if_exception(lost_race), stop=stop_after_attempt(attempts),
                        wait=wait_random(0, 0.02), before_sleep=told, reraise=True)
    return retrying(transaction)


def wait_out(call: Callable[[], T], what: str, max_wait: float, *,
             on_wait: Callable[[BaseException, float], None] | None = None) -> T:
    """Run ``call``; while it fails with a transient database error (see :func:`transient`), wait
    and run it again (0.5 s, doubling to 30 s) for up to ``max_wait`` seconds in all, then raise
    DatabaseUnavailable with one line. ``on_wait(exc, delay)`` is told of every wait."""
    backoff = wait_exponential(multiplier=0.5, min=0.5, max=30.0)

    def pause(state: RetryCallState) -> float:      # the last wait ends at the deadline
        return max(0.0, min(backoff(state), max_wait - state.seconds_since_start))

    def told(state: RetryCallState) -> None:
        exc = state.outcome.exception()
        delay = state.next_action.sleep
        if on_wait is not None:
            on_wait(exc, delay)
        logger.warning("archive unavailable (%s); trying again in %.1f s", first_line(exc), delay)

    retrying = Retrying(retry=retry_if_exception(transient), stop=stop_after_delay(max_wait), wait=pause,
                        before_sleep=told)
    try:
        return retrying(call)
    except RetryError as stopped:
        exc = stopped.last_attempt.exception()
        raise DatabaseUnavailable(f"the archive stayed unavailable for {max_wait:g} s while writing {what}: "
                                  f"{first_line(exc)}") from exc
