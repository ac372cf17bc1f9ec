"""Bare Scrapy fetching of a list of URLs, no processing: the crawl benchmark's baseline (b).

    python -m benchmarks.fetch urls.txt        # prints one JSON line: {"pages": N, "seconds": S}
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess

from crawler import settings as crawl_settings


class FetchSpider(scrapy.Spider):
    """Request every URL of a file and throw the responses away."""

    name = "fetch"

    def __init__(self, urls_file: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.urls = Path(urls_file).read_text(encoding="utf-8").split()
        self.pages = 0

    async def start(self):  # noqa: ANN201 - an async generator of requests
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> None:
        self.pages += 1


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    started = time.perf_counter()
    process = CrawlerProcess({
        # the crawl's own concurrency, politeness off as in the benchmark's full crawl
        "CONCURRENT_REQUESTS": crawl_settings.CONCURRENT_REQUESTS,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl_settings.CONCURRENT_REQUESTS_PER_DOMAIN,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False, "COOKIES_ENABLED": False,
        "LOG_LEVEL": "WARNING", "USER_AGENT": crawl_settings.USER_AGENT,
    })
    crawler = process.create_crawler(FetchSpider)
    process.crawl(crawler, urls_file=args[0])
    process.start()
    print(json.dumps({"pages": crawler.spider.pages, "seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
