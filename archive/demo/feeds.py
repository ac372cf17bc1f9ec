"""XML and text renderers of the demo web: RSS, Atom, sitemaps, Google News sitemaps, robots.txt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
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


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def rss(title: str, home: str, feed_url: str, description: str, items: list[FeedItem], language: str = "en") -> bytes:
    """An RSS 2.0 channel with ``atom:link rel=self``."""
    entries = []
    for item in items:
        author = f"<dc:creator>{escape(item.author)}</dc:creator>" if item.author else ""
        entries.append(
            f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
            f'<guid isPermaLink="true">{escape(item.guid)}</guid>'
            f"<pubDate>{format_datetime(item.published)}</pubDate>{author}"
            f"<description>{escape(item.summary)}</description></item>"
        )
    updated = max((i.published for i in items), default=None)
    build = f"<lastBuildDate>{format_datetime(updated)}</lastBuildDate>" if updated else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(title)}</title><link>{escape(home)}</link>"
        f"<description>{escape(description)}</description><language>{language}</language>{build}"
        f'<atom:link href="{escape(feed_url)}" rel="self" type="application/rss+xml"/>'
        + "".join(entries) + "</channel></rss>\n"
    ).encode("utf-8")


def atom(title: str, home: str, feed_url: str, items: list[FeedItem]) -> bytes:
    """An Atom 1.0 feed."""
    entries = []
    for item in items:
        author = f"<author><name>{escape(item.author)}</name></author>" if item.author else ""
        entries.append(
            f"<entry><title>{escape(item.title)}</title>"
            f'<link rel="alternate" type="text/html" href="{escape(item.link)}"/>'
            f"<id>{escape(item.guid)}</id><published>{_iso(item.published)}</published>"
            f"<updated>{_iso(item.published)}</updated>{author}"
            f"<summary>{escape(item.summary)}</summary></entry>"
        )
    updated = max((i.published for i in items), default=None)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>{escape(home)}</id>"
        f'<link rel="alternate" href="{escape(home)}"/><link rel="self" href="{escape(feed_url)}"/>'
        f"<updated>{_iso(updated) if updated else ''}</updated>"
        + "".join(entries) + "</feed>\n"
    ).encode("utf-8")


def urlset(entries: list[tuple[str, datetime | None]]) -> bytes:
    """A sitemap ``<urlset>``; ``lastmod`` is written when given."""
    rows = []
    for loc, lastmod in entries:
        mod = f"<lastmod>{_iso(lastmod)}</lastmod>" if lastmod else ""
        rows.append(f"<url><loc>{escape(loc)}</loc>{mod}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(rows) + "</urlset>\n"
    ).encode("utf-8")


def sitemap_index(entries: list[tuple[str, datetime]]) -> bytes:
    """A ``<sitemapindex>`` pointing at child sitemaps."""
    rows = "".join(
        f"<sitemap><loc>{escape(loc)}</loc><lastmod>{_iso(mod)}</lastmod></sitemap>" for loc, mod in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>\n'
    ).encode("utf-8")


def news_sitemap(publication: str, items: list[FeedItem], language: str = "en") -> bytes:
    """A Google News sitemap: ``<url>`` entries with ``news:news`` elements."""
    rows = []
    for item in items:
        rows.append(
            f"<url><loc>{escape(item.guid)}</loc><news:news><news:publication>"
            f"<news:name>{escape(publication)}</news:name><news:language>{language}</news:language>"
            f"</news:publication><news:publication_date>{_iso(item.published)}</news:publication_date>"
            f"<news:title>{escape(item.title)}</news:title></news:news></url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        + "".join(rows) + "</urlset>\n"
    ).encode("utf-8")


def robots(sitemap_url: str) -> bytes:
    """robots.txt that keeps crawlers out of the calendar trap and names the sitemap."""
    return (
        "User-agent: *\n"
        "Disallow: /calendar/\n"
        "Disallow: /search/preview\n"
        "\n"
        f"Sitemap: {sitemap_url}\n"
    ).encode("utf-8")
