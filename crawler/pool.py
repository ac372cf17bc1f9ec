"""The extraction process pool shared by the crawl pipeline and the WARC import: one worker per
usable CPU, each running ``extract_prepared`` (extraction and fingerprinting) on one page."""

from __future__ import annotations

import functools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

from archive.config import FingerprintParams
from archive.extraction.article import Article, Skipped
from archive.extraction.extract import extract_prepared


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, e.g. under taskset or a container)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


def new_pool(workers: int) -> ProcessPoolExecutor:
    """The extraction pool. Spawn, not fork: forking a process that runs a reactor and threads is unsafe."""
    return ProcessPoolExecutor(max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn"))


def extraction(body: bytes, url: str, params: FingerprintParams, *, found_via: str | None,
               content_type: str | None) -> Callable[[], Article | Skipped]:
    """The call a pool worker runs for one page."""
    return functools.partial(extract_prepared, body, url, params, found_via=found_via, content_type=content_type)
