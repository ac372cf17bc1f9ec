"""The links an extraction worker reads from the tree it parses are the links the spider reads
itself: the same requests, frontier links and held alternates, page for page, on the demo web and a
multilingual variety web served over HTTP (every page, home, section, article, static)."""

from __future__ import annotations

import asyncio
import urllib.parse
import urllib.request

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archive.config import FingerprintParams
from archive.demo.server import serve_variety
from archive.extraction.extract import extract_prepared
from crawler.items import PageItem
from crawler.spiders.news import NewsSpider

PARAMS = FingerprintParams()


def _html_pages(server) -> list[tuple[str, bytes, str]]:
    """Every HTML page of a served web, fetched over HTTP: (URL, body, Content-Type)."""
    pages = []
    for (site, key), resource in sorted(server.web.files.items()):
        if not resource.content_type.startswith("text/html") or resource.status != 200:
            continue
        url = server.web.origins[site] + urllib.parse.quote(key, safe="/?=&%:")
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:      # noqa: S310 - loopback
                pages.append((answer.url, answer.read(), answer.headers.get("Content-Type", "text/html")))
        except (OSError, ValueError):
            continue
    return pages


def _spider(hosts: list[str], with_worker: bool, max_links: int = 1000) -> NewsSpider:
    crawler = get_crawler(NewsSpider, {"DOWNLOAD_MAXSIZE": 10_000_000, "NEWSARCHIVE_MAX_LINKS_PER_PAGE": max_links})
    spider = NewsSpider.from_crawler(crawler, seeds=",".join(hosts))
    if with_worker:
        async def extractor(item, links):
            return extract_prepared(item.body, item.final_url, PARAMS, found_via=item.found_via,
                                    content_type=item.content_type, canonical_missing=item.canonical_missing,
                                    links=links)
        spider.extractor = extractor
    return spider


def _outputs(spider: NewsSpider, url: str, body: bytes, content_type: str) -> tuple:
    meta = {"found_via": "link", "newsarchive_url": url, "seed": False}
    response = HtmlResponse(url, body=body, headers={"Content-Type": content_type}, request=Request(url, meta=meta))

    async def collect():
        return [o async for o in spider.parse(response)]

    out = asyncio.run(collect())
    items = [(o.url, [(link.url, link.found_via) for link in o.links], o.canonical_missing)
             for o in out if isinstance(o, PageItem)]
    requests = [(r.url, r.meta["found_via"]) for r in out if isinstance(r, Request)]
    return items, requests, len(spider.alternates)


def _compare(pages: list[tuple[str, bytes, str]], hosts: list[str], max_links: int = 1000) -> int:
    own, worker = _spider(hosts, False, max_links), _spider(hosts, True, max_links)
    links = 0
    for url, body, content_type in pages:
        expected = _outputs(own, url, body, content_type)
        assert _outputs(worker, url, body, content_type) == expected, url
        links += sum(len(found) for _, found, _ in expected[0])
    assert own.crawler.stats.get_stats().get("newsarchive/links_capped") == \
        worker.crawler.stats.get_stats().get("newsarchive/links_capped")
    return links


def test_worker_links_equal_the_spider_links_on_the_demo_web(demo_web):
    pages = _html_pages(demo_web)
    assert len(pages) > 50
    assert _compare(pages, list(demo_web.sites.values())) > 500


@pytest.mark.parametrize("max_links", [1000, 7])
def test_worker_links_equal_the_spider_links_on_a_variety_web(max_links):
    with serve_variety(3, first=170) as web:
        pages = _html_pages(web)
        assert len(pages) > 50
        assert _compare(pages, list(web.sites.values()), max_links) > 300
