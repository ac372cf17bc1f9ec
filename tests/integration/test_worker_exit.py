"""The extraction workers of a crawl end when the crawl's process is killed (SIGKILL: no cleanup runs)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from faultweb import LOOPBACK_SETTINGS, Answer, FaultWeb, article_html, links_html, wait_for


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (read from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _descendants(pid: int) -> set[int]:
    """The processes under ``pid``: the extraction pool's fork server and the workers it forked."""
    found, todo = set(), [pid]
    while todo:
        below = _children(todo.pop()) - found
        found |= below
        todo.extend(below)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_exit_when_the_crawl_is_killed(newsarchive, tmp_path):
    web = FaultWeb()
    site = web.site("127.0.0.2")
    site.page("/", article_html("Harbour dredging starts", 1, links=links_html("/a", "/slow")))
    site.page("/a", article_html("Ferry timetable changes", 2))
    site.routes["/slow"] = Answer(200, article_html("Slow page", 3).encode(), delay=60)
    running = newsarchive.start("crawl", f"{site.url}/", "--db", f"sqlite:///{tmp_path / 'a.db'}", *LOOPBACK_SETTINGS,
                                "-s", "NEWSARCHIVE_WORKERS=2", "-s", "DOWNLOAD_TIMEOUT=100", cwd=tmp_path)
    pid, children = running.proc.pid, set()
    try:
        wait_for(lambda: site.fetched("/slow") and site.fetched("/a") and len(_descendants(pid)) >= 3, running.proc)
        time.sleep(1)           # the two pages are extracted by now (the crawl waits on /slow)
        children = _descendants(pid)
        assert children
        os.kill(pid, signal.SIGKILL)
        running.proc.wait()
        deadline = time.monotonic() + 15           # a bound for a hung test, not a timing assertion
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [c for c in children if _alive(c)]
        assert survivors == []
    finally:
        for child in children:          # a test that failed leaves no process behind
            if _alive(child):
                os.kill(child, signal.SIGKILL)
        newsarchive.stop(running)
        web.close()
