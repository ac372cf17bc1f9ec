"""A generated multi-site news web for crawl tests that need many pages: originals, republished
copies on other sites, section and tag pages (followed, not archived), feeds, sitemaps, robots.txt.

Every site is served by its own threaded HTTP server on a loopback address; each request is
logged so a test can count fetches per URL.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pages import news_page
from textgen import story

EPOCH = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
SITE_NAMES = ("Harbour Gazette", "Valley Courier", "Northern Ledger", "Coast Review", "Plains Herald", "Ridge Daily")


@dataclass
class Site:
    host: str
    name: str
    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    url: str = ""

    def put(self, path: str, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        self.pages[path] = (content_type, body.encode())


@dataclass
class StoryWeb:
    """The sites, what each story's copies are (URL path per site) and the fetch log."""

    sites: list[Site]
    copies: dict[int, list[tuple[int, str]]]          # story -> [(site index, path)], original first
    hits: Counter = field(default_factory=Counter)    # "host:port/path" -> fetches
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def seeds(self) -> list[str]:
        return [f"{s.url}/" for s in self.sites] + [f"{s.url}/feed.xml" for s in self.sites]

    def url(self, site: int, path: str) -> str:
        return self.sites[site].url + path

    def article_urls(self) -> set[str]:
        return {self.url(site, path) for copies in self.copies.values() for site, path in copies}

    def fetched(self) -> int:
        with self.lock:
            return sum(self.hits.values())


def build(hosts: list[str], stories: int = 60, copies_every: int = 2, tags: int = 10,
          per_section: int = 8) -> StoryWeb:
    """Story ``i`` is first published by site ``i % len(hosts)``; every ``copies_every``-th story is
    republished by the next two sites, hours later, crediting the original publisher."""
    sites = [Site(host, SITE_NAMES[i % len(SITE_NAMES)]) for i, host in enumerate(hosts)]
    web = StoryWeb(sites, {})
    listed: dict[int, list[tuple[str, str, datetime]]] = {i: [] for i in range(len(sites))}
    for number in range(stories):
        home = number % len(sites)
        paragraphs = story(7000 + number)
        title = f"Story {number}: " + " ".join(paragraphs[0].split()[:6]).rstrip(".,")
        published = EPOCH + timedelta(hours=number)
        path = f"/news/{number}-{'-'.join(title.lower().split()[2:5])}"
        web.copies[number] = [(home, path)]
        listed[home].append((path, title, published))
        if number % copies_every == 0:
            for step in (1, 2):
                site = (home + step) % len(sites)
                copy_path = f"/world/copied-{number}"
                web.copies[number].append((site, copy_path))
                listed[site].append((copy_path, title, published + timedelta(hours=3 * step)))
    for index, site in enumerate(sites):
        entries = listed[index]
        for path, title, published in entries:
            number = int(path.split("/")[-1].split("-")[0 if path.startswith("/news/") else 1])
            paragraphs = story(7000 + number)
            original = path.startswith("/news/")
            after = [] if original else [f"This story first appeared in {escape(sites[web.copies[number][0][0]].name)}."]
            body = paragraphs if original else paragraphs[:-1]
            related = [(p, t) for p, t, _ in entries if p != path][:3]
            site.put(path, news_page(site=site.name, title=title, paragraphs=body, published=published,
                                     author=None if not original else f"Reporter {number % 7}", after=after,
                                     related=related))
        sections = [entries[i:i + per_section] for i in range(0, len(entries), per_section)]
        for n, chunk in enumerate(sections, start=1):
            links = "".join(f'<li><a href="{p}">{escape(t)}</a></li>' for p, t, _ in chunk)
            nav = (f'<a href="/section/{n - 1}">newer</a>' if n > 1 else "") + (
                f' <a href="/section/{n + 1}">older</a>' if n < len(sections) else "")
            site.put(f"/section/{n}", _listing(site.name, f"Section page {n}", links + nav))
        for tag in range(tags):
            chosen = entries[tag::tags]
            links = "".join(f'<li><a href="{p}">{escape(t)}</a></li>' for p, t, _ in chosen)
            site.put(f"/tag/topic-{tag}", _listing(site.name, f"Topic {tag}", links))
        home_links = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(1, len(sections) + 1))
        tag_links = "".join(f'<li><a href="/tag/topic-{t}">Topic {t}</a></li>' for t in range(tags))
        site.put("/", _listing(site.name, site.name, home_links + tag_links))
        items = "".join(f"<item><title>{escape(t)}</title><link>{{base}}{p}</link></item>" for p, t, _ in entries[-10:])
        site.put("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(site.name)}</title>'
                              f"{items}</channel></rss>", "application/rss+xml")
        site.put("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
    return web


def _listing(site: str, title: str, inner: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)} | {escape(site)}</title>"
            f"</head><body><header><a href='/'>{escape(site)}</a></header><h1>{escape(title)}</h1>"
            f"<ul>{inner}</ul><footer>All the news of the valley.</footer></body></html>")


class _Handler(BaseHTTPRequestHandler):
    web: StoryWeb
    site: Site

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        with self.web.lock:
            self.web.hits[f"{self.site.url}{self.path}"] += 1
        page = self.site.pages.get(self.path)
        if page is None:
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        content_type, body = page
        body = body.replace(b"{base}", self.site.url.encode())
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Served:
    """Serve a StoryWeb: ``with Served(build([...])) as web:`` (each site on its host, a free port)."""

    def __init__(self, web: StoryWeb) -> None:
        self.web = web
        self._servers: list[ThreadingHTTPServer] = []

    def __enter__(self) -> StoryWeb:
        for site in self.web.sites:
            handler = type("Handler", (_Handler,), {"web": self.web, "site": site})
            server = ThreadingHTTPServer((site.host, 0), handler)
            server.daemon_threads = True
            site.url = f"http://{site.host}:{server.server_address[1]}"
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._servers.append(server)
        return self.web

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
