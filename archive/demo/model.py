"""Value objects of the demo web: site settings, rendered posts, served resources and ground truth."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from datetime import datetime


class Role(enum.StrEnum):
    """What an article page is within its story."""

    ORIGINAL = "original"      # first publication of a story that was republished
    MIRROR = "mirror"          # a full republished copy on another site
    EXCERPT = "excerpt"        # an aggregator teaser: first paragraph + "Read more at X"
    SINGLETON = "singleton"    # an article with no copies anywhere


class Template(enum.StrEnum):
    """The page templates the demo sites are built with (each value is its name in lower case)."""

    PORTAL = enum.auto()
    WIX = enum.auto()
    WORDPRESS = enum.auto()
    BLOGGER = enum.auto()
    AGGREGATOR = enum.auto()
    NEWSROOM = enum.auto()


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """One demo site as described in ``texts/web.json``."""

    id: str
    name: str
    template: Template
    tagline: str
    about: str
    sections: tuple[str, ...]
    feed: str
    feed_kind: str            # "rss" | "atom"
    sitemap: str
    sitemap_kind: str         # "index" | "news" | "plain"
    jsonld: bool
    page_size: int
    amp: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()   # story ids kept out of this site's feed and sitemap
    language: str = "en"
    domain: str = ""               # the publisher's main domain (pages may declare it while served elsewhere)
    name_as_url: bool = False      # og:site_name is given as the main domain's URL
    owner: str = ""                # the publishing house named in the site's own copyright line
    date_meta: bool = True         # False: no published-time metadata, only the visible date (and dateModified)


@dataclass(frozen=True, slots=True)
class Post:
    """One article page before rendering: the story text as this site shows it."""

    site: str
    story: str
    role: Role
    slug: str
    title: str
    author: str | None
    published: datetime
    section: str
    tags: tuple[str, ...]
    summary: str
    paragraphs: tuple[str, ...]
    notes_top: tuple[str, ...] = ()
    notes_bottom: tuple[str, ...] = ()
    credit: str | None = None
    credit_top: bool = False
    credit_link: bool = False
    origin_name: str | None = None     # publisher credited (mirrors, excerpts)
    original_url: str | None = None    # URL of the story's original
    canonical: str = "self"            # "self" | "original" | "none" | "declared"
    hidden: bool = False               # not in feed or sitemap: reachable by links only
    language: str = "en"
    declared: str | None = None        # the rel=canonical URL when canonical is "declared"
    updated: datetime | None = None    # a later "updated" stamp
    points: tuple[str, ...] = ()       # a summary box above the text (part of the true text)
    wire: str | None = None            # the news agency credited in the text's dateline
    copyright: str | None = None       # the site's own copyright line under the text
    truncated: bool = False            # the page's markup is cut off after the article
    varieties: tuple[str, ...] = ()    # the generator's varieties this page carries (ground truth)
    path: str = ""
    url: str = ""

    @property
    def canonical_url(self) -> str | None:
        """The ``rel=canonical`` target this page declares, if any."""
        return {"self": self.url, "original": self.original_url, "declared": self.declared}.get(self.canonical)


@dataclass(frozen=True, slots=True)
class Resource:
    """One served response: body, type, status, and an optional delay before answering."""

    content_type: str
    body: bytes
    last_modified: datetime
    status: int = 200
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class TruthArticle:
    """Ground truth for one article page.

    ``paragraphs`` are the story's body paragraphs as this page shows them, without editor's
    notes (``notes``), the attribution line (``credit_line``) or injected page chrome (``chrome``).
    """

    url: str
    site: str
    story: str
    role: Role
    title: str
    author: str | None
    published: str
    paragraphs: tuple[str, ...]
    notes: tuple[str, ...]
    credit_line: str | None
    credited_origin: str | None
    canonical_url: str | None
    chrome: tuple[str, ...]
    in_feed: bool
    in_sitemap: bool
    language: str = "en"
    updated: str | None = None
    points: tuple[str, ...] = ()
    wire: str | None = None
    varieties: tuple[str, ...] = ()        # the generator's varieties this page carries

    @property
    def text(self) -> str:
        """The true text: summary box lines and body paragraphs, one a line."""
        return "\n".join(self.points + self.paragraphs)


@dataclass(frozen=True, slots=True)
class TruthSite:
    """Ground truth for one site: entry points and the chrome lines repeated on all its articles."""

    id: str
    name: str
    host: str
    origin: str
    template: Template
    index: str
    feed: str
    sitemap: str
    robots: str
    chrome: tuple[str, ...]
    language: str = "en"
    domain: str = ""


@dataclass(frozen=True, slots=True)
class TruthStory:
    """Ground truth for one story (cluster): where it first appeared."""

    id: str
    title: str
    original_url: str
    publisher: str


@dataclass(frozen=True, slots=True)
class Truth:
    """Everything a correct archive should find in the demo web."""

    sites: tuple[TruthSite, ...]
    stories: tuple[TruthStory, ...]
    articles: tuple[TruthArticle, ...]
    alternates: dict[str, str] = field(default_factory=dict)   # AMP url -> article url
    other_pages: tuple[str, ...] = ()      # HTML pages that are not articles
    broken_links: tuple[str, ...] = ()     # linked URLs that answer 404
    faults: dict[str, str] = field(default_factory=dict)       # fault kind -> url

    def article(self, url: str) -> TruthArticle:
        """The article with this exact URL (KeyError if none)."""
        for item in self.articles:
            if item.url == url:
                return item
        raise KeyError(url)

    def clusters(self) -> dict[str, list[str]]:
        """Story id -> URLs of its article pages (original first)."""
        out: dict[str, list[str]] = {}
        for item in sorted(self.articles, key=lambda a: a.role not in (Role.ORIGINAL, Role.SINGLETON)):
            out.setdefault(item.story, []).append(item.url)
        return out

    def as_dict(self) -> dict:
        """Plain JSON-ready dicts and lists; each article also gives its ``cluster`` and true ``text``."""
        data = asdict(self)
        for item, article in zip(data["articles"], self.articles):
            item.update(cluster=article.story, text=article.text)
        return data
