"""A page with very many links: only NEWSARCHIVE_MAX_LINKS_PER_PAGE of them are followed and
recorded, the page is not archived as an article, and the next run reads only the pending rows it
fetches (lazily, best first), so it fetches its budget at once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from faultweb import LOOPBACK_SETTINGS, Answer, FaultWeb, article_html, links_html

LINKS = 20_000
CAP = 1000          # the default NEWSARCHIVE_MAX_LINKS_PER_PAGE


def link_farm(count: int) -> str:
    """An index page of ``count`` links to story pages in one paragraph, each with a short anchor
    (text an extractor takes for a long article)."""
    anchors = " ".join(f'<a href="/story/{n}">story number {n}</a>' for n in range(count))
    return (f"<!doctype html><html><head><title>Every story</title></head><body><h1>Every story</h1>"
            f"<p>{anchors}</p></body></html>")


@pytest.fixture
def web():
    faults = FaultWeb()
    yield faults
    faults.close()


def _query(db_url: str, sql: str) -> list[tuple]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _last_stats(db_url: str) -> dict:
    (stats,) = _query(db_url, "SELECT stats FROM crawl_run ORDER BY id DESC LIMIT 1")[0]
    return stats if isinstance(stats, dict) else json.loads(stats)


def test_a_page_of_many_links_is_capped_and_not_archived(web, newsarchive, tmp_path, db_url):
    site = web.site("127.0.0.2")
    site.page("/2026/05/every-story-so-far.html", link_farm(LINKS))
    for n in range(LINKS):
        site.routes[f"/story/{n}"] = Answer(200, article_html(f"Story {n}", n % 50 + 1).encode())
    site.page("/2026/05/another-start.html", links_html("/story/19999"))

    first = newsarchive("crawl", f"{site.url}/2026/05/every-story-so-far.html", "--max-pages", "40", "--db", db_url,
                        *LOOPBACK_SETTINGS, cwd=tmp_path, timeout=300)
    assert first.code == 0, first.err[-3000:]
    (rows,) = _query(db_url, "SELECT count(*) FROM frontier")[0]
    assert CAP <= rows <= CAP + 5                         # the page's own row and the first CAP links
    assert _query(db_url, "SELECT count(*) FROM article WHERE url LIKE '%/2026/05/every-story-so-far.html'") == [(0,)]
    stories = [h for h in site.hits if h.path.startswith("/story/")]
    assert 0 < len(stories) <= 40

    pending = _query(db_url, "SELECT count(*) FROM frontier WHERE state = 'pending'")[0][0]
    assert pending > 900
    hits_before = len(site.hits)
    second = newsarchive("crawl", f"{site.url}/2026/05/another-start.html", "--max-pages", "5", "--db", db_url,
                         *LOOPBACK_SETTINGS, cwd=tmp_path, timeout=300)
    assert second.code == 0, second.err[-3000:]
    stats = _last_stats(db_url)
    assert stats["pages"] == 5
    assert stats["resumed"] <= 5 + 16                 # rows turned into requests: what the budget fetches
    assert len([h for h in site.hits[hits_before:] if h.path != "/robots.txt"]) == 5
