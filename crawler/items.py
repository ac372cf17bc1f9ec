"""The items the spider hands to the pipeline: a fetched HTML page (``PageItem``), or the frontier
record of a fetch that holds no page to archive (``archive.frontier.PageMark``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from archive.extraction.article import WarcRef
from archive.storage.frontier import Link


@dataclass(frozen=True, slots=True)
class PageItem:
    """A fetched page, before extraction.

    ``url`` is the normalised URL the spider scheduled; ``final_url`` the normalised URL after
    redirects. ``found_via`` is one of ``seed``, ``feed``, ``sitemap``, ``news_sitemap``, ``link``.
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
    warc: WarcRef | None = None           # where the response is stored (NEWSARCHIVE_WARC_DIR)

    def __repr__(self) -> str:           # keep log lines short: never print the body
        return f"PageItem(url={self.url!r}, status={self.status}, found_via={self.found_via!r})"
