"""ArchivePipeline: extract each page in a process pool, then ingest it through one writer thread."""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from scrapy.exceptions import CloseSpider, DropItem

from archive import Archive
from archive.config import resolve_db_url, seconds_setting
from archive.errors import ArchiveError, DatabaseUnavailable
from archive.extraction.article import IngestStatus, Skipped
from archive.extraction.extract import PreparedPage
from archive.storage.records import RETRY, PageMark, skip_status
from archive.extraction.pagelinks import LinkRequest
from crawler.pool import MAX_TASKS_PER_WORKER, extraction, new_pool, usable_cpus

if TYPE_CHECKING:
    from typing_extensions import Self

    from archive.extraction.article import IngestResult
    from crawler.items import PageItem
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)
T = TypeVar("T")

FAILED_STAT = "newsarchive/failed"       # a one-line reason the run function reports
EXTRACT_AHEAD = 2       # pages per extraction worker handed to the pool at once
ADMIT_AHEAD = 4         # pages per extraction worker between download and commit


class ArchivePipeline:
    """Turn PageItems into archived articles; return a small summary instead of the page."""

    def __init__(self, stats: StatsCollector, db_url: str, workers: int, *, db_wait: float = 300.0,
                 crawler: Crawler | None = None, max_tasks: int = MAX_TASKS_PER_WORKER) -> None:
        self.stats = stats
        self.db_url = db_url
        self.workers = max(1, workers)
        self.max_tasks = max_tasks          # pages a worker extracts before it is replaced
        self.db_wait = db_wait              # seconds a locked or unreachable archive is waited for
        self.crawler = crawler
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
        workers = settings.getint("NEWSARCHIVE_WORKERS") or usable_cpus()
        return cls(crawler.stats, resolve_db_url(settings.get("NEWSARCHIVE_DB")), workers,
                   db_wait=seconds_setting(settings.get("NEWSARCHIVE_DB_WAIT", "5m"), "NEWSARCHIVE_DB_WAIT"),
                   crawler=crawler,
                   max_tasks=settings.getint("NEWSARCHIVE_WORKER_MAX_TASKS", MAX_TASKS_PER_WORKER))

    async def open_spider(self) -> None:
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsarchive-writer")
        try:   # the archive is opened, used and closed by the one writer thread
            self.archive = await asyncio.get_running_loop().run_in_executor(
                self._writer, functools.partial(Archive.wait_out, functools.partial(Archive, self.db_url), "nothing yet",
                                                self.db_wait))
        except ArchiveError as exc:
            logger.error("crawl failed: %s", exc)
            self.stats.set_value(FAILED_STAT, str(exc))
            raise CloseSpider("archive_unavailable") from exc
        self._pool = self._new_pool()
        logger.info("extraction pool: at most %d worker process%s", self.workers, "" if self.workers == 1 else "es")
        spider = self.crawler.spider if self.crawler is not None else None
        if spider is not None and hasattr(spider, "extractor"):
            spider.extractor = self.extract      # the spider has article pages extracted as they arrive

    def _new_pool(self) -> ProcessPoolExecutor:
        return new_pool(self.workers, self.max_tasks)

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
        if isinstance(item, PageMark):        # a feed, sitemap, error ...: only its frontier record
            await self._record(item)
            return {"url": item.url, "status": item.status}
        async with self._admitted:
            page = item.page       # extracted already when the spider asked the pool for the page's links
            if page is None and not item.extract_failed:
                page = await self.extract(item)
            if page is None:
                await self._record(item.mark("extract_error", RETRY))
                raise DropItem(f"skip {item.url}: extraction failed", log_level="DEBUG")
            if isinstance(page, Skipped):
                self.stats.inc_value(f"newsarchive/skipped/{page.reason}")
                await self._record(item.mark(skip_status(page)))
                raise DropItem(f"skip {item.url}: {page}", log_level="DEBUG")
            if page.article.charset_detected:   # its declared charset (or none) did not decode it
                self.stats.inc_value("newsarchive/charset_detected")
            result = await self._ingest(item, page)
        return {"url": item.url, "status": str(result.status), "article_id": result.article_id,
                "cluster_id": result.cluster_id}

    async def _record(self, mark: PageMark) -> None:
        """Commit a fetch's frontier record (its row and the links it holds) in the writer thread.
        When it cannot be written the row stays pending: the next run fetches the page again."""
        assert self.archive is not None
        try:
            await self._write(functools.partial(self.archive.record_page, mark), mark.url)
        except ArchiveError as exc:
            logger.warning("frontier not updated for %s: %s", mark.url, str(exc).splitlines()[0])
            self.stats.inc_value("newsarchive/error/frontier")

    async def _write(self, call: Callable[[], T], what: str) -> T:
        """Run a write in the writer thread, waiting out a locked or unreachable database for up to
        NEWSARCHIVE_DB_WAIT; past that the run fails (exit 1) and what was not written stays
        pending in the frontier, to be fetched again by the next run."""
        def counted(exc: BaseException, delay: float) -> None:
            self.stats.inc_value("newsarchive/db_wait_retries")

        failed = self.stats.get_value(FAILED_STAT)
        if failed is not None:          # the run is failing already: don't wait again for each page
            raise DatabaseUnavailable(failed)
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._writer, functools.partial(Archive.wait_out, call, what, self.db_wait, on_wait=counted))
        except DatabaseUnavailable as exc:
            if self.stats.get_value(FAILED_STAT) is None:
                logger.error("crawl failed: %s", exc)
                self.stats.set_value(FAILED_STAT, str(exc))
                if self.crawler is not None and self.crawler.engine is not None:
                    asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="archive_unavailable"))
            raise

    async def extract(self, item: PageItem, links: LinkRequest | None = None) -> PreparedPage | Skipped | None:
        """The page extracted by a pool worker, which also fingerprints the text (so the single
        writer thread does not) and, with ``links``, reads the page's links (so the spider does not
        parse it again). None when extraction failed (logged and counted)."""
        if self.archive is None or self._pool is None:
            return None
        call = extraction(item.body, item.final_url or item.url, self.archive.config.fingerprint,
                          found_via=item.found_via, content_type=item.content_type,
                          canonical_missing=item.canonical_missing, links=links)
        async with self._extracting:      # released before ingest: workers never wait on the writer
            try:
                return await asyncio.get_running_loop().run_in_executor(self._pool, call)
            except BrokenProcessPool:
                logger.warning("skip %s: an extraction worker died; restarting the pool", item.url)
                self._pool = self._new_pool()
            except Exception as exc:  # noqa: BLE001 - a bug in extraction must not stop the crawl
                logger.warning("skip %s: extraction failed (%s: %s)", item.url, type(exc).__name__, exc)
        self.stats.inc_value("newsarchive/error/extract")
        return None

    async def _ingest(self, item: PageItem, page: PreparedPage) -> IngestResult:
        assert self.archive is not None
        call = functools.partial(self.archive.ingest_article, page.article, fetched_at=item.fetched_at,
                                 found_via=item.found_via, etag=item.etag, last_modified=item.last_modified,
                                 mark=item.mark("page"), prepared=page.prepared, warc=item.warc)
        try:
            result = await self._write(call, item.url)
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

