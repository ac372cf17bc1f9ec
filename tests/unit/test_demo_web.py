"""The bundled demo web: deterministic generation, consistent ground truth, and a correct loopback server."""

from __future__ import annotations

import doctest
import html
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from archive.demo import assemble, edits, sitegen
from archive.demo.edits import apply_edits
from archive.demo.model import Role
from archive.demo.server import serve_demo
from archive.demo.sitegen import SITE_IDS, generate

ROOT = Path(__file__).resolve().parents[2]
ORIGINS = {sid: f"http://127.0.0.{61 + i}:8000" for i, sid in enumerate(SITE_IDS)}
NGO_LINES = ("top of page", "bottom of page", "Grey Facebook Icon", "Grey Twitter Icon", "Grey LinkedIn Icon",
             "Follow Greenbridge Water Alliance for more updates")
# never through a proxy: the demo lives on loopback only
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def demo():
    with serve_demo() as running:
        yield running


def page_text(page: str) -> str:
    """The page's text with tags removed and whitespace collapsed (chrome lines span elements)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


def words(paragraphs) -> int:
    return sum(len(p.split()) for p in paragraphs)


# -- generator -----------------------------------------------------------------------------------
def test_generation_is_deterministic():
    first, second = generate(ORIGINS), generate(ORIGINS)
    assert first.files == second.files
    assert first.truth_json() == second.truth_json()
    moved = generate(dict(ORIGINS, meridian="http://127.0.0.61:9000"))
    assert moved.files != first.files


def test_generate_needs_every_origin():
    with pytest.raises(ValueError, match="missing: digest"):
        generate({k: v for k, v in ORIGINS.items() if k != "digest"})


def test_story_shapes_match_the_plan():
    truth = generate(ORIGINS).truth
    by_story: dict[str, list] = {}
    for article in truth.articles:
        by_story.setdefault(article.story, []).append(article)
    copied = {sid: arts for sid, arts in by_story.items() if any(a.role is Role.MIRROR for a in arts)}
    assert len(copied) >= 6
    for arts in copied.values():
        original = [a for a in arts if a.role is Role.ORIGINAL]
        assert len(original) == 1 and 300 <= words(original[0].paragraphs) <= 700
        assert 5 <= len(original[0].paragraphs) <= 10
        assert all(a.title != original[0].title or a.site != original[0].site for a in arts if a is not original[0])
    shorts = [a for a in truth.articles if a.site in ("greenbridge", "civicnotebook") and a.role is Role.SINGLETON]
    for site in ("greenbridge", "civicnotebook"):
        assert len([a for a in shorts if a.site == site and 100 <= words(a.paragraphs) <= 200]) >= 3
    assert {a.role for a in truth.articles} == set(Role)
    assert len({s.template for s in truth.sites}) == 5


def test_every_mirror_and_excerpt_has_an_original():
    truth = generate(ORIGINS).truth
    stories = {s.id: s for s in truth.stories}
    for article in truth.articles:
        story = stories[article.story]
        original = truth.article(story.original_url)
        assert original.role in (Role.ORIGINAL, Role.SINGLETON)
        if article.role in (Role.MIRROR, Role.EXCERPT):
            assert original.role is Role.ORIGINAL and original.site != article.site
            assert article.published > original.published
            if article.credited_origin:
                assert article.credited_origin == story.publisher
                assert story.publisher in article.credit_line


@pytest.mark.parametrize("module", [edits, assemble, sitegen])
def test_docstring_examples(module):
    failures, tried = doctest.testmod(module)
    assert tried and not failures


def test_edits():
    paragraphs = ("One. Two \u201cthree.\u201d", "Four.", "Five.", "Six.")
    assert apply_edits(paragraphs, [["straighten"], ["cut_last", 1], ["merge", 1], ["split", 0]]) == (
        "One.", 'Two "three."', "Four. Five.")
    with pytest.raises(ValueError, match="unknown edit"):
        apply_edits(paragraphs, [["shuffle"]])


# -- server ---------------------------------------------------------------------------------------
def test_truth_pages_are_served_with_their_text(demo):
    for article in demo.truth.articles:
        status, headers, body = fetch(article.url)
        assert status == 200, article.url
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        page = body.decode("utf-8")
        for line in (*article.paragraphs, *article.notes, article.title):
            assert html.escape(line, quote=False) in page, (article.url, line)
        text = page_text(page)
        for line in (*article.chrome, *filter(None, [article.credit_line])):
            assert line in text, (article.url, line)
        assert f'<meta property="og:url" content="{article.url}">' in page
        assert '<meta property="og:type" content="article">' in page
        if article.canonical_url:
            assert f'<link rel="canonical" href="{article.canonical_url}">' in page
        else:
            assert 'rel="canonical"' not in page


def test_ngo_chrome_repeats_on_every_ngo_article(demo):
    site = next(s for s in demo.truth.sites if s.id == "greenbridge")
    assert set(NGO_LINES) <= set(site.chrome)
    ngo = [a for a in demo.truth.articles if a.site == "greenbridge"]
    assert len(ngo) >= 5
    for article in ngo:
        page = fetch(article.url)[2].decode("utf-8")
        assert all(html.escape(line, quote=False) in page for line in site.chrome), article.url
    mirror = next(a for a in ngo if a.story == "arvel-aquifer")
    assert mirror.credit_line == "(c) Meridian Affairs, 2022"
    assert mirror.credited_origin == "Meridian Affairs"


def test_each_site_has_its_own_address(demo):
    hosts = [s.host.rsplit(":", 1)[0] for s in demo.truth.sites]
    assert hosts == [f"127.0.0.{61 + i}" for i in range(len(SITE_IDS))]
    before = len(demo.request_log)
    for site in demo.truth.sites:
        assert fetch(site.index)[0] == 200
    assert [entry[0] for entry in demo.request_log[before:]] == [s.host for s in demo.truth.sites]
    # a path of one site is not served by another
    meridian = next(s.original_url for s in demo.truth.stories if s.publisher == "Meridian Affairs")
    assert fetch(meridian.replace(demo.sites["meridian"], demo.sites["courier"]))[0] == 404


def test_404_for_unknown_and_broken_links(demo):
    assert fetch(demo.sites["meridian"] + "/no/such/page/")[0] == 404
    assert demo.truth.broken_links
    for url in demo.truth.broken_links:
        assert fetch(url)[0] == 404, url
    assert demo.request_log[-1][2] == 404


def test_conditional_requests_get_304(demo):
    url = demo.truth.articles[0].url
    status, headers, body = fetch(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag and modified
    assert fetch(url, {"If-None-Match": etag})[0] == 304
    assert fetch(url, {"If-Modified-Since": modified})[0] == 304
    assert fetch(url, {"If-None-Match": '"something-else"'})[:3:2] == (200, body)
    assert fetch(url, {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})[0] == 200


def test_head_has_headers_and_no_body(demo):
    url = demo.truth.sites[0].feed
    status, headers, body = fetch(url, method="HEAD")
    assert status == 200 and body == b""
    assert headers["Content-Type"] == "application/rss+xml"
    assert int(headers["Content-Length"]) == len(fetch(url)[2])


def test_tracking_parameters_and_fragments_are_ignored(demo):
    url = demo.truth.articles[0].url
    assert fetch(url + "?utm_source=test&utm_medium=email#comments")[2] == fetch(url)[2]


def test_robots_names_the_sitemap_and_disallows_the_calendar(demo):
    for site in demo.truth.sites:
        status, headers, body = fetch(site.robots)
        assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
        lines = body.decode().splitlines()
        assert f"Sitemap: {site.sitemap}" in lines and "Disallow: /calendar/" in lines
        status, headers, _ = fetch(site.sitemap)
        assert status == 200 and headers["Content-Type"] == "application/xml"


def _feed_links(body: bytes) -> set[str]:
    root = ET.fromstring(body)
    links = {el.text for el in root.iter("guid")}
    links |= {el.text for el in root.iter("{http://www.w3.org/2005/Atom}id")}
    return {link for link in links if link and "/" in link.split("//", 1)[-1].strip("/")}


def _sitemap_locs(url: str) -> set[str]:
    root = ET.fromstring(fetch(url)[2])
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = {el.text for el in root.iter(f"{ns}loc")}
    if root.tag == f"{ns}sitemapindex":
        return set().union(*(_sitemap_locs(child) for child in locs))
    return locs


def test_feeds_and_sitemaps_agree_with_truth(demo):
    kinds = set()
    for site in demo.truth.sites:
        status, headers, body = fetch(site.feed)
        kinds.add(headers["Content-Type"])
        articles = [a for a in demo.truth.articles if a.site == site.id]
        assert {a.url for a in articles if a.in_feed} == _feed_links(body) - {site.index}
        locs = _sitemap_locs(site.sitemap)
        assert {a.url for a in articles if a.in_sitemap} == locs & {a.url for a in articles}
    assert kinds == {"application/rss+xml", "application/atom+xml"}
    hidden = [a for a in demo.truth.articles if not a.in_feed and not a.in_sitemap]
    assert hidden, "some articles must be reachable by links only"


def test_link_only_articles_are_linked_but_not_in_feed_or_sitemap(demo):
    for story, site_id in (("census-rural", "meridian"), ("bakery-coop", "courier")):
        article = next(a for a in demo.truth.articles if a.story == story and a.site == site_id)
        site = next(s for s in demo.truth.sites if s.id == site_id)
        assert not article.in_feed and not article.in_sitemap
        path = article.url.removeprefix(demo.sites[site_id]).encode()
        assert path not in fetch(site.feed)[2]
        assert article.url not in _sitemap_locs(site.sitemap)
        listing = b"".join(fetch(site.index + p)[2] for p in ("", "page/2/"))
        assert b'href="' + path in listing


def test_news_sitemap_has_news_elements(demo):
    courier = next(s for s in demo.truth.sites if s.id == "courier")
    root = ET.fromstring(fetch(courier.sitemap)[2])
    titles = [el.text for el in root.iter("{http://www.google.com/schemas/sitemap-news/0.9}title")]
    assert titles and all(titles)


def test_calendar_is_an_endless_trap(demo):
    url = demo.sites["lowmoor"] + "/calendar/2022/12/"
    for next_month in ("/calendar/2023/01/", "/calendar/2023/02/"):
        status, _, body = fetch(url)
        assert status == 200 and next_month.encode() in body
        url = demo.sites["lowmoor"] + next_month


def test_amp_copy_points_to_its_article(demo):
    (amp, article), = demo.truth.alternates.items()
    body = fetch(amp)[2].decode()
    assert "<html amp" in body and f'<link rel="canonical" href="{article}">' in body
    assert f'rel="amphtml" href="{amp}"' in fetch(article)[2].decode()


def test_faults_are_served_and_linked():
    with serve_demo(first=71, faults=True) as demo:
        faults = demo.truth.faults
        assert fetch(faults["server_error"])[0] == 500
        status, headers, body = fetch(faults["pdf"])
        assert status == 200 and headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
        assert fetch(faults["empty"])[:3:2] == (200, b"")
        truncated = fetch(faults["truncated"])[2]
        assert truncated.startswith(b"<!DOCTYPE html>") and b"</html>" not in truncated
        assert fetch(faults["slow"])[0] == 200
        courier = demo.sites["courier"]
        pages = [fetch(courier + "/")[2]] + [fetch(a.url)[2] for a in demo.truth.articles
                                             if a.site == "courier" and a.role is Role.ORIGINAL]
        for url in faults.values():
            path = url.removeprefix(courier).encode()
            assert any(f'href="{path.decode()}"'.encode() in page for page in pages), url
    with serve_demo(first=71) as plain:
        assert plain.truth.faults == {}
        assert b"/status/server-error" not in fetch(plain.sites["courier"] + "/")[2]


def test_server_module_runs_in_foreground_and_stops_on_sigterm():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "archive.demo.server", "--first", "81"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seeds = [proc.stdout.readline().strip() for _ in range(4 * len(SITE_IDS))]
        assert seeds[0].startswith("http://127.0.0.81:") and seeds[-1].endswith("/robots.txt")
        assert fetch(seeds[0])[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Serving 6 demo sites" in err and "Traceback" not in err
