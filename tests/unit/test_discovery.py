"""Discovery: classify bodies (robots, sitemaps, feeds, HTML) and read the URLs they point to."""

from __future__ import annotations

import gzip

import pytest

from crawler.discovery import (
    DiscoveryError,
    Kind,
    PageLinks,
    classify,
    feed_links,
    maybe_gunzip,
    page_links,
    robots_sitemaps,
    sitemap_entries,
)

ROBOTS = b"# rules for everyone\nUser-agent: *\nDisallow: /private/\n\nSitemap: https://news.test/sitemap.xml\n"
SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://news.test/2026/harbour-plan</loc><lastmod>2026-11-01</lastmod></url>
  <url><loc>https://news.test/2026/bridge-vote</loc></url>
</urlset>"""
SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.test/sitemap-1.xml</loc></sitemap>
  <sitemap><loc>/sitemap-2.xml.gz</loc></sitemap>
</sitemapindex>"""
NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://news.test/2026/ferry-strike</loc>
    <news:news><news:publication><news:name>News Test</news:name><news:language>en</news:language>
    </news:publication><news:publication_date>2026-11-02</news:publication_date>
    <news:title>Ferry strike ends</news:title></news:news></url>
</urlset>"""
RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>News Test</title><link>https://news.test/</link>
  <item><title>Harbour plan approved</title><link>https://news.test/2026/harbour-plan?utm_source=rss</link></item>
  <item><title>Bridge vote delayed</title><link>/2026/bridge-vote</link></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News Test</title>
  <entry><title>Museum opens</title><link rel="alternate" href="https://news.test/2026/museum"/>
    <id>tag:news.test,2026:museum</id><updated>2026-11-03T10:00:00Z</updated></entry>
</feed>"""
RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="https://news.test/"><title>News Test</title></channel>
  <item rdf:about="https://news.test/2026/storm"><title>Storm</title><link>https://news.test/2026/storm</link></item>
