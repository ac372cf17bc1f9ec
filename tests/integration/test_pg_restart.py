"""PostgreSQL stopped in the middle of a crawl and started again: the crawl waits, then goes on,
and the archive is the one an undisturbed crawl makes. Runs on a private server of its own."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from conftest import PG_URL
from faultweb import wait_for
from privatepg import PrivatePostgres, unavailable
from storyweb import Served, build

pytestmark = pytest.mark.skipif(not PG_URL or unavailable() is not None,
                                reason=("NEWSARCHIVE_TEST_PG not set: PostgreSQL tests skipped" if not PG_URL
                                        else unavailable() or ""))

HOSTS = ["127.0.0.91", "127.0.0.92", "127.0.0.93"]
SETTINGS = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NEWSARCHIVE_WORKERS=1",
            "-s", "NEWSARCHIVE_DB_WAIT=120")


@pytest.fixture
def server():
    pg = PrivatePostgres()
    try:
        pg.start()
        yield pg
    finally:
        pg.remove()


def _query(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).all()
    finally:
        engine.dispose()


def _count(url: str) -> int:
    try:
        return _query(url, "SELECT count(*) FROM article")[0][0]
    except Exception:  # noqa: BLE001 - not created yet
        return 0


def test_a_crawl_waits_for_postgresql_to_come_back(server, newsarchive, tmp_path):
    with Served(build(HOSTS, stories=24)) as web:
        reference_db = f"sqlite:///{tmp_path / 'ref.db'}"
        reference = newsarchive("crawl", *web.seeds, "--db", reference_db, *SETTINGS, cwd=tmp_path)
        assert reference.code == 0, reference.err[-2000:]

        running = newsarchive.start("crawl", *web.seeds, "--db", server.url, *SETTINGS, cwd=tmp_path)
        try:
            wait_for(lambda: _count(server.url) >= 3, running.proc, limit=180)
            server.stop()
            time.sleep(5)
            server.start()
            result = newsarchive.finish(running, timeout=600)
        finally:
            newsarchive.stop(running)
    assert result.code == 0, result.err[-3000:]
    assert "archive unavailable" in result.err             # it did wait
    assert "Traceback" not in result.err

    def clusters(url: str) -> set[frozenset[str]]:
        groups: dict[int, set[str]] = {}
        for key, cluster in _query(url, "SELECT url_key, cluster_id FROM article"):
            groups.setdefault(cluster, set()).add(key)
        return {frozenset(keys) for keys in groups.values()}

    assert clusters(server.url) == clusters(reference_db)
    canonicals = "SELECT url_key FROM article WHERE role = 'canonical' ORDER BY url_key"
    assert _query(server.url, canonicals) == _query(reference_db, canonicals)
    assert _query(server.url, "SELECT count(*) FROM frontier WHERE state = 'pending'")[0][0] == 0
    doctor = newsarchive("doctor", "--db", server.url, cwd=tmp_path)
    assert doctor.code == 0, doctor.out + doctor.err
