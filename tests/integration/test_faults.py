"""Bad input and faults met by a real crawl (`newsarchive crawl` as a subprocess, loopback sites on 127.0.0.x)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from crawler.guards import is_internal_host
from crawler.retry import backoff, parse_retry_after
from faultweb import LOOPBACK_SETTINGS, Answer, FaultWeb, article_html, last_run, links_html


@pytest.fixture
def web():
    faults = FaultWeb()
    yield faults
    faults.close()


@pytest.fixture
def crawl(newsarchive, tmp_path):
    """Run `newsarchive crawl SEEDS` into tmp_path/archive.db; return (result, newest run record)."""
    db = tmp_path / "archive.db"

    def run(*seeds: str, settings: tuple[str, ...] = ()):
        result = newsarchive("crawl", *seeds, "--db", f"sqlite:///{db}", *LOOPBACK_SETTINGS, *settings,
                             cwd=tmp_path, timeout=120)
        return result, last_run(db)

    run.db = db
    return run


def _texts(db) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT text FROM article ORDER BY id")]


# -- 429 / 503 / 5xx: retries that wait, per host ------------------------------------------------

def test_retry_after_holds_that_host_and_no_other(web, crawl):
    busy, other = web.site("127.0.0.2"), web.site("127.0.0.3")
    busy.page("/", links_html("/story"))
    busy.routes["/story"] = lambda n: (Answer(429, b"slow down", (("Retry-After", "2"),)) if n == 0
                                       else Answer(200, article_html("Harbour dredging starts", 1).encode()))
    chain = [f"/p{i}" for i in range(4)]                 # the other host's pages, one leading to the next
    for n, (path, nxt) in enumerate(zip(chain, chain[1:] + [None])):
        other.routes[path] = Answer(200, article_html(f"Other {n}", 10 + n, links=links_html(nxt) if nxt else "")
                                    .encode(), delay=0.05)

    result, run = crawl(f"{busy.url}/", f"{other.url}/p0")

    assert result.code == 0, result.err[-2000:]
    first, retry = busy.fetched("/story")                # exactly one retry
    assert retry.at - first.at >= 2.0                    # Retry-After honoured (Scrapy alone: ~0.05 s)
    last = other.fetched(chain[-1])
    assert len(last) == 1 and last[0].seq < retry.seq              # the other host went on meanwhile
    assert run["stats"]["articles_new"] == 1 + len(chain) and run["stats"]["errors"] == {}


def test_retry_after_beyond_the_cap_is_not_waited_for(web, crawl):
    site = web.site()
    site.page("/", links_html("/story", "/fine"))
    site.routes["/story"] = Answer(503, b"maintenance", (("Retry-After", "86400"),))
    site.page("/fine", article_html("Bridge repairs", 2))

    result, run = crawl(f"{site.url}/", settings=("-s", "NEWSARCHIVE_RETRY_AFTER_MAX=5"))

    assert result.code == 0
    assert len(site.fetched("/story")) == 1
    assert run["stats"]["errors"] == {"http_503": 1} and run["stats"]["articles_new"] == 1


def test_server_errors_are_retried_with_growing_backoff_until_the_page_comes(web, crawl):
    site = web.site()
    site.page("/", links_html("/story"))
    statuses = [500, 502, 503]
    site.routes["/story"] = lambda n: (Answer(statuses[n], b"error") if n < len(statuses)
                                       else Answer(200, article_html("Ferry timetable", 3).encode()))

    result, run = crawl(f"{site.url}/", settings=("-s", "RETRY_TIMES=3", "-s", "NEWSARCHIVE_RETRY_BACKOFF_BASE=0.2"))

    hits = site.fetched("/story")
    assert result.code == 0 and len(hits) == 4
    gaps = [b.at - a.at for a, b in zip(hits, hits[1:])]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4 and gaps[2] >= 0.8        # 0.2, 0.4, 0.8 s at least
    assert run["stats"]["articles_new"] == 1 and run["stats"]["errors"] == {}


def test_retry_after_parsing():
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(b"3") == 3.0
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now=now) == 0.0     # a date past: at once
    assert parse_retry_after("tomorrow") is None and parse_retry_after(None) is None
    assert [backoff(n, 0.5, 3.0) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


# -- redirects ---------------------------------------------------------------------------------

def test_redirect_loop_and_endless_chain_are_counted(web, crawl):
    site = web.site()
    site.page("/", links_html("/a", "/hop/0", "/fine"))
    site.routes["/a"] = Answer(302, headers=(("Location", "/b"),))
    site.routes["/b"] = Answer(302, headers=(("Location", "/a"),))
    for i in range(25):
        site.routes[f"/hop/{i}"] = Answer(302, headers=(("Location", f"/hop/{i + 1}"),))
    site.page("/fine", article_html("Library hours", 4))

    result, run = crawl(f"{site.url}/")

    assert result.code == 0
    assert site.paths().count("/a") == 1 and site.paths().count("/b") == 1
    assert sum(p.startswith("/hop/") for p in site.paths()) == 21          # REDIRECT_MAX_TIMES 20, then stop
    assert run["stats"]["errors"] == {"redirect_loop": 1, "too_many_redirects": 1}
    assert "redirect loop: " in result.err and run["stats"]["articles_new"] == 1


# -- size, type and charset ----------------------------------------------------------------------

def test_pages_over_the_size_limit_are_dropped_and_counted(web, crawl):
    site = web.site()
    big = article_html("Big", 5).encode() + b"<p>" + b"filler words " * 120_000 + b"</p>"   # ~1.5 MB
    site.page("/", links_html("/sized", "/unsized", "/fine"))
    site.routes["/sized"] = Answer(200, big)
    site.routes["/unsized"] = Answer(200, big, length=False)          # no Content-Length: ends on close
    site.page("/fine", article_html("Market day", 6))

    result, run = crawl(f"{site.url}/", settings=("-s", "DOWNLOAD_MAXSIZE=500000", "-s", "DOWNLOAD_WARNSIZE=200000"))

    assert result.code == 0
    assert run["stats"]["errors"] == {"too_large": 2}
    assert run["stats"]["articles_new"] == 1 and len(_texts(crawl.db)) == 1


def test_binary_without_content_type_is_not_archived(web, crawl):
    site = web.site()
    site.page("/", links_html("/blob", "/fine"))
    site.routes["/blob"] = Answer(200, b"\x00\x01binary\x00" * 1000, headers=())
    site.page("/fine", article_html("Tram extension", 7))

    result, run = crawl(f"{site.url}/")

    assert result.code == 0 and run["stats"]["skipped"] == {"not_html": 1, "not_article": 1}   # /blob; /
    assert run["stats"]["articles_new"] == 1


ACCENTED = ("Élection à Montréal : « le café déçoit », dit l’élue, naïve.",   # one per page: a line
            "À Noël, « la crème brûlée » fut servie au maître d’hôtel.",      # on every page of a
            "Le garçon répète « où est l’hôpital ? » près du théâtre.")       # site is learned as chrome


def test_wrong_or_missing_charset_is_decoded_right(web, crawl):
    site = web.site()
    site.page("/", links_html("/liar", "/cp1252", "/meta"))
    site.page("/liar", article_html("Liar", 8, ACCENTED[0]), "text/html; charset=iso-8859-1")   # body is UTF-8
    site.routes["/cp1252"] = Answer(200, article_html("Plain", 9, ACCENTED[1]).encode("cp1252"),
                                    (("Content-Type", "text/html"),))
    meta = article_html("Meta", 11, ACCENTED[2]).replace("<head>", '<head><meta charset="windows-1252">')
    site.routes["/meta"] = Answer(200, meta.encode("cp1252"), (("Content-Type", "text/html"),))

    result, run = crawl(f"{site.url}/")

    texts = "\n".join(_texts(crawl.db))
    assert result.code == 0 and run["stats"]["articles_new"] == 3
    assert all(sentence in texts for sentence in ACCENTED)
    assert "Ã" not in texts and "\ufffd" not in texts


# -- hostile feeds and sitemaps -------------------------------------------------------------------

def _laughs(root: str) -> str:
    entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE {root} [{entities}]>'


def test_xml_bombs_and_external_entities_are_refused(web, crawl, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("KEEP-OUT-7731")
    site = web.site()
    site.page("/bomb.xml", _laughs("rss") + "<rss version='2.0'><channel><title>&l9;</title><item>"
              f"<link>{site.url}/a</link><title>&l9;</title></item></channel></rss>", "application/rss+xml")
    site.page("/xxe.xml", f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY s SYSTEM "file://{secret}">]>'
              '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
              f"<loc>{site.url}/b?k=&s;</loc></url></urlset>", "application/xml")
    site.page("/xxe-feed.xml", f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY s SYSTEM "file://{secret}">]>'
              f"<rss version='2.0'><channel><item><link>{site.url}/c?k=&s;</link><title>&s;</title></item>"
              "</channel></rss>", "application/rss+xml")
    site.page("/fine", article_html("Coastal path", 12))

    result, run = crawl(f"{site.url}/bomb.xml", f"{site.url}/xxe.xml", f"{site.url}/xxe-feed.xml", f"{site.url}/fine")

    assert result.code == 0
    assert run["stats"]["errors"] == {"unreadable": 3}
    assert sorted(site.paths()) == ["/bomb.xml", "/fine", "/robots.txt", "/xxe-feed.xml", "/xxe.xml"]
    assert "KEEP-OUT" not in result.err and "KEEP-OUT" not in crawl.db.read_bytes().decode("latin-1")
    assert result.err.count("declares XML entities") == 3


# -- no SSRF: links and redirects to other loopback hosts ----------------------------------------

def test_links_and_redirects_to_internal_addresses_are_not_followed(web, crawl):
    seed = web.site("127.0.0.2")
    targets = [web.site(host) for host in ("127.0.0.1", "127.0.0.3", "127.0.0.4")]
    for target in targets:
        target.page("/", article_html("Internal", 13))
    local, third, fourth = targets
    port = local.url.rsplit(":", 1)[1]
    seed.page("/", links_html(f"http://localhost:{port}/", f"http://2130706433:{port}/", f"http://[::ffff:127.0.0.1]:{port}/",
                              f"{third.url}/", f"http://127.0.0.2:{third.url.rsplit(':', 1)[1]}/x", "/jump", "/fine"))
    seed.routes["/jump"] = Answer(302, headers=(("Location", f"{fourth.url}/"),))
    seed.page("/fine", article_html("Seed story", 14))

    result, run = crawl(f"{seed.url}/")

    assert result.code == 0
    assert [t.hits for t in targets] == [[], [], []]                      # no request reached them
    assert seed.fetched("/jump") and seed.fetched("/fine")                 # control: the seed's own links
    assert run["stats"]["skipped"].get("offsite") == 1                     # the redirect, refused in flight


@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.9.9.9", "localhost", "news.localhost", "[::1]", "10.0.0.1", "172.16.5.4", "172.31.255.255",
    "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0", "[fc00::1]", "[fd12:3456::1]",
    "[fe80::1]", "[::ffff:10.0.0.1]", "[::ffff:127.0.0.1]", "2130706433", "0x7f.1", "0177.0.0.1", "127.1",
    "224.0.0.1", "[::]",
])
def test_internal_addresses_are_recognised(host):
    assert is_internal_host(host)


@pytest.mark.parametrize("host", ["8.8.8.8", "1.1.1.1", "[2001:4860:4860::8888]", "example.org", "news.test",
                                  "172.32.0.1", "100.128.0.1", "192.169.0.1", "localhost.example.org", "1.2.3"])
def test_public_addresses_and_names_are_not_flagged(host):
    assert not is_internal_host(host)          # a pure function: nothing is resolved or contacted


def test_the_guard_refuses_internal_addresses_when_no_seed_scope_applies():
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.guards import InternalAddress, InternalAddressMiddleware

    crawler = get_crawler()                    # no spider yet, so no seed scope: the guard decides alone
    guard = InternalAddressMiddleware(crawler)
    with pytest.raises(InternalAddress):       # a function call: no request is ever sent
        guard.process_request(Request("http://169.254.169.254/latest/meta-data/"))
    assert guard.process_request(Request("http://news.test/story")) is None
    assert crawler.stats.get_value("newsarchive/skipped/internal_address") == 1
