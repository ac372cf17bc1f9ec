"""Retries with backoff per host: ``Retry-After`` on 429/503 honoured, bounded, other hosts unaffected."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.asyncio import call_later
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from typing_extensions import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

RETRY_AFTER_CODES = frozenset({429, 503})


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).

    None when the header is absent or unreadable; a date in the past gives 0.

    >>> parse_retry_after("120")
    120.0
    >>> parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", now=datetime(2026, 10, 21, 7, 27, 30, tzinfo=UTC))
    30.0
    >>> parse_retry_after("soon") is None
    True
    """
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff(retry_times: int, base: float, cap: float) -> float:
    """Exponential backoff before retry number ``retry_times + 1``: base, 2·base, 4·base ... capped.

    >>> [backoff(n, 1.0, 5.0) for n in range(4)]
    [1.0, 2.0, 4.0, 5.0]
    """
    return min(cap, base * 2 ** retry_times)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, but a retry waits, and the whole host waits with it.

    A 429 or 503 with ``Retry-After`` holds the host's download slot for that long (at most
    NEWSARCHIVE_RETRY_AFTER_MAX seconds; a longer wait is not retried this run). Any other retry
    (5xx, timeout, lost connection) holds the slot for an exponential backoff from
    NEWSARCHIVE_RETRY_BACKOFF_BASE up to NEWSARCHIVE_RETRY_BACKOFF_MAX. Other hosts are not delayed.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        settings = crawler.settings
        self.backoff_base = settings.getfloat("NEWSARCHIVE_RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("NEWSARCHIVE_RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("NEWSARCHIVE_RETRY_AFTER_MAX", 600.0)
        self._held_until: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = self._wait_for(request, response)
        if wait is None:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        self._hold_host(request, wait)
        return retry

    def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if retry is not None:
            self._hold_host(request, self._backoff(request))
        return retry

    def _backoff(self, request: Request) -> float:
        return backoff(request.meta.get("retry_times", 0), self.backoff_base, self.backoff_max)

    def _wait_for(self, request: Request, response: Response) -> float | None:
        """The wait before the retry, or None when the server asks for more than we allow."""
        if response.status not in RETRY_AFTER_CODES:
            return self._backoff(request)
        asked = parse_retry_after(response.headers.get(b"Retry-After"))
        if asked is None:
            return self._backoff(request)
        if asked > self.retry_after_max:
            logger.info("not retrying %s this run: HTTP %d asks to wait %.0f s (limit %.0f s)",
                        request.url, response.status, asked, self.retry_after_max)
            self.crawler.stats.inc_value("newsarchive/retry_after_too_long")
            return None
        self.crawler.stats.inc_value("newsarchive/retry_after_honoured")
        return asked

    def _hold_host(self, request: Request, wait: float) -> None:
        """Keep the request's download slot (its host) from starting a download for ``wait`` s.

        Uses the downloader's slot ``latercall``, the mechanism DOWNLOAD_DELAY itself uses: a slot
        with a pending latercall starts nothing until it fires, whatever DOWNLOAD_DELAY is.
        """
        if wait <= 0:
            return
        downloader = self.crawler.engine.downloader if self.crawler.engine else None
        key = downloader.get_slot_key(request) if downloader is not None else None
        slot = downloader.slots.get(key) if downloader is not None else None
        if slot is None or not hasattr(slot, "latercall") or not hasattr(downloader, "_latercall"):
            logger.debug("cannot hold download slot %s (Scrapy internals changed)", key)
            return
        until = max(monotonic() + wait, self._held_until.get(key, 0.0))
        self._held_until[key] = until
        if slot.latercall is not None:
            slot.latercall.cancel()
        slot.latercall = call_later(until - monotonic(), downloader._latercall, slot)  # noqa: SLF001
        logger.debug("holding host %s for %.1f s before retrying %s", key, wait, request.url)