</rdf:RDF>"""
HTML = b"""<!DOCTYPE html>
<!-- served by a test -->
<html lang="en"><head><title>Harbour plan approved</title>
<link rel="canonical" href="/2026/harbour-plan"><meta property="og:url" content="https://news.test/2026/harbour-plan">
</head><body><a href="/2026/bridge-vote#comments">Bridge</a> <a href=" https://other.test/x ">x</a>
<a href="">empty</a></body></html>"""


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    (ROBOTS, "text/plain", Kind.ROBOTS),
    (ROBOTS, "text/html; charset=utf-8", Kind.ROBOTS),        # a server that mislabels robots.txt
    (ROBOTS, None, Kind.ROBOTS),
    (SITEMAP, "application/xml", Kind.SITEMAP),
    (SITEMAP, "text/plain", Kind.SITEMAP),
    (SITEMAP_INDEX, "text/xml", Kind.SITEMAP_INDEX),
    (NEWS_SITEMAP, "application/xml", Kind.SITEMAP),
    (RSS, "application/rss+xml", Kind.FEED),
    (RSS, "text/html", Kind.FEED),                             # the body decides, not the header
    (ATOM, "application/atom+xml", Kind.FEED),
    (RDF, "application/rdf+xml", Kind.FEED),
    (HTML, "text/html", Kind.HTML),
    (HTML, None, Kind.HTML),
    (b"\xef\xbb\xbf<html><body><p>BOM first</p></body></html>", "text/html", Kind.HTML),
    (b"<p>A fragment with no html element.</p>", "text/html", Kind.HTML),
    (b"Just a note, no markup.", "text/html", Kind.HTML),
    (b"Just a note, no markup.", "text/plain", Kind.OTHER),
    (b'{"items": [1, 2]}', "application/json", Kind.OTHER),
    (b"<note><to>x</to></note>", "application/xml", Kind.OTHER),
    (b"%PDF-1.7\n\x00\x01binary", None, Kind.OTHER),
    (b"", "text/html", Kind.OTHER),
    (b"   \n", "text/plain", Kind.OTHER),
])
def test_classify_from_the_body(body, content_type, kind):
    assert classify(body, content_type, "https://news.test/whatever") is kind


def test_robots_detection_does_not_rest_on_the_url():
    not_rules = b"This file lists our opening hours.\nMonday: 9-17\nTuesday: 9-17\n"
    assert classify(not_rules, "text/plain", "https://news.test/robots.txt") is Kind.OTHER
    assert classify(ROBOTS, "text/plain", "https://news.test/rules.txt") is Kind.ROBOTS


def test_classify_skips_a_doctype_with_an_internal_subset():
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE urlset [\n <!ENTITY a "aaaa">\n <!ENTITY b "&a;&a;&a;">\n]>\n'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://news.test/&b;</loc>'
            b"</url></urlset>")
    assert classify(bomb, "application/xml", None) is Kind.SITEMAP
    with pytest.raises(DiscoveryError, match="declares XML entities"):   # refused before parsing
        sitemap_entries(bomb, "https://news.test/sitemap.xml")


def test_robots_sitemaps_are_absolute():
    body = ROBOTS + b"sitemap: /news-sitemap.xml\n"
    assert robots_sitemaps(body, "https://news.test/robots.txt") == [
        "https://news.test/sitemap.xml", "https://news.test/news-sitemap.xml"]
    assert robots_sitemaps(b"User-agent: *\nDisallow:\n", "https://news.test/robots.txt") == []


def test_sitemap_entries():
    entries = sitemap_entries(SITEMAP, "https://news.test/sitemap.xml")
    assert entries.urls == ("https://news.test/2026/harbour-plan", "https://news.test/2026/bridge-vote")
    assert not entries.is_index and not entries.is_news


def test_sitemap_index_entries_are_resolved_against_the_index():
    entries = sitemap_entries(SITEMAP_INDEX, "https://news.test/sitemap_index.xml")
    assert entries.is_index
    assert entries.urls == ("https://news.test/sitemap-1.xml", "https://news.test/sitemap-2.xml.gz")


def test_news_sitemap_is_recognised():
    entries = sitemap_entries(NEWS_SITEMAP, "https://news.test/news.xml")
    assert entries.is_news and entries.urls == ("https://news.test/2026/ferry-strike",)


@pytest.mark.parametrize("body", [b"", b"not xml at all", b"<rss version='2.0'><channel/></rss>"])
def test_unreadable_sitemap_raises_discovery_error(body):
    with pytest.raises(DiscoveryError):
        sitemap_entries(body, "https://news.test/sitemap.xml")


def test_gzip_sitemap_is_decompressed_and_plain_bodies_pass_through():
    assert maybe_gunzip(gzip.compress(SITEMAP)) == SITEMAP
    assert maybe_gunzip(SITEMAP) == SITEMAP
    with pytest.raises(DiscoveryError):
        maybe_gunzip(gzip.compress(b"x" * 10_000), max_size=1_000)     # a gzip bomb stays small
    with pytest.raises(DiscoveryError):
        maybe_gunzip(b"\x1f\x8b\x08 truncated")


def test_rss_and_atom_entry_links():
    assert feed_links(RSS, "https://news.test/feed") == [
        "https://news.test/2026/harbour-plan?utm_source=rss", "https://news.test/2026/bridge-vote"]
    assert feed_links(ATOM, "https://news.test/atom.xml") == ["https://news.test/2026/museum"]
    assert feed_links(RDF, "https://news.test/rdf") == ["https://news.test/2026/storm"]


def test_feed_body_that_looks_like_a_path_is_not_opened(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(b"<rss version='2.0'><channel><item><link>https://leak.test/SECRET</link></item>"
                       b"</channel></rss>")
    try:
        links = feed_links(str(secret).encode(), "https://news.test/feed")
    except DiscoveryError:
        links = []
    assert links == []


def test_page_links_and_declared_canonical():
    links = page_links(HTML, "https://news.test/2026/harbour-plan?ref=home")
    assert links.links == ("https://news.test/2026/bridge-vote#comments", "https://other.test/x")
    assert links.canonical == ("https://news.test/2026/harbour-plan", "https://news.test/2026/harbour-plan")


def test_page_links_honour_base_href():
    body = b'<html><head><base href="https://news.test/section/"></head><body><a href="story">s</a></body></html>'
    assert page_links(body, "https://news.test/").links == ("https://news.test/section/story",)


def test_page_links_each_once_in_page_order():
    body = b'<a href="/b">1</a><a href=" /a ">2</a><a href="/b">3</a><a href="">4</a><a href="/a#x">5</a>'
    assert page_links(body, "http://a.test/").links == ("http://a.test/b", "http://a.test/a", "http://a.test/a#x")


def test_page_links_read_the_response_encoding():
    for codec, letter in (("latin-1", "é"), ("cp1252", "é"), ("koi8-r", "ж"), ("shift_jis", "ニ")):
        body = f'<p>{letter}</p><a href="/{letter}">x</a>'.encode(codec)
        assert page_links(body, "http://a.test/", encoding=codec).links == (f"http://a.test/{letter}",), codec
    assert page_links("<a href='/é'>x</a>", "http://a.test/").links == ("http://a.test/é",)


def test_page_links_of_nothing_or_an_unknown_encoding():
    assert page_links(b"", "http://a.test/") == page_links(b"  \n", "http://a.test/") == PageLinks()
    assert page_links(b'<a href="/x">x</a>', "http://a.test/", encoding="no-such-codec").links == ("http://a.test/x",)
