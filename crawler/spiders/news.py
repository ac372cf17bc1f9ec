"""NewsSpider: detect each seed's kind, stay on the seeds' hosts, and hand HTML pages to the pipeline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider, StopDownload
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.spidermiddlewares.httperror import HttpError

from archive.storage.records import DONE, GONE, RETRY, Link, PageMark
from archive.extraction.pagelinks import LinkRequest
from archive.extraction.urls import host_of, normalize_url, url_key
from crawler import discovery
from crawler.alternates import Alternates
from crawler.discovery import DiscoveryError, Kind
from crawler.errorkinds import error_kind
from crawler.guards import InternalAddress
from crawler.incremental import Fresh, KnownDead, NotModified
from crawler.items import PageItem, page_mark
from crawler.seeds import parse_max_pages, parse_seeds  # noqa: F401 - part of the spider's module API
from crawler.progress import DEAD_LINK_KINDS
from crawler.middlewares import BUDGET_SENT_STAT, OutOfScope, PageBudgetExhausted, RobotsDisallowed
from crawler.warc import META_KEY as WARC_META

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Container, Iterable, Iterator

    from archive.extraction.article import Skipped
    from archive.extraction.extract import PreparedPage

    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Response
    from twisted.python.failure import Failure
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# Content types worth downloading: HTML pages, feeds and sitemaps (xml), robots.txt (text), gzip
# sitemaps. Anything else is stopped as soon as its headers arrive.
ACCEPTED_TYPES = ("html", "xml", "text/", "gzip")
_IGNORED_SUFFIXES = tuple(f".{ext}" for ext in IGNORED_EXTENSIONS)
MAX_LINKS_PER_PAGE = 1000    # links of one HTML page followed (NEWSARCHIVE_MAX_LINKS_PER_PAGE)
MAX_URL_LENGTH = 2083        # longer URLs are neither followed nor kept (URLLENGTH_LIMIT, as Scrapy's own check)
RESUME_POLL = 0.05           # seconds between looks at the downloader while it has no room
SCOPE_CACHE = 50_000     # link URLs whose normalised form the spider remembers
# Feed and news-sitemap entries are likely articles: fetch them before plain links.
PRIORITY = {"seed": 30, "sitemap": 20, "news_sitemap": 15, "feed": 15, "link": 0}

class NewsSpider(scrapy.Spider):
    """Crawl news sites from seeds of any kind: home pages, feeds, sitemaps, robots.txt.

    ``scrapy crawl news -a seeds=https://example.org/,https://example.org/feed -a max_pages=100``
    """

    name = "news"

    def __init__(self, seeds: str | Iterable[str] | None = None, max_pages: str | int | None = None,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seeds = [normalize_url(url) for url in parse_seeds(seeds)]
        self.max_pages = parse_max_pages(max_pages)
        self.scope = frozenset(host_of(url) for url in self.seeds)
        self.pages = 0
        self.seeds_ok = 0
        self.run_id: int | None = None
        self.max_links = MAX_LINKS_PER_PAGE
        self.max_url_length = MAX_URL_LENGTH
        self._seen: set[str] = set()
        self.alternates = Alternates()          # pages held until their declared canonical answers
        self._scoped: dict[str, tuple[str, str, bool] | None] = {}      # see _scope_of
        # The pipeline's extraction (crawler.pipelines.ArchivePipeline.extract), set when it opens
        self.extractor: Callable[[PageItem, LinkRequest], Awaitable[PreparedPage | Skipped | None]] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.run_id = crawler.settings.getint("NEWSARCHIVE_RUN_ID") or None
        spider.max_links = crawler.settings.getint("NEWSARCHIVE_MAX_LINKS_PER_PAGE", MAX_LINKS_PER_PAGE)
        spider.max_url_length = crawler.settings.getint("URLLENGTH_LIMIT", MAX_URL_LENGTH)
        crawler.signals.connect(spider.on_headers_received, signal=signals.headers_received)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if getattr(self, "shared_frontier_joined", False):      # the worker that started the shared
            return                                               # frontier's generation queued them
        for url in self.seeds:
            request = self._request(url, "seed", seed=True)
            if request is not None:
                yield request
        # What earlier runs found and did not finish, best first, read as the crawl needs it: only
        # while the downloader has room, and never past the page budget (rows left unread cost nothing).
        for row in self._due():
            while self.crawler.engine is not None and self.crawler.engine.needs_backout():
                await asyncio.sleep(RESUME_POLL)
            if self._budget_left() == 0:
                return
            request = self._request(row.url, row.found_via if row.found_via in PRIORITY else "link", depth=row.depth)
            if request is not None:
                self.crawler.stats.inc_value("newsarchive/frontier/resumed")
                yield request

    def _due(self) -> Iterator[Any]:
        """The archive frontier's pending URLs on the seeds' hosts (none when there is no archive)."""
        from archive import Archive
        from archive.config import resolve_db_url
        from archive.errors import ArchiveError

        try:
            archive = Archive(resolve_db_url(self.settings.get("NEWSARCHIVE_DB")), readonly=True)
        except ArchiveError as exc:       # the pipeline reports an unusable archive
            logger.debug("frontier not read: %s", exc)
            return
        try:
            yield from archive.frontier_due(sorted(self.scope))
        finally:
            archive.close()

    # -- requests --------------------------------------------------------------------------

    def _in_scope(self, url: str) -> str | None:
        """``url`` normalised, or None when it is malformed, longer than URLLENGTH_LIMIT, not http(s)
        or outside the crawl's hosts."""
        try:
            normalized = normalize_url(url)
        except ValueError:
            logger.debug("skip %s: malformed URL", url)
            return None
        if len(normalized) > self.max_url_length or urlsplit(normalized).scheme not in ("http", "https") \
                or host_of(normalized) not in self.scope:
            return None
        return normalized

    def _request(self, url: str, found_via: str, *, seed: bool = False, depth: int | None = None,
                 again: bool = False) -> scrapy.Request | None:
        """A request for ``url`` normalised, or None when it is out of scope or already seen
        (``again``: even when seen, past the dupefilter, for a URL whose fetch was lost)."""
        scoped = self._scope_of(url)
        if scoped is None:
            return None
        normalized, key, _ = scoped
        if key in self._seen and not again:
            return None
        self._seen.add(key)
        meta: dict[str, Any] = {"found_via": found_via, "newsarchive_url": normalized, "seed": seed}
        if depth is not None:
            meta["depth"] = depth
        return scrapy.Request(normalized, callback=self.parse, errback=self.on_error,
                              meta=meta, priority=PRIORITY[found_via], dont_filter=again)

    def _links(self, urls: Iterable[str], found_via: str, *, files: Container[str] | None = None,
               limit: int | None = None) -> tuple[Link, ...]:
        """The in-scope URLs among ``urls``, normalised, each once, as frontier links. With ``files``,
        a URL whose path names an image, document, archive ... by its extension is kept only when
        it is in ``files``. With ``limit``, the first ``limit`` links only (the rest are not read)."""
        found: dict[str, Link] = {}
        for url in urls:
            if limit is not None and len(found) >= limit:
                self._capped(found_via, limit)
                break
            scoped = self._scope_of(url)
            if scoped is not None and (files is None or not scoped[2] or url in files):
                found.setdefault(scoped[1], Link(scoped[0], found_via))
        return tuple(found.values())

    def _capped(self, found_via: str, limit: int) -> None:
        self.crawler.stats.inc_value("newsarchive/links_capped")
        logger.info("%s holds more than %d links: the rest are not followed", found_via, limit)

    def _scope_of(self, url: str) -> tuple[str, str, bool] | None:
        """``url`` normalised, its url_key and whether its path names a file by its extension, or
        None when out of scope. Remembered: the menus, footers and related-story links of a site
        repeat on each of its pages (the memory starts afresh past SCOPE_CACHE URLs)."""
        try:
            return self._scoped[url]
        except KeyError:
            pass
        normalized = self._in_scope(url)
        scoped = None if normalized is None else (
            normalized, url_key(normalized), urlsplit(normalized).path.lower().endswith(_IGNORED_SUFFIXES))
        if len(self._scoped) >= SCOPE_CACHE:
            self._scoped.clear()
        self._scoped[url] = scoped
        return scoped

    def _follow(self, links: Iterable[Link]) -> Iterator[scrapy.Request]:
        """Requests for ``links`` not seen yet: no more than the page budget has room for (the
        others stay pending in the frontier for the next run)."""
        left = self._budget_left()
        for link in links:
            if left is not None and left <= 0:
                return
            request = self._request(link.url, link.found_via)
            if request is not None:
                left = None if left is None else left - 1
                yield request

    def _record(self, response: Response, status: str, links: tuple[Link, ...] = (),
                outcome: str = DONE) -> Iterator[Any]:
        """The fetch's frontier record (committed by the pipeline), then requests for its links."""
        yield self._mark(response.request, status, outcome, links=links, final_url=response.url)
        yield from self._follow(links)

    def _mark(self, request: scrapy.Request, status: str, outcome: str = DONE, *, links: tuple[Link, ...] = (),
              final_url: str | None = None, retry_at: datetime | None = None) -> PageMark:
        url = request.meta.get("newsarchive_url") or normalize_url(request.url)
        return page_mark(url, status, outcome, final_url=normalize_url(final_url) if final_url else None,
                         links=links, depth=request.meta.get("depth", 0), found_via=request.meta.get("found_via"),
                         run_id=self.run_id, retry_at=retry_at)

    def _limit_reached(self) -> bool:
        return self.max_pages is not None and self.pages >= self.max_pages

    def _budget_left(self) -> int | None:
        """Fetches the page budget still allows (None: no budget): max_pages less the pages parsed
        or the requests sent, whichever is more."""
        if self.max_pages is None:
            return None
        sent = self.crawler.stats.get_value(BUDGET_SENT_STAT, 0) if self.crawler else 0
        return max(0, self.max_pages - max(self.pages, sent))

    # -- responses -------------------------------------------------------------------------

    def on_headers_received(self, headers: Headers, body_length: int, request: scrapy.Request,
                            spider: scrapy.Spider) -> None:
        """Stop downloading a body whose Content-Type is not a page, feed, sitemap or robots.txt."""
        if request.meta.get("dont_obey_robotstxt") or "newsarchive_url" not in request.meta:
            return
        content_type = (headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if not content_type or any(accepted in content_type for accepted in ACCEPTED_TYPES):
            return
        if not urlsplit(request.url).path.endswith(".gz"):      # a .xml.gz sitemap as octet-stream
            raise StopDownload(fail=False)

    async def parse(self, response: Response) -> AsyncIterator[Any]:
        if self._limit_reached():
            return
        self.pages += 1
        self.crawler.stats.inc_value("newsarchive/pages")
        self._seen.add(url_key(response.url))          # a redirect target is not fetched again
        for held in self.alternates.answered(response.url, response.meta.get("newsarchive_url") or response.url):
            yield held
        if response.meta.get("seed"):
            self.seeds_ok += 1
            self.crawler.stats.set_value("newsarchive/seeds_ok", self.seeds_ok)
        outputs = self._dispatch(response)
        if isinstance(outputs, AsyncIterable):        # an HTML page: its links come with its extraction
            async for output in outputs:
                yield output
        else:
            for output in outputs:
                yield output
        if self._limit_reached():
            raise CloseSpider("max_pages")

    def _dispatch(self, response: Response) -> Iterator[Any] | AsyncIterator[Any]:
        content_type = _header(response, b"Content-Type")
        if "download_stopped" in response.flags:
            return self._skip_not_html(response, content_type)
        try:
            body = discovery.maybe_gunzip(response.body, self.settings.getint("DOWNLOAD_MAXSIZE"))
            kind = discovery.classify(body, content_type, response.url)
            if kind is Kind.HTML:
                return self._parse_html(response, content_type)
            if kind is Kind.ROBOTS:
                return self._record(response, "robots", self._links(discovery.robots_sitemaps(body, response.url), "sitemap"))
            if kind in (Kind.SITEMAP, Kind.SITEMAP_INDEX):
                return self._parse_sitemap(response, body)
            if kind is Kind.FEED:
                return self._record(response, "feed", self._links(discovery.feed_links(body, response.url), "feed"))
        except DiscoveryError as exc:
            logger.warning("skip %s: %s", response.url, exc)
            self.crawler.stats.inc_value("newsarchive/error/unreadable")
            return self._record(response, "unreadable")
        return self._skip_not_html(response, content_type)

    def _skip_not_html(self, response: Response, content_type: str | None) -> Iterator[Any]:
        logger.debug("skip %s: not HTML (%s)", response.url, content_type or "no Content-Type")
        self.crawler.stats.inc_value("newsarchive/skipped/not_html")
        return self._record(response, "not_html")

    def _parse_sitemap(self, response: Response, body: bytes) -> Iterator[Any]:
        entries = discovery.sitemap_entries(body, response.url)
        found_via = "news_sitemap" if entries.is_news and not entries.is_index else "sitemap"
        return self._record(response, "sitemap", self._links(entries.urls, found_via))

    async def _parse_html(self, response: Response, content_type: str | None) -> AsyncIterator[Any]:
        """The page as a PageItem, then requests for its links. With the pipeline's extraction pool
        (``extractor``) the page is extracted now and the worker reads its links from the tree it
        parses; the spider parses the page for links itself only without one, or when it failed."""
        item = self._item(response, content_type)
        page = await self.extractor(item, self._link_request(response)) if self.extractor is not None else None
        found = page.links if page is not None else None
        if found is None:
            links, canonicals = self._read_links(response)
        else:
            links, canonicals = tuple(Link(url, "link") for url in found.links), list(found.canonical)
            if found.capped:
                self._capped("link", self.max_links)
        item = replace(item, links=links, page=page, extract_failed=self.extractor is not None and page is None)
        if hasattr(self, "shared_frontier_joined"):     # workers sharing a frontier: the canonical may be
            yield item                                   # fetched by another one, whose answer this one never sees
        else:
            for ready in self.alternates.hold(item, canonicals):   # others never answer
                yield ready
        for request in self._follow(links):
            yield request

    def _link_request(self, response: Response) -> LinkRequest:
        """What an extraction worker is asked to read of the page's links: what ``_read_links`` reads."""
        return LinkRequest(hosts=self.scope, base_url=response.url, encoding=getattr(response, "encoding", None) or "utf-8",
                           limit=self.max_links, file_suffixes=_IGNORED_SUFFIXES)

    def _read_links(self, response: Response) -> tuple[tuple[Link, ...], list[str]]:
        """The page's links and in-scope canonical URLs, parsed here."""
        encoding = getattr(response, "encoding", None) or "utf-8"
        found = discovery.page_links(response.body, response.url, encoding=encoding)
        links = self._links((*found.canonical, *found.links), "link", files=found.canonical, limit=self.max_links)
        return links, [c for c in found.canonical if self._in_scope(c)]

    def _item(self, response: Response, content_type: str | None) -> PageItem:
        captured = response.meta.get(WARC_META)        # (WarcRef, WARC-Date) when the crawl keeps WARC files
        return PageItem(
            url=response.meta.get("newsarchive_url") or normalize_url(response.url),
            final_url=normalize_url(response.url),
            status=response.status,
            content_type=content_type,
            body=response.body,
            found_via=response.meta.get("found_via", "link"),
            fetched_at=captured[1] if captured else datetime.now(UTC),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            depth=response.meta.get("depth", 0),
            run_id=self.run_id,
            warc=captured[0] if captured else None,
        )

    # -- errors and closing ----------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[PageMark]:
        """Count a failed request and yield its frontier record: gone (404/410), done (robots.txt
        forbids it, redirected out of scope) or retry later. A request never sent (the page budget,
        still fresh, 304) leaves its row as it was."""
        request = failure.request
        yield from self._held_for(request.meta.get("newsarchive_url") or request.url, failure)
        if isinstance(failure.value, RobotsDisallowed):
            logger.debug("skip %s: %s", request.url, failure.value)
            self.crawler.stats.inc_value("newsarchive/skipped/robots_disallowed")
            yield self._mark(request, "robots_disallowed")
            return
        if isinstance(failure.value, (PageBudgetExhausted, Fresh, NotModified)):      # counted where raised
            logger.debug("skip %s: %s", request.url, failure.value)
            return
        if isinstance(failure.value, (OutOfScope, InternalAddress)):
            logger.info("skip %s: redirected %s", request.url, failure.value)
            yield self._mark(request, "redirected_away")
            return
        kind = error_kind(failure)
        reason = f"HTTP {failure.value.response.status}" if isinstance(failure.value, HttpError) else (
            f"{type(failure.value).__name__}: {failure.value}".rstrip(": "))
        dead = kind in DEAD_LINK_KINDS
        # A followed link that answers 404/410 is ordinary (counted as a dead link, logged below
        # the progress line); a seed that fails, a 5xx or a network error needs a person's eye.
        logger.log(logging.INFO if dead and not request.meta.get("seed") else logging.WARNING,
                   "skip %s: %s", request.url, reason)
        self.crawler.stats.inc_value(f"newsarchive/error/{kind}")
        yield self._mark(request, kind, GONE if dead else RETRY)

    def _held_for(self, url: str, failure: Failure) -> list[PageItem]:
        """The pages held for ``url`` as their canonical (see ``crawler.alternates``): marked when it
        is missing (404/410 now or when last tried, forbidden by robots.txt), else as they are."""
        exc = failure.value
        gone = isinstance(exc, HttpError) and exc.response.status in (404, 410)
        if gone or isinstance(exc, (RobotsDisallowed, KnownDead)):
            return self.alternates.missing(url)
        return self.alternates.answered(url)

    def closed(self, reason: str) -> None:
        self.crawler.stats.set_value("newsarchive/seeds_ok", self.seeds_ok)
        if self.seeds_ok == 0 and reason == "finished" and not getattr(self, "shared_frontier_joined", False):
            logger.error("crawl failed: none of the %d seeds could be fetched", len(self.seeds))


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
