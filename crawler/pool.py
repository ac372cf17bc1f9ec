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


def _die_with_parent(parent: int) -> None:
    """Extraction worker initializer: end this worker when the crawl process ``parent`` dies, even
    by SIGKILL (no cleanup runs then). On Linux the kernel sends SIGKILL (prctl PR_SET_PDEATHSIG);
    everywhere a watchdog thread checks the parent pid every PARENT_WATCH seconds."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)     # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:          # died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="newsarchive-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
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
    """The extraction pool. Spawn, not fork: forking a process that runs a reactor and threads is
    unsafe. A worker is replaced by a new one after ``max_tasks`` pages (None or 0: never), which
    bounds its memory; each worker, a replacement too, runs ``_die_with_parent`` when it starts and
    so ends when the process that made the pool dies."""
    return ProcessPoolExecutor(max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn"),
                               initializer=_die_with_parent, initargs=(os.getpid(),),
                               max_tasks_per_child=max_tasks if max_tasks and max_tasks > 0 else None)


def extraction(body: bytes, url: str, params: FingerprintParams, *, found_via: str | None,
               content_type: str | None, canonical_missing: bool = False,
               links: LinkRequest | None = None) -> Callable[[], PreparedPage | Skipped]:
    """The call a pool worker runs for one page (with ``links``: its links are read too)."""
    return functools.partial(extract_prepared, body, url, params, found_via=found_via, content_type=content_type,
                             canonical_missing=canonical_missing, links=links)
