"""WARC capture: every response the crawl receives, with its request, written to WARC/1.1 files
(warcio's writer, gzip per record, a warcinfo record per file, rotated at a size).

Enabled by ``NEWSARCHIVE_WARC_DIR`` (``newsarchive crawl --warc DIR``). The middleware sits next to
the downloader, so it stores the response as received (before decompression and redirects) and
the request as sent. Where each response went (file, offset, length, record id, payload digest)
travels with the request's meta to the spider, the PageItem and the archive.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import io
import logging
import os
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archive.extraction.article import WarcRef

if TYPE_CHECKING:
    from typing_extensions import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

META_KEY = "newsarchive_warc"          # request.meta: (WarcRef, WARC-Date) of the response stored
FOUND_VIA_HEADER = "Newsarchive-Found-Via"     # how the crawl found the URL (a hint to extraction)
DEFAULT_MAX_SIZE = 1_000_000_000       # bytes a WARC file grows to before the next one starts
GZIP_LEVEL = 6
# Headers that describe the bytes on the wire, not the body Scrapy hands over (already de-chunked).
_WIRE_HEADERS = {b"transfer-encoding"}
_SIZE_RE = re.compile(r"^\s*(\d+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def parse_size(value: Any) -> int:
    """Bytes in ``1000000``, ``100M``, ``1G`` or ``1GB`` (decimal units).

    >>> parse_size("1G"), parse_size("250MB"), parse_size(4096)
    (1000000000, 250000000, 4096)
    """
    match = _SIZE_RE.match(str(value))
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"not a size: {value!r} (use e.g. 1000000, 100M or 1G)")
    return int(match.group(1)) * 1000 ** " kmgt".index(match.group(2).lower() or " ")


class WarcFiles:
    """WARC files in one folder, named so that they sort by time and never collide between
    workers: ``newsarchive-YYYYmmddHHMMSS-<host>-<pid>-<seq>.warc.gz``. A file ends once it
    reaches ``max_size`` bytes; the next record starts the next one."""

    def __init__(self, folder: str | Path, max_size: int = DEFAULT_MAX_SIZE, prefix: str = "newsarchive") -> None:
        self.folder = Path(folder).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_size, self.prefix = max_size, prefix
        self._started = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self._host = re.sub(r"[^A-Za-z0-9.]+", "_", socket.gethostname()) or "host"
        self._seq = 0
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self._writer: WARCWriter | None = None
        self.files: list[Path] = []

    def _open(self) -> WARCWriter:
        if self._writer is not None and self._file is not None and self._file.tell() < self.max_size:
            return self._writer
        self.close()
        self._seq += 1
        name = f"{self.prefix}-{self._started}-{self._host}-{os.getpid()}-{self._seq:05d}.warc.gz"
        self._path = self.folder / name
        self._file = open(self._path, "xb")      # noqa: SIM115 - kept open across records; "x": never overwrite
        self._writer = WARCWriter(io.BytesIO(), gzip=False, warc_version="1.1")
        info = {"software": "newsarchive (warcio)", "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "hostname": socket.gethostname()}
        self._append(self._writer.create_warcinfo_record(name, info))
        self.files.append(self._path)
        return self._writer

    def _append(self, record: Any) -> tuple[int, int]:
        """Write one record as a gzip member of its own; return its offset and length. warcio
        serialises it; it is compressed here at level 6 (warcio's own gzip uses level 9, several
        times slower for a few percent of size)."""
        assert self._writer is not None and self._file is not None
        buffer = self._writer.out = io.BytesIO()
        self._writer.write_record(record)
        member = gzip.compress(buffer.getvalue(), compresslevel=GZIP_LEVEL)
        offset = self._file.tell()
        self._file.write(member)
        return offset, len(member)

    def write_exchange(self, request: Request, response: Response, found_via: str | None = None) -> tuple[WarcRef, datetime]:
        """Write ``response`` and then ``request`` (WARC-Concurrent-To the response); return where
        the response record is and its WARC-Date. The bytes reach the OS before this returns."""
        writer = self._open()
        assert self._file is not None and self._path is not None
        date = datetime.now(UTC)
        warc_headers = {"WARC-Date": datetime_to_iso_date(date, use_micros=True)}
        if response.ip_address is not None:
            warc_headers["WARC-IP-Address"] = str(response.ip_address)
        if found_via:
            warc_headers[FOUND_VIA_HEADER] = found_via
        if "download_stopped" in response.flags:
            warc_headers["WARC-Truncated"] = "length"
        record = writer.create_warc_record(response.url, "response", payload=io.BytesIO(response.body),
                                           length=len(response.body), http_headers=_response_headers(response),
                                           warc_headers_dict=warc_headers)
        offset, length = self._append(record)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        sent = writer.create_warc_record(response.url, "request", payload=io.BytesIO(request.body or b""),
                                         length=len(request.body or b""), http_headers=_request_headers(request),
                                         warc_headers_dict={"WARC-Date": warc_headers["WARC-Date"],
                                                            "WARC-Concurrent-To": record_id})
        self._append(sent)
        self._file.flush()
        ref = WarcRef(str(self._path), offset, length, record_id, record.rec_headers.get_header("WARC-Payload-Digest"))
        return ref, date

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = self._writer = None


def _response_headers(response: Response) -> StatusAndHeaders:
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = ""
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in response.headers.items()
               for v in values if k.lower() not in _WIRE_HEADERS]
    return StatusAndHeaders(f"{response.status} {phrase}".strip(), headers, protocol=response.protocol or "HTTP/1.1")


def _request_headers(request: Request) -> StatusAndHeaders:
    from urllib.parse import urlsplit

    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc)] + [(k.decode("latin-1"), v.decode("latin-1"))
                                           for k, values in request.headers.items() for v in values]
    return StatusAndHeaders(f"{request.method} {target}", headers, protocol="HTTP/1.1", is_http_request=True)


class WarcCaptureMiddleware:
    """Downloader middleware: store each response with its request (see the module docstring)."""

    def __init__(self, files: WarcFiles) -> None:
        self.files = files
        self.failed = False
        # One thread writes, in the order responses arrive: compressing and hashing a page stays
        # off the reactor's thread (zlib and hashlib release the GIL).
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsarchive-warc")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        folder = crawler.settings.get("NEWSARCHIVE_WARC_DIR") or os.environ.get("NEWSARCHIVE_WARC_DIR")
        if not folder:
            raise NotConfigured("NEWSARCHIVE_WARC_DIR is not set")
        size = parse_size(crawler.settings.get("NEWSARCHIVE_WARC_MAX_SIZE") or DEFAULT_MAX_SIZE)
        middleware = cls(WarcFiles(folder, size))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        write = functools.partial(self.files.write_exchange, request, response, request.meta.get("found_via", "link"))
        try:
            request.meta[META_KEY] = await asyncio.get_running_loop().run_in_executor(self._writer, write)
        except OSError as exc:        # a full disk: the crawl goes on, the page is archived without its source
            request.meta.pop(META_KEY, None)
            if not self.failed:
                logger.error("WARC capture failed: %s (pages are archived without their raw response)", exc)
            self.failed = True
            spider.crawler.stats.inc_value("newsarchive/error/warc")
        return response

    def spider_closed(self, spider: Spider) -> None:
        self._writer.shutdown(wait=True)
        self.files.close()
