"""WARC import: resumed after SIGKILL at random records it ends with the archive an uninterrupted
import makes; a changed file is refused; bad records and files are counted and skipped; WARC files
are read over http(s) as well (a loopback server)."""

from __future__ import annotations

import functools
import gzip
import io
import random
import sqlite3
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.config import ArchiveConfig
from archivecheck import kill_if_running, snapshot
from crawler.reprocess import reprocess
from crawler.warcimport import import_files
from faultweb import wait_for
from warcweb import crawl_fixtures, members, rows

HOSTS = ["127.0.0.121", "127.0.0.122", "127.0.0.123"]
KILLS = 8


web, crawled = crawl_fixtures(HOSTS, "warc-import")


def _import(newsarchive, folder: Path, db: Path, *paths: str | Path, extra: tuple[str, ...] = ()):  # noqa: ANN001, ANN202
    return newsarchive("import-warc", *map(str, paths), *extra, "--db", f"sqlite:///{db}", cwd=folder)


def _committed(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT coalesce(sum(records), 0) FROM warc_import").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:      # not made yet
        return 0


def test_sigkill_at_random_records_then_finish_equals_one_import(crawled, newsarchive, tmp_path):
    total = sum(len(members(path)) for path in crawled.files)
    once = _import(newsarchive, tmp_path, tmp_path / "once.db", *crawled.files)
    assert once.code == 0, once.err[-2000:]
    killed, rng, landed = tmp_path / "killed.db", random.Random(20261205), 0
    for _ in range(KILLS):
        running = newsarchive.start("import-warc", *map(str, crawled.files), "--workers", "1", "--db",
                                    f"sqlite:///{killed}", cwd=tmp_path)
        target = _committed(killed) + rng.randint(1, 40)
        try:
            wait_for(lambda: _committed(killed) >= target or running.proc.poll() is not None, limit=120)
        finally:
            landed += kill_if_running(running.proc)
            newsarchive.stop(running)
    final = _import(newsarchive, tmp_path, killed, *crawled.files)
    assert final.code == 0, final.err[-2000:]
    print(f"\nWARC import SIGKILL: {landed} of {KILLS} kills landed; {total} records")
    assert landed >= KILLS // 2
    reference, resumed = snapshot(tmp_path / "once.db"), snapshot(killed)
    assert resumed["articles"] == reference["articles"] == snapshot(crawled.db)["articles"]
    assert resumed["clusters"] == reference["clusters"]
    assert resumed["counts"] == reference["counts"]
    # Each record was read once: the count goes on from the committed position, never back.
    assert rows(killed, "SELECT sum(records), min(state), max(state) FROM warc_import") == [(total, "done", "done")]
    again = _import(newsarchive, tmp_path, killed, *crawled.files)
    assert again.code == 0 and "0 records read" in again.err


def test_a_file_changed_since_its_import_started_is_refused(crawled, newsarchive, tmp_path):
    copy = tmp_path / "copy.warc.gz"
    copy.write_bytes(crawled.files[0].read_bytes())
    partial = _import(newsarchive, tmp_path, tmp_path / "a.db", copy, extra=("--limit", "5"))
    assert partial.code == 0, partial.err
    with copy.open("ab") as handle:
        handle.write(members(crawled.files[0])[-1].data)
    refused = _import(newsarchive, tmp_path, tmp_path / "a.db", copy)
    assert refused.code == 1
    errors = [line for line in refused.err_lines if "changed since its import started" in line]
    assert len(errors) == 1 and str(copy) in errors[0]


def _article_members(crawled) -> tuple[list, list[int]]:  # noqa: ANN001
    found = members(crawled.files[0])
    urls = {url for (url,) in rows(crawled.db, "SELECT url FROM article")}
    return found, [i for i, m in enumerate(found) if m.kind == "response" and m.url in urls]


def test_truncated_member_and_garbage_are_counted_and_skipped(crawled, newsarchive, tmp_path):
    found, pages = _article_members(crawled)
    cut = pages[len(pages) // 2]
    blob = b"".join(m.data[: len(m.data) // 2] if i == cut else m.data for i, m in enumerate(found))
    (tmp_path / "cut.warc.gz").write_bytes(blob)
    result = _import(newsarchive, tmp_path, tmp_path / "cut.db", tmp_path / "cut.warc.gz")
    assert result.code == 0, result.err[-2000:]
    assert "bad_record 1" in result.err_lines[-1]
    expected = {k for k in snapshot(crawled.db)["articles"]}
    assert set(snapshot(tmp_path / "cut.db")["articles"]) == expected - {_key(found[cut].url)}

    spot = pages[3] + 1
    blob = b"".join(m.data + (b"garbage between records\n" * 40 if i == spot else b"") for i, m in enumerate(found))
    (tmp_path / "garbage.warc.gz").write_bytes(blob)
    result = _import(newsarchive, tmp_path, tmp_path / "garbage.db", tmp_path / "garbage.warc.gz")
    assert result.code == 0, result.err[-2000:]
    assert "garbage 1" in result.err_lines[-1]
    assert snapshot(tmp_path / "garbage.db")["articles"] == snapshot(crawled.db)["articles"]


def _key(url: str) -> str:
    from archive.extraction.urls import url_key

    return url_key(url)


def test_wrong_length_and_bad_header_in_an_uncompressed_file(crawled, newsarchive, tmp_path):
    found, pages = _article_members(crawled)
    longer, broken = pages[2], pages[5]
    records = []
    for i, member in enumerate(found):
        record = member.record
        if i == longer:
            head, _, rest = record.partition(b"\r\n\r\n")
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            head = head.replace(f"Content-Length: {length}".encode(), f"Content-Length: {length + 40}".encode())
            record = head + b"\r\n\r\n" + rest
        elif i == broken:
            record = record.replace(b"WARC/1.1\r\n", b"WARC/1.1 garbled\x00header\r\n", 1)
        records.append(record)
    (tmp_path / "plain.warc").write_bytes(b"".join(records))
    result = _import(newsarchive, tmp_path, tmp_path / "plain.db", tmp_path / "plain.warc")
    assert result.code == 0, result.err[-2000:]
    assert "bad_record 2" in result.err_lines[-1]
    expected = set(snapshot(crawled.db)["articles"]) - {_key(found[longer].url), _key(found[broken].url)}
    assert set(snapshot(tmp_path / "plain.db")["articles"]) == expected


def test_files_that_are_not_warc(crawled, newsarchive, tmp_path):
    (tmp_path / "notes.txt").write_text("these are notes, not a WARC file\n" * 20)
    (tmp_path / "empty.warc.gz").write_bytes(b"")
    (tmp_path / "zipped.warc.gz").write_bytes(gzip.compress(b"<html>not a warc</html>" * 10))
    for name in ("notes.txt", "empty.warc.gz", "zipped.warc.gz"):
        result = _import(newsarchive, tmp_path, tmp_path / "none.db", tmp_path / name)
        assert result.code == 1, (name, result.err)
        assert sum("not a WARC file" in line for line in result.err_lines) == 1, result.err
    mixed = _import(newsarchive, tmp_path, tmp_path / "mixed.db", tmp_path / "notes.txt", crawled.files[0])
    assert mixed.code == 0
    assert "1 files refused" in mixed.err_lines[-1]
    assert snapshot(tmp_path / "mixed.db")["articles"] == snapshot(crawled.db)["articles"]


def test_non_html_oversized_and_broken_charset_records(crawled, newsarchive, tmp_path):
    found, pages = _article_members(crawled)
    good = found[pages[0]]
    path = tmp_path / "mixed.warc.gz"
    with path.open("wb") as handle:
        handle.write(good.data)
        writer = WARCWriter(handle, gzip=True, warc_version="1.1")
        for url, content_type, body in [
            ("http://127.0.0.124/logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
            ("http://127.0.0.124/huge", "text/html; charset=utf-8", b"<html><p>" + b"word " * 2_200_000 + b"</p></html>"),
            ("http://127.0.0.124/charset", "text/html; charset=no-such-charset",
             b"<html><head><meta charset='bogus-9'></head><p>\xff\xfe\xc3\x28 broken \xa0\xa1 bytes</p></html>"),
        ]:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          length=len(body), http_headers=headers))
    result = _import(newsarchive, tmp_path, tmp_path / "m.db", path)
    assert result.code == 0, result.err[-2000:]
    summary = result.err_lines[-1]
    assert "4 records read" in summary and "not_html 1" in summary and "oversized 1" in summary
    assert "1 new articles" in summary
    assert [url for (url,) in rows(tmp_path / "m.db", "SELECT url FROM article")] == [good.url]


def test_import_over_http_with_resume(crawled, newsarchive, tmp_path):
    """WARC files by URL from a loopback server (which ignores Range: the import skips to its position)."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(crawled.files[0].parent))
    handler.log_message = lambda *a: None
    server = ThreadingHTTPServer(("127.0.0.125", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        urls = [f"http://127.0.0.125:{server.server_address[1]}/{p.name}" for p in crawled.files]
        first = _import(newsarchive, tmp_path, tmp_path / "u.db", *urls, extra=("--limit", "20"))
        assert first.code == 0, first.err[-2000:]
        rest = _import(newsarchive, tmp_path, tmp_path / "u.db", *urls)
        assert rest.code == 0, rest.err[-2000:]
    finally:
        server.shutdown()
        server.server_close()
    imported, crawl = snapshot(tmp_path / "u.db"), snapshot(crawled.db)
    assert imported["articles"] == crawl["articles"] and imported["clusters"] == crawl["clusters"]
    files = rows(tmp_path / "u.db", "SELECT DISTINCT warc_file FROM article")
    assert {f for (f,) in files} == set(urls)


def test_fastwarc_and_warcio_read_the_same_records(crawled, monkeypatch):
    """warcio is the fallback reader: over the same file it gives the same records, offsets and pages."""
    import crawler.warcrecords as reading

    def read(reader: str, start: int = 0) -> list[tuple]:
        monkeypatch.setattr(reading, "READER", reader)
        return [(r.offset, r.end, r.url, r.date, r.record_id, r.digest, r.found_via, r.body)
                for r in reading.records(str(crawled.files[0]), start, reading.Filters())]

    fast = read("fastwarc")
    assert len(fast) == len(members(crawled.files[0])) and sum(r[-1] is not None for r in fast) > 100
    assert read("warcio") == fast
    middle = fast[len(fast) // 2][0]
    assert read("warcio", middle) == read("fastwarc", middle) == [r for r in fast if r[0] >= middle]


SPLIT_COPIES = ArchiveConfig(join_jaccard=0.99, join_containment=1.01, lead_paragraphs=0)   # only identical texts join


def test_reprocess_after_a_setting_change_equals_a_fresh_import(crawled, tmp_path):
    """Placed again with other clustering settings, the archive is the one a fresh import with those
    settings makes; the dry run reports the same changes and writes nothing; and back again."""
    db, fresh = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    import_files(db, [str(p) for p in crawled.files], workers=1)
    first = snapshot(tmp_path / "a.db")
    dry = reprocess(db, everything=True, dry_run=True, workers=1, config=SPLIT_COPIES)
    assert snapshot(tmp_path / "a.db") == first
    done = reprocess(db, everything=True, workers=1, config=SPLIT_COPIES)
    import_files(fresh, [str(p) for p in crawled.files], workers=1, config=SPLIT_COPIES)
    changed, expected = snapshot(tmp_path / "a.db"), snapshot(tmp_path / "b.db")
    assert changed["articles"] == expected["articles"] and changed["clusters"] == expected["clusters"]
    assert changed["counts"] == expected["counts"]
    # Every story the web republished (15 of 30, two copies each) loses its original to a story of its own.
    assert len(expected["clusters"]) == len(first["clusters"]) + 15
    assert dry.as_dict() | {"dry_run": False} == done.as_dict()
    assert (done.articles, done.split, done.moved, done.canonicals_changed, done.merged, done.texts_changed) == (
        60, 15, 15, 15, 0, 0)
    back = reprocess(db, everything=True, workers=1)
    assert (back.merged, back.split, back.canonicals_changed) == (15, 0, 15)
    assert snapshot(tmp_path / "a.db")["clusters"] == first["clusters"]


def test_reprocess_takes_what_another_extractor_made(crawled, newsarchive, tmp_path):
    db = tmp_path / "v.db"
    assert _import(newsarchive, tmp_path, db, *crawled.files).code == 0
    host = HOSTS[0]
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE article SET extractor_version = '0/old' WHERE site_id = "
                     "(SELECT id FROM site WHERE host LIKE ?)", (f"{host}:%",))
    conn.close()
    outdated = rows(db, "SELECT count(*) FROM article WHERE extractor_version = '0/old'")[0][0]
    assert outdated == 20
    args = ("reprocess", "--json", "--db", f"sqlite:///{db}")
    dry = newsarchive(*args, "--dry-run", cwd=tmp_path)
    assert dry.code == 0 and dry.json()["articles"] == 20 and dry.json()["dry_run"] is True
    assert rows(db, "SELECT count(*) FROM article WHERE extractor_version = '0/old'")[0][0] == 20
    done = newsarchive(*args, cwd=tmp_path)
    assert done.code == 0 and done.json()["articles"] == 20 and done.json()["texts_changed"] == 0
    assert rows(db, "SELECT count(*) FROM article WHERE extractor_version = '0/old'")[0][0] == 0
    assert newsarchive(*args, cwd=tmp_path).json()["articles"] == 0
    assert snapshot(db)["clusters"] == snapshot(crawled.db)["clusters"]
