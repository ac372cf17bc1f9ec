"""The records of one WARC file, read with fastwarc (warcio when fastwarc cannot be imported),
as ``warcread.Record`` values: every record with its offsets, and the body of each HTML response
that passes the filters. Bad records are counted and reading resumes at the next record found."""

from __future__ import annotations

import http.client
import logging
import urllib.error
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, Iterator

from archive.errors import ArchiveError
from archive.extraction.urls import host_of
from crawler.warc import FOUND_VIA_HEADER
from crawler.warcread import MAX_PAYLOAD, Record, decode_body, find_next, open_source, source_size

logger = logging.getLogger(__name__)

try:
    from fastwarc.warc import ArchiveIterator as FastIterator
    from fastwarc.warc import WarcRecordType
    READER = "fastwarc"
except ImportError:      # pragma: no cover - fastwarc has wheels for the usual platforms
    READER = "warcio"


@dataclass
class Filters:
    """Which responses are kept: exact hosts (empty: all), a WARC-Date range, a payload limit."""

    hosts: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    max_payload: int = MAX_PAYLOAD
    tally: Counter[str] = field(default_factory=Counter)    # skipped records by reason


class _Tell:
    """A stream that knows its offset in the file (fastwarc asks a stream where it is) and keeps
    the network error that broke it, if one did."""

    def __init__(self, stream: IO[bytes], base: int) -> None:
        self.stream, self.position = stream, base
        self.failed: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            data = self.stream.read(size)
        except _NETWORK_ERRORS as exc:
            self.failed = exc
            raise
        self.position += len(data)
        return data

    def tell(self) -> int:
        return self.position

    def close(self) -> None:
        self.stream.close()


# A connection that broke while reading a WARC file by URL (not bad data: the next run goes on)
_NETWORK_ERRORS = (ConnectionError, TimeoutError, http.client.HTTPException, urllib.error.URLError)
# What is a bug or a stop, never bad data
_NOT_DATA_ERRORS = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError, AttributeError, NameError, TypeError,
                    AssertionError)


class BadRecord(Exception):
    """A record that cannot be read (bad digest, body shorter than declared, bad encoding)."""


def records(source: str, start: int, filters: Filters) -> Iterator[Record]:
    """Every record of ``source`` from offset ``start``, in order. Unreadable parts are counted
    (``filters.tally["bad_record"]``) and skipped where another record can be found after them."""
    position: int | None = start
    blamed = False        # the restart follows an error after the last good record
    while position is not None:
        position, blamed = yield from _run(source, position, filters, blamed)


def _run(source: str, position: int, filters: Filters, blamed: bool) -> Iterator[Record]:
    """Read from ``position`` until the end (returns (None, _)) or an error (returns where to go on)."""
    pending: Record | None = None
    at = position
    stream = _Tell(open_source(source, position), position)
    try:
        for entry in _entries(stream, position):
            at = entry.offset
            if pending is not None:
                yield _ending(pending, at)
            elif blamed:                    # the restart found a record: what was skipped was garbage
                filters.tally["garbage"] += 1
            blamed, pending = False, None
            pending = _record(entry, filters)
        if pending is not None:
            yield _ending(pending, source_size(source) or stream_end(stream, pending))
        return None, False
    except BadRecord as exc:                # the record at ``at`` is bad; the one before it was good
        logger.warning("skip the record at %s:%d: %s", source, at, exc)
        filters.tally["bad_record"] += 1
        if pending is not None:
            yield _ending(pending, at)
        return find_next(source, at), False
    except BaseException as exc:    # fastwarc reports a broken stream as OSError or a Rust panic
        if isinstance(exc, _NOT_DATA_ERRORS):
            raise
        lost = exc if isinstance(exc, _NETWORK_ERRORS) else getattr(stream, "failed", None)
        if lost is not None:        # not bad data: the connection broke; the next run goes on from here
            raise ArchiveError(f"{source}: reading stopped at {at} ({lost}); run the import again to go on") from None
        return (yield from _recover(source, position, pending, filters, blamed, exc))
    finally:
        stream.close()


def _recover(source: str, position: int, pending: Record | None, filters: Filters, blamed: bool,
             exc: BaseException) -> Iterator[Record]:
    """The stream broke after ``pending`` (or at ``position``): end ``pending`` at the next record
    start and go on there; a failure at a restart point is that record's fault."""
    if pending is None:
        logger.warning("skip unreadable data at %s:%d: %s", source, position, str(exc).splitlines()[0][:200])
        filters.tally["bad_record"] += 1
        return find_next(source, position), False
    resume = find_next(source, pending.offset)
    yield _ending(pending, resume if resume is not None else (source_size(source) or pending.offset))
    if resume is None:
        filters.tally["bad_record"] += 1
    return resume, resume is not None


