"""A small archive for the analyst tests: three stories from textgen, two republished with delays."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from archive import Archive, Article
from textgen import story

LIGHTHOUSE = "The lighthouse keeper counted the waves from the gallery all night."
DAY1 = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)


def _page(url: str, paragraphs: list[str], title: str, sitename: str, published: datetime | None) -> Article:
    return Article(url=url, text="\n".join(paragraphs), title=title, sitename=sitename, published=published)


def build(db_url: str) -> None:
    """Coast Times' story copied by Lantern Aid (2 h later) and River Echo (1 day later, last paragraph
    cut); Valley Post's story copied by Lantern Aid (6 h later); a story nobody copied."""
    storm, budget, quiet = [LIGHTHOUSE] + story(701), story(702), story(703)
    pages = [
        (_page("http://coast.test/storm", storm, "Storm closes the harbour", "Coast Times", DAY1), DAY1),
        (_page("http://lantern.test/news/storm", storm, "Harbour shut by storm", "Lantern Aid", None),
         DAY1 + timedelta(hours=2)),
        (_page("http://echo.test/2026/storm", storm[:-1], "The storm and the ferry", "River Echo", None),
         DAY1 + timedelta(days=1)),
        (_page("http://valley.test/budget", budget, "Council budget approved", "Valley Post",
               DAY1 + timedelta(days=1)), DAY1 + timedelta(days=1)),
        (_page("http://lantern.test/news/budget", budget, "What the budget means", "Lantern Aid", None),
         DAY1 + timedelta(days=1, hours=6)),
        (_page("http://valley.test/museum", quiet, "Museum opens a glasshouse wing", "Valley Post",
               DAY1 + timedelta(days=2)), DAY1 + timedelta(days=2)),
    ]
    with Archive(db_url) as archive:
        for article, seen in pages:
            archive.ingest_article(article, fetched_at=seen)
