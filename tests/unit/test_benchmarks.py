"""The benchmarks' pure helpers and their generated web (the timings themselves are never asserted)."""

from __future__ import annotations

from benchmarks.procs import logstats_pages, percentile, summary_pages
from benchmarks.webgen import SITES, generate_web


def test_percentile_and_log_parsing():
    assert percentile(list(range(1, 101)), 99) == 99
    assert percentile([5.0], 50) == 5.0
    line = "2024-01-01 [scrapy.extensions.logstats] INFO: Crawled 120 pages (at 60 pages/min), scraped 3 items"
    assert logstats_pages(line) == 120
    assert logstats_pages("INFO: Spider opened") is None
    assert summary_pages("523 pages fetched, 400 new articles, ...") == 523


def test_generated_web_has_the_pages_asked_for_with_copies():
    origins = {i: f"http://127.0.0.{121 + i}:9" for i in range(SITES)}
    web = generate_web(60, origins)
    assert len(web.articles) == len(set(web.articles)) == 60
    pages = {origins[site] + key: res.body for (site, key), res in web.files.items()}
    assert all(url in pages for url in web.articles)
    bodies = [pages[url] for url in web.articles]
    assert sum(b"originally published by" in body for body in bodies) >= 5          # mirrors
    assert all(b"most-read" in body for body in bodies)                            # site chrome
    assert generate_web(60, origins).files == web.files                           # deterministic
