"""Value objects passed between extraction, the archive and the crawler."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class SkipReason(enum.StrEnum):
    """Why a fetched page was not archived as an article."""

    NOT_HTML = "not_html"          # the body is not an HTML document
    EMPTY = "empty"                # no body, or only whitespace
    MALFORMED = "malformed"        # the HTML could not be parsed
    NO_TEXT = "no_text"            # extraction found no body text
    NOT_ARTICLE = "not_article"    # a home, section, tag, about or listing page
    ALTERNATE = "alternate"        # an alternate version (AMP, print) of a page on the same site


@dataclass(frozen=True, slots=True)
class Article:
    """One extracted article page.

    ``text`` holds the body paragraphs separated by ``"\\n"`` with page chrome that the
    extractor recognises removed; per-site learned chrome is removed later by the archive.
    """

    url: str
    text: str
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    sitename: str | None = None
    language: str | None = None
    canonical_url: str | None = None     # declared rel=canonical / og:url, absolute
    description: str | None = None
    page_type: str | None = None         # og:type or JSON-LD @type, lower-cased
    credits: tuple[str, ...] = field(default=())   # publishers the page credits as origin
    is_excerpt: bool = False             # a teaser ending in "Read more at X"
    charset_detected: str | None = None  # the charset detected when the declared one (or none) was wrong
    date_source: str | None = None       # where ``published`` was read ("json-ld datePublished", "url", ...)
    dates: tuple[tuple[str, str], ...] = field(default=())   # every date the page declares: (source, ISO)
    publisher: tuple[str, ...] = field(default=())  # JSON-LD publisher names and URLs
    rights: tuple[str, ...] = field(default=())     # credits read only from a copyright notice ("© X 2024")
    credit_links: tuple[tuple[str, str], ...] = field(default=())   # (credited name, the URL its line links to)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A page that is not archived, with the reason (a stats key) and a human detail.

    ``leaf`` says the page is no listing either (an alternate version, a page too short to keep,
    an about page): nothing new is found on it, so a crawl fetches it again only once it is stale.
    """

    reason: SkipReason
    detail: str = ""
    leaf: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else str(self.reason)


class IngestStatus(enum.StrEnum):
    """What ``Archive.ingest_article`` did with a page."""

    NEW = "new"                  # a new article that started its own cluster
    DUPLICATE = "duplicate"      # a new article that joined an existing cluster
    UNCHANGED = "unchanged"      # the URL was archived before with the same text
    UPDATED = "updated"          # the URL was archived before; its text changed (new version)
    SKIPPED = "skipped"          # not archived (see ``skipped``)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The outcome of ingesting one page."""

    status: IngestStatus
    article_id: int | None = None
    cluster_id: int | None = None
    similarity: float | None = None      # to the cluster's canonical
    exact: bool = False                  # joined through an identical normalised text
    skipped: Skipped | None = None
