"""WARC capture: a crawl with --warc keeps every response with its request in WARC/1.1 files that
warcio and fastwarc read back with verified digests; each article records where its page is; and
importing those files into a fresh archive gives the archive the crawl made."""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

from fastwarc.warc import ArchiveIterator as FastIterator
from fastwarc.warc import WarcRecordType
from warcio.archiveiterator import ArchiveIterator

from archivecheck import snapshot
from warcweb import LOOPBACK, crawl_fixtures, members, rows

from archive.extraction.urls import normalize_url

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ["127.0.0.111", "127.0.0.112", "127.0.0.113"]
NAME = re.compile(r"^newsarchive-\d{14}-[A-Za-z0-9._]+-\d+-\d{5}\.warc\.gz$")


web, crawled = crawl_fixtures(HOSTS, "warc-capture")


def test_every_response_is_stored_with_its_request_and_digests_verify(crawled):
    assert crawled.files and all(NAME.match(f.name) for f in crawled.files)
    responses, requests, concurrent = set(), 0, set()
    for path in crawled.files:
        with path.open("rb") as stream:
            records = list(_warcio_records(stream))
        assert records[0][0] == "warcinfo"
        for kind, record_id, refers, passed in records:
            assert passed is not False, f"{kind} {record_id}: digest does not verify"
            if kind == "response":
                responses.add(record_id)
            elif kind == "request":
                requests += 1
                concurrent.add(refers)
    assert len(responses) == crawled.fetched          # every response the server sent, robots.txt included
    assert requests == len(responses) and concurrent == responses
    fast = 0
    for path in crawled.files:
        with path.open("rb") as stream:
            for record in FastIterator(stream, parse_http=False):
                assert record.verify_block_digest(consume=False)
                if record.record_type == WarcRecordType.response:
                    record.parse_http()
                    assert record.verify_payload_digest(consume=True)
                    fast += 1
    assert fast == crawled.fetched


def _warcio_records(stream):
    for record in ArchiveIterator(stream, check_digests=True):
        record.content_stream().read()
        yield (record.rec_type, record.rec_headers.get_header("WARC-Record-ID"),
               record.rec_headers.get_header("WARC-Concurrent-To"), record.digest_checker.passed)


def test_each_article_records_where_its_raw_page_is(crawled):
    located = rows(crawled.db, "SELECT url, warc_file, warc_offset, warc_length, warc_record_id, warc_digest, "
                               "extractor_version, fingerprint_version FROM article")
    assert len(located) == 60
    by_file = {str(path): {m.offset: m for m in members(path)} for path in crawled.files}
    for url, file, offset, length, record_id, digest, extractor, fingerprint in located:
        member = by_file[file][offset]
        assert len(member.data) == length                  # exactly one gzip member
        record = member.record
        assert f"WARC-Record-ID: {record_id}".encode() in record
        assert f"WARC-Payload-Digest: {digest}".encode() in record
        assert normalize_url(member.url) == url
        assert extractor.startswith("1/trafilatura-") and len(fingerprint) == 16


def test_show_raw_prints_the_stored_page(crawled, newsarchive):
    article_id, title = rows(crawled.db, "SELECT id, title FROM article ORDER BY id LIMIT 1")[0]
    shown = newsarchive("show", "--raw", str(article_id), "--db", f"sqlite:///{crawled.db}", cwd=crawled.folder)
    assert shown.code == 0, shown.err
    head, _, body = shown.out.replace("\r\n", "\n").partition("\n\n")      # (read as text: newlines translated)
    assert head.startswith("HTTP/1.") and " 200 " in head.splitlines()[0]
    assert "Content-Type: text/html" in head
    assert f"<title>{title}" in body
    missing = newsarchive("show", "--raw", "99999", "--db", f"sqlite:///{crawled.db}", cwd=crawled.folder)
    assert missing.code == 1 and missing.err_lines[-1] == "Error: no article 99999"


def test_importing_the_crawls_warc_files_gives_the_same_archive(crawled, newsarchive, db_url, tmp_path):
    imported = newsarchive("import-warc", str(crawled.folder / "warcs" / "*.warc.gz"), "--db", db_url, cwd=tmp_path)
    assert imported.code == 0, imported.err[-3000:]
    assert "30 new articles, 30 duplicates" in imported.err
    crawl, again = snapshot(crawled.db), snapshot(db_url)
    assert again["articles"] == crawl["articles"]
    assert again["clusters"] == crawl["clusters"]
    assert again["counts"] == crawl["counts"]


def test_scrapy_crawl_with_the_setting_rotates_files(web, tmp_path, newsarchive):
    """`scrapy crawl news` with $NEWSARCHIVE_WARC_DIR keeps WARC files too; a small size setting
    gives many files, each opening with a warcinfo record, whose names sort in writing order."""
    folder = tmp_path / "warcs"
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"seeds={web.seeds[0]}", *LOOPBACK,
               "-s", "NEWSARCHIVE_WARC_MAX_SIZE=30000", "-s", f"NEWSARCHIVE_DB=sqlite:///{tmp_path / 'a.db'}"]
    before = web.fetched()
    running = newsarchive.start_command(command, cwd=ROOT, env={"NEWSARCHIVE_WARC_DIR": str(folder)})
    result = newsarchive.finish(running)
    assert result.code == 0, result.err[-3000:]
    files = sorted(folder.glob("*.warc.gz"))
    assert len(files) >= 3
    assert [int(f.name.rsplit("-", 1)[1].split(".")[0]) for f in files] == list(range(1, len(files) + 1))
    assert all(f.stat().st_size >= 30000 for f in files[:-1])
    kinds = [[m.kind for m in members(f)] for f in files]
    assert all(k[0] == "warcinfo" and k.count("warcinfo") == 1 for k in kinds)
    assert sum(k.count("response") for k in kinds) == web.fetched() - before
    assert gzip.decompress(files[0].read_bytes()).startswith(b"WARC/1.1\r\n")
