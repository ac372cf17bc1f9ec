"""Shared fixtures: database URLs (a real SQLite file, the real PostgreSQL), the demo web server."""

from __future__ import annotations

import os
import uuid

import pytest

PG_URL = os.environ.get("NEWSARCHIVE_TEST_PG")
REDIS_URL = os.environ.get("NEWSARCHIVE_TEST_REDIS")

needs_pg = pytest.mark.skipif(not PG_URL, reason="NEWSARCHIVE_TEST_PG not set: PostgreSQL tests skipped")


@pytest.fixture(scope="session")
def pg_database():
    """A database of its own on the shared PostgreSQL server for this test session."""
    if not PG_URL:
        pytest.skip("NEWSARCHIVE_TEST_PG not set: PostgreSQL tests skipped")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"na_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(PG_URL).set(database=name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def pg_url(request, pg_database):
    """A fresh schema in the session database, made the default search path through the URL."""
    from sqlalchemy import create_engine

    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = pg_database.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_pg)])
def db_url(request, tmp_path):
    """One archive test, both backends: a real SQLite file and the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.db'}"
    return request.getfixturevalue("pg_url")
