"""Small real crawls of loopback sites, each in its own process: discovery, scope, robots, errors."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from textgen import story

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5, "LOG_LEVEL": "INFO",
            "NEWSARCHIVE_RETRY_BACKOFF_BASE": 0.05}   # retries wait 0.05, 0.1 s on loopback

# Runs one crawl through crawler.run.run_crawl; a test-only pipeline records the items it sees.
RUNNER = textwrap.dedent('''
    import dataclasses, json, sys

    class CollectPipeline:
        """Write each PageItem's url, final_url and found_via as one JSON line."""
        def __init__(self):
            self.out = open(sys.argv[2], "a", encoding="utf-8")
        async def process_item(self, item):
            fields = {"url": item.url, "final_url": item.final_url, "found_via": item.found_via}
            self.out.write(json.dumps(fields) + "\\n")
            self.out.flush()
            return item

    if __name__ == "__main__":
        from crawler.run import run_crawl
        args = json.loads(sys.argv[1])
        report = run_crawl(args["seeds"], args["db"], max_pages=args.get("max_pages"), settings=args["settings"])
        print(json.dumps(dataclasses.asdict(report)))
''')


@dataclass
class Site:
    """A loopback web site: ``pages`` maps a path (query included) to (status, content type, body)."""

    pages: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)     # path -> seconds before answering
    log: list[str] = field(default_factory=list)
    url: str = ""

    def add(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8",
            status: int = 200) -> None:
        self.pages[path] = (status, content_type, body.encode() if isinstance(body, str) else body)

    def fetched(self, path: str) -> int:
        return self.log.count(path)


def _serve(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            site.log.append(self.path)
            if self.path in site.delays:
                time.sleep(site.delays[self.path])
            status, content_type, body = site.pages.get(
                self.path, site.pages.get(self.path.split("?")[0], (404, "text/html", b"<h1>not found</h1>")))
            self.send_response(status)
            if status in (301, 302):
                self.send_header("Location", body.decode())
                body = b""
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def sites():
    """Make loopback sites; each one is shut down after the test."""
    servers = []

    def make() -> Site:
        site = Site()
        servers.append(_serve(site))
        return site

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def article(title: str, seed: int, links: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in story(seed))
    return (f"<!doctype html><html><head><title>{title}</title>"
            f'<meta property="og:type" content="article"></head><body><article><h1>{title}</h1>'
            f"{paragraphs}</article>{links}</body></html>")


def crawl(tmp_path: Path, seeds: list[str], *, max_pages: int | None = None, archive: bool = False,
          db: str | None = None, **settings) -> tuple[dict, list[dict], str]:
    """Run one crawl in a subprocess; return its report, the items the pipeline saw, and stderr."""
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    items_file = tmp_path / "items.jsonl"
    items_file.unlink(missing_ok=True)
    pipelines = {"__main__.CollectPipeline": 100}
    if archive:
        pipelines["crawler.pipelines.ArchivePipeline"] = 300
    args = {"seeds": seeds, "db": db or f"sqlite:///{tmp_path / 'archive.db'}", "max_pages": max_pages,
            "settings": {**LOOPBACK, "ITEM_PIPELINES": pipelines, "NEWSARCHIVE_WORKERS": 1, **settings}}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(runner), json.dumps(args), str(items_file)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = [json.loads(line) for line in items_file.read_text().splitlines()] if items_file.exists() else []
    return json.loads(proc.stdout.strip().splitlines()[-1]), items, proc.stderr


def test_robots_seed_leads_through_sitemap_index_to_archived_articles(tmp_path, sites):
    site = sites()
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\nSitemap: /sitemap_index.xml\n", "text/plain")
    site.add("/sitemap_index.xml", '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
             'sitemap/0.9"><sitemap><loc>/news.xml</loc></sitemap><sitemap><loc>/more.xml</loc></sitemap>'
             "</sitemapindex>", "application/xml")
    site.add("/news.xml", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://'
             'www.google.com/schemas/sitemap-news/0.9"><url><loc>/2026/harbour</loc><news:news><news:title>H'
             "</news:title></news:news></url><url><loc>/2026/bridge?utm_source=sitemap</loc></url></urlset>",
             "application/xml")
    site.add("/more.xml", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/2026/ferry'
             "</loc></url><url><loc>/private/draft</loc></url></urlset>", "text/xml")
    site.add("/2026/harbour", article("Harbour plan approved", 1))
    site.add("/2026/bridge", article("Bridge vote delayed", 2))
    site.add("/2026/ferry", article("Ferry timetable changes", 3))
    site.add("/private/draft", article("Draft", 4))
    mirror = sites()                       # another site republishes the harbour story
    mirror.add("/copy.html", article("Port scheme gets green light", 1))

    report, items, _ = crawl(tmp_path, [f"{site.url}/robots.txt", f"{mirror.url}/copy.html"], archive=True)

    assert sorted(site.log) == sorted(["/robots.txt", "/sitemap_index.xml", "/news.xml", "/more.xml",
                                       "/2026/harbour", "/2026/bridge", "/2026/ferry"])
    assert {(i["url"].removeprefix(site.url), i["found_via"]) for i in items} == {
        ("/2026/harbour", "news_sitemap"), ("/2026/bridge", "news_sitemap"), ("/2026/ferry", "sitemap"),
        (f"{mirror.url}/copy.html", "seed")}
    assert report["failed"] is None and report["seeds_ok"] == 2 and report["pages"] == 8
    assert (report["new"], report["duplicate"]) == (3, 1), (report["skipped"], report["errors"])
    assert report["skipped"] == {"robots_disallowed": 1}
    with sqlite3.connect(tmp_path / "archive.db") as db:
        rows = set(db.execute("SELECT url, found_via FROM article").fetchall())
    assert rows == {(f"{site.url}/2026/bridge", "news_sitemap"), (f"{site.url}/2026/ferry", "sitemap"),
                    (f"{site.url}/2026/harbour", "news_sitemap"), (f"{mirror.url}/copy.html", "seed")}


def test_scrapy_crawl_command_runs_the_spider(tmp_path, sites):
    site = sites()
    site.add("/", '<html><body><a href="/story">story</a></body></html>')
    site.add("/story", article("Library hours extended", 5))
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"seeds={site.url}/", "-a", "max_pages=5",
           "-s", "ITEM_PIPELINES={}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert site.fetched("/story") == 1 and "'newsarchive/pages': 2" in proc.stderr


def test_tracking_and_fragment_variants_are_fetched_once(tmp_path, sites):
    site = sites()
    variants = ["/story?utm_source=x&utm_medium=y", "/story#comments", "/story/", "/story?fbclid=abc",
                f"{site.url.upper()}/story", "/story?gclid=1#top"]
    site.add("/", "<html><body>" + "".join(f'<a href="{v}">v</a>' for v in variants) + "</body></html>")
    site.add("/story", article("Market reopens", 6, '<a href="/?utm_campaign=home">home</a>'))
    site.add("/story/", article("Market reopens", 6))

    report, items, _ = crawl(tmp_path, [f"{site.url}/"])

    assert [p for p in site.log if p.startswith("/story")] == ["/story"]
    assert site.fetched("/") == 1 and report["pages"] == 2
    assert sorted(i["url"].removeprefix(site.url) for i in items) == ["/", "/story"]


def test_links_to_other_hosts_are_never_followed(tmp_path, sites):
    site, other = sites(), sites()
    other.add("/", article("Elsewhere", 7))
    other.add("/feed-entry", article("Elsewhere entry", 8))
    site.add("/", f'<html><body><a href="{other.url}/">off</a><a href="/local">local</a>'
                  f'<a href="/moved">moved</a><link rel="canonical" href="{other.url}/canon"></body></html>')
    site.add("/local", article("Local story", 9))
    site.add("/moved", f"{other.url}/", status=302)
    site.add("/feed", f"<rss version='2.0'><channel><item><link>{other.url}/feed-entry</link></item>"
                      "<item><link>/local</link></item></channel></rss>", "application/rss+xml")

    report, items, stderr = crawl(tmp_path, [f"{site.url}/", f"{site.url}/feed"])

    assert other.log == []
    assert site.fetched("/local") == 1 and site.fetched("/moved") == 1       # control: in-scope links followed
    assert report["skipped"].get("offsite") == 1                             # the redirect target
    assert {i["url"].removeprefix(site.url) for i in items} == {"/", "/local"}


def test_robots_disallow_is_obeyed(tmp_path, sites):
    site = sites()
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    site.add("/", '<html><body><a href="/private/a">p</a><a href="/public/b">b</a></body></html>')
    site.add("/private/a", article("Private", 10))
    site.add("/public/b", article("Public", 11))

    report, _, _ = crawl(tmp_path, [f"{site.url}/"])

    assert not any(p.startswith("/private") for p in site.log)
    assert site.fetched("/public/b") == 1 and site.fetched("/robots.txt") == 1
    assert report["skipped"] == {"robots_disallowed": 1}


@pytest.mark.parametrize(("robots_status", "allowed"), [(503, False), (500, False), (404, True), (403, True)])
def test_robots_errors_follow_rfc_9309(tmp_path, sites, robots_status, allowed):
    site = sites()
    site.add("/robots.txt", "User-agent: *\nDisallow:\n", "text/plain", status=robots_status)
    site.add("/", '<html><body><a href="/story">s</a></body></html>')
    site.add("/story", article("Storm warning", 12))

    report, items, stderr = crawl(tmp_path, [f"{site.url}/"])

    pages = [p for p in site.log if p != "/robots.txt"]
    if allowed:
        assert pages == ["/", "/story"] and report["failed"] is None
    else:
        assert pages == [] and items == []
        assert report["failed"].startswith("no seed could be fetched")
        assert f"robots.txt unavailable (HTTP {robots_status}), host disallowed for this run" in stderr


def test_missing_and_failing_pages_are_skipped_and_counted(tmp_path, sites):
    site = sites()
    site.add("/", '<html><body><a href="/gone">g</a><a href="/broken">b</a><a href="/fine">f</a>'
                  '<a href="/slow">s</a></body></html>')
    site.add("/broken", "<h1>oops</h1>", status=500)
    site.add("/fine", article("Council meets", 13))
    site.add("/slow", article("Slow story", 14))
    site.delays["/slow"] = 3

    report, items, stderr = crawl(tmp_path, [f"{site.url}/"], RETRY_TIMES=1, DOWNLOAD_TIMEOUT=0.5)

    assert report["errors"] == {"http_404": 1, "http_500": 1, "timeout": 1}
    assert site.fetched("/broken") == 2 and site.fetched("/gone") == 1      # 5xx retried once, 404 never
    assert {i["url"].removeprefix(site.url) for i in items} == {"/", "/fine"}
    assert f"skip {site.url}/gone: HTTP 404" in stderr and f"skip {site.url}/broken: HTTP 500" in stderr
    assert f"skip {site.url}/slow: DownloadTimeoutError" in stderr and "Gave up retrying" not in stderr
    assert report["failed"] is None


def test_max_pages_is_honoured(tmp_path, sites):
    site = sites()
    site.add("/", "<html><body>" + "".join(f'<a href="/s{n}">s</a>' for n in range(12)) + "</body></html>")
    for n in range(12):
        site.add(f"/s{n}", article(f"Story {n}", 20 + n))

    limited, items, _ = crawl(tmp_path, [f"{site.url}/"], max_pages=3)
    assert limited["pages"] == 3 and len(items) == 3 and limited["finish_reason"] == "max_pages"
    assert sorted(site.log)[:2] == ["/", "/robots.txt"] and len(site.log) == 3 + 1    # + robots.txt

    site.log.clear()
    full, items, _ = crawl(tmp_path, [f"{site.url}/"])                     # control: no limit
    assert full["pages"] == 13 and len(items) == 13


def test_non_html_is_skipped_on_its_headers(tmp_path, sites):
    site = sites()
    site.add("/", '<html><body><a href="/report?id=1">pdf</a><a href="/picture">png</a>'
                  '<a href="/story">s</a></body></html>')
    site.add("/report", b"%PDF-1.7\n" + b"\x00" * 3_000_000, "application/pdf")
    site.add("/picture", b"\x89PNG\r\n\x1a\n" + b"\x00" * 1000, "image/png")
    site.add("/story", article("Rail line reopens", 40))

    # Without the stop on headers, the 3 MB PDF would exceed DOWNLOAD_MAXSIZE and count as too_large.
    report, items, _ = crawl(tmp_path, [f"{site.url}/"], DOWNLOAD_MAXSIZE=1_000_000)

    assert report["skipped"] == {"not_html": 2} and report["errors"] == {}
    assert {i["url"].removeprefix(site.url) for i in items} == {"/", "/story"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_dead_seed_is_counted_and_the_crawl_goes_on(tmp_path, sites):
    site = sites()
    site.add("/", article("Ferry strike ends", 41))
    dead = f"http://127.0.0.1:{_closed_port()}/"

    report, items, stderr = crawl(tmp_path, [dead, f"{site.url}/"])
    assert report["failed"] is None and report["seeds_ok"] == 1
    assert report["errors"] == {"robots_unavailable": 1} and report["skipped"] == {"robots_disallowed": 1}
    host = dead.removeprefix("http://").rstrip("/")
    assert f"skip {host}: robots.txt unavailable (DownloadConnectionRefusedError" in stderr
    assert [i["url"] for i in items] == [f"{site.url}/"]

    report, items, stderr = crawl(tmp_path, [dead])
    assert report["failed"] == "no seed could be fetched (1 tried; see the warnings above)"
    assert items == [] and "crawl failed: none of the 1 seeds could be fetched" in stderr


def test_archive_that_cannot_be_opened_fails_the_run_before_fetching(tmp_path, sites):
    site = sites()
    site.add("/", article("Museum opens", 42))
    missing = tmp_path / "no" / "such" / "folder"
    report, items, _ = crawl(tmp_path, [f"{site.url}/"], archive=True,
                             db=f"sqlite:///{missing}/a.db")
    assert report["failed"].startswith(f"cannot open sqlite:///{missing}/a.db")
    assert report["finish_reason"] == "archive_unavailable" and site.log == [] and items == []
