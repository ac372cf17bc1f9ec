"""Several crawl workers sharing one frontier through Redis (``newsarchive crawl --frontier``).

Two workers over one web fetch every URL once between them and make the archive one crawl makes;
a worker SIGKILLed again and again, and a Redis restarted empty, lose nothing; a plain crawl and
frontier workers never run on one archive at the same time. Figures are printed with -s.

The shared-Redis test needs NEWSARCHIVE_TEST_REDIS (and NEWSARCHIVE_TEST_PG); the others start a
private ``redis-server`` of their own on a Unix socket, never the shared one.
"""

from __future__ import annotations

import random
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

from archivecheck import kill_if_running, run_count, snapshot
from conftest import REDIS_URL
from faultweb import wait_for
from storyweb import Served, build

HOSTS = ["127.0.0.81", "127.0.0.82", "127.0.0.83", "127.0.0.84"]
SETTINGS = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NEWSARCHIVE_WORKERS=1",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4", "-s", "NEWSARCHIVE_FRONTIER_HEARTBEAT=1")
KILLS = 5
REDIS_SERVER = shutil.which("redis-server")
needs_redis_server = pytest.mark.skipif(not REDIS_SERVER, reason="redis-server not installed: private Redis tests skipped")


class PrivateRedis:
    """A redis-server of this test's own on a Unix socket, without persistence: a restart empties it."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="na-redis-", dir="/tmp"))
        self.socket = self.folder / "redis.sock"
        self.url = f"unix://{self.socket}?db=0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([REDIS_SERVER, "--port", "0", "--unixsocket", str(self.socket), "--save", "",
                                      "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, self.proc, limit=60)

    def _answers(self) -> bool:
        import redis

        try:
            return redis.Redis(unix_socket_path=str(self.socket)).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
        self.proc = None

    def restart(self) -> None:
        """Stop and start again: the queue, the dupefilter and every key are gone."""
        self.stop()
        self.start()

    def client(self):  # noqa: ANN201 - redis.Redis
        import redis

        return redis.Redis(unix_socket_path=str(self.socket))


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def web():
    with Served(build(HOSTS, stories=40)) as served:
        yield served


@pytest.fixture(scope="module")
def reference(web, newsarchive, tmp_path_factory):
    """One uninterrupted plain crawl of the web: its archive and the URLs it fetched."""
    folder = tmp_path_factory.mktemp("reference")
    seeds = folder / "seeds.txt"
    seeds.write_text("\n".join(web.seeds) + "\n")
    before = Counter(web.hits)
    result = newsarchive("crawl", "--seeds-file", str(seeds), *SETTINGS, "--db", f"sqlite:///{folder / 'once.db'}",
                         cwd=folder, timeout=600)
    assert result.code == 0, result.err[-2000:]
    fetched = Counter(web.hits) - before
    once = snapshot(folder / "once.db")
    assert len(once["articles"]) == len(web.article_urls())
    assert set(fetched.values()) == {1}
    return {"snapshot": once, "fetched": fetched, "seeds": seeds}


@contextmanager
def gate(web):
    """Hold every answer of the web (its request log's lock) until the block ends."""
    with web.lock:
        yield


def _workers(client, name: str) -> int:
    return client.scard(f"{name}:news:workers")


def _hits_since(web, before: Counter) -> Counter:
    with web.lock:
        return Counter(web.hits) - before


def _same_archive(got: dict, want: dict) -> None:
    assert got["articles"] == want["articles"]
    assert got["clusters"] == want["clusters"]
    assert got["counts"] == want["counts"] == {
        "articles": len(want["articles"]), "distinct_url_keys": len(want["articles"]), "orphan_band_rows": 0,
        "articles_without_all_bands": 0, "empty_live_clusters": 0, "pending": 0}


def _pages_by_run(db_url: str) -> list[tuple[str, int]]:
    from archive import Archive

    with Archive(db_url) as archive:
        return [(run["status"], (run["stats"] or {}).get("pages", 0)) for run in reversed(archive.runs())]


@pytest.mark.skipif(not REDIS_URL, reason="NEWSARCHIVE_TEST_REDIS not set: shared-Redis frontier test skipped")
def test_two_workers_share_one_frontier_and_fetch_each_url_once(web, reference, newsarchive, tmp_path, pg_url):
    import redis

    name = f"test-{uuid.uuid4().hex[:10]}"          # keys of this test only
    client = redis.Redis.from_url(REDIS_URL)
    crawl = ("crawl", "--seeds-file", str(reference["seeds"]), *SETTINGS, "-s", "DOWNLOAD_TIMEOUT=120",
             "--db", pg_url, "--frontier", REDIS_URL, "--frontier-name", name)
    before = Counter(web.hits)
    try:
        # Both workers are in the frontier before the web answers: neither can finish the crawl alone.
        with gate(web):
            workers = [newsarchive.start(*crawl, cwd=tmp_path) for _ in range(2)]
            wait_for(lambda: _workers(client, name) == 2, workers[0].proc, limit=180)
        results = [newsarchive.finish(worker, timeout=600) for worker in workers]
    finally:
        for worker in workers:
            newsarchive.stop(worker)
    for result in results:
        assert result.code == 0, result.err[-3000:]

    fetched = _hits_since(web, before)
    robots = {url for url in fetched if url.endswith("/robots.txt")}
    pages = _pages_by_run(pg_url)
    print(f"\nshared frontier: 2 workers fetched {sum(fetched.values())} URLs ({len(fetched)} distinct, "
          f"robots.txt {sum(fetched[u] for u in robots)} times); a single crawl {sum(reference['fetched'].values())}; "
          f"pages per worker {[p for _, p in pages]}")
    # robots.txt is read by each process for itself (Scrapy's robots middleware, not the scheduler),
    # before its first request to the host: once or twice, as one or both workers fetched there.
    assert robots == {url for url in reference["fetched"] if url.endswith("/robots.txt")}
    assert all(1 <= fetched[url] <= 2 for url in robots), {url: fetched[url] for url in robots}
    assert set(fetched) == set(reference["fetched"])
    assert {url: n for url, n in fetched.items() if url not in robots and n != 1} == {}
    # Both runs end well. How the pages split between them depends on timing: an idle worker asks
    # Redis for work on Scrapy's 5-second idle heartbeat, so on a fast machine the first worker can
    # fetch this small web alone; the test asserts what must hold either way.
    assert [status for status, _ in pages] == ["ok", "ok"] and sum(n for _, n in pages) > 0
    _same_archive(snapshot(pg_url), reference["snapshot"])
    assert not client.keys(f"{name}:*")            # the last worker out removed the generation
    client.close()


@needs_redis_server
def test_killed_workers_and_a_redis_restart_lose_nothing(web, reference, newsarchive, tmp_path, private_redis):
    name = "kills"
    db = tmp_path / "shared.db"
    crawl = ("crawl", "--seeds-file", str(reference["seeds"]), *SETTINGS, "-s", "DOWNLOAD_TIMEOUT=30",
             "--db", f"sqlite:///{db}", "--frontier", private_redis.url, "--frontier-name", name)
    before = Counter(web.hits)
    rng = random.Random(20261123)
    # The steady worker is slowed down, so that it is still crawling while the other is killed.
    steady = newsarchive.start(*crawl, "-s", "DOWNLOAD_DELAY=3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                               cwd=tmp_path)
    client = private_redis.client()
    landed, restarted, steady_through = 0, False, True
    try:
        wait_for(lambda: _workers(client, name) >= 1, steady.proc, limit=180)
        for number in range(1, KILLS + 1):
            killed = newsarchive.start(*crawl, cwd=tmp_path)
            # The moment is counted from the worker's joining the frontier (it pops requests from
            # then on), not from the program's launch: on a loaded machine start-up takes seconds.
            wait_for(lambda: client.exists(f"{name}:news:worker:{socket.gethostname()}:{killed.proc.pid}"),
                     killed.proc, limit=180)
            time.sleep(rng.uniform(0.3, 3.0))
            landed += kill_if_running(killed.proc)
            newsarchive.stop(killed)
            if number == 3:                       # Redis restarts empty: no queue, no dupefilter
                private_redis.restart()
                restarted = True
            steady_through = steady_through and steady.proc.poll() is None
        last = newsarchive(*crawl, cwd=tmp_path, timeout=600)
        assert last.code == 0, last.err[-3000:]
        steady_result = newsarchive.finish(steady, timeout=600)
    finally:
        newsarchive.stop(steady)
    assert steady_result.code == 0, steady_result.err[-3000:]

    fetched = _hits_since(web, before)
    once = sum(reference["fetched"].values())
    again = {url: n for url, n in fetched.items() if n > 1 and not url.endswith("/robots.txt")}
    runs = snapshot(db)["runs"]
    put_back = [line.split("put back ")[1].split()[0] for line in (steady_result.err + last.err).splitlines()
                if "put back" in line and "from the archive" in line and " INFO: " in line]
    marked = [line.split("marked ")[1].split()[0] for line in (steady_result.err + last.err).splitlines()
              if "fetched in this generation as seen again" in line]
    print(f"\nkills and a Redis restart: {landed} of {KILLS} kills landed, Redis restarted: {restarted}, steady worker "
          f"ran through them all: {steady_through}; {sum(fetched.values())} fetches in all against {once} for one "
          f"crawl, {len(again)} URLs fetched more than once; runs {dict(Counter(runs))}; "
          f"pages of the finished runs {[p for s, p in _pages_by_run(f'sqlite:///{db}') if s == 'ok']}; put back: {put_back}; marked seen again after the restart: {marked}")
    assert landed >= KILLS - 2, "most kills must land while the worker runs, or the test tests little"
    assert set(fetched) == set(reference["fetched"])
    _same_archive(snapshot(db), reference["snapshot"])
    assert "running" not in runs and runs.count("ok") == 2
    with sqlite3.connect(db) as conn:          # the steady worker's run wrote its heartbeat as it went
        assert conn.execute("SELECT count(*) FROM crawl_run WHERE status = 'ok' AND heartbeat_at > started_at "
                            "AND pid = ?", (steady.proc.pid,)).fetchone()[0] == 1
    assert not private_redis.client().keys(f"{name}:*")
    assert put_back, "the lost requests were put back from the archive"


@needs_redis_server
def test_plain_crawls_and_frontier_workers_never_overlap(web, reference, newsarchive, tmp_path, private_redis):
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    plain = ("crawl", "--seeds-file", str(reference["seeds"]), *SETTINGS, "-s", "DOWNLOAD_TIMEOUT=120",
             "--db", db_url)
    shared = (*plain, "--frontier", private_redis.url, "--frontier-name", "overlap")
    client = private_redis.client()

    with gate(web):                        # the first crawl holds its lock and waits for the web
        worker = newsarchive.start(*shared, cwd=tmp_path)
        try:
            wait_for(lambda: _workers(client, "overlap") == 1, worker.proc, limit=180)
            refused = newsarchive(*plain, cwd=tmp_path)
            second_worker = newsarchive.start(*shared, cwd=tmp_path)     # workers run together
            wait_for(lambda: _workers(client, "overlap") == 2, second_worker.proc, limit=180)
        except BaseException:
            newsarchive.stop(worker)
            raise
    first, second = newsarchive.finish(worker, timeout=600), newsarchive.finish(second_worker, timeout=600)
    assert refused.code == 1
    assert refused.err.strip().splitlines()[-1].startswith(
        "Error: another crawl is running on this archive (frontier workers")
    assert (first.code, second.code) == (0, 0), first.err[-2000:] + second.err[-2000:]

    with gate(web):
        crawl = newsarchive.start(*plain, cwd=tmp_path)
        try:
            wait_for(lambda: run_count(tmp_path / "archive.db") == 3, crawl.proc, limit=180)
            refused = newsarchive(*shared, cwd=tmp_path)
        except BaseException:
            newsarchive.stop(crawl)
            raise
    assert newsarchive.finish(crawl, timeout=600).code == 0
    assert refused.code == 1
    assert refused.err.strip().splitlines()[-1].startswith("Error: another crawl is running on this archive (pid")
    assert [status for status, _ in _pages_by_run(db_url)] == ["ok", "ok", "ok"]     # the refused left no run


def test_a_bad_frontier_url_is_a_usage_error_and_an_unreachable_one_fails_with_one_line(newsarchive, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    bad = newsarchive("crawl", "http://127.0.0.81:9/", "--db", db_url, "--frontier", "http://127.0.0.1:6379/",
                      cwd=tmp_path)
    assert bad.code == 2 and "not a Redis URL" in bad.err
    gone = newsarchive("crawl", "http://127.0.0.81:9/", "--db", db_url, "--frontier",
                       f"unix://{tmp_path / 'no-such.sock'}", cwd=tmp_path)
    assert gone.code == 1
    assert gone.err.strip().splitlines() == [gone.err.strip().splitlines()[-1]]
    assert gone.err.startswith("Error: cannot reach the frontier unix://")
    assert not (tmp_path / "archive.db").exists() or run_count(tmp_path / "archive.db") == 0
