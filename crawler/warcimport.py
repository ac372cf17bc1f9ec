"""Import WARC files into the archive: each HTML response goes through the crawl's extraction pool
and the archive's writer (chrome learning, fingerprinting, clustering), in record order, with the
file's position committed with each article, so a killed import resumes where it stopped."""

from __future__ import annotations

import glob
import logging
import os
from collections import Counter, deque
import threading
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, TextIO

from archive import Archive
from archive.config import ArchiveConfig
from archive.errors import ArchiveError
from archive.extraction.article import ImportMark, IngestStatus, Skipped, WarcRef
from archive.extraction.extract import PreparedPage
from archive.extraction.urls import normalize_url
from crawler.pool import extraction, freeze_startup_objects, new_pool, usable_cpus
from crawler.warcread import NotWarc, first_digest, is_url, source_size
from crawler.warcrecords import READER, Filters, records
from crawler.warcprogress import ImportProgress
from crawler.warcshare import SharedFiles, claimed_files

logger = logging.getLogger(__name__)

AHEAD = 4               # records per extraction worker between reading and committing
SKIPPED_COMMIT = 500    # records without an article after which the position is committed anyway


@dataclass
class ImportReport:
    """What one import did: records read, articles by status, records skipped by reason, files."""

    records: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    files_done: int = 0
    files_refused: list[str] = field(default_factory=list)     # one-line reasons
    bytes_read: int = 0                 # of the files, by this run
    bytes_before: int = 0               # of the files, by earlier runs (where this one started)
    reader: str = READER

    @property
    def articles(self) -> int:
        return sum(v for k, v in self.statuses.items() if k != str(IngestStatus.SKIPPED))

    def summary(self) -> str:
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())) or "none"
        return (f"{self.records} records read from {self.files_done} files, {self.statuses['new']} new articles, "
                f"{self.statuses['duplicate']} duplicates, {self.statuses['updated']} updated, "
                f"{self.statuses['unchanged']} unchanged; skipped: {skipped}; {len(self.files_refused)} files refused")


def expand_sources(paths: list[str]) -> list[str]:
    """Files, globs and http(s) URLs to a list of absolute paths and URLs, in order, once each.
    A pattern or path that names no file raises ValueError (a usage error)."""
    found: list[str] = []
    for path in paths:
        if is_url(path):
            found.append(path)
            continue
        matches = sorted(glob.glob(os.path.expanduser(path))) if glob.has_magic(path) else [path]
        matches = [m for m in matches if Path(m).is_file()]
        if not matches:
            raise ValueError(f"no WARC file at {path}")
        found.extend(str(Path(m).resolve()) for m in matches)
    return list(dict.fromkeys(found))


