"""Limits met by a crawl or a command: a gzip bomb is too large, a silent PostgreSQL server is given
up after NEWSARCHIVE_PG_CONNECT_TIMEOUT."""

from __future__ import annotations

import gzip
import socket
import threading

from faultweb import LOOPBACK_SETTINGS, Answer, FaultWeb, article_html, last_run, links_html


def test_a_gzip_bomb_is_counted_too_large(newsarchive, tmp_path):
    web = FaultWeb()
    site = web.site("127.0.0.2")
    site.page("/", article_html("Harbour dredging starts", 1, links=links_html("/bomb")))
    bomb = gzip.compress(b"<html><body>" + b" " * (64 * 2**20), mtime=0)       # 64 MiB unpacked, ~64 KiB sent
    site.routes["/bomb"] = Answer(200, bomb, (("Content-Type", "text/html"), ("Content-Encoding", "gzip")))
    try:
        result = newsarchive("crawl", f"{site.url}/", "--db", f"sqlite:///{tmp_path / 'a.db'}", *LOOPBACK_SETTINGS,
                             cwd=tmp_path, timeout=120)
    finally:
        web.close()
    assert result.code == 0, result.err[-3000:]
    assert last_run(tmp_path / "a.db")["stats"]["errors"] == {"too_large": 1}


def test_a_silent_postgresql_server_is_given_up_after_the_connect_timeout(newsarchive, tmp_path):
    """A server that accepts the connection and never answers (libpq alone waits for ever)."""
    listener = socket.create_server(("127.0.0.3", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    try:
        result = newsarchive("clusters", "--db", f"postgresql+psycopg://archive@127.0.0.3:{port}/news",
                             env={"NEWSARCHIVE_PG_CONNECT_TIMEOUT": "2"}, cwd=tmp_path, timeout=60)
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()
    assert result.code == 1 and "Traceback" not in result.err
    errors = [line for line in result.err_lines if line.startswith("Error:")]
    assert len(errors) == 1 and "timeout" in errors[0].lower(), result.err
