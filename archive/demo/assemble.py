"""Assembly of each demo site's files (articles, listings, feed, sitemaps, robots.txt, faults) and their truth."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from archive.demo import feeds
from archive.demo.model import Resource, Role, Template, Truth, TruthArticle, TruthSite

if TYPE_CHECKING:
    from archive.demo.model import Post, TruthStory
    from archive.demo.templates import Skin

HTML = "text/html; charset=utf-8"
XML = "application/xml"
TEXT = "text/plain; charset=utf-8"
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
FEED_SIZE = 3                      # feeds carry only the newest items
NEWS_WINDOW = timedelta(days=14)   # a news sitemap lists only recent articles
FAULT_SITE = "courier"
PDF_PATH = "/files/library-repair-report.pdf"
STATIC_DATE = datetime.fromisoformat("2022-01-03T09:00:00+00:00")
STATIC_TEXT = {
    "contact": ["Write to the editors at editors@{id}.example.",
                "For corrections, tell us the page and what is wrong; we reply within two working days."],
    "privacy": ["We keep server logs for thirty days and use no tracking cookies.",
                "You can ask us to delete any comment you have left on this site."],
}


def page_key(target: str) -> str:
    """The lookup key of a request target: unquoted path plus sorted query without ``utm_*``.

    >>> page_key("/a%20b/?utm_source=x&page=2#top")
    '/a b/?page=2'
    """
    parts = urlsplit(target)
    pairs = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not k.lower().startswith("utm_"))
    return (unquote(parts.path) or "/") + ("?" + urlencode(pairs) if pairs else "")


def truncated(body: bytes) -> bytes:
    """The page cut off inside its footer, after the article: no closing tags (a dropped connection
    or a broken cache); without a footer, inside the last tenth."""
    cut = body.rfind(b"<footer")
    if cut < 0:
        cut = body.rfind(b"</main>")
    return body[: cut + 24] if cut > 0 else body[: len(body) * 9 // 10]


def _tiny_pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


class SiteAssembler:
    """Collects the files and ground truth of the sites added to it, one site at a time."""

    def __init__(self, skins: dict[str, Skin], *, faults: bool = False) -> None:
        self.skins = skins
        self.faults = faults
        self.files: dict[tuple[str, str], Resource] = {}
        self._articles: list[TruthArticle] = []
        self._sites: list[TruthSite] = []
        self._alternates: dict[str, str] = {}
        self._other: list[str] = []
        self._broken: list[str] = []
        self._faults: dict[str, str] = {}

    def put(self, sid: str, path: str, resource: Resource) -> str:
        """Store a resource under a site path and return its absolute URL."""
        self.files[(sid, page_key(path))] = resource
        return self.skins[sid].url(path)

    def add_site(self, sid: str, posts: list[Post]) -> None:
        """Render every file of one site from its posts."""
        skin = self.skins[sid]
        posts = sorted(posts, key=lambda p: (p.published, p.path), reverse=True)
        newest = posts[0].published
        in_feed = [p for p in posts if not p.hidden][:FEED_SIZE]
        in_sitemap = self._sitemap_posts(skin, posts)
        chrome = self._articles_of(sid, posts, {p.path for p in in_feed}, {p.path for p in in_sitemap})
        pages = self._listings(sid, posts, newest) + self._statics(sid)
        self._feed(sid, in_feed, newest)
        self._sitemap(sid, in_sitemap, pages, newest)
        self.put(sid, "/robots.txt", Resource(TEXT, feeds.robots(skin.url(skin.site.sitemap)), STATIC_DATE))
        self._broken += [skin.url(path) for path in skin.broken_paths]
        if self.faults and sid == FAULT_SITE:
            self._add_faults(sid)
        site = skin.site
        self._sites.append(TruthSite(
            id=sid, name=site.name, host=urlsplit(skin.origin).netloc, origin=skin.origin, template=site.template,
            index=skin.url("/"), feed=skin.url(site.feed), sitemap=skin.url(site.sitemap),
            robots=skin.url("/robots.txt"), chrome=chrome, language=site.language, domain=site.domain))

    def _sitemap_posts(self, skin: Skin, posts: list[Post]) -> list[Post]:
        listed = [p for p in posts if not p.hidden]
        if skin.site.sitemap_kind == "news":
            return [p for p in listed if posts[0].published - p.published <= NEWS_WINDOW]
        if skin.site.template is Template.WIX:    # its blog posts are missing from its sitemap
            return [p for p in listed if p.role is Role.SINGLETON]
        return listed

    def _articles_of(self, sid: str, posts: list[Post], feed: set[str], sitemap: set[str]) -> tuple[str, ...]:
        """Render article pages; return the chrome lines repeated on every one of them."""
        skin = self.skins[sid]
        common: list[str] | None = None
        for post in posts:
            body, chrome = skin.render_article(post, posts)
            if self.faults and sid == FAULT_SITE and post.role is Role.ORIGINAL:
                line = "Read the council's repair report (PDF)"
                link = f'<p class="attachment"><a href="{PDF_PATH}">{line}</a></p></article>'
                body = body.replace(b"</article>", link.encode(), 1)
                chrome += (line,)
            if post.truncated:
                body = truncated(body)
            self.put(sid, post.path, Resource(HTML, body, post.updated or post.published))
            common = list(chrome) if common is None else [c for c in common if c in chrome]
            self._articles.append(TruthArticle(
                url=post.url, site=sid, story=post.story, role=post.role, title=post.title, author=post.author,
                published=post.published.isoformat(), paragraphs=post.paragraphs,
                notes=post.notes_top + post.notes_bottom, credit_line=post.credit,
                credited_origin=post.origin_name if post.credit else None, canonical_url=post.canonical_url,
                chrome=chrome, in_feed=post.path in feed, in_sitemap=post.path in sitemap, language=post.language,
                updated=post.updated.isoformat() if post.updated else None, points=post.points, wire=post.wire,
                varieties=post.varieties))
            if post.story in skin.site.amp and post.role is Role.ORIGINAL:
                amp_path = skin.amp_path(post)
                amp_url = self.put(sid, amp_path, Resource(HTML, skin.render_amp(post), post.published))
                self._alternates[amp_url] = post.url
        return tuple(dict.fromkeys(common or ()))

    def _listings(self, sid: str, posts: list[Post], newest: datetime) -> list[str]:
        """Paginated index, section and tag pages; returns their paths."""
        skin = self.skins[sid]
        size = skin.site.page_size
        chunks = [posts[i:i + size] for i in range(0, len(posts), size)]
        index_paths = [skin.index_path(n + 1, chunks[n - 1][-1] if n else None) for n in range(len(chunks))]
        paths = []
        for n, chunk in enumerate(chunks):
            newer = index_paths[n - 1] if n else None
            older = index_paths[n + 1] if n + 1 < len(chunks) else None
            heading = skin.site.name if n == 0 else f"{skin.site.name}: page {n + 1}"
            paths.append(index_paths[n])
            self.put(sid, index_paths[n], Resource(HTML, skin.render_listing(heading, chunk, newer, older), newest))
        groups: dict[str, tuple[str, list[Post]]] = {}
        for name in skin.site.sections:
            groups.setdefault(skin.section_path(name), (name, []))[1].extend(p for p in posts if p.section == name)
        for post in posts:
            for tag in post.tags:
                members = groups.setdefault(skin.tag_path(tag), (tag, []))[1]
                if post not in members:
                    members.append(post)
        for path, (heading, members) in groups.items():
            members.sort(key=lambda p: (p.published, p.path), reverse=True)
            self.put(sid, path, Resource(HTML, skin.render_listing(heading, members, None, None), newest))
            paths.append(path)
        self._other += [skin.url(p) for p in paths]
        return paths

    def _statics(self, sid: str) -> list[str]:
        skin = self.skins[sid]
        texts = dict(STATIC_TEXT, about=[skin.site.about, f"{skin.site.name}: {skin.site.tagline}."])
        paths = []
        for kind, lines in texts.items():
            path = skin.static_path(kind)
            body = skin.render_static(kind, [line.format(id=sid) for line in lines])
            self._other.append(self.put(sid, path, Resource(HTML, body, STATIC_DATE)))
            paths.append(path)
        return paths

    def _feed(self, sid: str, posts: list[Post], newest: datetime) -> None:
        skin = self.skins[sid]
        site = skin.site
        tracking = "?utm_source=rss&utm_medium=rss" if site.template is Template.WORDPRESS else ""
        items = [feeds.FeedItem(p.title, p.url + tracking, p.url, p.published, p.summary, p.author) for p in posts]
        feed_url = skin.url(site.feed)
        if site.feed_kind == "rss":
            body = feeds.rss(site.name, skin.url("/"), feed_url, site.tagline, items, site.language)
        else:
            body = feeds.atom(site.name, skin.url("/"), feed_url, items)
        self.put(sid, site.feed, Resource(FEED_TYPES[site.feed_kind], body, newest))

    def _sitemap(self, sid: str, posts: list[Post], pages: list[str], newest: datetime) -> None:
        skin = self.skins[sid]
        site = skin.site
        articles = [(p.url, p.published) for p in posts]
        others = [(skin.url(path), None) for path in pages]
        if site.sitemap_kind == "news":
            items = [feeds.FeedItem(p.title, p.url, p.url, p.published, p.summary) for p in posts]
            self.put(sid, site.sitemap, Resource(XML, feeds.news_sitemap(site.name, items, site.language), newest))
        elif site.sitemap_kind == "index":
            children = [("/sitemap-articles.xml", feeds.urlset(articles)), ("/sitemap-pages.xml", feeds.urlset(others))]
            for path, body in children:
                self.put(sid, path, Resource(XML, body, newest))
            index = feeds.sitemap_index([(skin.url(path), newest) for path, _ in children])
            self.put(sid, site.sitemap, Resource(XML, index, newest))
        else:
            self.put(sid, site.sitemap, Resource(XML, feeds.urlset(others[:1] + articles + others[1:]), newest))

    def _add_faults(self, sid: str) -> None:
        skin = self.skins[sid]
        legacy = skin.render_static("about", ["This is the old version of our website, kept for the record."])
        slow = skin.render_listing("Full archive", [], None, None)
        resources = {
            "server_error": ("/status/server-error",
                             Resource(HTML, b"<h1>Internal Server Error</h1>", STATIC_DATE, status=500)),
            "pdf": (PDF_PATH, Resource("application/pdf", _tiny_pdf(), STATIC_DATE)),
            "empty": ("/archive/empty/", Resource(HTML, b"", STATIC_DATE)),
            "truncated": ("/archive/legacy.html", Resource(HTML, legacy[: len(legacy) * 3 // 5 - 7], STATIC_DATE)),
            "slow": ("/archive/slow/", Resource(HTML, slow, STATIC_DATE, delay=0.5)),
        }
        for kind, (path, resource) in resources.items():
            self._faults[kind] = self.put(sid, path, resource)

    def truth(self, stories: tuple[TruthStory, ...]) -> Truth:
        """The ground truth of every site added so far."""
        return Truth(sites=tuple(self._sites), stories=stories, articles=tuple(self._articles),
                     alternates=dict(self._alternates), other_pages=tuple(self._other),
                     broken_links=tuple(dict.fromkeys(self._broken)), faults=dict(self._faults))