@dataclass
class Importer:
    """One worker's import into one archive (see ``import_files``)."""

    archive: Archive
    filters: Filters
    workers: int
    limit: int | None = None
    report: ImportReport = field(default_factory=ImportReport)
    on_record: Callable[[ImportReport], None] | None = None
    pages: int = 0
    _since_commit: int = 0      # records read since the position was last committed
    refused: set[str] = field(default_factory=set)

    def run(self, sources: list[str], shared: SharedFiles | None = None) -> ImportReport:
        """Import ``sources`` one after another; with ``shared``, the files of the shared list this
        worker claims (see crawler.warcshare)."""
        pool = new_pool(self.workers)
        freeze_startup_objects()
        try:
            if shared is None:
                claimed: Iterable[tuple[str, threading.Event | None]] = ((s, None) for s in sources)
            else:
                shared.add(sources)
                claimed = claimed_files(shared, self.archive.import_states, self.refused)
            for source, lost in claimed:
                if self.limit is not None and self.pages >= self.limit:
                    break
                self._file(source, pool, lost)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        self.report.skipped.update(self.filters.tally)
        return self.report

    def _file(self, source: str, pool: Executor, lost: threading.Event | None) -> None:
        try:
            identity = (source_size(source), first_digest(source))
            start, count, done = self.archive.import_begin(source, *identity)
        except (NotWarc, ArchiveError, OSError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            logger.error("%s", message if source in message else f"{source}: {message}")
            self.report.files_refused.append(message)
            self.refused.add(source)
            return
        if done:
            logger.info("%s: imported already", source)
            self.report.files_done += 1
            self.report.bytes_before += identity[0] or 0
            return
        self.report.bytes_before += start
        ended = self._read(source, start, count, pool, lost)
        self.report.files_done += ended

    def _read(self, source: str, start: int, count: int, pool: Executor, lost: threading.Event | None) -> bool:
        """Read ``source`` from ``start``; True when it was read to its end."""
        window: deque[tuple[ImportMark, object, Future | None]] = deque()
        mark, finished = ImportMark(source, start, count), True
        for record in records(source, start, self.filters):
            if lost is not None and lost.is_set():     # another worker has the file now: leave it
                return False
            count += 1
            self.report.records += 1
            self.report.bytes_read += max(record.end - mark.next_offset, 0)
            mark = ImportMark(source, record.end, count)
            future = None
            if record.body is not None:
                self.pages += 1
                future = pool.submit(extraction(record.body, normalize_url(record.url), self.archive.config.fingerprint,
                                                found_via=record.found_via, content_type=record.content_type))
            window.append((mark, record, future))
            if len(window) >= AHEAD * self.workers:
                self._commit(window.popleft())
            if self.on_record is not None:
                self.on_record(self.report)
            if self.limit is not None and self.pages >= self.limit:
                finished = False
                break
        while window:
            self._commit(window.popleft())
        self.archive.import_advance(mark, done=finished)
        return finished

    def _commit(self, entry: tuple[ImportMark, object, Future | None]) -> None:
        """Ingest one record's page (its position commits with it); a record without an article
        only moves the position, committed every SKIPPED_COMMIT such records."""
        mark, record, future = entry
        article = self._result(record, future) if future is not None else None
        if article is None:
            self._since_commit += 1
            if self._since_commit >= SKIPPED_COMMIT:
                self.archive.import_advance(mark)
                self._since_commit = 0
            return
        ref = WarcRef(mark.source, record.offset, record.length, record.record_id, record.digest)
        prepared = None
        if isinstance(article, PreparedPage):   # the pool's workers fingerprint the text too
            article, prepared = article.article, article.prepared
        result = self.archive.ingest_article(article, fetched_at=record.date, found_via=record.found_via,
                                             etag=record.etag, last_modified=record.last_modified, warc=ref,
                                             prepared=prepared, progress=mark)
        self._since_commit = 0
        if result.status is IngestStatus.SKIPPED and result.skipped is not None:
            self.report.skipped[str(result.skipped.reason)] += 1
        else:
            self.report.statuses[str(result.status)] += 1

    def _result(self, record, future: Future):  # noqa: ANN001, ANN202
        try:
            article = future.result()
        except BrokenProcessPool:
            raise ArchiveError("an extraction worker died; run the import again to go on") from None
        except Exception as exc:  # noqa: BLE001 - a bug in extraction must not stop the import
            logger.warning("skip %s: extraction failed (%s: %s)", record.url, type(exc).__name__, exc)
            self.report.skipped["extract_error"] += 1
            return None
        if isinstance(article, Skipped):
            self.report.skipped[str(article.reason)] += 1
            return None
        return article


def import_files(db_url: str, paths: list[str], *, filters: Filters | None = None, limit: int | None = None,
                 workers: int = 0, config: ArchiveConfig | None = None, shared: SharedFiles | None = None,
                 live: TextIO | None = None) -> ImportReport:
    """Import the WARC files ``paths`` (files, globs, URLs) into the archive at ``db_url``; with
    ``shared``, together with the other workers given the same Redis list. Progress goes to
    ``live`` (a terminal) as one line, else to the log every 30 s."""
    sources = expand_sources(paths)
    local = [s for s in sources if not is_url(s)]
    total = sum(Path(s).stat().st_size for s in local) if len(local) == len(sources) and not shared else None
    progress = ImportProgress(live, total, len(sources))
    try:
        with Archive(db_url, config) as archive:
            importer = Importer(archive, filters or Filters(), workers or usable_cpus(), limit, on_record=progress)
            return importer.run(sources, shared)
    finally:
        progress.close()
