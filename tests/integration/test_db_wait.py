"""A crawl whose SQLite archive another program keeps locked: it waits and goes on, or, past
NEWSARCHIVE_DB_WAIT, fails with one line and loses nothing (the next run finishes the work)."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from faultweb import last_run, wait_for
from storyweb import Served, build

HOSTS = ["127.0.0.75", "127.0.0.76"]
SETTINGS = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NEWSARCHIVE_WORKERS=1",
            "-s", "DOWNLOAD_TIMEOUT=10")
# SQLite's own wait for a lock is cut to 0.3 s so the crawl's retries are what waits here.
ENV = {"NEWSARCHIVE_SQLITE_BUSY_TIMEOUT_MS": "300"}


@pytest.fixture(scope="module")
def web():
    with Served(build(HOSTS, stories=12)) as served:
        yield served


def _hold_write_lock(db, release: threading.Event, held: threading.Event) -> None:
    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    held.set()
    release.wait()
    conn.execute("COMMIT")
    conn.close()


def _articles(db) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {key for (key,) in conn.execute("SELECT url_key FROM article")}


def test_a_crawl_waits_out_a_locked_archive(web, newsarchive, tmp_path):
    db = tmp_path / "a.db"
    reference = newsarchive("crawl", *web.seeds, "--db", f"sqlite:///{tmp_path / 'ref.db'}", *SETTINGS, cwd=tmp_path)
    assert reference.code == 0, reference.err[-2000:]

    before = web.fetched()
    running = newsarchive.start("crawl", *web.seeds, "--db", f"sqlite:///{db}", *SETTINGS,
                                "-s", "NEWSARCHIVE_DB_WAIT=120", cwd=tmp_path, env=ENV)
    try:
        wait_for(lambda: web.fetched() > before, running.proc, limit=120)     # fetching, archive open
        release, held = threading.Event(), threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(db, release, held))
        holder.start()
        held.wait(30)
        time.sleep(4)            # longer than the busy timeout: writes fail and are retried
        release.set()
        holder.join()
        result = newsarchive.finish(running)
    finally:
        newsarchive.stop(running)
    assert result.code == 0, result.err[-2000:]
    run = last_run(db)
    assert run["status"] == "ok"
    assert run["stats"]["db_wait_retries"] > 0
    assert _articles(db) == _articles(tmp_path / "ref.db")


def test_a_crawl_fails_clearly_when_the_archive_stays_locked_and_the_next_run_finishes(web, newsarchive, tmp_path):
    db = tmp_path / "b.db"
    reference = newsarchive("crawl", *web.seeds, "--db", f"sqlite:///{tmp_path / 'ref.db'}", *SETTINGS, cwd=tmp_path)
    assert reference.code == 0, reference.err[-2000:]

    before = web.fetched()
    running = newsarchive.start("crawl", *web.seeds, "--db", f"sqlite:///{db}", *SETTINGS,
                                "-s", "NEWSARCHIVE_DB_WAIT=2", cwd=tmp_path, env=ENV)
    release, held = threading.Event(), threading.Event()
    try:
        wait_for(lambda: web.fetched() > before, running.proc, limit=120)
        holder = threading.Thread(target=_hold_write_lock, args=(db, release, held))
        holder.start()
        held.wait(30)
        result = newsarchive.finish(running)
    finally:
        release.set()
        newsarchive.stop(running)
    holder.join()
    assert result.code == 1
    assert result.err_lines[-1].startswith("Error: the archive stayed unavailable for 2 s while writing")
    assert "Traceback" not in result.err

    again = newsarchive("crawl", *web.seeds, "--db", f"sqlite:///{db}", *SETTINGS, cwd=tmp_path)
    assert again.code == 0, again.err[-2000:]
    assert _articles(db) == _articles(tmp_path / "ref.db")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM frontier WHERE state = 'pending'").fetchone()[0] == 0
        statuses = [s for (s,) in conn.execute("SELECT status FROM crawl_run ORDER BY id")]
    assert statuses[-1] == "ok" and statuses[0] in ("failed", "died")
