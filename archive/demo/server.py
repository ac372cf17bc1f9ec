"""Loopback HTTP server of the demo web: one ThreadingHTTPServer per site, each on its own 127.0.0.x address.

>>> from archive.demo.server import serve_demo
>>> with serve_demo() as demo:                        # doctest: +SKIP
...     print(demo.seeds[0])                          # http://127.0.0.61:41234/
...     # crawl demo.seeds, then compare with demo.truth

Run ``python -m archive.demo.server`` to serve it in the foreground and print the seed URLs.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import signal
import sys
import threading
import time
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from archive.demo.assemble import HTML
from archive.demo.sitegen import SITE_IDS, generate
from archive.demo.variety import Mix, benchmark_mix, generate_variety, site_ids, tuning_mix

if TYPE_CHECKING:
    from archive.demo.model import Resource, Truth
    from archive.demo.sitegen import DemoWeb

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.1   # seconds; how fast close() takes effect
NOT_FOUND = b"<!DOCTYPE html><html><head><title>Not found</title></head><body><h1>Not found</h1></body></html>\n"


class _SiteServer(ThreadingHTTPServer):
    """One site's server; the handler reads the web and the log from here."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], site_id: str, log: list, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.site_id = site_id
        self.request_log = log
        self.verbose = verbose
        self.web: DemoWeb | None = None
        self.lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        """One log line instead of the stdlib's traceback on stderr (e.g. a client that hung up)."""
        logger.debug("demo %s: error answering %s: %s", self.site_id, client_address[0], sys.exc_info()[1])


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def _not_modified(headers, etag: str, last_modified: datetime) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since."""
    none_match = headers.get("If-None-Match")
    if none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in none_match.split(",")}
        return "*" in tags or etag in tags
    since = headers.get("If-Modified-Since")
    if since:
        try:
            return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    server_version = "NewsarchiveDemo/1.0"
    protocol_version = "HTTP/1.1"
    server: _SiteServer

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        self._respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        resource = self.server.web.resolve(self.server.site_id, self.path) if self.server.web else None
        if resource is not None and resource.delay:
            time.sleep(resource.delay)
        # Logged before the answer goes out, so a client that has its answer finds it in the log.
        host = "%s:%d" % self.server.server_address[:2]
        with self.server.lock:
            self.server.request_log.append((host, self.path, self._status_of(resource)))
        if resource is None:
            self._send(404, HTML, NOT_FOUND, send_body)
        else:
            self._send_resource(resource, send_body)

    def _status_of(self, resource: Resource | None) -> int:
        if resource is None:
            return 404
        if resource.status == 200 and _not_modified(self.headers, _etag(resource.body), resource.last_modified):
            return 304
        return resource.status

    def _send_resource(self, resource: Resource, send_body: bool) -> int:
        etag = _etag(resource.body)
        extra = {"ETag": etag, "Last-Modified": format_datetime(resource.last_modified, usegmt=True)}
        if resource.status == 200 and _not_modified(self.headers, etag, resource.last_modified):
            self.send_response(304)
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            return 304
        return self._send(resource.status, resource.content_type, resource.body, send_body, extra)

    def _send(self, status: int, content_type: str, body: bytes, send_body: bool,
              extra: dict[str, str] | None = None) -> int:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)
        return status

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        if self.server.verbose:
            super().log_message(format, *args)


class DemoServer:
    """The running demo web. Use as a context manager, or call :meth:`close`.

    ``seeds``: each site's index, feed, sitemap and robots.txt URLs. ``truth``: the ground truth.
    ``sites``: site id -> origin (``http://127.0.0.61:PORT``). ``request_log``: ``(host, path,
    status)`` of every request answered, in order.
    """

    def __init__(self, host_base: str = "127.0.0.", first: int = 61, *, faults: bool = False,
                 verbose: bool = False, port: int = 0, site_ids: tuple[str, ...] = SITE_IDS,
                 build: Callable[[dict[str, str]], DemoWeb] | None = None) -> None:
        if not host_base.startswith("127.") or first < 1 or first + len(site_ids) - 1 > 254:
            raise ValueError(f"demo hosts must be loopback 127.x.y.1-254; got {host_base}{first}")
        self.request_log: list[tuple[str, str, int]] = []
        self._servers: list[_SiteServer] = []
        self._threads: list[threading.Thread] = []
        try:
            for number, site_id in enumerate(site_ids):
                self._servers.append(self._bind(f"{host_base}{first + number}", port, site_id, verbose))
        except OSError:
            self.close()
            raise
        self.sites = {s.site_id: "http://%s:%d" % s.server_address[:2] for s in self._servers}
        self.web = build(self.sites) if build else generate(self.sites, faults=faults)
        for server in self._servers:
            server.web = self.web
            thread = threading.Thread(target=server.serve_forever, args=(POLL_INTERVAL,), name=f"demo-{server.site_id}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.debug("demo web serving %d sites", len(self._servers))

    def _bind(self, host: str, port: int, site_id: str, verbose: bool) -> _SiteServer:
        """Bind ``port`` if given and free (stable URLs across demo runs), else any free port."""
        if port:
            try:
                return _SiteServer((host, port), site_id, self.request_log, verbose)
            except OSError:
                logger.debug("port %d busy on %s; using a free one", port, host)
        return _SiteServer((host, 0), site_id, self.request_log, verbose)

    @property
    def seeds(self) -> tuple[str, ...]:
        return self.web.seeds

    @property
    def truth(self) -> Truth:
        return self.web.truth

    def close(self) -> None:
        """Stop every site server and release its socket (safe to call twice)."""
        running = self._servers[: len(self._threads)]     # shutdown() blocks unless serve_forever runs
        stoppers = [threading.Thread(target=server.shutdown, daemon=True) for server in running]
        for stopper in stoppers:      # in parallel: each shutdown waits for one poll interval
            stopper.start()
        for stopper in stoppers + self._threads:
            stopper.join(timeout=5)
        for server in self._servers:
            server.server_close()
        self._servers, self._threads = [], []

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve_variety(seed: int, mix: Mix | None = None, *, host_base: str = "127.0.0.", first: int = 150,
                  port: int = 0) -> DemoServer:
    """Start the multilingual variety web of ``seed`` (see :mod:`archive.demo.variety`) on
    ``host_base + first`` onwards, one address per site, and return it running."""
    mix = mix or tuning_mix()
    return DemoServer(host_base, first, port=port, site_ids=site_ids(mix),
                      build=lambda origins: generate_variety(origins, seed=seed, mix=mix))


def serve_web(variety: int | None = None, *, port: int = 0) -> DemoServer:
    """The bundled demo web, or with ``variety`` the multilingual web of that seed (every
    template and language, the held-out ones included), running."""
    return serve_demo(port=port) if variety is None else serve_variety(variety, benchmark_mix(), port=port)


def serve_demo(host_base: str = "127.0.0.", first: int = 61, *, faults: bool = False,
               verbose: bool = False, port: int = 0) -> DemoServer:
    """Start the demo web on ``host_base + first``, ``+1``, ... and return it running.

    ``port`` 0 takes a free port per site; another value is tried first (``newsarchive demo``
    uses a fixed one so that a second demo run finds the same URLs in its archive).

    The returned :class:`DemoServer` is a context manager: ``with serve_demo() as demo: ...``.
    """
    return DemoServer(host_base, first, faults=faults, verbose=verbose, port=port)


def main(argv: list[str] | None = None) -> int:
    """Serve the demo web in the foreground until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m archive.demo.server", description=main.__doc__)
    parser.add_argument("--first", type=int, default=61, help="last octet of the first site's address")
    parser.add_argument("--host-base", default="127.0.0.", help="loopback address prefix (default 127.0.0.)")
    parser.add_argument("--faults", action="store_true", help="add 500, PDF, empty, truncated and slow pages")
    parser.add_argument("--truth", metavar="FILE", help="also write the ground truth JSON to FILE")
    parser.add_argument("--variety", type=int, metavar="SEED",
                        help="serve the multilingual variety web of SEED instead (held-out template and language included)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    try:
        if args.variety is not None:
            demo = serve_variety(args.variety, benchmark_mix(), host_base=args.host_base, first=args.first)
        else:
            demo = serve_demo(args.host_base, args.first, faults=args.faults, verbose=args.verbose)
    except (OSError, ValueError) as exc:
        print(f"Error: cannot start the demo web: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with demo:
        if args.truth:
            demo.web.write_truth(Path(args.truth))
        print("\n".join(demo.seeds), flush=True)
        print(f"Serving {len(demo.sites)} demo sites; Ctrl-C to stop.", file=sys.stderr, flush=True)
        try:
            while not stop.wait(POLL_INTERVAL):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
