"""The extraction process pool shared by the crawl pipeline and the WARC import: one worker per
usable CPU, each running ``extract_prepared`` (extraction and fingerprinting) on one page."""

from __future__ import annotations

import ctypes
import functools
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

from archive.config import FingerprintParams
from archive.extraction.article import Skipped
from archive.extraction.extract import PreparedPage, extract_prepared
from archive.extraction.pagelinks import LinkRequest

PARENT_WATCH = 1.0      # seconds between a worker's checks that the crawl that started it is alive
# Pages a worker extracts before it is replaced by a fresh process (NEWSARCHIVE_WORKER_MAX_TASKS):
# what lxml, trafilatura's caches and the allocator keep after a page is given back then.
MAX_TASKS_PER_WORKER = 500
WARM_MODULE = "crawler.poolstart"     # what the fork server loads (and runs) before forking workers


def _die_with_parent(parent: int) -> None:
    """Extraction worker initializer: end this worker when the crawl process ``parent`` dies, even
    by SIGKILL (no cleanup runs then).

    A worker's own parent is the pool's fork server (see ``new_pool``), which exits as soon as the
    process that started it is gone; where forking is not available, the crawl itself. On Linux
    the kernel sends SIGKILL when that parent ends (prctl PR_SET_PDEATHSIG); everywhere a watchdog
    thread checks every PARENT_WATCH seconds that the worker's parent and the crawl are alive."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)     # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    own_parent = os.getppid()
    if not _alive(parent) or (own_parent == 1 != parent):     # orphaned before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent, own_parent), name="newsarchive-parent-watch",
                     daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:     # a process of another user: the pid lives
        pass
    return True


def _watch_parent(parent: int, own_parent: int) -> None:
    while os.getppid() == own_parent and _alive(parent):
        time.sleep(PARENT_WATCH)
    os._exit(1)


def freeze_startup_objects() -> None:
    """Take what start-up made (modules, Scrapy's components, settings, the archive's mappings)
    out of the garbage collector's sight: those objects live as long as the process, and each of
    the collector's oldest-generation passes walked all of them again. Called once by the crawl
    and the WARC import before their work starts (``gc.freeze``: such an object freed later by
    reference counting still goes; one in a reference cycle stays until the process ends). Interleaved crawls of a 1,000-page generated web: the main process's CPU per page
    fell by about an eighth (8.0 -> 7.0 ms, medians of 3, on a loaded machine)."""
    gc.collect()
    gc.freeze()


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, e.g. under taskset or a container)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


def new_pool(workers: int, max_tasks: int | None = MAX_TASKS_PER_WORKER) -> ProcessPoolExecutor:
    """The extraction pool. Workers are forked from a fork server (one per crawl or import process),
    a clean process started with ``crawler.poolstart`` loaded: the extraction code imported and run
    once, so a new worker costs a fork instead of half a second of imports and a cold first page.
    Where the platform has no fork server, workers are spawned. Never a plain fork of the crawl: forking
    a process that runs a reactor and threads is unsafe. A worker is replaced by a new one after
    ``max_tasks`` pages (None or 0: never), which bounds its memory; each worker, a replacement
    too, runs ``_die_with_parent`` when it starts and so ends when the process that made the pool
    dies."""
    return ProcessPoolExecutor(max_workers=max(1, workers), mp_context=_context(),
                               initializer=_die_with_parent, initargs=(os.getpid(),),
                               max_tasks_per_child=max_tasks if max_tasks and max_tasks > 0 else None)


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([WARM_MODULE])    # read when the fork server starts, once per process
    return context


def extraction(body: bytes, url: str, params: FingerprintParams, *, found_via: str | None,
               content_type: str | None, canonical_missing: bool = False,
               links: LinkRequest | None = None) -> Callable[[], PreparedPage | Skipped]:
    """The call a pool worker runs for one page (with ``links``: its links are read too)."""
    return functools.partial(extract_prepared, body, url, params, found_via=found_via, content_type=content_type,
                             canonical_missing=canonical_missing, links=links)
