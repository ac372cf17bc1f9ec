"""The spider's holding of alternate pages until their declared same-site canonical answers."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.alternates import Alternates
from crawler.items import PageItem

PAGE = "http://news.test/amp/story-one-1001"
CANONICAL = "http://news.test/news/story-one-1001"


def item(url: str = PAGE) -> PageItem:
    return PageItem(url=url, final_url=url, status=200, content_type="text/html", body=b"<html></html>",
                    found_via="link", fetched_at=datetime(2026, 1, 2, tzinfo=UTC))


def test_a_page_is_held_until_its_canonical_answers_then_handed_on_as_it_is():
    alternates = Alternates()
    assert alternates.hold(item(), [CANONICAL]) == [] and len(alternates) == 1
    released = alternates.answered(CANONICAL)
    assert [i.canonical_missing for i in released] == [False] and len(alternates) == 0
    assert alternates.hold(item(), [CANONICAL])[0].canonical_missing is False     # answered already


def test_a_page_whose_canonical_is_missing_is_handed_on_marked():
    alternates = Alternates()
    assert alternates.hold(item(), [CANONICAL]) == []
    assert [i.canonical_missing for i in alternates.missing(CANONICAL + "?utm_source=x")] == [True]
    assert alternates.hold(item(PAGE + "?print=1"), [CANONICAL])[0].canonical_missing is True    # known missing


def test_pages_that_are_no_alternates_are_never_held():
    alternates = Alternates()
    for canonicals in ([], [PAGE], ["http://other.test/news/story-one-1001"], ["http://news.test/"]):
        assert alternates.hold(item(), canonicals) == [item()]
