"""Incremental crawls (`newsarchive crawl` run twice on one archive) of a loopback site that answers 304."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from faultweb import LOOPBACK_SETTINGS, article_html, last_run

ARTICLES = ("/news/harbour", "/news/bridge", "/news/ferry", "/news/market")
ENTRY_PAGES = ("/", "/feed.xml", "/sitemap.xml")         # the seeds: never archived, always fetched
ALWAYS = {"/robots.txt", *ENTRY_PAGES, "/missing"}       # /missing: linked from home, never there
EDITED, VANISHED = ARTICLES[1], ARTICLES[2]
EPOCH = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Hit:
    path: str
    status: int
    if_none_match: str | None
    if_modified_since: str | None


@dataclass
class ValidatingSite:
    """Pages with an ETag (a hash of the body) and a Last-Modified; conditional GETs get 304 (RFC 9110)."""

    pages: dict[str, tuple[str, bytes, datetime]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    url: str = ""

    def put(self, path: str, body: str, content_type: str = "text/html; charset=utf-8",
            modified: datetime = EPOCH) -> None:
        self.pages[path] = (content_type, body.encode(), modified)

    def fetched(self, *, since: int = 0) -> list[str]:
        return sorted(h.path for h in self.hits[since:])

    def answer(self, path: str, none_match: str | None, since: str | None) -> tuple[int, dict[str, str], bytes]:
        if path not in self.pages:
            return 404, {"Content-Type": "text/html"}, b"<h1>not here</h1>"
        content_type, body, modified = self.pages[path]
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = {"Content-Type": content_type, "ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
        if none_match is not None:
            unchanged = etag in {t.strip() for t in none_match.split(",")}
        else:
            unchanged = since == headers["Last-Modified"]
        return (304, headers, b"") if unchanged else (200, headers, body)


def _serve(site: ValidatingSite, host: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            none_match, since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            status, headers, body = site.answer(self.path, none_match, since)
            site.hits.append(Hit(self.path, status, none_match, since))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    site.url = f"http://{host}:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _build(site: ValidatingSite) -> None:
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in (*ARTICLES[:2], "/missing"))
    site.put("/", f"<html><body><h1>Town news</h1><ul>{links}</ul><a href='/feed.xml'>feed</a></body></html>")
    items = "".join(f"<item><title>{p}</title><link>{site.url}{p}</link></item>" for p in ARTICLES[1:3])
    site.put("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Town news</title>'
             f"{items}</channel></rss>", "application/rss+xml")
    urls = "".join(f"<url><loc>{site.url}{p}</loc></url>" for p in ARTICLES[2:])
    site.put("/sitemap.xml", '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"{urls}</urlset>", "application/xml")
    for n, path in enumerate(ARTICLES):
        site.put(path, article_html(f"Town story {n}", 200 + n))


@dataclass
class Runs:
    """Two or three crawls of one site into one archive, with what the site saw and the archive held."""

    site: ValidatingSite
    db: Path
    results: list = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)
    marks: list[int] = field(default_factory=list)          # index of the first hit of each crawl
    tables: list[dict[str, int]] = field(default_factory=list)
    articles: list[dict[str, tuple]] = field(default_factory=list)

    def fetched(self, number: int) -> list[str]:
        end = self.marks[number + 1] if number + 1 < len(self.marks) else len(self.site.hits)
        return sorted(h.path for h in self.site.hits[self.marks[number]:end])

    def hits(self, number: int) -> list[Hit]:
        end = self.marks[number + 1] if number + 1 < len(self.marks) else len(self.site.hits)
        return self.site.hits[self.marks[number]:end]


def _snapshot(db: Path) -> tuple[dict[str, int], dict[str, tuple]]:
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        tables = {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
        rows = conn.execute("SELECT url, id, version, cluster_id, role, fetched_at, text FROM article")
        articles = {url.split("/", 3)[3]: tuple(rest) for url, *rest in rows}
    return tables, {f"/{path}": row for path, row in articles.items()}


@pytest.fixture(scope="module")
def crawl_twice(newsarchive, tmp_path_factory):
    """``crawl_twice(host, between, *settings_per_run)`` crawls the site once per settings tuple,
    calling ``between(site)`` before every crawl after the first; returns Runs."""
    servers = []

    def run(host: str, between, *settings: tuple[str, ...]) -> Runs:
        site = ValidatingSite()
        servers.append(_serve(site, host))
        _build(site)
        folder = tmp_path_factory.mktemp("incremental")
        runs = Runs(site, folder / "archive.db")
        for number, extra in enumerate(settings):
            if number:
                between(site)
            runs.marks.append(len(site.hits))
            result = newsarchive("crawl", *(f"{site.url}{p}" for p in ENTRY_PAGES), "--db", f"sqlite:///{runs.db}",
                                 *LOOPBACK_SETTINGS, *extra, cwd=folder, timeout=120)
            assert result.code == 0, result.err[-3000:]
            runs.results.append(result)
            runs.runs.append(last_run(runs.db))
            tables, articles = _snapshot(runs.db)
            runs.tables.append(tables)
            runs.articles.append(articles)
        return runs

    yield run
    for server in servers:
        server.shutdown()
        server.server_close()


# -- an unchanged web, crawled again within the re-crawl interval ---------------------------------

@pytest.fixture(scope="module")
def unchanged(crawl_twice) -> Runs:
    # third run, the control: incremental crawling off fetches every article again
    return crawl_twice("127.0.0.81", lambda site: None, (), (), ("-s", "NEWSARCHIVE_INCREMENTAL=False"))


def test_a_second_crawl_of_an_unchanged_web_fetches_no_article_page_again(unchanged):
    first, second = unchanged.fetched(0), unchanged.fetched(1)
    assert first == sorted([*ALWAYS, *ARTICLES])                    # 9 requests
    assert second == sorted(ALWAYS - {"/missing"})                  # 4: robots, entry pages
    assert unchanged.runs[1]["stats"]["skipped"]["known_dead"] == 1  # /missing answered 404 last run
    pages = [run["stats"]["pages"] for run in unchanged.runs[:2]]
    assert pages == [len(ENTRY_PAGES) + len(ARTICLES), len(ENTRY_PAGES)]       # 7, then 3 parsed
    assert unchanged.runs[1]["stats"]["skipped"]["fresh"] == len(ARTICLES)
    assert unchanged.runs[1]["stats"]["articles_unchanged"] == 0
    # the control: the same crawl with incremental crawling off fetches every article in full
    assert unchanged.fetched(2) == first
    assert unchanged.runs[2]["stats"]["articles_unchanged"] == len(ARTICLES)


def test_a_second_crawl_of_an_unchanged_web_creates_no_rows_but_its_run_record(unchanged):
    before, after = unchanged.tables[0], unchanged.tables[1]
    assert before["article"] == len(ARTICLES)
    assert after == {**before, "crawl_run": before["crawl_run"] + 1}
    assert unchanged.articles[1] == unchanged.articles[0]           # not even fetched_at moved
    assert unchanged.runs[1]["status"] == "ok"


# -- stale articles asked again: 304, an edit, a page that vanished --------------------------------

def _edit_and_remove(site: ValidatingSite) -> None:
    _, body, _ = site.pages[EDITED]
    edited = body.decode().replace("</article>", "<p>Correction: the council meeting moved to the old "
                                   "library hall on the north side of the river.</p></article>")
    site.put(EDITED, edited, modified=EPOCH + timedelta(days=1))
    del site.pages[VANISHED]


@pytest.fixture(scope="module")
def recrawled(crawl_twice) -> Runs:
    return crawl_twice("127.0.0.82", _edit_and_remove, (), ("-s", "NEWSARCHIVE_RECRAWL_AFTER=0"))


def test_stale_articles_are_asked_conditionally_and_a_304_costs_nothing_more(recrawled):
    unchanged_paths = sorted(set(ARTICLES) - {EDITED, VANISHED})
    hits = {h.path: h for h in recrawled.hits(1)}
    assert recrawled.fetched(1) == sorted([*ALWAYS, *ARTICLES])     # every article asked again ...
    for path in unchanged_paths:                                    # ... conditionally, answered 304
        first = next(h for h in recrawled.hits(0) if h.path == path)
        assert (first.if_none_match, first.if_modified_since) == (None, None)
        assert hits[path].status == 304 and hits[path].if_none_match
        assert hits[path].if_modified_since == format_datetime(EPOCH, usegmt=True)
    for path in ENTRY_PAGES:                                        # entry pages: never conditional
        assert hits[path].status == 200 and hits[path].if_none_match is None
    stats = recrawled.runs[1]["stats"]
    assert stats["skipped"]["not_modified"] == len(unchanged_paths)
    assert (stats["articles_new"], stats["articles_unchanged"]) == (0, 0)     # nothing re-ingested
    for path in unchanged_paths:              # same row, same version; verified: fetched_at moved on
        old, new = recrawled.articles[0][path], recrawled.articles[1][path]
        assert new[:4] == old[:4] and new[5] == old[5] and new[4] > old[4]


def test_an_edited_article_becomes_a_new_version_of_itself_not_a_mirror(recrawled):
    old, new = recrawled.articles[0][EDITED], recrawled.articles[1][EDITED]
    article_id, version, cluster_id, role = new[:4]
    assert (article_id, cluster_id, role) == (old[0], old[2], "canonical") and (old[1], version) == (1, 2)
    assert "Correction: the council meeting moved" in new[5] and "Correction" not in old[5]
    assert recrawled.tables[1]["article"] == len(ARTICLES)                  # not a new member
    assert recrawled.tables[1]["article_version"] == recrawled.tables[0]["article_version"] + 1
    with sqlite3.connect(recrawled.db) as conn:
        kept = conn.execute("SELECT article_id, version, text FROM article_version").fetchall()
        size = conn.execute("SELECT size FROM cluster WHERE id = ?", (cluster_id,)).fetchone()[0]
    assert kept == [(article_id, 1, old[5])] and size == 1
    stats = recrawled.runs[1]["stats"]
    assert (stats["articles_updated"], stats["duplicates"]) == (1, 0)


def test_an_archived_article_that_vanished_is_marked_gone_not_deleted(recrawled):
    assert [h.status for h in recrawled.hits(1) if h.path == VANISHED] == [404]
    assert recrawled.articles[1][VANISHED] == recrawled.articles[0][VANISHED]     # kept as it was
    assert recrawled.runs[1]["stats"]["errors"] == {"http_404": 2}               # it and /missing
    err = recrawled.results[1].err
    gone = [line for line in err.splitlines() if "gone: " in line]
    assert len(gone) == 1 and f"{VANISHED} answers 404" in gone[0]              # /missing was never archived
    assert "'newsarchive/gone': 1" in err
    with sqlite3.connect(recrawled.db) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(article)")}
        if "gone_at" in columns:          # the schema's mark (the count and log line above hold without it)
            marked = conn.execute("SELECT url FROM article WHERE gone_at IS NOT NULL").fetchall()
            assert [url for (url,) in marked] == [recrawled.site.url + VANISHED]


def test_a_bad_recrawl_interval_fails_the_run_with_one_line_before_any_fetch(newsarchive, tmp_path):
    site = ValidatingSite()
    server = _serve(site, "127.0.0.83")
    try:
        _build(site)
        result = newsarchive("crawl", f"{site.url}/", "--db", f"sqlite:///{tmp_path / 'archive.db'}",
                             *LOOPBACK_SETTINGS, "-s", "NEWSARCHIVE_RECRAWL_AFTER=weekly", cwd=tmp_path, timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    assert result.code == 2 and site.hits == []          # a usage error, refused when the command starts
    assert result.err_lines[-1] == ("Error: Invalid value for -s: bad setting NEWSARCHIVE_RECRAWL_AFTER=weekly: "
                                    "not a duration: 'weekly' (use e.g. 30m, 1h, 1d or 1h30m)")
    assert "Traceback" not in result.err
