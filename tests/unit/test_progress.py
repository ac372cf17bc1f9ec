"""The crawl's progress line and final summary count dead links (404/410 of followed links) apart
from the errors that need a person's attention."""

from __future__ import annotations

from crawler.progress import status_line
from crawler.run import CrawlReport

STATS = {"newsarchive/pages": 12, "newsarchive/ingested/new": 5, "newsarchive/error/http_404": 3,
         "newsarchive/error/http_410": 1, "newsarchive/error/http_500": 2, "newsarchive/seeds_ok": 1}


def test_the_summary_counts_dead_links_apart_from_errors():
    report = CrawlReport.from_stats(STATS, seeds=1)
    assert report.dead_links == 4 and report.errors == {"http_404": 3, "http_410": 1, "http_500": 2}
    assert report.summary().endswith("; skipped: none; 4 dead links; 2 errors")


def test_the_progress_line_counts_dead_links_apart_from_errors():
    assert status_line(STATS).endswith("| dead links 4 | errors 2")
