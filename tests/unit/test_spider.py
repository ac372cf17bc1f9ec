"""NewsSpider on constructed responses: kinds, scope, normalisation, found_via, limits, errors."""

from __future__ import annotations

import asyncio
import logging

import gzip

import pytest
from scrapy import Request, exceptions
from scrapy.exceptions import CloseSpider, StopDownload
from scrapy.http import Headers, HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from archive.extraction.urls import url_key
from crawler.items import PageItem
from archive.storage.records import PageMark
from crawler.spiders.news import NewsSpider, error_kind, parse_max_pages, parse_seeds

HOME = "http://news.test/"


def make_spider(seeds=HOME, max_pages=None) -> NewsSpider:
    crawler = get_crawler(NewsSpider, {"DOWNLOAD_MAXSIZE": 1_000_000})
    return NewsSpider.from_crawler(crawler, seeds=seeds, max_pages=max_pages)


def respond(url, body, content_type="text/html", cls=HtmlResponse, found_via="seed", seed=True, **kw):
    meta = {"found_via": found_via, "newsarchive_url": url, "seed": seed}
    headers = {"Content-Type": content_type} if content_type else {}
    return cls(url, body=body, headers=headers, request=Request(url, meta=meta), **kw)


def parsed(spider, response) -> list:
    """What the spider's (asynchronous) callback yields for ``response``."""
    async def collect():
        return [o async for o in spider.parse(response)]

    return asyncio.run(collect())


def outputs(spider, response):
    out = parsed(spider, response)
    return [o for o in out if isinstance(o, PageItem)], [o for o in out if isinstance(o, Request)]


def stats(spider):
    return spider.crawler.stats.get_stats()


def test_parse_seeds_and_max_pages():
    assert parse_seeds(" http://a.test/ ,https://b.test/feed,") == ["http://a.test/", "https://b.test/feed"]
    assert parse_seeds(["http://a.test/"]) == ["http://a.test/"]
    for bad in ("", "ftp://a.test/", "/etc/passwd", "http://"):
        with pytest.raises(ValueError):
            parse_seeds(bad)
    assert parse_max_pages("5") == 5 and parse_max_pages(None) is None
    for bad in ("0", "-1", "many"):
        with pytest.raises(ValueError, match="max_pages must be a positive integer"):
            parse_max_pages(bad)


def test_scope_is_the_seed_hosts_with_port():
    spider = make_spider("http://News.test:80/,https://other.test:8443/feed")
    assert spider.scope == {"news.test", "other.test:8443"}
    assert spider.seeds == ["http://news.test/", "https://other.test:8443/feed"]


def test_html_page_gives_an_item_and_in_scope_normalised_links():
    body = b"""<html><head><link rel="canonical" href="/home"></head><body>
      <a href="/a?utm_source=x&amp;b=2#top">a</a> <a href="/a?b=2">same a</a> <a href="/a/?b=2">a slash</a>
      <a href="HTTP://NEWS.TEST:80/c">c</a> <a href="http://elsewhere.test/d">off</a>
      <a href="http://news.test:8080/e">other port</a> <a href="mailto:x@news.test">m</a>
      <a href="javascript:void(0)">j</a> <a href="ftp://news.test/f">f</a> <a href="/photo.JPG">img</a>
      <a href="/?utm_campaign=z">home</a>
      </body></html>"""
    spider = make_spider()
    spider._seen.add(url_key(HOME))         # the seed itself was scheduled by start()
    items, requests = outputs(spider, respond(HOME, body))
    assert len(items) == 1
    item = items[0]
    assert (item.url, item.final_url, item.status, item.found_via) == (HOME, HOME, 200, "seed")
    assert item.body == body and item.fetched_at.tzinfo is not None
    assert [r.url for r in requests] == ["http://news.test/home", "http://news.test/a?b=2", "http://news.test/c"]
    assert {r.meta["found_via"] for r in requests} == {"link"}
    assert all(r.meta["newsarchive_url"] == r.url for r in requests)
    assert stats(spider)["newsarchive/pages"] == 1 and stats(spider)["newsarchive/seeds_ok"] == 1


def test_item_carries_etag_last_modified_and_redirect_target():
    request = Request("http://news.test/old", meta={"found_via": "feed", "newsarchive_url": "http://news.test/old"})
    response = HtmlResponse("http://news.test/new?utm_medium=x", body=b"<html><body>x</body></html>",
                            headers={"Content-Type": "text/html", "ETag": '"v1"',
                                     "Last-Modified": "Mon, 02 Nov 2026 10:00:00 GMT"}, request=request)
    (item,), _ = outputs(make_spider(), response)
    assert (item.url, item.final_url, item.found_via) == ("http://news.test/old", "http://news.test/new", "feed")
    assert (item.etag, item.last_modified) == ('"v1"', "Mon, 02 Nov 2026 10:00:00 GMT")


