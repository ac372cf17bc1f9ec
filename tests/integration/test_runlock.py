"""One crawl at a time per archive, locks released by death, graceful stops, and `newsarchive schedule`."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from archive.storage.runlock import RunLocked, pg_lock_key, run_lock
from archive.config import parse_duration
from conftest import ROOT, cli_env
from faultweb import LOOPBACK_SETTINGS, Answer, FaultWeb, article_html, links_html, wait_for


@pytest.fixture
def web():
    faults = FaultWeb()
    yield faults
    faults.close()


def _runs(db_url: str) -> list[dict]:
    """The archive's run records, newest first (read in this process: no CLI start-up)."""
    from archive import Archive

    with Archive(db_url) as archive:
        return archive.runs()


def _slow_site(web, pages: int = 12, delay: float = 0.5):
    """A home page linking to ``pages`` articles that each take ``delay`` s to answer."""
    site = web.site()
    site.page("/", links_html(*(f"/s{i}" for i in range(pages))))
    for i in range(pages):
        site.routes[f"/s{i}"] = Answer(200, article_html(f"Slow {i}", 100 + i).encode(), delay=delay)
    return site


def _holder(db_url: str, shared: bool = False) -> subprocess.Popen:
    """A process that takes the run lock (in shared mode: as a frontier worker), says so on stdout,
    and sleeps until killed."""
    code = textwrap.dedent(f"""
        import sys, time
        from archive.storage.runlock import run_lock
        with run_lock({db_url!r}, shared={shared!r}):
            print("locked", flush=True)
            time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql")])
def test_a_lock_held_by_a_killed_process_is_released(backend, tmp_path, request):
    db_url = f"sqlite:///{tmp_path / 'a.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    holder = _holder(db_url)
    with pytest.raises(RunLocked, match="another crawl is running on this archive"):
        with run_lock(db_url):
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()

    def free() -> bool:                 # the server may take a moment to see the dead session
        try:
            with run_lock(db_url):
                return True
        except RunLocked:
            return False

    wait_for(free, limit=30)


def test_frontier_workers_share_the_lock_and_never_overlap_a_plain_crawl(db_url):
    workers = [_holder(db_url, shared=True) for _ in range(2)]        # both got it
    try:
        with pytest.raises(RunLocked, match=r"another crawl is running on this archive \(frontier workers, "):
            with run_lock(db_url):
                pass
        with run_lock(db_url, shared=True):                           # a third worker joins them
            pass
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
    plain = _holder(db_url)
    try:
        with pytest.raises(RunLocked, match="another crawl is running on this archive"):
            with run_lock(db_url, shared=True):
                pass
    finally:
        plain.kill()
        plain.wait()

    def free() -> bool:                 # the server may take a moment to see the dead session
        try:
            with run_lock(db_url, shared=True):
                return True
        except RunLocked:
            return False

    wait_for(free, limit=30)


def test_pg_lock_keys_differ_per_archive():
    assert pg_lock_key("news", "public") != pg_lock_key("news", "t_other")
    assert pg_lock_key("news", "public") != pg_lock_key("news2", "public")


def test_overlapping_crawls_never_run_and_a_killed_crawl_does_not_block(web, newsarchive, tmp_path, db_url):
    site = _slow_site(web, pages=4, delay=120)          # answers only when the test ends
    crawl = ("crawl", f"{site.url}/", "--db", db_url, *LOOPBACK_SETTINGS)
    first = newsarchive.start(*crawl, cwd=tmp_path)
    wait_for(lambda: any(p.startswith("/s") for p in site.paths()), first.proc)

    second = newsarchive(*crawl, cwd=tmp_path)
    assert second.code == 1
    assert second.err.strip().splitlines()[-1].startswith("Error: another crawl is running on this archive")
    assert len(second.err.strip().splitlines()) == 1

    first.proc.send_signal(signal.SIGKILL)
    newsarchive.stop(first)
    runs_before = _runs(db_url)
    assert [r["status"] for r in runs_before] == ["running"]           # the second never recorded a run

    site.routes.update({f"/s{i}": Answer(200, article_html(f"Slow {i}", 100 + i).encode()) for i in range(4)})
    third = newsarchive(*crawl, cwd=tmp_path)
    assert third.code == 0, third.err[-2000:]
    assert [r["status"] for r in _runs(db_url)] == ["ok", "died"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_crawl_gracefully_and_records_it_interrupted(web, newsarchive, tmp_path, sig):
    site = _slow_site(web, pages=30, delay=0.5)
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    running = newsarchive.start("crawl", f"{site.url}/", "--db", db_url, *LOOPBACK_SETTINGS, cwd=tmp_path)
    wait_for(lambda: sum(p.startswith("/s") for p in site.paths()) >= 2, running.proc)
    running.proc.send_signal(sig)
    result = newsarchive.finish(running, timeout=60)

    assert "Traceback" not in result.err
    run = _runs(db_url)[0]
    assert run["status"] == "interrupted" and run["finished_at"] is not None
    assert 0 < run["stats"]["pages"] < 31                                # stopped before the end
    assert sum(p.startswith("/s") for p in site.paths()) < 30


# -- newsarchive schedule --------------------------------------------------------------------------

def test_durations():
    assert [parse_duration(t) for t in ("30s", "30m", "1h", "1d", "1h30m", "1.5h")] == [30, 1800, 3600, 86400, 5400, 5400]
    for bad in ("", "1", "1x", "h", "0m", "-1h", "1h 30m"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_schedule_runs_crawls_one_after_another(web, newsarchive, tmp_path):
    site = web.site()
    site.page("/", links_html("/a"))
    site.page("/a", article_html("Tide tables", 200))
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"

    result = newsarchive("schedule", "--every", "1s", "--runs", "2", f"{site.url}/", "--db", db_url,
                         *LOOPBACK_SETTINGS, cwd=tmp_path)

    assert result.code == 0, result.err[-2000:]
    runs = _runs(db_url)
    assert [r["status"] for r in runs] == ["ok", "ok"]
    assert runs[1]["finished_at"] <= runs[0]["started_at"]              # never overlapped
    assert site.paths().count("/") == 2 and "schedule: 2 crawl(s), 0 failed" in result.err


def test_schedule_reports_a_crawl_refused_by_the_lock_and_goes_on(web, newsarchive, tmp_path):
    site = web.site()
    site.page("/", article_html("Night bus", 201))
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    holder = _holder(db_url)
    try:
        result = newsarchive("schedule", "--every", "1s", "--runs", "2", f"{site.url}/", "--db", db_url,
                             *LOOPBACK_SETTINGS, cwd=tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert result.code == 1
    assert result.err.count("another crawl is running on this archive") == 2
    assert "schedule: 2 crawl(s), 2 failed" in result.err and site.hits == []


def test_schedule_rejects_bad_arguments_at_once(newsarchive, tmp_path):
    assert newsarchive("schedule", "--every", "soon", "http://127.0.0.2:9/", cwd=tmp_path).code == 2
    bad = newsarchive("schedule", "--every", "1h", "--no-such-option", "http://127.0.0.2:9/", cwd=tmp_path)
    assert bad.code == 2 and "No such option" in bad.err


def test_a_run_on_another_machine_whose_heartbeat_stopped_is_recorded_died(db_url):
    from datetime import timedelta

    from archive import Archive
    from archive.storage.archive import RUN_HEARTBEAT, RUN_LOST_AFTER
    from archive.storage.models import CrawlRun, utcnow

    with Archive(db_url) as archive:
        with archive._sessions.begin() as session:
            now = utcnow()
            session.add_all([
                CrawlRun(seeds=[], pid=1, hostname="elsewhere-1", status="running",
                         heartbeat_at=now - RUN_HEARTBEAT * (RUN_LOST_AFTER + 1)),
                CrawlRun(seeds=[], pid=1, hostname="elsewhere-2", status="running", heartbeat_at=now - timedelta(seconds=1)),
            ])
        archive.start_run(["http://127.0.0.2/"])
        assert [r["status"] for r in archive.runs()] == ["running", "running", "died"]
