"""The items the spider hands to the pipeline: a fetched HTML page (``PageItem``), or the frontier
record of a fetch that holds no page to archive (``archive.storage.records.PageMark``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from archive.extraction.article import Skipped, WarcRef
from archive.extraction.extract import PreparedPage
from archive.storage.records import DONE, Link, PageMark


@dataclass(frozen=True, slots=True)
class PageItem:
    """A fetched page, before extraction.

    ``url`` is the normalised URL the spider scheduled; ``final_url`` the normalised URL after
    redirects. ``found_via`` is one of ``seed``, ``feed``, ``sitemap``, ``news_sitemap``, ``link``.
    ``canonical_missing``: see ``crawler.alternates``.
    """

    url: str
    final_url: str
    status: int
    content_type: str | None
    body: bytes
    found_via: str
    fetched_at: datetime                 # UTC, timezone-aware
    etag: str | None = None
    last_modified: str | None = None
    links: tuple[Link, ...] = ()          # in-scope links the page holds, for the frontier
    depth: int = 0
    run_id: int | None = None
    canonical_missing: bool = False       # the same-site canonical it declares is missing: not an alternate
    warc: WarcRef | None = None           # where the response is stored (NEWSARCHIVE_WARC_DIR)
    page: PreparedPage | Skipped | None = None   # extracted already (with its links) by the spider's call
    extract_failed: bool = False          # that extraction failed (logged and counted)

    def __repr__(self) -> str:           # keep log lines short: never print the body
        return f"PageItem(url={self.url!r}, status={self.status}, found_via={self.found_via!r})"

    def canonical_is_missing(self) -> PageItem:
        """This page marked ``canonical_missing``: an extraction made without knowing it is dropped."""
        return replace(self, canonical_missing=True, page=None, extract_failed=False)

    def mark(self, status: str, outcome: str = DONE) -> PageMark:
        """The page's frontier record: its URL (and the URL it was redirected to) and its links."""
        return page_mark(self.url, status, outcome, final_url=self.final_url, links=self.links, depth=self.depth,
                         found_via=self.found_via, run_id=self.run_id)


def page_mark(url: str, status: str, outcome: str = DONE, *, final_url: str | None = None,
              links: tuple[Link, ...] = (), depth: int = 0, found_via: str | None = None,
              run_id: int | None = None, retry_at: datetime | None = None) -> PageMark:
    """The frontier record of a fetch of ``url``: the one place a PageMark is built. The URL it was
    redirected to, when another, is an alias: the same fetch answered for both."""
    aliases = (final_url,) if final_url and final_url != url else ()
    return PageMark(url, outcome, status, links, aliases, depth=depth, found_via=found_via, run_id=run_id,
                    retry_at=retry_at)
