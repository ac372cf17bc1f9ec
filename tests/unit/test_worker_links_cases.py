"""Pages where the worker's tree and the spider's own reading could differ (a mislabelled charset, a
byte-order mark, control characters, <base href>, a self-closing <html/>, the link cap, file links):
the links the spider takes from the worker are still the links it reads itself."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archive.config import FingerprintParams
from archive.extraction.extract import extract_prepared
from crawler.items import PageItem
from crawler.spiders.news import NewsSpider

HOME = "http://news.test/"
PROSE = " ".join(f"Sentence {n} of the council's report on the harbour." for n in range(60))


def _page(links: str, head: str = "", prefix: str = "<!doctype html>\n<html>") -> str:
    return (f"{prefix}<head><title>Harbour report</title>{head}</head><body><article><h1>Harbour report</h1>"
            f"<p>{PROSE}</p></article><nav>{links}</nav></body></html>")


CASES = {
    "plain": (_page('<a href="/a">a</a><a href="/b#x">b</a><a href="http://elsewhere.test/c">c</a>').encode(), "text/html"),
    "mislabelled": (_page('<a href="/caf\u00e9/\u00e9t\u00e9">caf\u00e9</a><a href="/b">b</a>').encode("utf-8"),
                    "text/html; charset=iso-8859-1"),
    "latin-1": (_page('<a href="/caf\u00e9">caf\u00e9</a>', '<meta charset="iso-8859-1">').encode("latin-1"), "text/html"),
    "bom": (b"\xef\xbb\xbf" + _page('<a href="/\u00fcber">\u00fcber</a>').encode(), "text/html"),
    "control": (_page('<a href="/a\x01b">a</a><a href="/c">c</a>').encode(), "text/html"),
    "base": (_page('<a href="x/y">a</a><a href="../z">z</a>', '<base href="/section/deep/">').encode(), "text/html"),
    "self-closing": (_page('<a href="/a">a</a>', prefix='<html lang="en"/>').encode(), "text/html"),
    "files": (_page('<a href="/photo.jpg">p</a><a href="/doc.pdf">d</a><a href="/ok">ok</a>',
                    '<link rel="canonical" href="/doc.pdf">').encode(), "text/html"),
    "many": (_page("".join(f'<a href="/story/{n}">s{n}</a>' for n in range(40))).encode(), "text/html"),
    "alternate": (_page('<a href="/a">a</a>', '<link rel="canonical" href="/2026/05/the-harbour-report">').encode(),
                  "text/html"),
    "not html": (b"\x00\x01 <a href='/a'>a</a>", "text/html"),
}


def _spider(with_worker: bool) -> NewsSpider:
    crawler = get_crawler(NewsSpider, {"DOWNLOAD_MAXSIZE": 1_000_000, "NEWSARCHIVE_MAX_LINKS_PER_PAGE": 12})
    spider = NewsSpider.from_crawler(crawler, seeds=HOME)
    if with_worker:
        async def extractor(item, links):
            return extract_prepared(item.body, item.final_url, FingerprintParams(), found_via=item.found_via,
                                    content_type=item.content_type, links=links)
        spider.extractor = extractor
    return spider


def _outputs(spider: NewsSpider, url: str, body: bytes, content_type: str) -> tuple:
    request = Request(url, meta={"found_via": "link", "newsarchive_url": url, "seed": False})
    response = HtmlResponse(url, body=body, headers={"Content-Type": content_type}, request=request)

    async def collect():
        return [o async for o in spider.parse(response)]

    out = asyncio.run(collect())
    return ([(o.url, o.links) for o in out if isinstance(o, PageItem)], [r.url for r in out if isinstance(r, Request)],
            len(spider.alternates), spider.crawler.stats.get_value("newsarchive/links_capped"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_worker_links_equal_the_spider_links(case):
    body, content_type = CASES[case]
    url = HOME + "2026/05/harbour-report-page?utm_source=x"
    expected = _outputs(_spider(False), url, body, content_type)
    assert _outputs(_spider(True), url, body, content_type) == expected
    assert expected[1] or expected[2] or case == "not html"
