"""A page that declares its title, author and date is extracted without trafilatura's full metadata
pass; the article is the same as the full pass makes (generated pages of every demo template)."""

from __future__ import annotations

import pytest

from archive.extraction import declared, extract as extract_module
from archive.extraction.article import Article
from archive.extraction.extract import extract
from benchmarks.webgen import SITES, generate_web


def _pages() -> list[tuple[str, bytes, str]]:
    web = generate_web(60, {i: f"http://127.0.0.{90 + i}:8000" for i in range(SITES)}, seed=11)
    by_url = {web.origins[site] + path: res for (site, path), res in web.files.items()}
    return [(url, by_url[url].body, by_url[url].content_type) for url in web.articles if url in by_url]


def test_articles_from_declared_metadata_equal_the_full_pass(monkeypatch: pytest.MonkeyPatch):
    taken: list[str] = []
    read = declared.declared_metadata

    def counted(tree, url):
        found = read(tree, url)
        if found is not None:
            taken.append(url)
        return found

    monkeypatch.setattr(extract_module, "declared_metadata", counted)
    pages = _pages()
    fast = [extract(body, url, content_type=ctype, found_via="link") for url, body, ctype in pages]
    monkeypatch.setattr(extract_module, "declared_metadata", lambda tree, url: None)
    full = [extract(body, url, content_type=ctype, found_via="link") for url, body, ctype in pages]
    assert len(taken) >= 10                  # pages that declare all three took the short way
    articles = [(url, a) for (url, _, _), a in zip(pages, fast) if url in taken and isinstance(a, Article)]
    assert len(articles) >= 10 and all(a.author and a.title and a.published for _, a in articles)
    assert fast == full


def test_a_page_without_a_declared_author_takes_the_full_pass():
    html = ('<html><head><meta property="og:title" content="Harbour dredging starts">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Harbour dredging starts",'
            ' "datePublished": "2026-05-01T08:00:00Z"}</script></head><body><p>x</p></body></html>')
    from trafilatura.utils import load_html

    assert declared.declared_metadata(load_html(html), "http://news.test/a") is None
