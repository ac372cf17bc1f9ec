"""Pure discovery functions: tell what a fetched body is and read the URLs it points to."""

from __future__ import annotations

import enum
import io
import logging
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin

import feedparser
import lxml.etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from archive.extraction.pagelinks import PageLinks, page_links  # noqa: F401 - part of this module's API

logger = logging.getLogger(__name__)

SNIFF_BYTES = 4096                      # how much of a body is looked at to classify it
GZIP_MAGIC = b"\x1f\x8b"
NEWS_SITEMAP_NS = b"google.com/schemas/sitemap-news"

# The prolog an XML or HTML document may open with: BOM, whitespace, <?xml ...?>, comments and a
# DOCTYPE (with an internal subset, as XML bombs have). Then the root element's name.
_ROOT_RE = re.compile(
    rb"^(?:\s+|<\?.*?\?>|<!--.*?-->|<!doctype[^\[>]*(?:\[.*?\])?\s*>)*<([a-z_][\w:.\-]*)",
    re.IGNORECASE | re.DOTALL,
)
_HTML_HINT_RE = re.compile(rb"<(?:html|head|body|title|meta|div|p|article|a)[\s>/]", re.IGNORECASE)
_ROBOTS_LINE_RE = re.compile(
    rb"^\s*(?:user-agent|disallow|allow|sitemap|crawl-delay|host|request-rate|clean-param)\s*:",
    re.IGNORECASE,
)
_SITEMAP_ROOTS = {"urlset": "SITEMAP", "sitemapindex": "SITEMAP_INDEX"}
_FEED_ROOTS = {"rss", "feed", "rdf", "channel"}


class Kind(enum.StrEnum):
    """What a fetched body is, and so how the spider reads it."""

    ROBOTS = "robots"
    SITEMAP = "sitemap"
    SITEMAP_INDEX = "sitemap_index"
    FEED = "feed"
    HTML = "html"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class SitemapEntries:
    """The ``<loc>`` URLs of a sitemap or sitemap index; ``is_news`` for Google News sitemaps."""

    urls: tuple[str, ...] = field(default=())
    is_index: bool = False
    is_news: bool = False


class DiscoveryError(ValueError):
    """A sitemap or feed body that cannot be read."""


PROLOG_MAX = 64 * 1024                  # a feed or sitemap whose root element starts later is refused


def refuse_entity_declarations(body: bytes) -> None:
    """Raise DiscoveryError when a feed or sitemap declares XML entities in its DOCTYPE.

    Feeds and sitemaps never need them; XML bombs (billion laughs, quadratic blowup) and external
    entities (``SYSTEM "file:///..."``) do. Such a body is refused before any parser sees it.

    >>> try:
    ...     refuse_entity_declarations(b'<!DOCTYPE rss [<!ENTITY a "x">]><rss/>')
    ... except DiscoveryError as exc:
    ...     print(exc)
    refused: the document declares XML entities (<!ENTITY)
    """
    head = body[:PROLOG_MAX].lstrip(b"\xef\xbb\xbf")
    match = _ROOT_RE.match(head)
    if match is None:
        raise DiscoveryError(f"refused: no root element in the first {PROLOG_MAX // 1024} KB")
    if b"<!ENTITY" in head[: match.start(1)]:
        raise DiscoveryError("refused: the document declares XML entities (<!ENTITY)")


def maybe_gunzip(body: bytes, max_size: int = 0) -> bytes:
    """Return ``body`` decompressed when it is gzip data (a ``.xml.gz`` sitemap), else as is.

    >>> import gzip; maybe_gunzip(gzip.compress(b"<urlset/>"))
    b'<urlset/>'
    """
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        return gunzip(body, max_size=max_size)
    except (OSError, EOFError, zlib.error, ValueError) as exc:   # includes the size-limit error
        raise DiscoveryError(f"bad gzip data: {exc}") from exc


