"""The crawl's log formatter (Scrapy's per-page DEBUG lines only when the crawl logs at DEBUG)
and its stats collector."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.logformat import PageLogFormatter


def _page() -> tuple[Request, HtmlResponse]:
    request = Request("http://127.0.0.1:8000/news/a")
    return request, HtmlResponse(request.url, body=b"<html></html>", request=request)


@pytest.mark.parametrize("level", ["INFO", "warning", logging.ERROR])
def test_no_per_page_lines_above_debug(level):
    formatter = PageLogFormatter.from_crawler(get_crawler(Spider, {"LOG_LEVEL": level}))
    request, response = _page()
    assert formatter.crawled(request, response, Spider("s")) is None
    assert formatter.scraped({"url": request.url}, response, Spider("s")) is None
    failure_line = formatter.download_error(ValueError("x"), request, Spider("s"))      # the rest: Scrapy's own
    assert failure_line["level"] == logging.ERROR


@pytest.mark.parametrize("level", ["DEBUG", logging.DEBUG])
def test_per_page_lines_at_debug(level):
    formatter = PageLogFormatter.from_crawler(get_crawler(Spider, {"LOG_LEVEL": level}))
    request, response = _page()
    crawled = formatter.crawled(request, response, Spider("s"))
    assert crawled["level"] == logging.DEBUG and "Crawled" in crawled["msg"]
    assert formatter.scraped({"url": request.url}, response, Spider("s"))["level"] == logging.DEBUG


def test_stats_collector_counts_as_scrapys():
    from scrapy.statscollectors import MemoryStatsCollector

    from crawler import settings
    from crawler.stats import PlainStatsCollector

    crawler = get_crawler(Spider, {"STATS_CLASS": settings.STATS_CLASS})
    assert isinstance(crawler.stats, PlainStatsCollector)
    reference = MemoryStatsCollector(get_crawler(Spider))
    for stats in (crawler.stats, reference):
        stats.inc_value("pages")
        stats.inc_value("pages", 2)
        stats.max_value("depth", 3)
        stats.max_value("depth", 1)
        stats.min_value("first", 5)
        stats.set_value("seeds", 4)
    assert crawler.stats.get_stats() == reference.get_stats() == {"pages": 3, "depth": 3, "first": 5, "seeds": 4}
    assert crawler.stats.get_value("pages") == 3 and crawler.stats.get_value("none", "x") == "x"
