"""The progress of `import-warc`: a live line on a terminal's stderr, refreshed every second, or a
log line every 30 seconds otherwise: records, articles, duplicates, MB/s, files, time left."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from crawler.warcimport import ImportReport

logger = logging.getLogger(__name__)


class ImportProgress:
    """Call it with the import's report after each record; it shows the status when due."""

    def __init__(self, stream: TextIO | None, total_bytes: int | None, files: int) -> None:
        self.stream = stream                   # a terminal: one live line; None: log lines
        self.total_bytes, self.files = total_bytes, files
        self.interval = 1.0 if stream is not None else 30.0
        self.started = self.shown = time.monotonic()
        self._width = 0

    def __call__(self, report: ImportReport) -> None:
        now = time.monotonic()
        if now - self.shown < self.interval:
            return
        self.shown = now
        line = self.line(report, now - self.started)
        if self.stream is None:
            logger.info("%s", line)
            return
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def line(self, report: ImportReport, seconds: float) -> str:
        rate = report.bytes_read / max(seconds, 1e-6)
        left = ""
        if self.total_bytes and rate > 0:
            remaining = max(self.total_bytes - report.bytes_read - report.bytes_before, 0) / rate
            left = f" | left {int(remaining // 3600)}:{int(remaining % 3600 // 60):02d}:{int(remaining % 60):02d}"
        return (f"records {report.records} | articles {report.articles} | duplicates {report.statuses['duplicate']} | "
                f"{rate / 1e6:.1f} MB/s | files {report.files_done}/{self.files}{left}")

    def close(self) -> None:
        if self.stream is not None and self._width:
            self.stream.write("\n")
            self.stream.flush()
