"""Reading WARC files: the response records of a file (fastwarc; warcio when fastwarc cannot be
imported), one record at a known offset, a file's identity. Files are local paths or http(s) URLs,
gzip-compressed per record or not.

Bad records (a truncated gzip member, a wrong Content-Length, a malformed header block, a payload
whose digest does not verify) are counted and skipped: reading goes on at the next record that
can be found in a local file.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.request
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from archive.errors import NotWarc

logger = logging.getLogger(__name__)

MAX_PAYLOAD = 10 * 1024 * 1024        # bytes; a larger page is skipped ("oversized"), as a crawl drops it
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = b"WARC/1."
_SCAN = 1 << 20



@dataclass(frozen=True, slots=True)
class Record:
    """One record of a file: where it is, what it is, and (for a kept HTML response) its page."""

    offset: int
    end: int                            # offset of the next record: where a resumed import starts
    url: str | None = None
    date: datetime | None = None
    record_id: str | None = None
    digest: str | None = None
    found_via: str | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body: bytes | None = None           # None: not a page to import (see the reader's counts)

    @property
    def length(self) -> int:
        return self.end - self.offset


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def open_source(source: str, offset: int = 0) -> IO[bytes]:
    """A binary stream of ``source`` from ``offset`` (an HTTP Range request for a URL)."""
    if not is_url(source):
        handle = open(source, "rb")       # noqa: SIM115 - the caller closes it
        handle.seek(offset)
        return handle
    request = urllib.request.Request(source, headers={"Range": f"bytes={offset}-"} if offset else {})
    response = urllib.request.urlopen(request, timeout=60)   # noqa: S310 - http(s) only (is_url)
    if offset and response.status != 206:      # the server ignored the range: skip to the offset
        _skip(response, offset)
    return response


def _skip(stream: IO[bytes], count: int) -> None:
    while count > 0:
        chunk = stream.read(min(count, _SCAN))
        if not chunk:
            return
        count -= len(chunk)


def source_size(source: str) -> int | None:
    if not is_url(source):
        return Path(source).stat().st_size
    with urllib.request.urlopen(urllib.request.Request(source, method="HEAD"), timeout=60) as response:  # noqa: S310
        length = response.headers.get("Content-Length")
        return int(length) if length and length.isdigit() else None


def first_digest(source: str) -> str:
    """The identity of a file's first record: a SHA-1 of its first 64 KiB (or all of it), which
    holds the first record's header block. Raises NotWarc when the file is not WARC at all."""
    with open_source(source) as stream:
        head = stream.read(65536)
    if not head:
        raise NotWarc(f"{source}: empty file, not a WARC file")
    if not _peek(head).startswith(_WARC_MAGIC):
        raise NotWarc(f"{source}: not a WARC file (it does not start with a WARC/1.x record)")
    return "sha1:" + hashlib.sha1(head).hexdigest()


def _peek(head: bytes) -> bytes:
    """The first bytes of the (decompressed) file."""
    if head.startswith(_GZIP_MAGIC[:2]):
        try:
            return zlib.decompressobj(31).decompress(head, 16)
        except zlib.error:
            return b""
    return head[:16]


def find_next(source: str, after: int) -> int | None:
    """The offset of the next record start after ``after`` in a local file (a gzip member that
    opens with a WARC header, or a ``WARC/1.x`` line), or None (none, or ``source`` is a URL)."""
    if is_url(source):
        return None
    with open(source, "rb") as handle:
        position = after + 1
        while True:
            handle.seek(position)
            chunk = handle.read(_SCAN + 65536)
            if not chunk:
                return None
            starts = sorted(_candidates(chunk))
            for index in starts:
                if index < _SCAN and _peek(chunk[index:index + 65536]).startswith(_WARC_MAGIC):
                    return position + index
            if len(chunk) <= _SCAN:
                return None
            position += _SCAN


def _candidates(chunk: bytes) -> set[int]:
    """Where a record may start in ``chunk``: a gzip header, or a WARC/1.x line."""
    found: set[int] = set()
    for magic, shift in ((_GZIP_MAGIC, 0), (b"\n" + _WARC_MAGIC, 1)):
        index = chunk.find(magic)
        while index != -1:
            found.add(index + shift)
            index = chunk.find(magic, index + 1)
    if chunk.startswith(_WARC_MAGIC):
        found.add(0)
    return found


def decode_body(body: bytes, encoding: str | None, limit: int = MAX_PAYLOAD) -> bytes:
    """Undo a Content-Encoding (gzip, deflate, br); ValueError when it cannot be undone or the
    result is larger than ``limit``."""
    coding = (encoding or "").strip().lower()
    if coding in ("", "identity"):
        return body
    try:
        if coding in ("gzip", "x-gzip"):
            out = zlib.decompressobj(31).decompress(body, limit + 1)
        elif coding == "deflate":
            try:
                out = zlib.decompressobj().decompress(body, limit + 1)
            except zlib.error:
                out = zlib.decompressobj(-15).decompress(body, limit + 1)
        elif coding == "br":
            import brotli

            out = brotli.decompress(body)
        else:
            raise ValueError(f"unknown Content-Encoding {coding}")
    except Exception as exc:       # zlib.error, brotli.error, a missing brotli module
        raise ValueError(f"Content-Encoding {coding}: {exc}") from exc
    if len(out) > limit:
        raise ValueError("oversized")
    return out


@dataclass(frozen=True, slots=True)
class StoredPage:
    """A response record read back: its HTTP head as stored, body (Content-Encoding undone),
    Content-Type and how the crawl found the URL (when a crawl of ours wrote it)."""

    head: bytes
    body: bytes
    content_type: str | None
    found_via: str | None


def read_response(source: str, offset: int) -> StoredPage:
    """The response record at ``offset`` of ``source``. ValueError when no response is there."""
    from warcio.archiveiterator import ArchiveIterator

    from crawler.warc import FOUND_VIA_HEADER

    with open_source(source, offset) as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                raise ValueError(f"no response record at offset {offset}")
            return StoredPage(record.http_headers.to_bytes(), record.content_stream().read(),
                              record.http_headers.get_header("Content-Type"),
                              record.rec_headers.get_header(FOUND_VIA_HEADER))
    raise ValueError(f"no record at offset {offset}")
