"""A loopback web site for fault tests: each path answers as its test says, every request is logged."""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from textgen import story

_SEQUENCE = itertools.count()           # one order across every site of a test
_SEQUENCE_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Answer:
    """One response: ``chunks`` are written one after another; ``length`` False omits Content-Length
    (the body then ends when the connection closes)."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)
    length: bool = True
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Hit:
    """A request the site received: global order, arrival time (monotonic) and path."""

    seq: int
    at: float
    path: str


@dataclass
class FaultSite:
    """``routes`` maps a path to an Answer or a function of the path's hit number (0, 1, ...)."""

    host: str
    routes: dict[str, Answer | Callable[[int], Answer]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)   # ends long delays at teardown

    def page(self, path: str, html: str | bytes, content_type: str = "text/html; charset=utf-8") -> None:
        body = html.encode() if isinstance(html, str) else html
        self.routes[path] = Answer(200, body, (("Content-Type", content_type),))

    def fetched(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def paths(self) -> list[str]:
        return [h.path for h in self.hits]


def _handler(site: FaultSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            with _SEQUENCE_LOCK:
                hit = Hit(next(_SEQUENCE), time.monotonic(), self.path)
                number = sum(1 for h in site.hits if h.path == self.path)
                site.hits.append(hit)
            route = site.routes.get(self.path, Answer(404, b"<h1>not here</h1>"))
            answer = route(number) if callable(route) else route
            if answer.delay:
                site.release.wait(answer.delay)
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            if answer.length:
                self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            try:
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass            # the crawler hung up (a size limit, a stopped download)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


class FaultWeb:
    """Start FaultSites on loopback addresses (127.0.0.N, port 0); stop them all at the end."""

    def __init__(self) -> None:
        self._servers: list[tuple[ThreadingHTTPServer, FaultSite]] = []

    def site(self, host: str = "127.0.0.2") -> FaultSite:
        site = FaultSite(host)
        server = ThreadingHTTPServer((host, 0), _handler(site))
        server.daemon_threads = True
        site.url = f"http://{host}:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._servers.append((server, site))
        return site

    def close(self) -> None:
        for server, site in self._servers:
            site.release.set()
            server.shutdown()
            server.server_close()


def article_html(title: str, seed: int, extra: str = "", links: str = "") -> str:
    """An article page of written-for-the-test prose; ``extra`` is one more paragraph."""
    paragraphs = "".join(f"<p>{p}</p>" for p in story(seed)) + (f"<p>{extra}</p>" if extra else "")
    return (f"<!doctype html><html><head><title>{title}</title>"
            f'<meta property="og:type" content="article"></head><body><article><h1>{title}</h1>'
            f"{paragraphs}</article>{links}</body></html>")


def links_html(*hrefs: str) -> str:
    return "<html><body>" + "".join(f'<a href="{h}">link</a>' for h in hrefs) + "</body></html>"


LOOPBACK_SETTINGS = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NEWSARCHIVE_WORKERS=1",
                     "-s", "DOWNLOAD_TIMEOUT=10")


def last_run(db: Path) -> dict:
    """The newest crawl_run row of a SQLite archive, stats decoded."""
    import json

    with sqlite3.connect(db) as conn:
        status, stats, reason = conn.execute(
            "SELECT status, stats, reason FROM crawl_run ORDER BY id DESC LIMIT 1").fetchone()
    return {"status": status, "stats": json.loads(stats) if stats else {}, "reason": reason}


def wait_for(predicate: Callable[[], bool], proc: subprocess.Popen | None = None, limit: float = 60) -> None:
    """Poll until ``predicate()`` holds (a bound for a hung test, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the process ended (exit {proc.returncode}) before the awaited state")
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {limit} s")
        time.sleep(0.05)
