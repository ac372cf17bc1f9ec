"""`newsarchive reprocess`: the stored pages of archived articles (their WARC records) extracted
again in the crawl's process pool, then placed again by the archive (``Archive.reprocess``)."""

from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import Executor, Future
from datetime import datetime
from typing import TYPE_CHECKING, Iterable, Iterator

from archive import Archive
from archive.config import ArchiveConfig, FingerprintParams
from archive.extraction.article import Article, Skipped
from archive.extraction.extract import PreparedPage
from crawler.pool import extraction, new_pool, usable_cpus
from crawler.warcread import read_response

if TYPE_CHECKING:
    from archive.storage.reprocess import ReprocessReport, Selected

logger = logging.getLogger(__name__)

AHEAD = 4       # pages per extraction worker read ahead of the writer


def reprocess(db_url: str, *, hosts: Iterable[str] = (), since: datetime | None = None, everything: bool = False,
              dry_run: bool = False, workers: int = 0, config: ArchiveConfig | None = None) -> ReprocessReport:
    """Reprocess the archive's articles that have a stored page: those made by another extractor or
    fingerprint version (``everything``: all), of ``hosts``, first seen since ``since``."""
    with Archive(db_url, config) as archive:
        selected = archive.reprocess_selection(list(hosts), since, outdated_only=not everything)
        workers = workers or usable_cpus()
        pool = new_pool(workers)
        try:
            results = _extracted(selected, pool, archive.config.fingerprint, AHEAD * workers)
            return archive.reprocess(selected, results, dry_run=dry_run)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _extracted(selected: list[Selected], pool: Executor, params: FingerprintParams,
               ahead: int) -> Iterator[Article | Skipped | None]:
    """Each selected article's page extracted again, in order (None: the page could not be read)."""
    window: deque[tuple[Selected, Future | None]] = deque()
    for item in selected:
        window.append((item, _submit(item, pool, params)))
        if len(window) >= ahead:
            yield _result(*window.popleft())
    while window:
        yield _result(*window.popleft())


def _submit(item: Selected, pool: Executor, params: FingerprintParams) -> Future | None:
    try:
        page = read_response(item.ref.file, item.ref.offset)
    except (OSError, ValueError) as exc:
        logger.warning("article %d: its page cannot be read from %s at %d: %s", item.article_id, item.ref.file,
                       item.ref.offset, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return None
    return pool.submit(extraction(page.body, item.url, params, found_via=page.found_via or item.found_via,
                                  content_type=page.content_type))


def _result(item: Selected, future: Future | None) -> Article | Skipped | None:
    if future is None:
        return None
    try:
        result = future.result()
    except Exception as exc:  # noqa: BLE001 - a bug in extraction leaves the article as it is
        logger.warning("article %d: extraction failed (%s: %s)", item.article_id, type(exc).__name__, exc)
        return None
    return result.article if isinstance(result, PreparedPage) else result   # placed again from its text
