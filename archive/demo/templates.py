"""Base HTML skin of the demo web: page frame, metadata, paths, listings, static and calendar pages.

Each site template (see ``skins.py``) subclasses :class:`Skin` and wraps a post in its own
chrome. ``render_article`` returns the page and the chrome lines it injected into the content
area, which the ground truth records.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterable
from urllib.parse import quote

from archive.demo.locales import UPDATED, label, local_date

if TYPE_CHECKING:
    from archive.demo.model import Post, SiteConfig

CALENDAR_START = (2022, 4)


def esc(text: str) -> str:
    """Escape text content (quotes stay as they are)."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """Escape an attribute value."""
    return html.escape(text, quote=True)


def slugify(text: str) -> str:
    """``"Arvel Valley"`` -> ``"arvel-valley"``."""
    return re.sub(r"[\W_]+", "-", text.lower()).strip("-")


def long_date(moment: datetime) -> str:
    """``March 14, 2022``."""
    return f"{moment:%B} {moment.day}, {moment.year}"


def short_date(moment: datetime) -> str:
    """``Mar 14, 2022``."""
    return f"{moment:%b} {moment.day}, {moment.year}"


def month_name(year: int, month: int) -> str:
    """``April 2022``."""
    return f"{datetime(year, month, 1):%B} {year}"


@dataclass(frozen=True, slots=True)
class Link:
    """A titled hyperlink (``href`` absolute or site-relative, already quoted)."""

    title: str
    href: str


def link_items(links: Iterable[Link]) -> str:
    """``<li><a href="HREF">TITLE</a></li>`` for each link, run together."""
    return "".join(f'<li><a href="{link.href}">{esc(link.title)}</a></li>' for link in links)


class Skin:
    """Paths and page frame shared by every template; subclasses draw the chrome.

    A template's URL scheme and page titles are mostly its class attributes: the index pages
    after the first (``index_pages``, with ``{page}``), section and tag listings (prefix, the
    name's slug, ``listing_end``) and the ``<title>`` (``title_format``, with ``{title}`` and
    ``{site}``)."""

    paths = {"about": "/about/", "contact": "/contact/", "privacy": "/privacy/"}
    index_pages, section_prefix, tag_prefix, listing_end = "/page/{page}/", "/section/", "/tag/", "/"
    title_format = "{title} | {site}"
    static_titles = {"about": "About us", "contact": "Contact", "privacy": "Privacy policy"}

    def __init__(self, site: SiteConfig, origin: str, extras: tuple[Link, ...] = ()) -> None:
        self.site = site
        self.origin = origin.rstrip("/")
        self.extras = extras         # extra footer links (fault pages in tests)

    # -- paths -------------------------------------------------------------------------------
    def href(self, path: str) -> str:
        """Site-relative path quoted for use in a link."""
        return quote(path, safe="/?=&%:+-._~#")

    def url(self, path: str) -> str:
        """Absolute URL of a site path."""
        return self.origin + self.href(path)

    def article_path(self, post: Post) -> str:
        return f"/{slugify(post.section)}/{post.published:%Y/%m}/{post.slug}/"

    def index_path(self, page: int, last_on_previous: Post | None) -> str:
        return "/" if page == 1 else self.index_pages.format(page=page)

    def section_path(self, name: str) -> str:
        return f"{self.section_prefix}{slugify(name)}{self.listing_end}"

    def tag_path(self, name: str) -> str:
        return f"{self.tag_prefix}{slugify(name)}{self.listing_end}"

    def static_path(self, kind: str) -> str:
        return self.paths[kind]

    def calendar_path(self, year: int, month: int) -> str:
        return f"/calendar/{year:04d}/{month:02d}/"

    # -- frame -------------------------------------------------------------------------------
    def page_title(self, title: str) -> str:
        return self.title_format.format(title=title, site=self.site.name)

    def head(self, title: str, *, post: Post | None = None, description: str = "", extra: str = "") -> str:
        site = self.site
        feed_type = "application/rss+xml" if site.feed_kind == "rss" else "application/atom+xml"
        lines = [
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(self.page_title(title))}</title>",
            f'<meta name="description" content="{attr(description or site.tagline)}">',
            f'<meta property="og:site_name" content="{attr(self.site_name_value())}">',
            f'<link rel="alternate" type="{feed_type}" title="{attr(site.name)}" href="{attr(self.url(site.feed))}">',
        ]
        if post is None:
            lines.append('<meta property="og:type" content="website">')
        else:
            lines += self.article_meta(post)
        return "\n".join(lines) + extra

    def site_name_value(self) -> str:
        """``og:site_name``: the site's name, or its main domain's URL on sites that give that."""
        return f"https://www.{self.site.domain}" if self.site.name_as_url and self.site.domain else self.site.name

    def home_url(self) -> str:
        """The publisher's home page: on its main domain when it has one."""
        return f"https://www.{self.site.domain}/" if self.site.domain else self.origin + "/"

    def own_url(self, post: Post) -> str:
        """The URL a page gives as its own: its declared canonical on the site's main domain, else where it is served."""
        if post.declared and self.site.domain and f"www.{self.site.domain}/" in post.declared:
            return post.declared
        return post.url

    def article_meta(self, post: Post) -> list[str]:
        lines = [
            f'<meta property="og:title" content="{attr(post.title)}">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:url" content="{attr(self.own_url(post))}">',
            f'<meta property="og:description" content="{attr(post.summary)}">',
            f'<meta property="article:section" content="{attr(post.section)}">',
        ]
        if self.site.date_meta:
            lines.insert(4, f'<meta property="article:published_time" content="{post.published.isoformat()}">')
        if post.updated:
            lines.append(f'<meta property="article:modified_time" content="{post.updated.isoformat()}">')
        lines += [f'<meta property="article:tag" content="{attr(tag)}">' for tag in post.tags]
        if post.author:
            lines.append(f'<meta name="author" content="{attr(post.author)}">')
        if post.canonical_url:
            lines.append(f'<link rel="canonical" href="{attr(post.canonical_url)}">')
        if self.site.jsonld:
            lines.append(self.jsonld(post))
        return lines

    def jsonld(self, post: Post) -> str:
        data: dict[str, object] = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": post.title,
            "datePublished": post.published.isoformat(), "mainEntityOfPage": self.own_url(post),
            "articleSection": post.section, "keywords": ", ".join(post.tags), "inLanguage": post.language,
            "publisher": {"@type": "Organization", "name": self.site.name, "url": self.home_url()},
        }
        if not self.site.date_meta:
            del data["datePublished"]
        if post.updated:
            data["dateModified"] = post.updated.isoformat()
        if post.author:
            data["author"] = {"@type": "Person", "name": post.author}
        text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        return f'<script type="application/ld+json">{text}</script>'

    def document(self, head: str, body: str, *, body_class: str = "") -> bytes:
        return (
            f'<!DOCTYPE html>\n<html lang="{self.site.language}">\n<head>\n{head}\n</head>\n'
            f'<body class="{body_class}">\n{body}\n</body>\n</html>\n'
        ).encode("utf-8")

    def story_page(self, post: Post, body: str, *, body_class: str, extra: str = "") -> bytes:
        """A story's whole page: its head (title, summary, declared metadata) around the skin's body."""
        return self.document(self.head(post.title, post=post, description=post.summary, extra=extra), body,
                             body_class=body_class)

    def section_links(self, names: Iterable[str]) -> list[Link]:
        return [Link(name, self.href(self.section_path(name))) for name in names]

    def tag_links(self, names: Iterable[str]) -> list[Link]:
        return [Link(name, self.href(self.tag_path(name))) for name in names]

    def post_links(self, posts: Iterable[Post]) -> list[Link]:
        return [Link(post.title, self.href(post.path)) for post in posts]

    def tagged(self, names: Iterable[str]) -> str:
        """Tag links with ``rel="tag"``, comma-separated."""
        return ", ".join(f'<a href="{link.href}" rel="tag">{esc(link.title)}</a>' for link in self.tag_links(names))

    def nav(self) -> str:
        items = link_items(self.section_links(self.site.sections))
        return f'<nav class="main-nav"><ul><li><a href="/">Home</a></li>{items}</ul></nav>'

    def footer_links(self) -> list[Link]:
        links = [Link(self.static_titles[k], self.href(self.static_path(k))) for k in ("about", "contact", "privacy")]
        links.append(Link("Events calendar", self.href(self.calendar_path(*CALENDAR_START))))
        links.append(Link("Feed", self.href(self.site.feed)))
        return links + list(self.extras)

    def footer(self) -> str:
        return (f'<footer class="site-footer"><ul>{link_items(self.footer_links())}</ul>'
                f"<p>© 2022 {esc((self.site.owner or self.site.name).rstrip('.'))}. All rights reserved.</p></footer>")

    def frame(self, inner: str) -> str:
        """Header, navigation, ``inner`` and footer: the default page body."""
        return (f'<header class="masthead"><p class="site-name"><a href="/">{esc(self.site.name)}</a></p>'
                f'<p class="tagline">{esc(self.site.tagline)}</p>{self.nav()}</header>\n'
                f'<main id="content">\n{inner}\n</main>\n{self.footer()}')

    # -- dates and the site's own lines ------------------------------------------------------
    def list_date(self, when: datetime | None) -> str:
        """A listed story's date, on sites with a main domain (the generated multilingual webs)."""
        if when is None or not self.site.domain:
            return ""
        return f' <time datetime="{when.isoformat()}">{local_date(when, self.site.language)}</time>'

    def updated_line(self, post: Post) -> str:
        """``Updated March 20, 2024`` in the site's language, or "" when the post has no update."""
        if post.updated is None:
            return ""
        return f"{label(UPDATED, self.site.language)} {local_date(post.updated, self.site.language)}"

    def updated_html(self, post: Post) -> str:
        if post.updated is None:
            return ""
        text = esc(label(UPDATED, self.site.language))
        when = local_date(post.updated, self.site.language)
        return f' <span class="updated">{text} <time datetime="{post.updated.isoformat()}">{when}</time></span>'

    def own_lines(self, post: Post, *, updated: bool = True) -> tuple[str, ...]:
        """Chrome lines the variety adds around the text: the update stamp (where the skin shows
        one) and the site's own copyright line."""
        return tuple(line for line in (self.updated_line(post) if updated else "", post.copyright) if line)

    # -- article body blocks -----------------------------------------------------------------
    def paragraph(self, text: str) -> str:
        return f"<p>{esc(text)}</p>"

    def credit_html(self, post: Post) -> str:
        text = esc(post.credit or "")
        name = post.origin_name or ""
        if post.credit_link and post.original_url and name and esc(name) in text:
            text = text.replace(esc(name), f'<a href="{attr(post.original_url)}">{esc(name)}</a>', 1)
        return text

    def body_blocks(self, post: Post, inserts: dict[int, str] | None = None) -> list[str]:
        """Paragraph blocks with notes and credit in place; ``inserts`` puts chrome after paragraph i."""
        inserts = inserts or {}
        blocks = []
        if post.points:
            items = "".join(f"<li>{esc(point)}</li>" for point in post.points)
            blocks.append(f'<div class="summary-box"><ul>{items}</ul></div>')
        if post.credit and post.credit_top:
            blocks.append(f'<p class="credit">{self.credit_html(post)}</p>')
        blocks += [f'<p class="editor-note"><em>{esc(note)}</em></p>' for note in post.notes_top]
        for number, text in enumerate(post.paragraphs):
            blocks.append(self.paragraph(text))
            if number in inserts:
                blocks.append(inserts[number])
        blocks += [f'<p class="editor-note"><em>{esc(note)}</em></p>' for note in post.notes_bottom]
        if post.credit and not post.credit_top:
            blocks.append(f'<p class="credit">{self.credit_html(post)}</p>')
        if post.copyright:
            blocks.append(f'<p class="copyright">{esc(post.copyright)}</p>')
        return blocks

    # -- pages ---------------------------------------------------------------------------------
    def render_article(self, post: Post, related: list[Link]) -> tuple[bytes, tuple[str, ...]]:
        raise NotImplementedError

    def listing_item(self, post: Post) -> str:
        return (f'<li class="teaser"><h2><a href="{self.href(post.path)}">{esc(post.title)}</a></h2>'
                f'<p class="date">{long_date(post.published)}</p><p>{esc(post.summary)}</p></li>')

    def pager(self, newer: str | None, older: str | None) -> str:
        links = []
        if newer:
            links.append(f'<a class="newer" href="{self.href(newer)}">Newer</a>')
        if older:
            links.append(f'<a class="older" href="{self.href(older)}">Older</a>')
        return f'<nav class="pager">{" ".join(links)}</nav>'

    def render_listing(self, heading: str, posts: list[Post], newer: str | None, older: str | None) -> bytes:
        items = "\n".join(self.listing_item(post) for post in posts)
        inner = f'<h1>{esc(heading)}</h1>\n<ul class="listing">\n{items}\n</ul>\n{self.pager(newer, older)}'
        return self.document(self.head(heading), self.frame(inner), body_class="listing")

    def render_static(self, kind: str, paragraphs: list[str]) -> bytes:
        heading = self.static_titles[kind]
        body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
        inner = f'<div class="page"><h1>{esc(heading)}</h1>{body}</div>'
        return self.document(self.head(heading), self.frame(inner), body_class="page")

    def render_calendar(self, year: int, month: int) -> bytes:
        prev_ym = (year - 1, 12) if month == 1 else (year, month - 1)
        next_ym = (year + 1, 1) if month == 12 else (year, month + 1)
        heading = f"Events calendar: {month_name(year, month)}"
        inner = (f'<div class="calendar"><h1>{esc(heading)}</h1><p>No events are listed for this month.</p>'
                 f'<p><a href="{self.calendar_path(*prev_ym)}">« {month_name(*prev_ym)}</a> | '
                 f'<a href="{self.calendar_path(*next_ym)}">{month_name(*next_ym)} »</a></p></div>')
        return self.document(self.head(heading), self.frame(inner), body_class="calendar")
