"""Discovery and re-crawl, on SQLite and PostgreSQL, of a loopback site the test writes: a page
whose declared canonical is missing (404, or a relative URL that resolves nowhere) is archived,
not skipped as an alternate; an AMP page whose canonical exists is still skipped; and a second
crawl fetches no article page and no leaf page (a teaser too short to keep, an alternate, an about
page) again: only the entry page, robots.txt and the home page's listings."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from faultweb import LOOPBACK_SETTINGS
from pages import news_page
from storyweb import Served, Site, StoryWeb
from textgen import story

HOST = "127.0.0.94"
MISSING = "/news/lighthouse-keeper-retires-after-forty-years-3001"       # canonical: a 404
RELATIVE = "/news/ferry-timetable-changes-for-the-winter-3002"          # canonical: "ferry-winter.html", a 404
AMP, WHOLE = "/amp/news/market-hall-reopens-3003", "/news/market-hall-reopens-3003"
TEASER, ABOUT, SECTION = "/news/river-festival-returns-this-summer-3004", "/about-us/", "/news/"
ARTICLES = (MISSING, RELATIVE, WHOLE)
LEAVES = (AMP, TEASER, ABOUT)


def _pages(base: str) -> dict[str, str]:
    def article(seed: int, canonical: str | None) -> str:
        return news_page(site="Harbour Post", title=f"Story {seed}", paragraphs=story(seed), canonical=canonical)

    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in (*ARTICLES, AMP, TEASER, ABOUT, SECTION))
    teaser = ("<html><head><title>River festival returns</title></head><body><h1>River festival returns</h1>"
              "<p>The river festival returns this summer with boats, music and food stalls along the quay, "
              "the organisers said.</p></body></html>")
    return {
        "/": f"<html><head><title>Harbour Post</title></head><body><h1>Harbour Post</h1><ul>{links}</ul></body></html>",
        SECTION: f"<html><head><title>News</title></head><body><h1>News</h1><ul>{links}</ul></body></html>",
        MISSING: article(51, f"{base}/news/lighthouse-keeper-retires-3001-original"),
        RELATIVE: article(52, "ferry-winter.html"),
        AMP: article(53, f"{base}{WHOLE}").replace("<html ", "<html amp ", 1),
        WHOLE: article(53, None),
        TEASER: teaser,
        ABOUT: "<html><head><title>About us</title></head><body><h1>About us</h1><p>We are a small paper.</p></body></html>",
    }


@pytest.fixture
def site():
    paper = Site(HOST, "Harbour Post")
    for path, body in _pages("{base}").items():
        paper.put(path, body)
    with Served(StoryWeb([paper], {})) as web:
        yield web


def _fetched(web: StoryWeb, since: Counter | None = None) -> Counter:
    """Fetches by path (since the ``since`` fetches)."""
    with web.lock:
        hits = Counter({"/" + url.split("/", 3)[3]: n for url, n in web.hits.items()})
    return hits - (since or Counter())


def _archived(db_url: str) -> set[str]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        urls = {row[0].split("/", 3)[3] for row in conn.execute(text("SELECT url FROM article"))}
    engine.dispose()
    return {f"/{u}" for u in urls}


def _last_run_stats(db_url: str) -> dict:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        stats = conn.execute(text("SELECT stats FROM crawl_run ORDER BY id DESC LIMIT 1")).scalar()
    engine.dispose()
    return json.loads(stats) if isinstance(stats, str) else stats


def test_missing_canonicals_are_archived_and_a_second_crawl_fetches_no_article_or_leaf_again(
        site, db_url, newsarchive, tmp_path):
    crawl = ("crawl", f"{site.sites[0].url}/", "--db", db_url, *LOOPBACK_SETTINGS)
    first = newsarchive(*crawl, cwd=tmp_path, timeout=120)
    assert first.code == 0, first.err[-3000:]
    assert _archived(db_url) == set(ARTICLES)          # the AMP page's canonical exists: it is skipped
    seen = _fetched(site)
    assert set(seen) >= {*ARTICLES, *LEAVES, "/news/ferry-winter.html", "/news/lighthouse-keeper-retires-3001-original"}
    second = newsarchive(*crawl, cwd=tmp_path, timeout=120)
    assert second.code == 0, second.err[-3000:]
    assert _fetched(site, since=seen) == Counter(["/robots.txt", "/", SECTION])
    skipped = _last_run_stats(db_url)["skipped"]
    assert skipped["fresh"] == len(ARTICLES) and skipped["fresh_leaf"] == len(LEAVES)
    assert _archived(db_url) == set(ARTICLES)
