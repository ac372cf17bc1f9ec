"""Shared fixtures: database URLs (a real SQLite file, the real PostgreSQL), the demo web server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PG_URL = os.environ.get("NEWSARCHIVE_TEST_PG")
REDIS_URL = os.environ.get("NEWSARCHIVE_TEST_REDIS")

needs_pg = pytest.mark.skipif(not PG_URL, reason="NEWSARCHIVE_TEST_PG not set: PostgreSQL tests skipped")


@contextmanager
def scratch_pg_database(prefix: str, options: str = ""):
    """A database of its own on the shared PostgreSQL server (``options``: CREATE DATABASE's, such
    as an encoding), dropped afterwards; skips the test when NEWSARCHIVE_TEST_PG is unset."""
    if not PG_URL:
        pytest.skip("NEWSARCHIVE_TEST_PG not set: PostgreSQL tests skipped")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" {options}'.rstrip())
    try:
        yield make_url(PG_URL).set(database=name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database():
    """A database of its own on the shared PostgreSQL server for this test session."""
    with scratch_pg_database("na_test") as url:
        yield url


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


# -- end-to-end: the demo web and the `newsarchive` command as a subprocess -----------------------

ROOT = Path(__file__).resolve().parents[1]
# The console script beside this interpreter (the editable install); `python -m archive.cli` otherwise.
_SCRIPT = Path(sys.executable).with_name("newsarchive")
NEWSARCHIVE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "archive.cli"]
# Politeness off for crawls of loopback test webs, as the README says.
LOOPBACK_CRAWL = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")


@dataclass(frozen=True, slots=True)
class CliResult:
    """What one `newsarchive` run did: exit code, stdout and stderr."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def cli_env(**extra: str) -> dict[str, str]:
    """This process's environment without NEWSARCHIVE_DB (a developer's own archive must not leak in)."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DB"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return {**env, **extra}


@dataclass(frozen=True, slots=True)
class Running:
    """A started subprocess whose output goes to files (a full pipe would stall it, holding its locks)."""

    proc: subprocess.Popen
    out: Any
    err: Any


class Newsarchive:
    """Runs `newsarchive ARGS` as a subprocess in ``cwd``; ``env`` adds variables to :func:`cli_env`.

    ``newsarchive(*args, cwd=...)`` waits for the run; ``start(...)`` and ``finish(running)`` let
    runs overlap; ``start_command(argv, cwd=...)`` starts another program the same way.
    """

    command = NEWSARCHIVE
    loopback = LOOPBACK_CRAWL

    @staticmethod
    def env(**extra: str) -> dict[str, str]:
        return cli_env(**extra)

    def __call__(self, *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 180) -> CliResult:
        return self.finish(self.start(*args, cwd=cwd, env=env), timeout)

    def start(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> Running:
        return self.start_command([*NEWSARCHIVE, *args], cwd=cwd, env=env)

    @staticmethod
    def start_command(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> Running:
        out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        proc = subprocess.Popen(argv, cwd=cwd, env=cli_env(**(env or {})), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, text=True)
        return Running(proc, out, err)

    @staticmethod
    def finish(running: Running, timeout: float = 180) -> CliResult:
        try:
            running.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            running.proc.kill()
            running.proc.wait()
        texts = []
        for file in (running.out, running.err):
            file.seek(0)
            texts.append(file.read())
            file.close()
        if running.proc.returncode < 0:
            pytest.fail(f"{running.proc.args} was killed after {timeout} s:\n{texts[1][-3000:]}")
        return CliResult(running.proc.returncode, *texts)

    @staticmethod
    def stop(running: Running) -> None:
        """Kill it if it still runs (a test that failed before waiting for it)."""
        if running.proc.poll() is None:
            running.proc.kill()
            running.proc.wait()
        running.out.close()
        running.err.close()


@pytest.fixture(scope="session")
def newsarchive() -> Newsarchive:
    """Run `newsarchive` as a subprocess (see :class:`Newsarchive`)."""
    return Newsarchive()


@pytest.fixture
def run_cli(newsarchive, tmp_path):
    """`newsarchive ARGS` run with the test's tmp_path as working directory."""
    def run(*args: str, env: dict[str, str] | None = None) -> CliResult:
        return newsarchive(*args, cwd=tmp_path, env=env)

    return run


@pytest.fixture(scope="session")
def demo_web():
    """The bundled demo web served on 127.0.0.61.. (free ports) for the whole session; ``.truth`` is its ground truth."""
    from archive.demo.server import serve_demo

    with serve_demo() as web:
        yield web


@contextmanager
def _pg_schema(database_url):
    """A fresh schema in ``database_url``'s database, as a URL whose search path points at it."""
    from sqlalchemy import create_engine

    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield database_url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


@pytest.fixture(scope="session")
def pg_session_url(pg_database):
    """Like ``pg_url``, but one schema shared by the whole session (for crawls made once per session)."""
    with _pg_schema(pg_database) as url:
        yield url
