"""ArchivePipeline: extract each page in a process pool, then ingest it through one writer thread."""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import CloseSpider, DropItem

from archive import Archive
from archive.article import IngestStatus, Skipped
from archive.config import resolve_db_url
from archive.errors import ArchiveError
from archive.extract import extract

if TYPE_CHECKING:
    from typing_extensions import Self

    from archive.article import Article, IngestResult
    from crawler.items import PageItem
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

FAILED_STAT = "newsarchive/failed"       # a one-line reason the run function reports
EXTRACT_AHEAD = 2       # pages per extraction worker handed to the pool at once
ADMIT_AHEAD = 4         # pages per extraction worker between download and commit


def _usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, e.g. under taskset or a container)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


class ArchivePipeline:
    """Turn PageItems into archived articles; return a small summary instead of the page."""

    def __init__(self, stats: StatsCollector, db_url: str, workers: int) -> None:
        self.stats = stats
        self.db_url = db_url
        self.workers = max(1, workers)
        self.archive: Archive | None = None
        self._pool: Executor | None = None
        self._writer: ThreadPoolExecutor | None = None
        # Back-pressure: an item waiting here keeps its response in Scrapy's scraper slot, and a
        # full slot (SCRAPER_SLOT_MAX_ACTIVE_SIZE) stops new downloads. At most EXTRACT_AHEAD pages
        # per worker are handed to the pool (one running, one queued, so no worker waits for the
        # reactor), and at most ADMIT_AHEAD per worker are between download and commit.
        self._extracting = asyncio.Semaphore(EXTRACT_AHEAD * self.workers)
        self._admitted = asyncio.Semaphore(ADMIT_AHEAD * self.workers)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        workers = settings.getint("NEWSARCHIVE_WORKERS") or _usable_cpus()
        return cls(crawler.stats, resolve_db_url(settings.get("NEWSARCHIVE_DB")), workers)

    async def open_spider(self) -> None:
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsarchive-writer")
        try:   # the archive is opened, used and closed by the one writer thread
            self.archive = await asyncio.get_running_loop().run_in_executor(self._writer, Archive, self.db_url)
        except ArchiveError as exc:
            logger.error("crawl failed: %s", exc)
            self.stats.set_value(FAILED_STAT, str(exc))
            raise CloseSpider("archive_unavailable") from exc
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: forking a process that runs a reactor and threads is unsafe.
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))

    async def close_spider(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._writer is not None:
            if self.archive is not None:
                await asyncio.get_running_loop().run_in_executor(self._writer, self.archive.close)
            self._writer.shutdown(wait=True)

    async def process_item(self, item: Any) -> Any:
        if self.archive is None:
            raise DropItem("the archive is not open", log_level="DEBUG")
        async with self._admitted:
            async with self._extracting:      # released before ingest: workers never wait on the writer
                article = await self._extract(item)
            if isinstance(article, Skipped):
                self.stats.inc_value(f"newsarchive/skipped/{article.reason}")
                raise DropItem(f"skip {item.url}: {article}", log_level="DEBUG")
            result = await self._ingest(item, article)
        return {"url": item.url, "status": str(result.status), "article_id": result.article_id,
                "cluster_id": result.cluster_id}

    async def _extract(self, item: PageItem) -> Article | Skipped:
        call = functools.partial(extract, item.body, item.final_url or item.url,
                                 found_via=item.found_via, content_type=item.content_type)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, call)
        except BrokenProcessPool:
            logger.warning("skip %s: an extraction worker died; restarting the pool", item.url)
            self._pool = self._new_pool()
        except Exception as exc:  # noqa: BLE001 - a bug in extraction must not stop the crawl
            logger.warning("skip %s: extraction failed (%s: %s)", item.url, type(exc).__name__, exc)
        self.stats.inc_value("newsarchive/error/extract")
        raise DropItem(f"skip {item.url}: extraction failed", log_level="DEBUG")

    async def _ingest(self, item: PageItem, article: Article) -> IngestResult:
        assert self.archive is not None
        call = functools.partial(self.archive.ingest_article, article, fetched_at=item.fetched_at,
                                 found_via=item.found_via, etag=item.etag, last_modified=item.last_modified)
        try:
            result = await asyncio.get_running_loop().run_in_executor(self._writer, call)
        except ArchiveError as exc:
            logger.warning("skip %s: %s", item.url, exc)
            self.stats.inc_value("newsarchive/error/ingest")
            raise DropItem(f"skip {item.url}: {exc}", log_level="DEBUG") from exc
        if result.status is IngestStatus.SKIPPED and result.skipped is not None:
            self.stats.inc_value(f"newsarchive/skipped/{result.skipped.reason}")
            raise DropItem(f"skip {item.url}: {result.skipped}", log_level="DEBUG")
        self.stats.inc_value(f"newsarchive/ingested/{result.status}")
        if result.status is IngestStatus.DUPLICATE:
            self.stats.inc_value("newsarchive/duplicate")
        return result
