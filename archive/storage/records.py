"""The crawl's frontier records as plain values: what the crawler hands the Archive for each fetch.

No database library here: the crawler builds these, ``archive.storage.frontier`` writes them.
States of a frontier row: ``pending`` (to fetch), ``done`` (fetched, whatever it held), ``failed``
(given up after repeated failures), ``gone`` (answered 404 or 410).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from archive.extraction.article import Skipped, SkipReason  # noqa: F401 - SkipReason for the doctest

PENDING, DONE, FAILED, GONE = "pending", "done", "failed", "gone"
RETRY = "retry"       # a PageMark outcome: a failure worth another attempt later


@dataclass(frozen=True, slots=True)
class Link:
    """A URL found on a page (normalised, in the crawl's scope) and how it was found."""

    url: str
    found_via: str = "link"


@dataclass(frozen=True, slots=True)
class PageMark:
    """What a fetch of ``url`` gave, to be committed with the page's other rows.

    ``outcome`` is ``done`` (fetched; ``status`` says what it was: ``article``, ``not_article``,
    ``feed`` ...), ``gone`` (404/410), or ``retry`` (a failure worth another attempt later:
    timeouts, 5xx, an unreachable robots.txt). ``aliases`` are other URLs the same fetch answered
    for (the request URL before a redirect). ``links`` are added as ``pending`` at ``depth + 1``.
    """

    url: str
    outcome: str = DONE
    status: str | None = None
    links: tuple[Link, ...] = ()
    aliases: tuple[str, ...] = ()
    depth: int = 0
    found_via: str | None = None
    run_id: int | None = None
    retry_at: datetime | None = field(default=None)      # earliest next attempt for ``retry``


@dataclass(frozen=True, slots=True)
class DueRow:
    """A pending frontier row whose next attempt is due."""

    url_key: str
    url: str
    found_via: str | None
    depth: int


# ``last_status`` of a fetched page that held no article and is no listing (see ``Skipped.leaf``):
# fetched again only once stale, like an archived article.
LEAF_PREFIX = "leaf_"


def skip_status(skipped: Skipped) -> str:
    """The frontier status of a skipped page: its reason, prefixed with ``LEAF_PREFIX`` for a leaf.

    >>> skip_status(Skipped(SkipReason.NOT_ARTICLE, "too short (3 words)", leaf=True))
    'leaf_not_article'
    """
    return f"{LEAF_PREFIX}{skipped.reason}" if skipped.leaf else str(skipped.reason)