def stream_end(stream: _Tell, pending: Record) -> int:
    return stream.position if READER == "fastwarc" else pending.offset


def _ending(record: Record, end: int) -> Record:
    from dataclasses import replace

    return replace(record, end=end)


@dataclass
class _Entry:
    """One record as either reader gives it."""

    offset: int
    kind: str
    headers: Any                        # .get(name)
    length: int
    raw: Any                            # the reader's own record


def _entries(stream: _Tell, base: int) -> Iterator[_Entry]:
    if READER == "fastwarc":
        for rec in FastIterator(stream, parse_http=False):
            kind = "response" if rec.record_type == WarcRecordType.response else "other"
            yield _Entry(rec.stream_pos, kind, rec.headers, rec.content_length, rec)
        return
    from warcio.archiveiterator import ArchiveIterator

    raw = stream.stream                 # warcio reads the stream itself (it does not read through _Tell)
    iterator = ArchiveIterator(raw, check_digests=True)
    for rec in iterator:
        headers = rec.rec_headers
        offset = iterator.offset + (0 if raw.seekable() else base)   # warcio asks a file where it is
        yield _Entry(offset, rec.rec_type, _WarcioHeaders(headers),
                     int(headers.get_header("Content-Length") or 0), rec)


class _WarcioHeaders:
    def __init__(self, headers: Any) -> None:
        self.headers = headers

    def get(self, name: str, default: Any = None) -> Any:
        return self.headers.get_header(name, default)


def _record(entry: _Entry, filters: Filters) -> Record:
    """The record at ``entry``; its page (``body``) when it is a kept HTML response."""
    plain = Record(entry.offset, entry.offset)
    if entry.kind != "response":
        return plain
    url = entry.headers.get("WARC-Target-URI") or ""
    reason = _filtered(url, entry, filters)
    if reason is None:
        status, http = _http(entry)
        content_type = http.get("Content-Type")
        if status != 200:
            reason = "not_ok_status"
        elif content_type and "html" not in content_type.lower():
            reason = "not_html"
        else:
            body = _payload(entry, http.get("Content-Encoding"), filters.max_payload)
            if body is None:
                reason = "oversized"
    if reason is not None:
        filters.tally[reason] += 1
        return plain
    return Record(entry.offset, entry.offset, url=url, date=_date(entry), record_id=entry.headers.get("WARC-Record-ID"),
                  digest=entry.headers.get("WARC-Payload-Digest"), found_via=entry.headers.get(FOUND_VIA_HEADER),
                  content_type=content_type, etag=http.get("ETag"), last_modified=http.get("Last-Modified"), body=body)


def _filtered(url: str, entry: _Entry, filters: Filters) -> str | None:
    """Why a response is skipped before its body is read (cheap checks), or None."""
    if not url.startswith(("http://", "https://")):
        return "not_http"
    if filters.hosts and host_of(url) not in filters.hosts:
        return "host"
    if filters.since or filters.until:
        date = _date(entry)
        if date is None or (filters.since and date < filters.since) or (filters.until and date >= filters.until):
            return "date"
    if entry.length > filters.max_payload + 65536:
        return "oversized"
    return None


def _date(entry: _Entry) -> datetime | None:
    value = entry.headers.get("WARC-Date")
    try:
        date = datetime.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None
    return date if date is None or date.tzinfo else date.replace(tzinfo=UTC)


def _http(entry: _Entry) -> tuple[int, Any]:
    """The HTTP status and headers of a response (BadRecord when its digest does not verify)."""
    rec = entry.raw
    if READER == "fastwarc":
        if entry.headers.get("WARC-Block-Digest") and not rec.verify_block_digest(consume=False):
            raise BadRecord("its block digest does not verify (wrong Content-Length or damaged data)")
        rec.parse_http()
        if rec.http_headers is None:
            raise BadRecord("no HTTP header block")
        return rec.http_headers.status_code, rec.http_headers
    if rec.http_headers is None:
        raise BadRecord("no HTTP header block")
    return int(rec.http_headers.get_statuscode() or 0), _WarcioHeaders(rec.http_headers)


def _payload(entry: _Entry, encoding: str | None, limit: int) -> bytes | None:
    """The page's bytes with any Content-Encoding undone; None when larger than ``limit``."""
    rec = entry.raw
    try:
        if READER == "fastwarc":
            return decode_body(rec.reader.read(), encoding, limit)
        body = rec.content_stream().read()     # warcio undoes the Content-Encoding itself
        if rec.digest_checker.passed is False:
            raise BadRecord("its digest does not verify")
        return body if len(body) <= limit else None
    except ValueError as exc:
        if str(exc) == "oversized":
            return None
        raise BadRecord(str(exc)) from exc
