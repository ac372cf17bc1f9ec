"""XML and text renderers of the demo web: RSS, Atom, sitemaps, Google News sitemaps, robots.txt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Iterable
from xml.sax.saxutils import escape


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a feed or news sitemap."""

    title: str
    link: str            # the URL readers follow (may carry utm_* parameters)
    guid: str            # the clean article URL
    published: datetime
    summary: str
    author: str | None = None


_SITEMAPS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _xml(start: str, rows: Iterable[str], end: str) -> bytes:
    """An XML document in UTF-8: the declaration, ``start``, the rows, ``end`` and a newline."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + start + "".join(rows) + end + "\n").encode("utf-8")


def _newest(items: list[FeedItem]) -> datetime | None:
    return max((i.published for i in items), default=None)


def _rss_item(item: FeedItem) -> str:
    author = f"<dc:creator>{escape(item.author)}</dc:creator>" if item.author else ""
    return (f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
            f'<guid isPermaLink="true">{escape(item.guid)}</guid>'
            f"<pubDate>{format_datetime(item.published)}</pubDate>{author}"
            f"<description>{escape(item.summary)}</description></item>")


def _atom_entry(item: FeedItem) -> str:
    author = f"<author><name>{escape(item.author)}</name></author>" if item.author else ""
    return (f"<entry><title>{escape(item.title)}</title>"
            f'<link rel="alternate" type="text/html" href="{escape(item.link)}"/>'
            f"<id>{escape(item.guid)}</id><published>{_iso(item.published)}</published>"
            f"<updated>{_iso(item.published)}</updated>{author}"
            f"<summary>{escape(item.summary)}</summary></entry>")


def rss(title: str, home: str, feed_url: str, description: str, items: list[FeedItem], language: str = "en") -> bytes:
    """An RSS 2.0 channel with ``atom:link rel=self``."""
    updated = _newest(items)
    build = f"<lastBuildDate>{format_datetime(updated)}</lastBuildDate>" if updated else ""
    channel = ('<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
               f"<title>{escape(title)}</title><link>{escape(home)}</link>"
               f"<description>{escape(description)}</description><language>{language}</language>{build}"
               f'<atom:link href="{escape(feed_url)}" rel="self" type="application/rss+xml"/>')
    return _xml(channel, map(_rss_item, items), "</channel></rss>")


def atom(title: str, home: str, feed_url: str, items: list[FeedItem]) -> bytes:
    """An Atom 1.0 feed."""
    updated = _newest(items)
    feed = ('<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>{escape(home)}</id>"
            f'<link rel="alternate" href="{escape(home)}"/><link rel="self" href="{escape(feed_url)}"/>'
            f"<updated>{_iso(updated) if updated else ''}</updated>")
    return _xml(feed, map(_atom_entry, items), "</feed>")


def urlset(entries: list[tuple[str, datetime | None]]) -> bytes:
    """A sitemap ``<urlset>``; ``lastmod`` is written when given."""
    rows = (f"<url><loc>{escape(loc)}</loc>" + (f"<lastmod>{_iso(mod)}</lastmod>" if mod else "") + "</url>"
            for loc, mod in entries)
    return _xml(f'<urlset xmlns="{_SITEMAPS}">', rows, "</urlset>")


def sitemap_index(entries: list[tuple[str, datetime]]) -> bytes:
    """A ``<sitemapindex>`` pointing at child sitemaps."""
    rows = (f"<sitemap><loc>{escape(loc)}</loc><lastmod>{_iso(mod)}</lastmod></sitemap>" for loc, mod in entries)
    return _xml(f'<sitemapindex xmlns="{_SITEMAPS}">', rows, "</sitemapindex>")


def news_sitemap(publication: str, items: list[FeedItem], language: str = "en") -> bytes:
    """A Google News sitemap: ``<url>`` entries with ``news:news`` elements."""
    rows = (f"<url><loc>{escape(item.guid)}</loc><news:news><news:publication>"
            f"<news:name>{escape(publication)}</news:name><news:language>{language}</news:language>"
            f"</news:publication><news:publication_date>{_iso(item.published)}</news:publication_date>"
            f"<news:title>{escape(item.title)}</news:title></news:news></url>" for item in items)
    return _xml(f'<urlset xmlns="{_SITEMAPS}" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">',
                rows, "</urlset>")


def robots(sitemap_url: str) -> bytes:
    """robots.txt that keeps crawlers out of the calendar trap and names the sitemap."""
    return (
        "User-agent: *\n"
        "Disallow: /calendar/\n"
        "Disallow: /search/preview\n"
        "\n"
        f"Sitemap: {sitemap_url}\n"
    ).encode("utf-8")
