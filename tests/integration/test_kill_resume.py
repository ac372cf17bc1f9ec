"""A crawl killed with SIGKILL at random moments of its work, restarted each time, ends with the archive an
uninterrupted crawl makes: the same articles, clusters and canonicals, no duplicate or orphan rows.

The figures (kills that landed, pages fetched in all, extra fetches) are printed with -s.
"""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

import pytest

from archivecheck import kill_if_running, run_count, snapshot
from faultweb import wait_for
from storyweb import Served, build

KILLS = 20
FETCHES_BEFORE_KILL = 120     # a kill comes after 1 to this many fetches of its run
HOSTS = ["127.0.0.71", "127.0.0.72", "127.0.0.73", "127.0.0.74"]
SETTINGS = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NEWSARCHIVE_WORKERS=1",
            "-s", "DOWNLOAD_TIMEOUT=10", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4")


@pytest.fixture(scope="module")
def web():
    with Served(build(HOSTS, stories=60)) as served:
        yield served


def test_sigkill_at_random_moments_loses_nothing(web, newsarchive, tmp_path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("\n".join(web.seeds) + "\n")
    crawl = ("crawl", "--seeds-file", str(seeds), *SETTINGS)

    reference = newsarchive(*crawl, "--db", f"sqlite:///{tmp_path / 'once.db'}", cwd=tmp_path)
    assert reference.code == 0, reference.err[-2000:]
    once = snapshot(tmp_path / "once.db")
    fetched_once = web.fetched()
    assert len(once["articles"]) == len(web.article_urls())
    assert sum(len(keys) > 1 for keys in once["clusters"]) == 30     # every other story has two copies

    rng = random.Random(20261123)
    killed_db = f"sqlite:///{tmp_path / 'killed.db'}"
    landed = 0
    for number in range(1, KILLS + 1):
        running = newsarchive.start(*crawl, "--db", killed_db, cwd=tmp_path)
        # The moment is a random point of the run's work, whatever the machine's speed: after a
        # random number of its fetches (every run fetches at least the ~70 entry, section and tag
        # pages, feeds and robots.txt), counted from its run record, not from the program's launch.
        wait_for(lambda: run_count(tmp_path / "killed.db") >= number, running.proc, limit=120)
        _wait_fetches(web, running.proc, rng.randint(1, FETCHES_BEFORE_KILL))
        time.sleep(rng.uniform(0.0, 0.2))
        landed += kill_if_running(running.proc)
        newsarchive.stop(running)
    final = newsarchive(*crawl, "--db", killed_db, cwd=tmp_path)
    assert final.code == 0, final.err[-2000:]
    fetched_all = web.fetched() - fetched_once

    resumed = snapshot(tmp_path / "killed.db")
    print(f"\nSIGKILL resume: {landed} of {KILLS} kills landed during a run; uninterrupted crawl fetched "
          f"{fetched_once} URLs, the killed runs and the last one {fetched_all} in all "
          f"({fetched_all - fetched_once:+d}); {len(resumed['articles'])} articles, "
          f"{len(resumed['clusters'])} clusters; runs: {dict((s, resumed['runs'].count(s)) for s in set(resumed['runs']))}")
    assert landed >= KILLS // 2, "most kills must land while a crawl runs, or the test tests little"
    assert resumed["articles"] == once["articles"]
    assert resumed["clusters"] == once["clusters"]
    assert resumed["counts"] == once["counts"] == {
        "articles": len(once["articles"]), "distinct_url_keys": len(once["articles"]), "orphan_band_rows": 0,
        "articles_without_all_bands": 0, "empty_live_clusters": 0, "pending": 0}
    assert "running" not in resumed["runs"]                 # every killed run is seen as died
    assert resumed["runs"][-1] == "ok"
    assert resumed["runs"].count("died") >= 1
    doctor = newsarchive("doctor", "--db", killed_db, cwd=tmp_path)
    assert doctor.code == 0, doctor.out + doctor.err


def _wait_fetches(web, proc, count: int, limit: float = 120) -> None:  # noqa: ANN001
    """Until ``count`` more URLs of the web were fetched, or the crawl ended (then the kill misses)."""
    start, deadline = web.fetched(), time.monotonic() + limit
    while proc.poll() is None and web.fetched() - start < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_second_crawl_of_the_unchanged_web_fetches_no_article_again(web, newsarchive, tmp_path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("\n".join(web.seeds) + "\n")
    db = tmp_path / "twice.db"
    crawl = ("crawl", "--seeds-file", str(seeds), "--db", f"sqlite:///{db}", *SETTINGS)
    first_hits = dict(web.hits)
    assert newsarchive(*crawl, cwd=tmp_path).code == 0
    first = {url: n - first_hits.get(url, 0) for url, n in web.hits.items() if n > first_hits.get(url, 0)}
    rows_before = _row_counts(db)
    second_hits = dict(web.hits)
    result = newsarchive(*crawl, cwd=tmp_path)
    assert result.code == 0, result.err[-2000:]
    second = {url for url, n in web.hits.items() if n > second_hits.get(url, 0)}
    articles = web.article_urls()
    print(f"\nsecond crawl: first run fetched {sum(first.values())} URLs ({len(articles & set(first))} articles), "
          f"the second {len(second)} ({len(articles & second)} articles)")
    assert articles <= set(first)
    assert not articles & second                       # only entry, section and tag pages, feeds, robots.txt
    assert _row_counts(db) == {**rows_before, "crawl_run": rows_before["crawl_run"] + 1}


def _row_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
