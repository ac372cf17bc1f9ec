"""The extraction pool replaces a worker after NEWSARCHIVE_WORKER_MAX_TASKS pages: new processes
(new pids) take over, each still tied to the crawl's life, and the pages come out the same."""

from __future__ import annotations

import functools
import os

from archive.config import FingerprintParams
from archive.extraction.extract import extract_prepared
from crawler.pool import extraction, new_pool
from faultweb import article_html


def _pid_and_ppid() -> tuple[int, int]:
    return os.getpid(), os.getppid()


def _parent_of(pid: int) -> int:
    stat = open(f"/proc/{pid}/stat").read()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _watched() -> bool:
    """Whether this worker runs its parent watch (the initializer ran in it)."""
    import threading

    return any(t.name == "newsarchive-parent-watch" for t in threading.enumerate())


def test_a_worker_is_replaced_after_max_tasks_and_results_stay_the_same():
    params = FingerprintParams()
    pages = [(f"http://news.test/2026/05/story-number-{n}.html", article_html(f"Story number {n}", n + 1).encode())
             for n in range(6)]
    expected = [extract_prepared(body, url, params, found_via="link", content_type="text/html") for url, body in pages]
    pool = new_pool(1, max_tasks=3)
    try:
        pids, results = [], []
        for url, body in pages:
            pids.append(pool.submit(_pid_and_ppid).result())
            results.append(pool.submit(extraction(body, url, params, found_via="link", content_type="text/html")).result())
            assert pool.submit(_watched).result()
    finally:
        pool.shutdown(wait=True)
    # each page is the third task of a worker (pid, page, watch check): a new process for each
    assert len({pid for pid, _ in pids}) == len(pages)
    # every worker is forked by the pool's fork server, a process this one started
    assert len({ppid for _, ppid in pids}) == 1
    assert all(_parent_of(ppid) == os.getpid() for _, ppid in pids)
    assert [(r.article, r.prepared.fingerprint.text_hash) for r in results] == [
        (e.article, e.prepared.fingerprint.text_hash) for e in expected]


def test_without_a_limit_one_worker_does_every_page():
    pool = new_pool(1, max_tasks=0)
    try:
        pids = {pool.submit(_pid_and_ppid).result() for _ in range(5)}
    finally:
        pool.shutdown(wait=True)
    assert len(pids) == 1