def root_name(body: bytes) -> str | None:
    """The local, lower-cased name of the first element of an XML/HTML body, if any.

    >>> root_name(b'<?xml version="1.0"?>\\n<rdf:RDF xmlns:rdf="x">')
    'rdf'
    """
    head = body[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf")
    match = _ROOT_RE.match(head)
    if match is None:
        return None
    return match.group(1).decode("ascii", "replace").rpartition(":")[2].lower()


def _looks_like_robots(head: bytes) -> bool:
    """True when the non-comment lines of ``head`` are robots.txt directives."""
    lines = [line.split(b"#", 1)[0].strip() for line in head.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return False
    directives = sum(1 for line in lines if _ROBOTS_LINE_RE.match(line))
    return directives >= max(1, (len(lines) + 1) // 2)


def classify(body: bytes, content_type: str | None, url: str | None = None) -> Kind:
    """Decide what ``body`` is from its bytes, with the Content-Type as a tie-breaker.

    ``url`` is only a hint (a ``.txt`` body that is not robots rules stays OTHER); the decision
    never rests on the URL alone.

    >>> classify(b"User-agent: *\\nDisallow: /private\\n", "text/plain", None)
    <Kind.ROBOTS: 'robots'>
    >>> classify(b"<rss version='2.0'><channel></channel></rss>", None, None)
    <Kind.FEED: 'feed'>
    """
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    head = body[:SNIFF_BYTES]
    if not head.strip() or b"\x00" in head[:1024]:
        return Kind.OTHER
    root = root_name(head)
    if root in _SITEMAP_ROOTS:
        return Kind[_SITEMAP_ROOTS[root]]
    if root in _FEED_ROOTS:
        return Kind.FEED
    if root == "html":
        return Kind.HTML
    if root is None and _looks_like_robots(head):
        return Kind.ROBOTS
    if "html" in ctype:
        return Kind.HTML
    if "xml" not in ctype and _HTML_HINT_RE.search(head):
        return Kind.HTML                # an HTML fragment without <html>, served as text
    return Kind.OTHER


def robots_sitemaps(body: bytes, base_url: str) -> list[str]:
    """The absolute URLs of a robots.txt body's ``Sitemap:`` lines.

    >>> robots_sitemaps(b"User-agent: *\\nSitemap: /s.xml\\n", "http://a.test/robots.txt")
    ['http://a.test/s.xml']
    """
    return list(sitemap_urls_from_robots(body, base_url=base_url))


def sitemap_entries(body: bytes, base_url: str) -> SitemapEntries:
    """Read the ``<loc>`` URLs of a sitemap or sitemap index (entities are never resolved).

    Raises DiscoveryError when the body is not a readable sitemap or declares entities.
    """
    refuse_entity_declarations(body)
    try:
        sitemap = Sitemap(body)
        entries = list(sitemap)
    except (lxml.etree.XMLSyntaxError, StopIteration) as exc:
        raise DiscoveryError(f"invalid sitemap: {exc or 'empty document'}") from exc
    if sitemap.type not in _SITEMAP_ROOTS:
        raise DiscoveryError(f"invalid sitemap: root element is <{sitemap.type}>")
    urls = tuple(urljoin(base_url, entry["loc"]) for entry in entries if entry.get("loc"))
    is_news = NEWS_SITEMAP_NS in body[:SNIFF_BYTES] or any("news" in entry for entry in entries)
    return SitemapEntries(urls=urls, is_index=sitemap.type == "sitemapindex", is_news=is_news)


def feed_links(body: bytes, base_url: str) -> list[str]:
    """The entry links of an RSS or Atom feed (the body is parsed from memory, never a path).

    Raises DiscoveryError when feedparser finds no feed at all, or the body declares entities.
    """
    refuse_entity_declarations(body)
    parsed = feedparser.parse(io.BytesIO(body))
    if parsed.bozo and not parsed.entries and not parsed.feed:
        raise DiscoveryError(f"invalid feed: {parsed.get('bozo_exception')}")
    links: list[str] = []
    for entry in parsed.entries:
        link = entry.get("link") or next(
            (ln.get("href") for ln in entry.get("links", ()) if ln.get("rel", "alternate") == "alternate"),
            None,
        )
        if link:
            links.append(urljoin(base_url, link.strip()))
    return links
