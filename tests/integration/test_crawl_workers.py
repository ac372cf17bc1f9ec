"""`newsarchive crawl --workers N` sets the size of the extraction pool: a real crawl of a small
generated news web with --workers 1 runs exactly one extraction process (and with --workers 2,
two), counted from outside as the processes the crawl's pool forked."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from faultweb import last_run
from storyweb import Served, build

HOSTS = ["127.0.0.101", "127.0.0.102"]
LOOPBACK = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")


@pytest.fixture(scope="module")
def web():
    with Served(build(HOSTS, stories=16)) as served:
        yield served


def _pool_workers(pid: int) -> set[int]:
    """The extraction workers of the crawl ``pid`` (read from /proc): the processes forked by the
    crawl's pool fork server (a child of the crawl), or spawned by the crawl itself."""
    table: dict[int, tuple[int, bytes]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            table[int(entry.name)] = (parent, (entry / "cmdline").read_bytes())
        except (OSError, ValueError, IndexError):
            continue
    servers = {p for p, (parent, command) in table.items() if parent == pid and b"multiprocessing.forkserver" in command}
    return {p for p, (parent, command) in table.items()
            if parent in servers or (parent == pid and b"multiprocessing.spawn" in command)}


def test_workers_option_sets_the_extraction_processes(web, newsarchive, tmp_path):
    runs = {}
    for workers in (1, 2):       # both at once: each run is mostly start-up time
        folder = tmp_path / f"w{workers}"
        folder.mkdir()
        runs[workers] = (folder, newsarchive.start("crawl", *web.seeds, "--workers", str(workers), *LOOPBACK,
                                                   "--db", f"sqlite:///{folder / 'a.db'}", cwd=folder))
    seen: dict[int, set[int]] = {workers: set() for workers in runs}
    deadline = time.monotonic() + 170          # a bound for a hung test, not a timing assertion
    while any(running.proc.poll() is None for _, running in runs.values()) and time.monotonic() < deadline:
        for workers, (_, running) in runs.items():
            seen[workers] |= _pool_workers(running.proc.pid)
        time.sleep(0.02)
    results = {workers: newsarchive.finish(running, timeout=10) for workers, (_, running) in runs.items()}
    for workers, result in results.items():
        assert result.code == 0, result.err[-2000:]
        assert "extraction pool: at most" in result.err
        stats = last_run(runs[workers][0] / "a.db")["stats"]
        assert stats["articles_new"] + stats["duplicates"] > 10          # the workers did extract the web
        assert len(seen[workers]) == workers, (workers, seen[workers])