def test_robots_seed_leads_to_its_in_scope_sitemaps():
    body = b"User-agent: *\nDisallow: /private/\nSitemap: /sitemap.xml\nSitemap: http://elsewhere.test/s.xml\n"
    items, requests = outputs(make_spider(), respond(HOME + "robots.txt", body, "text/plain", TextResponse))
    assert items == [] and [r.url for r in requests] == ["http://news.test/sitemap.xml"]


def test_sitemap_index_sitemap_and_news_sitemap_found_via():
    spider = make_spider()
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/s1.xml</loc>'
             b"</sitemap></sitemapindex>")
    _, requests = outputs(spider, respond(HOME + "index.xml", index, "application/xml", XmlResponse))
    assert [(r.url, r.meta["found_via"]) for r in requests] == [("http://news.test/s1.xml", "sitemap")]
    plain = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/p1</loc></url></urlset>'
    _, requests = outputs(spider, respond(HOME + "s1.xml", plain, "application/xml", XmlResponse))
    assert [(r.url, r.meta["found_via"]) for r in requests] == [("http://news.test/p1", "sitemap")]
    news = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>/n1</loc>'
            b"<news:news><news:title>T</news:title></news:news></url></urlset>")
    gz = respond(HOME + "news.xml.gz", gzip.compress(news), "application/gzip", Response)
    _, requests = outputs(spider, gz)
    assert [(r.url, r.meta["found_via"]) for r in requests] == [("http://news.test/n1", "news_sitemap")]


def test_feed_entries_are_found_via_feed_and_deduplicated():
    rss = (b"<rss version='2.0'><channel><item><link>http://news.test/s1?utm_source=rss</link></item>"
           b"<item><link>http://news.test/s1/#x</link></item><item><link>http://elsewhere.test/s2</link></item>"
           b"</channel></rss>")
    _, requests = outputs(make_spider(), respond(HOME + "feed", rss, "application/rss+xml", XmlResponse))
    assert [(r.url, r.meta["found_via"]) for r in requests] == [("http://news.test/s1", "feed")]


def test_broken_sitemap_is_logged_and_counted(caplog):
    spider = make_spider()
    gz = respond(HOME + "s.xml.gz", b"\x1f\x8b\x08 broken gzip", "application/gzip", Response)
    assert outputs(spider, gz) == ([], [])
    assert stats(spider)["newsarchive/error/unreadable"] == 1
    assert "skip http://news.test/s.xml.gz: bad gzip data" in caplog.text


def test_non_html_is_stopped_on_headers_and_counted():
    spider = make_spider()
    request = Request(HOME + "report", meta={"newsarchive_url": HOME + "report"})
    for content_type in (b"application/pdf", b"image/png", b"application/octet-stream"):
        with pytest.raises(StopDownload):
            spider.on_headers_received(Headers({"Content-Type": content_type}), 2_000_000, request, spider)
    for content_type in (b"text/html; charset=utf-8", b"application/rss+xml", b"text/plain", b""):
        spider.on_headers_received(Headers({"Content-Type": content_type}), 100, request, spider)
    gz_sitemap = Request(HOME + "sitemap.xml.gz", meta={"newsarchive_url": HOME + "sitemap.xml.gz"})
    spider.on_headers_received(Headers({"Content-Type": b"application/octet-stream"}), 100, gz_sitemap, spider)
    stopped = respond(HOME + "report", b"%PDF-1.7", "application/pdf", Response, flags=["download_stopped"])
    assert outputs(spider, stopped) == ([], [])
    sniffed = respond(HOME + "blob", b"\x00\x01\x02binary", None, Response)
    assert outputs(spider, sniffed) == ([], [])
    assert stats(spider)["newsarchive/skipped/not_html"] == 2


def test_max_pages_stops_after_n_responses():
    spider = make_spider(max_pages="2")
    body = b'<html><body><a href="/next">n</a></body></html>'
    items, requests = outputs(spider, respond(HOME, body))
    assert len(items) == 1 and len(requests) == 1
    with pytest.raises(CloseSpider):
        parsed(spider, (respond(HOME + "second", body, found_via="link", seed=False)))
    assert outputs(spider, respond(HOME + "third", body, found_via="link", seed=False)) == ([], [])
    assert stats(spider)["newsarchive/pages"] == 2


