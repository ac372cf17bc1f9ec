"""Database errors told apart by type and code on the real SQLite and PostgreSQL: a lock held by
another connection and an unreachable server may pass (waited out), a lost race runs again, any
other error is raised at once."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from archive.errors import DatabaseUnavailable
from archive.storage.retry import lost_race, retry_races, transient, wait_out


def _error_of(engine, statement: str) -> DBAPIError:
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    except DBAPIError as exc:
        return exc
    raise AssertionError(f"{statement} did not fail")


def _plain_insert(engine, statement: str) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        conn.execute(text(statement))


def test_a_sqlite_archive_locked_by_another_connection_is_transient(tmp_path):
    db = tmp_path / "locked.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{db}", connect_args={"timeout": 0.05})
    try:
        locked = _error_of(engine, "INSERT INTO t VALUES (1)")
        assert transient(locked) and not lost_race(locked)
        holder.execute("COMMIT")
        holder.execute("INSERT INTO t VALUES (1)")
        duplicate = _error_of(engine, "INSERT INTO t VALUES (1)")
        assert isinstance(duplicate, IntegrityError) and lost_race(duplicate) and not transient(duplicate)
        assert not transient(_error_of(engine, "SELECT * FROM no_such_table"))
    finally:
        holder.close()
        engine.dispose()


def test_postgresql_errors_by_sqlstate(pg_url):
    engine = create_engine(pg_url)
    try:
        missing = _error_of(engine, "SELECT * FROM no_such_table")          # 42P01
        assert not transient(missing) and not lost_race(missing)
        away = _error_of(engine, "SELECT pg_terminate_backend(pg_backend_pid())")    # 57P01
        assert transient(away)
    finally:
        engine.dispose()


def test_an_unreachable_postgresql_server_is_transient():
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect():
            pass
        assert transient(caught.value)
    finally:
        engine.dispose()


def test_wait_out_retries_transient_errors_and_then_gives_up(tmp_path):
    db = tmp_path / "locked.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    engine = create_engine(f"sqlite:///{db}", connect_args={"timeout": 0.01})
    waits: list[float] = []

    def insert() -> int:
        if len(waits) == 2:
            holder.execute("COMMIT")          # the other program lets go after two waits
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        return len(waits)

    try:
        holder.execute("BEGIN IMMEDIATE")
        assert wait_out(insert, "a row", 60, on_wait=lambda exc, delay: waits.append(delay)) == 2
        assert waits == [0.5, 1.0]               # the back-off doubles
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(DatabaseUnavailable, match="stayed unavailable for 0 s while writing a row"):
            wait_out(lambda: _plain_insert(engine, "INSERT INTO t VALUES (2)"), "a row", 0)
        with pytest.raises(DBAPIError):          # not transient: raised at once, never waited for
            wait_out(lambda: _plain_insert(engine, "INSERT INTO nothing_here VALUES (1)"), "x", 60,
                     on_wait=lambda exc, delay: pytest.fail("waited for a permanent error"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()


def test_retry_races_runs_a_lost_race_again_and_stops_after_its_attempts(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'race.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))      # what another writer committed first
    tries: list[int] = []

    def insert(next_key) -> int:  # noqa: ANN001
        tries.append(1)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": next_key()})
        return len(tries)

    try:
        assert retry_races(lambda: insert(lambda: len(tries)), "a row") == 2     # key 1 lost, key 2 won
        tries.clear()
        with pytest.raises(IntegrityError):
            retry_races(lambda: insert(lambda: 1), "a row", attempts=3)
        assert len(tries) == 3
    finally:
        engine.dispose()