def test_errors_are_logged_once_and_counted_by_kind(caplog):
    caplog.set_level(logging.INFO)
    spider = make_spider()
    request = Request(HOME + "gone")
    cases = [
        (HttpError(HtmlResponse(HOME + "gone", status=404, request=request)), "http_404"),
        (HttpError(HtmlResponse(HOME + "gone", status=500, request=request)), "http_500"),
        (DNSLookupError("no such host"), "dns"),
        (TimeoutError("took too long"), "timeout"),
        (ConnectionRefusedError("refused"), "connect_error"),
        (exceptions.CannotResolveHostError("no such host"), "dns"),
        (exceptions.DownloadTimeoutError("took too long"), "timeout"),
        (exceptions.DownloadConnectionRefusedError("refused"), "connect_error"),
        (exceptions.DownloadCancelledError("too big"), "too_large"),
    ]
    for exc, kind in cases:
        failure = Failure(exc)
        failure.request = request
        assert error_kind(failure) == kind
        marks = list(spider.on_error(failure))
        # Each failure is recorded in the frontier: 404 is gone for good, the others are retried later.
        assert [(m.url, m.outcome, m.status) for m in marks] == [
            (HOME + "gone", "gone" if kind == "http_404" else "retry", kind)]
    assert {k: v for k, v in stats(spider).items() if k.startswith("newsarchive/error/")} == {
        "newsarchive/error/http_404": 1, "newsarchive/error/http_500": 1, "newsarchive/error/dns": 2,
        "newsarchive/error/timeout": 2, "newsarchive/error/connect_error": 2, "newsarchive/error/too_large": 1}
    # A followed link answering 404 is a dead link: logged below the progress line (INFO); the rest warn.
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    infos = [r.getMessage() for r in caplog.records if r.levelname == "INFO" and r.name == "crawler.spiders.news"]
    assert infos == ["skip http://news.test/gone: HTTP 404"]
    assert warnings[0] == "skip http://news.test/gone: HTTP 500"
    assert len(warnings) == len(cases) - 1 and all(w.startswith("skip http://news.test/gone: ") for w in warnings)


def test_a_seed_answering_404_still_warns(caplog):
    caplog.set_level(logging.INFO)
    spider = make_spider()
    request = Request(HOME, meta={"seed": True, "newsarchive_url": HOME})
    failure = Failure(HttpError(HtmlResponse(HOME, status=404, request=request)))
    failure.request = request
    list(spider.on_error(failure))
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "crawler.spiders.news"] == [
        ("WARNING", f"skip {HOME}: HTTP 404")]


def test_start_yields_each_seed_once():
    import asyncio

    async def collect(spider):
        return [r async for r in spider.start()]

    spider = make_spider("http://news.test/,http://news.test/?utm_source=x,http://news.test/feed")
    requests = asyncio.run(collect(spider))
    assert [(r.url, r.meta["found_via"], r.meta["seed"]) for r in requests] == [
        ("http://news.test/", "seed", True), ("http://news.test/feed", "seed", True)]


def test_fetches_are_recorded_for_the_frontier_with_the_links_they_hold():
    spider = make_spider()
    body = (b'<html><body><a href="/news/1">one</a><a href="/news/1#top">again</a>'
            b'<a href="http://elsewhere.test/x">out</a><a href="/logo.png">img</a></body></html>')
    items, requests = outputs(spider, respond(HOME, body))
    [page] = items
    assert [(link.url, link.found_via) for link in page.links] == [(HOME + "news/1", "link")]
    assert [r.url for r in requests] == [HOME + "news/1"]
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b'<item><link>http://news.test/news/2</link></item><item><link>http://b.test/x</link></item>'
            b'</channel></rss>')
    out = parsed(spider, (respond(HOME + "feed.xml", feed, "application/rss+xml", XmlResponse)))
    marks = [o for o in out if isinstance(o, PageMark)]
    assert [(m.url, m.outcome, m.status, [link.url for link in m.links]) for m in marks] == [
        (HOME + "feed.xml", "done", "feed", [HOME + "news/2"])]
    assert [r.url for r in out if isinstance(r, Request)] == [HOME + "news/2"]


def test_links_longer_than_the_url_length_limit_are_neither_followed_nor_kept():
    crawler = get_crawler(NewsSpider, {"URLLENGTH_LIMIT": 60})
    spider = NewsSpider.from_crawler(crawler, seeds=HOME)
    spider._seen.add(url_key(HOME))
    short, long = "/2024/01/02/ferry", "/2024/01/02/" + "ferry-timetable-" * 4
    body = f'<html><body><a href="{short}">s</a> <a href="{long}">l</a></body></html>'.encode()
    items, requests = outputs(spider, respond(HOME, body))
    assert [r.url for r in requests] == [HOME + short.lstrip("/")]
    assert spider._in_scope(HOME + long.lstrip("/")) is None
